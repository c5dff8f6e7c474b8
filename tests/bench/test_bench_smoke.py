"""The load benchmark still runs: a smoke run of `make bench` (1 exercise, 4 players, 1 turn).

It starts the real stack (uvicorn, the Celery workers and beat) on a database and a Redis
database number of its own, plays one turn with locust and writes its figures. Only the
plumbing is checked here, never the machine's speed: the figures themselves are for
`make bench` (bench/README.md).
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import _unavailable

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


@pytest.fixture
def bench_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        _unavailable(
            "needs PostgreSQL: set DATABASE_URL, e.g. postgres://postgres@127.0.0.1/wargame"
        )
    return urlunsplit(urlsplit(url)._replace(path="/wargame_bench_smoke"))


def test_a_smoke_run_plays_a_turn_and_writes_its_figures(redis_url, bench_database_url, tmp_path):
    out = tmp_path / "smoke.json"
    result = subprocess.run(
        [
            sys.executable,
            "bench/run.py",
            "--smoke",
            "--database-url",
            bench_database_url,
            "--redis-url",
            redis_url,
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    figures = json.loads(out.read_text())

    assert {"date", "loadavg", "levels", "throughput", "targets_met", "engine", "reports"} <= set(
        figures
    )
    (level,) = figures["levels"]
    assert level["players"] == 4
    assert level["exercises_completed"] == 1
    assert level["errors"] == 0, level["error_details"]
    for kind in ("team page", "save draft", "submit move", "review: publish", "websocket connect"):
        assert level["requests"][kind]["requests"] > 0, kind
        assert {"p50_ms", "p95_ms", "p99_ms", "rps"} <= set(level["requests"][kind])
    views = level["web_cpu_by_view"]
    for view in ("exercises:team", "exercises:move", "exercises:review_action"):
        assert views[view]["requests"] > 0, views
        assert views[view]["cpu_ms_mean"] > 0, views
    sent = sum(level["requests"][kind]["requests"] for kind in ("save draft", "submit move"))
    assert abs(views["exercises:move"]["requests"] - sent) <= 1, views  # one cut off at the end
    assert level["web_cpu_outside_views_seconds"] >= 0
    publish = level["notifications"]["publish"]
    assert publish["turns"] == 1
    assert publish["browsers_missed"] == 0
    assert publish["to_last_browser_p95_ms"] is not None
    assert figures["throughput"]["team_page_rps"] > 0
    assert figures["throughput"]["bare_rps"] > 0
    spent = figures["throughput"]["cpu_ms_per_request"]
    assert spent["throughput"].get("web", 0) > 0, spent
    assert spent["throughput"].get("postgres", 0) > 0, spent  # the viewer's query
    assert spent["bare"].get("bare", 0) > 0, spent
    cpu = figures["cpu_ms_per_request"]
    assert set(cpu) == {
        "team page",
        "save draft",
        "chat message",
        "decision support",
        "control status",
        "control messages",
    }
    assert all(ms > 0 for ms in cpu.values()), cpu
