"""Build times of the after-action report of an 8-turn, 4-team exercise (not a test).

    .venv/bin/python bench/report_bench.py [--repeat 5] [--json out.json]

Creates a throw-away SQLite database, plays an exercise with `play_demo --finish` (8 turns,
4 bot teams), then times, in one warm process as a Celery worker would run them: the data
gathering, the HTML rendering and the PDF rendering, each end to end from the database
(`report_data` + renderer). Each figure is the best of `--repeat` timings, as usual on a
shared machine; the median is printed beside it. The issue's targets: HTML < 0.5 s, PDF < 5 s.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_tmp = tempfile.mkdtemp(prefix="report-bench-")
os.environ["DATABASE_URL"] = f"sqlite:///{_tmp}/bench.sqlite3"
os.environ["MEDIA_ROOT"] = f"{_tmp}/media"
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wargame.settings")
os.environ.setdefault("DEADLINE_SWEEPER_THREAD", "false")
# DEBUG stays off, as on a worker: the settings then want a real key.
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from wargame.exercises.models import Exercise  # noqa: E402
from wargame.reports.gather import report_data  # noqa: E402
from wargame.reports.renderers import render  # noqa: E402

TARGETS = {"html": 0.5, "pdf": 5.0}


def _time(function, repeat: int) -> list[float]:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return timings


def _pages(pdf: bytes) -> int:
    import pypdf  # a test dependency; the pages may sit in compressed object streams

    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, help="Also write the figures to this file.")
    args = parser.parse_args()

    out = io.StringIO()
    call_command("migrate", verbosity=0, stdout=out)
    call_command("setup_demo", stdout=out)
    call_command("play_demo", "--finish", stdout=out)
    exercise = Exercise.objects.get()
    teams, turns = exercise.teams.count(), exercise.turn_set.count()

    # Warm up once: scenario cache, templates, fonts, pango.
    data = report_data(exercise.pk)
    render(data, "html")
    pdf = render(data, "pdf")

    figures = {
        "exercise": {"turns": turns, "teams": teams, "pdf_pages": _pages(pdf)},
        "gather": _time(lambda: report_data(exercise.pk), args.repeat),
        "html": _time(lambda: render(report_data(exercise.pk), "html"), args.repeat),
        "pdf": _time(lambda: render(report_data(exercise.pk), "pdf"), args.repeat),
    }
    print(
        f"Report of an exercise of {turns} turns and {teams} teams, "
        f"{figures['exercise']['pdf_pages']} PDF pages ({args.repeat} runs each)"
    )
    results = {"exercise": figures["exercise"]}
    for name in ("gather", "html", "pdf"):
        timings = figures[name]
        best, median = min(timings), statistics.median(timings)
        target = TARGETS.get(name)
        verdict = "" if target is None else ("  ok" if best < target else f"  OVER {target} s")
        print(f"  {name:<7} best {best:6.3f} s   median {median:6.3f} s{verdict}")
        results[name] = {"best_s": best, "median_s": median, "runs": timings, "target_s": target}
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
