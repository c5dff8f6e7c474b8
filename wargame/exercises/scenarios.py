"""The scenario packs the kit ships, found by slug in ``wargame/scenarios/``."""

import logging
from functools import cache
from pathlib import Path

from wargame.engine import Scenario, ScenarioError, load_scenario

logger = logging.getLogger(__name__)

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"


@cache
def get_scenario(slug: str) -> Scenario:
    path = SCENARIO_DIR / f"{slug}.yaml"
    if path.parent != SCENARIO_DIR or not path.is_file():
        raise LookupError(f"No scenario called {slug!r}.")
    return load_scenario(path)


def _shipped_slugs() -> list[str]:
    return [path.stem for path in sorted(SCENARIO_DIR.glob("*.yaml"))]


def scenario_choices() -> list[tuple[str, str]]:
    return [(scenario.id, scenario.title) for scenario in map(get_scenario, _shipped_slugs())]


def load_shipped_scenarios() -> None:
    """Read every pack the kit ships now, as a web or worker process starts, so that the
    first student a fresh process serves does not wait for it. A pack that does not load is
    logged here and refused, with its problems, where it is used, as before."""
    for slug in _shipped_slugs():
        try:
            get_scenario(slug)
        except ScenarioError:
            logger.exception("The scenario pack %r did not load", slug)
