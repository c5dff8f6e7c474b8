"""Games per second of the engine's Monte Carlo simulation, on one core.

    .venv/bin/python bench/engine_bench.py [--runs 3000] [--repeat 5] [--json out.json]

Measures a synthetic scenario of realistic size (4 teams of 10 actions, 12 events, 8 rules,
5 futures, 8 turns), the engine's minimal test scenario, and the built-in scenario when it
exists and validates. Each figure is the best of `--repeat` timings, the usual way to read
a benchmark on a shared machine; the median is printed beside it.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wargame.engine import ScenarioError, load_scenario, load_scenario_text, simulate  # noqa: E402

TEAMS = ("japan", "korea", "usa", "china")
STANCES = ("hawkish", "accommodating", "hedging", "neutral")
CATEGORIES = ("security", "economy", "diplomacy", "domestic")
TARGET = 2000  # games per second


def synthetic_scenario(seed: int = 0) -> str:
    """A scenario shaped like a real one, with invented content."""
    rng = random.Random(seed)
    indicators = [f"ind_{n}" for n in range(14)]
    actions = [_action(rng, team, n, indicators) for team in TEAMS for n in range(10)]
    data = {
        "id": "synthetic-bench",
        "title": "Synthetic benchmark scenario",
        "summary": "Invented; sized like the built-in scenario.",
        "sources": [{"title": "none"}],
        "turns": {"default": 8, "min": 2, "max": 12},
        "budget": 4,
        "indicators": [
            {"id": i, "name": i, "min": 0, "max": 100, "start": rng.randint(30, 70)}
            for i in indicators
        ],
        "teams": [
            {
                "id": team,
                "name": team.title(),
                "briefing": {"role": "r", "situation": "s"},
                "actions": [f"{team}_{n}" for n in range(10)],
            }
            for team in TEAMS
        ],
        "actions": actions,
        "hold": {"narrative": "{team} holds.", "effects": {indicators[0]: -1}},
        "rules": [_rule(rng, n, actions, indicators) for n in range(8)],
        "events": [_event(rng, n, indicators) for n in range(12)],
        "futures": [
            {
                "id": f"future_{n}",
                "name": f"Future {n}",
                "when": {
                    "all": [
                        {"indicator": indicators[n], "gte": 60},
                        {"indicator": indicators[n + 5], "lt": 50},
                    ]
                },
            }
            for n in range(4)
        ]
        + [{"id": "drift", "name": "Drift"}],
    }
    return yaml.safe_dump(data, sort_keys=False)


def _effects(rng: random.Random, indicators: list[str], count: int) -> dict[str, int]:
    return {i: rng.choice([-4, -3, -2, 2, 3, 5]) for i in rng.sample(indicators, count)}


def _action(rng: random.Random, team: str, n: int, indicators: list[str]) -> dict:
    action: dict = {
        "id": f"{team}_{n}",
        "name": f"{team} action {n}",
        "category": CATEGORIES[n % 4],
        "cost": 1 + n % 3,
        "stance": STANCES[n % 4],
        "effects": _effects(rng, indicators, 3),
        "narrative": {"success": "{team} acts.", "failure": "{team} fails."},
    }
    if n % 2 == 0:
        action["probability"] = 0.6
        action["failure_effects"] = _effects(rng, indicators, 1)
        action["modifiers"] = [
            {"when": {"indicator": rng.choice(indicators), "gte": 55}, "add": 0.1, "reason": "r"},
            {
                "when": {"played": f"{rng.choice(TEAMS)}_{rng.randrange(10)}"},
                "add": -0.2,
                "reason": "r",
            },
        ]
    if n % 5 == 1:
        action["target"] = {"choices": [t for t in TEAMS if t != team]}
    if n % 5 == 2:
        action["intensity"] = {"levels": {"low": 0.5, "high": 1.5}, "default": "low"}
    if n == 3:
        action["requires"] = {"indicator": rng.choice(indicators), "gte": 20}
    return action


def _rule(rng: random.Random, n: int, actions: list[dict], indicators: list[str]) -> dict:
    first, second = rng.sample([a["id"] for a in actions], 2)
    return {
        "id": f"rule_{n}",
        "name": f"Rule {n}",
        "when": {
            "all": [
                {"played": first},
                {"any": [{"played": second}, {"indicator": indicators[n], "lt": 40}]},
            ]
        },
        "effects": _effects(rng, indicators, 2),
        "narrative": "A rule fires.",
    }


def _event(rng: random.Random, n: int, indicators: list[str]) -> dict:
    event: dict = {
        "id": f"event_{n}",
        "title": f"Event {n}",
        "text": "Something happens.",
        "effects": _effects(rng, indicators, 2),
    }
    if n % 2 == 0:
        event["turn"] = 1 + n % 8
    else:
        event["when"] = {"indicator": rng.choice(indicators), "lt": 35}
        event["probability"] = 0.5
    return event


def measure(scenario, runs: int, repeat: int) -> dict:
    rates = [simulate(scenario, runs=runs, seed=n).runs_per_second for n in range(repeat)]
    return {
        "scenario": scenario.id,
        "teams": len(scenario.teams),
        "actions": len(scenario.actions),
        "events": len(scenario.events),
        "rules": len(scenario.rules),
        "turns": scenario.turns.default,
        "runs": runs,
        "games_per_second_best": max(rates),
        "games_per_second_median": statistics.median(rates),
    }


def scenarios() -> list:
    found = [
        load_scenario_text(synthetic_scenario(), "synthetic.yaml"),
        load_scenario(ROOT / "tests/engine/scenarios/minimal.yaml"),
    ]
    builtin = ROOT / "wargame/scenarios/japan-korea-2025.yaml"
    if builtin.exists():
        try:
            found.append(load_scenario(builtin))
        except ScenarioError as exc:
            print(f"built-in scenario skipped: {len(exc.problems)} problems", file=sys.stderr)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    results = [measure(scenario, args.runs, args.repeat) for scenario in scenarios()]
    for r in results:
        verdict = "ok" if r["games_per_second_best"] >= TARGET else f"BELOW {TARGET}"
        print(
            f"{r['scenario']:<20} {r['games_per_second_best']:>8,.0f} games/s best, "
            f"{r['games_per_second_median']:>8,.0f} median  ({r['teams']} teams, "
            f"{r['actions']} actions, {r['events']} events, {r['rules']} rules, "
            f"{r['turns']} turns; {args.repeat} x {args.runs} games)  {verdict}"
        )
    if args.json:
        args.json.write_text(json.dumps({"target": TARGET, "results": results}, indent=2))


if __name__ == "__main__":
    main()
