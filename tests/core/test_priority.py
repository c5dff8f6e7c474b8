"""The decision-support worker runs below the pages, in every process it forks."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _autogroup_nice(pid: int | str = "self") -> int:
    # "/autogroup-42 nice 19"
    return int(Path(f"/proc/{pid}/autogroup").read_text().split()[-1])


def _worker_processes(queue: str, redis_url: str):
    """A Celery worker of ``queue`` started as `honcho start` starts it, in a session of its
    own, on a Redis database no test queues tasks in; yields its main process and its pool's
    processes once it is ready."""
    broker = redis_url.rsplit("/", 1)[0] + "/15"
    command = [sys.executable, "-m", "celery", "-A", "wargame", "worker", "-Q", queue]
    command += ["-n", f"priority-{queue}-{os.getpid()}@%h", "--concurrency", "2"]
    command += ["--loglevel", "INFO", "--without-gossip", "--without-mingle"]
    worker = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, "REDIS_URL": broker},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    log = []
    try:
        deadline = time.monotonic() + 60
        while not any(" ready." in line for line in log):
            line = worker.stdout.readline()
            if not line or time.monotonic() > deadline:
                pytest.fail("the worker did not start:\n" + "".join(log))
            log.append(line)
        children = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(worker.pid)],
            capture_output=True,
            text=True,
        ).stdout.split()
        yield [worker.pid, *map(int, children)], "".join(log)
    finally:
        worker.terminate()
        worker.communicate(timeout=30)


@pytest.fixture
def previews_worker(redis_url):
    yield from _worker_processes("previews", redis_url)


@pytest.fixture
def adjudication_worker(redis_url):
    yield from _worker_processes("celery", redis_url)


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
        assert os.sched_getscheduler(pid) == os.SCHED_OTHER
        assert _autogroup_nice(pid) == 0
    assert "simulations" not in log


def test_a_worker_sharing_its_session_leaves_the_others_of_the_session_alone():
    """Started from a shell beside the web processes, the worker lowers itself only, not
    the session's autogroup they share."""
    before = _autogroup_nice()
    script = (
        "import os\n"
        "from wargame.core.priority import yield_cpu\n"
        "print(yield_cpu(), os.sched_getscheduler(0) == os.SCHED_IDLE)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "['SCHED_IDLE'] True"
    assert _autogroup_nice() == before
