"""The decision-support worker runs below the pages, in every process it forks."""

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import _unavailable

ROOT = Path(__file__).resolve().parents[2]
Worker = tuple[list[int], str]  # the worker's processes, its log up to "ready"


@pytest.fixture(scope="module")
def autogroups() -> None:
    if not Path("/proc/self/autogroup").exists():
        _unavailable("needs Linux with autogroups (/proc/self/autogroup)")


def _autogroup_nice(pid: int) -> int:
    # "/autogroup-42 nice 19"; empty in the root autogroup (no setsid() in the ancestry)
    return int(Path(f"/proc/{pid}/autogroup").read_text().split()[-1])


def _procfile(name: str) -> str:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return next(line.split(":", 1)[1].strip() for line in lines if line.startswith(f"{name}:"))


def _started(command: str, redis_url: str) -> Iterator[Worker]:
    """``command`` run as `honcho start` runs a Procfile's line (by the shell, in a session
    of its own), on a Redis database no test queues tasks in; yields once it is ready."""
    broker = urlsplit(redis_url)._replace(path="/15").geturl()
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    worker = subprocess.Popen(
        ["sh", "-c", command],
        cwd=ROOT,
        env={**os.environ, "REDIS_URL": broker, "PATH": path},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line) for line in worker.stdout], daemon=True
    ).start()
    log = []
    try:
        deadline = time.monotonic() + 60
        while not any(" ready." in line for line in log):
            try:
                log.append(lines.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                pytest.fail("the worker did not start:\n" + "".join(log))
        children = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(worker.pid)], capture_output=True, text=True
        ).stdout.split()
        yield [worker.pid, *map(int, children)], "".join(log)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


@pytest.fixture
def previews_worker(redis_url, autogroups) -> Iterator[Worker]:
    """The Procfile's own line."""
    yield from _started(_procfile("previews"), redis_url)


@pytest.fixture
def adjudication_worker(redis_url, autogroups) -> Iterator[Worker]:
    yield from _started(
        "exec celery -A wargame worker -Q celery --concurrency 2 --loglevel INFO", redis_url
    )


def test_the_simulations_worker_takes_only_cpu_no_other_process_wants(previews_worker):
    processes, log = previews_worker
    assert len(processes) == 3  # the worker and its two pool processes
    for pid in processes:
        assert os.sched_getscheduler(pid) == os.SCHED_IDLE
        assert _autogroup_nice(pid) == 19
    assert "runs simulations on CPU nothing else wants" in log


def test_the_adjudication_worker_keeps_the_pages_priority(adjudication_worker):
    """An adjudication holds its turn's rows, which players' saves wait for."""
    processes, log = adjudication_worker
    for pid in processes:
        assert os.sched_getscheduler(pid) == os.sched_getscheduler(0)
        assert _autogroup_nice(pid) == 0
    assert "nothing else wants" not in log


def test_a_worker_sharing_its_session_leaves_the_others_of_the_session_alone(autogroups):
    """Started from a shell beside the web processes, the worker lowers itself only, not
    the session's autogroup they share."""
    script = (
        "import os\n"
        "from wargame.core.priority import yield_cpu\n"
        "print(yield_cpu(), os.sched_getscheduler(0) == os.SCHED_IDLE)\n"
    )
    shell = subprocess.run(
        [
            "sh",
            "-c",
            'cat /proc/$$/autogroup && "$0" -c "$1" && cat /proc/$$/autogroup',
            sys.executable,
            script,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        start_new_session=True,
    )
    assert shell.returncode == 0, shell.stderr
    before, worker, after = shell.stdout.splitlines()
    assert worker == "['SCHED_IDLE'] True"
    assert before.endswith(" nice 0")
    assert after == before
