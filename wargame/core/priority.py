"""The decision-support simulations take the CPU the pages leave, and no more.

Linux shares the CPU at two levels: between *autogroups*, one per session (a process started
with a session of its own, as `honcho start` and the benchmark start each of theirs, gets
its own), equally; then, inside an autogroup, by scheduling policy and nice value. A worker
under `chrt --idle 0` (SCHED_IDLE) alone therefore deferred only to its own session: on a
2-core server with 200 players its session still got as much CPU as the web processes'
whenever both wanted more, and every save waited behind the simulations (p95 3 s instead of
0.24 s, bench/README.md).
"""

import logging
import os
from pathlib import Path

logger = logging.getLogger(__name__)

AUTOGROUP = Path("/proc/self/autogroup")
LOWEST_NICE = 19


def yield_cpu() -> list[str]:
    """Puts this process, and the processes it forks afterwards, below every other one: its
    scheduling policy SCHED_IDLE, and, when it leads its session, that session's autogroup
    at nice 19. A session it only shares (a shell's, or one `honcho` started every process
    in) is left as it is: lowering it would lower the processes it shares it with, the web
    processes too. Returns what was done, for the worker's log."""
    done = []
    if hasattr(os, "SCHED_IDLE"):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        done.append("SCHED_IDLE")
    if os.getsid(0) == os.getpid() and AUTOGROUP.exists():
        AUTOGROUP.write_text(f"{LOWEST_NICE}\n")
        done.append(f"its session's autogroup at nice {LOWEST_NICE}")
    return done
