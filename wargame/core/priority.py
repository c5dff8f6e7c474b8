"""The decision-support simulations take the CPU the pages leave, and no more.

Linux shares the CPU first equally between *autogroups* (one per session), then by
scheduling policy and nice inside each; a process manager that gives every process a
session of its own (`honcho start`) therefore made SCHED_IDLE alone useless (bench/HISTORY.md,
2026-12-03, afternoon).
"""

import logging
import os
import time
from pathlib import Path

logger = logging.getLogger(__name__)

AUTOGROUP = Path("/proc/self/autogroup")
LOWEST_NICE = 19
# Without CAP_SYS_ADMIN the kernel takes one autogroup nice change per 100 ms, machine-wide.
AUTOGROUP_RETRY_SECONDS = 0.11


def yield_cpu() -> list[str]:
    """Puts this process, and the processes it forks afterwards, below every other one: its
    scheduling policy SCHED_IDLE, and, when it leads its session, that session's autogroup
    at nice 19. A session it only shares (a shell's) is left as it is: lowering it would
    lower the processes it shares it with, web processes too. Returns what was done; what
    the system refuses is logged, and the worker runs on at its priority."""
    done = []
    if hasattr(os, "SCHED_IDLE"):
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
            done.append("SCHED_IDLE")
        except OSError as exc:
            logger.warning("Could not set SCHED_IDLE: %s", exc)
    if AUTOGROUP.exists() and os.getsid(0) == os.getpid():
        try:
            _lowest_autogroup()
            done.append(f"its session's autogroup at nice {LOWEST_NICE}")
        except OSError as exc:
            logger.warning("Could not lower the session's autogroup: %s", exc)
    return done


def _lowest_autogroup() -> None:
    try:
        AUTOGROUP.write_text(f"{LOWEST_NICE}\n")
    except BlockingIOError:
        time.sleep(AUTOGROUP_RETRY_SECONDS)
        AUTOGROUP.write_text(f"{LOWEST_NICE}\n")
