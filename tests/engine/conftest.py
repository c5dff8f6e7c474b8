from pathlib import Path

import pytest

from wargame.engine import Scenario, load_scenario

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
MINIMAL = HERE / "scenarios" / "minimal.yaml"
BUILTIN = ROOT / "wargame" / "scenarios" / "japan-korea-2025.yaml"


class StubRng:
    """Hands out set numbers in order, like random.Random().random(); fails when exhausted
    so a test notices a roll it did not expect."""

    def __init__(self, *numbers: float) -> None:
        self.numbers = list(numbers)

    def random(self) -> float:
        if not self.numbers:
            raise AssertionError("the engine drew more numbers than the test expected")
        return self.numbers.pop(0)


@pytest.fixture(scope="session")
def minimal() -> Scenario:
    return load_scenario(MINIMAL)


@pytest.fixture(scope="session")
def builtin() -> Scenario:
    return load_scenario(BUILTIN)


@pytest.fixture(scope="session", params=["minimal", "builtin"])
def any_scenario(request, minimal, builtin) -> Scenario:
    return minimal if request.param == "minimal" else builtin


@pytest.fixture(autouse=True)
def _test_client_settings() -> None:
    """Overrides the project's autouse fixture of that name: the engine needs no Django
    settings, so these tests also run with `-p no:django`."""
