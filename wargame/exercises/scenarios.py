"""The scenario packs the kit ships, found by slug in ``wargame/scenarios/``."""

from functools import cache
from pathlib import Path

from wargame.engine import Scenario, load_scenario

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"


@cache
def get_scenario(slug: str) -> Scenario:
    path = SCENARIO_DIR / f"{slug}.yaml"
    if path.parent != SCENARIO_DIR or not path.is_file():
        raise LookupError(f"No scenario called {slug!r}.")
    return load_scenario(path)


def shipped_scenarios() -> list[Scenario]:
    """Every pack the kit ships, loaded once per process.

    Web and worker processes load them as they start, so that the first student a fresh
    process serves does not wait while it reads the packs.
    """
    return [get_scenario(path.stem) for path in sorted(SCENARIO_DIR.glob("*.yaml"))]


def scenario_choices() -> list[tuple[str, str]]:
    return [(scenario.id, scenario.title) for scenario in shipped_scenarios()]
