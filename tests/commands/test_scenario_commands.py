import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILT_IN = ROOT / "wargame" / "scenarios" / "japan-korea-2025.yaml"


def _manage(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True
    )


def test_validate_scenario_summarises_the_built_in_scenario():
    out = _manage("validate_scenario", str(BUILT_IN))
    assert out.returncode == 0, out.stderr
    assert "valid scenario 'japan-korea-2025'" in out.stdout
    assert "teams      4: Japan, South Korea, United States, China" in out.stdout
    assert "futures    5:" in out.stdout


def test_validate_scenario_lists_every_problem_and_fails(tmp_path):
    broken = tmp_path / "broken.yaml"
    text = BUILT_IN.read_text().replace("probability: 0.75", "probability: 7.5", 1)
    text = text.replace("id: japan-korea-2025", "id: Japan Korea!", 1)
    broken.write_text(text)
    out = _manage("validate_scenario", str(broken))
    assert out.returncode == 1
    problems = [line for line in out.stderr.splitlines() if line.startswith(str(broken))]
    assert len(problems) >= 2, out.stderr
    assert all(line.split(":")[1].isdigit() for line in problems)
    assert "problems found" in out.stderr


def test_simulate_json_gives_shares_of_every_future_reproducibly():
    args = ("simulate", "--runs", "200", "--seed", "7", "--json")
    first, second = _manage(*args), _manage(*args)
    assert first.returncode == 0, first.stderr
    result = json.loads(first.stdout)
    assert result["runs"] == 200
    assert set(result["counts"]) == {
        "colby_prevails",
        "west_minus_one",
        "accommodation_with_china",
        "us_china_deal",
        "hide_plan_wait",
    }
    assert sum(result["counts"].values()) == 200
    assert json.loads(second.stdout)["counts"] == result["counts"]


def test_simulate_refuses_an_unknown_strategy_with_a_clear_message():
    out = _manage("simulate", "--runs", "10", "--strategy", "japan=reckless")
    assert out.returncode == 1
    assert "Unknown strategy 'reckless'" in out.stderr
