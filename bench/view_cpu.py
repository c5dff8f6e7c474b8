"""Where a load level's web CPU goes, view by view, measured in the real server.

The benchmark's web processes run with this middleware outermost (``bench.settings_bench``):
each request's CPU, of the one thread that runs it through every middleware and the view
(``wargame/core/asgi.py``), is appended with its view's name to a file per process in
``BENCH_VIEW_CPU_DIR``. ``bench/run.py`` adds them up per level, beside the processes' own
CPU: what is left was spent outside the middleware's window: the server and the event
loop (HTTP, ASGI, the notices handed to Redis) and Django's handler around the middleware
(building the request, the request_started/finished signals, which close the database
connection when it is not kept, sending the response).
"""

from __future__ import annotations

import os
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from django.http import HttpRequest, HttpResponse


class ViewCPU:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        folder = Path(os.environ["BENCH_VIEW_CPU_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        self.rows = (folder / f"{os.getpid()}.csv").open("a", buffering=1)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.thread_time()
        response = self.get_response(request)
        spent = (time.thread_time() - started) * 1000
        match = request.resolver_match
        self.rows.write(f"{time.time():.3f},{match.view_name if match else '-'},{spent:.3f}\n")
        return response


def by_view(folder: Path, start: float, end: float) -> dict[str, dict]:
    """The requests that ended between ``start`` and ``end`` (Unix time), per view, the
    costliest first: how many, their CPU's median and mean in ms, and its sum in seconds."""
    spent: dict[str, list[float]] = defaultdict(list)
    for path in folder.glob("*.csv"):
        for line in path.read_text().splitlines():
            ended, view, ms = line.split(",")
            if start <= float(ended) <= end:
                spent[view].append(float(ms))
    views = {
        view: {
            "requests": len(ms),
            "cpu_ms_median": round(statistics.median(ms), 2),
            "cpu_ms_mean": round(statistics.mean(ms), 2),
            "cpu_seconds": round(sum(ms) / 1000, 2),
        }
        for view, ms in spent.items()
    }
    return dict(sorted(views.items(), key=lambda item: -item[1]["cpu_seconds"]))
