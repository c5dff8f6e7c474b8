"""Latency of the decision-support preview, through the real view, cold and cached.

    DJANGO_SETTINGS_MODULE=wargame.settings .venv/bin/python bench/preview_bench.py \
        [--samples 20] [--json out.json]

Builds an exercise of the built-in scenario in a throw-away SQLite database, plays it to
turn 1 and to turn 7 (8 turns), and times GET /play/<id>/preview/ for random valid packages
of the Japanese team: "cold" clears the cache first (package and hold baseline are both
simulated), "cached" repeats a package already seen. Prints p50 and p95 in milliseconds.
Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_db = Path(tempfile.mkdtemp()) / "bench.sqlite3"
os.environ["DATABASE_URL"] = f"sqlite:///{_db}"
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wargame.settings")
os.environ.setdefault("DEADLINE_SWEEPER_THREAD", "false")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from wargame.engine import WorldState, choose_move, validate_move  # noqa: E402
from wargame.exercises.access import ROLES_COOKIE, BrowserRoles  # noqa: E402
from wargame.exercises.scenarios import get_scenario  # noqa: E402
from wargame.exercises.services.audit import facilitator_actor  # noqa: E402
from wargame.exercises.services.exercises import exercise_create, exercise_start  # noqa: E402
from wargame.exercises.services.moves import participant_join  # noqa: E402
from wargame.exercises.services.turns import (  # noqa: E402
    turn_adjudicate,
    turn_lock,
    turn_publish,
)

TEAM = "japan"


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _packages(scenario, state, count: int, seed: int) -> list[dict[str, str]]:
    rng = random.Random(seed)
    packages, seen = [], set()
    while len(packages) < count:
        strategy = rng.choice(["hawkish", "accommodating", "hedging", "random"])
        move = choose_move(scenario, TEAM, state, strategy, rng)
        key = tuple((c.action, c.target, c.intensity) for c in move.actions)
        if not move.actions or key in seen or validate_move(scenario, state, move):
            continue
        seen.add(key)
        form = {}
        for c in move.actions:
            form[f"act__{c.action}"] = "on"
            if c.target:
                form[f"target__{c.action}"] = c.target
            if c.intensity:
                form[f"intensity__{c.action}"] = c.intensity
        packages.append(form)
    return packages


def _advance_to(exercise, number: int) -> None:
    while exercise.current_turn < number:
        turn = exercise.turn_set.order_by("-number").first()
        turn_lock(turn_id=turn.pk, actor=facilitator_actor(exercise.facilitator), reason="bench")
        turn_adjudicate(turn_id=turn.pk)
        turn_publish(turn_id=turn.pk, user=exercise.facilitator)
        exercise.refresh_from_db()


def measure(number: int, samples: int) -> dict[str, float]:
    user = get_user_model().objects.create_user(f"bench{number}")
    exercise = exercise_create(
        facilitator=user, scenario_slug="japan-korea-2025", title="Bench", turns=8, seed=number
    )
    exercise_start(exercise_id=exercise.pk, user=user)
    exercise.refresh_from_db()
    _advance_to(exercise, number)
    participant = participant_join(team=exercise.teams.get(key=TEAM), display_name="Bench")
    client = Client()
    client.cookies[ROLES_COOKIE] = BrowserRoles().with_player(participant).cookie_value()
    turn = exercise.turn_set.order_by("-number").first()
    scenario = get_scenario("japan-korea-2025")
    packages = _packages(scenario, WorldState.from_dict(turn.state_before), samples, number)
    url = f"/play/{exercise.pk}/preview/"
    client.get(url, packages[0])  # warm the scenario, templates and URL resolver
    cold, cached = [], []
    for form in packages:
        cache.clear()
        began = time.perf_counter()
        response = client.get(url, form)
        cold.append(time.perf_counter() - began)
        assert response.status_code == 200 and b"simulated games" in response.content
    for form in packages:
        client.get(url, form)  # the cold loop cleared the cache: fill it again
        began = time.perf_counter()
        client.get(url, form)
        cached.append(time.perf_counter() - began)
    return {
        "turn": number,
        "samples": samples,
        "cold_p50_ms": 1000 * statistics.median(cold),
        "cold_p95_ms": 1000 * _percentile(cold, 0.95),
        "cached_p50_ms": 1000 * statistics.median(cached),
        "cached_p95_ms": 1000 * _percentile(cached, 0.95),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    settings.SECURE_SSL_REDIRECT = False
    call_command("migrate", verbosity=0)
    results = [measure(number, args.samples) for number in (1, 7)]
    for r in results:
        print(
            f"turn {r['turn']}: cold p50 {r['cold_p50_ms']:.0f} ms, p95 {r['cold_p95_ms']:.0f} ms"
            f" · cached p50 {r['cached_p50_ms']:.1f} ms, p95 {r['cached_p95_ms']:.1f} ms"
            f" ({r['samples']} packages)"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
