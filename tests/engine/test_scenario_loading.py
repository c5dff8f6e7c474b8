from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wargame.engine import Scenario, ScenarioError, load_scenario, load_scenario_text, yamlsource
from wargame.engine.yamlsource import YamlSyntaxError, read_yaml

from .conftest import BUILTIN, MINIMAL

BROKEN = Path(__file__).parent / "scenarios" / "broken"

CASES = [
    (
        "yaml_syntax",
        [
            "yaml_syntax.yaml:24: YAML syntax error: while parsing a flow sequence (from line 23);"
            " expected ',' or ']', but got ':'",
        ],
    ),
    ("unknown_indicator", ["unknown_indicator.yaml:34: unknown indicator 'morale'"]),
    ("action_no_team", ["action_no_team.yaml:47: action 'red_spare' is on no team's menu"]),
    (
        "never_true",
        [
            "never_true.yaml:52: condition can never be true: tension is at most 10 (gt 10)",
        ],
    ),
    ("duplicate_id", ["duplicate_id.yaml:19: duplicate indicator id 'trust'"]),
    ("probability_range", ["probability_range.yaml:33: probability 1.5 is outside 0..1"]),
    (
        "missing_failure",
        [
            "missing_failure.yaml:35: narrative.failure is required because the action has a"
            " probability",
        ],
    ),
    (
        "unknown_key",
        [
            "unknown_key.yaml:29: actions[0]: missing required key 'name'",
            "unknown_key.yaml:30: actions[0]: unknown key 'nmae' (did you mean 'name'?)",
        ],
    ),
    (
        "wrong_type",
        [
            "wrong_type.yaml:32: actions[0].cost: Input should be a valid integer, got 'two'",
        ],
    ),
    (
        "unknown_placeholder",
        [
            "unknown_placeholder.yaml:36: unknown placeholder {country} in narrative"
            " (usable here: {team})",
        ],
    ),
    ("duplicate_key", ["duplicate_key.yaml:32: duplicate key 'category'"]),
    (
        "default_future",
        [
            "default_future.yaml:66: the last future 'drift' is the default"
            " and must have no `when`",
            "default_future.yaml:66: flag 'red_flag' can never be set: no sets_flags lists it",
        ],
    ),
    (
        "target_unknown_team",
        [
            "target_unknown_team.yaml:43: unknown team 'green' in target choices",
        ],
    ),
    ("start_outside", ["start_outside.yaml:18: indicator 'tension': start 12 is outside 0..10"]),
    (
        "succeeded_outside_rules",
        [
            "succeeded_outside_rules.yaml:59: `succeeded` is only known in rules (they run after"
            " the rolls), not in an event (events come before the moves)",
        ],
    ),
    (
        "not_a_mapping",
        [
            "not_a_mapping.yaml:1: the file must be a mapping of scenario keys"
            " (id, title, turns, ...)",
        ],
    ),
    (
        "several",
        [
            "several.yaml:18: indicator 'tension': start -1 is outside 0..10",
            "several.yaml:27: team 'blue' lists unknown action 'blue_shout'",
            "several.yaml:36: unknown placeholder {place} in narrative (usable here: {team})",
            "several.yaml:44: actions[1].effects.tension: Input should be a valid number,"
            " got 'many'",
            "several.yaml:52: flag 'alarm' can never be set: no sets_flags lists it",
            "several.yaml:52: condition can never be true: turn gte 4 is above lte 2",
            "several.yaml:58: event 'summit' can never happen: turn 9 is beyond turns.max 5",
            "several.yaml:64: duplicate future id 'calm'",
        ],
    ),
]


@pytest.mark.parametrize(("name", "expected"), CASES, ids=[name for name, _ in CASES])
def test_broken_scenario_reports_exact_problems(name: str, expected: list[str]) -> None:
    path = BROKEN / f"{name}.yaml"
    with pytest.raises(ScenarioError) as caught:
        load_scenario_text(path.read_text(), path.name)
    assert caught.value.problems == expected


def test_every_broken_file_has_a_case() -> None:
    assert sorted(p.stem for p in BROKEN.glob("*.yaml")) == sorted(name for name, _ in CASES)


def test_load_scenario_names_the_path_it_was_given() -> None:
    path = BROKEN / "probability_range.yaml"
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert caught.value.problems == [f"{path}:33: probability 1.5 is outside 0..1"]


def test_missing_file_is_a_scenario_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path / "nope.yaml")
    assert caught.value.problems[0].startswith(f"{tmp_path / 'nope.yaml'}:1: cannot read the file")


def test_minimal_scenario_loads_into_typed_objects() -> None:
    scenario = load_scenario(MINIMAL)
    assert [t.id for t in scenario.teams] == ["japan", "korea", "usa"]
    assert scenario.team_budget("korea") == 2
    assert scenario.team_budget("japan") == 3
    assert scenario.action("us_tariffs").intensity.levels == {"medium": 1.0, "high": 1.5}
    assert scenario.futures[-1].when is None
    with pytest.raises(Exception, match="frozen"):
        scenario.title = "changed"


def test_builtin_scenario_validates() -> None:
    scenario = load_scenario(BUILTIN)
    assert [team.id for team in scenario.teams] == [
        "japan",
        "south_korea",
        "united_states",
        "china",
    ]
    assert all(len(team.actions) >= 10 for team in scenario.teams)
    assert len(scenario.events) >= 12
    assert len(scenario.futures) == 5


def _replace(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1
    return text.replace(old, new)


@pytest.mark.parametrize(
    ("old", "new", "expected", "on_line"),
    [
        (
            "when: {indicator: tension, gte: 6}",
            "when: {indicator: tension, gte: 6, lte: 4}",
            "condition can never be true: tension gte 6 and lte 4 leave no value",
            "when: {indicator: tension",
        ),
        (
            "when: {indicator: tension, gte: 6}",
            "when: {indicator: tension, lt: 0}",
            "condition can never be true: tension is at least 0 (lt 0)",
            "when: {indicator: tension, lt: 0}",
        ),
        (
            "- when: {played: us_tariffs}\n",
            "- when: {played: us_tariffs, target: usa}\n",
            "condition can never be true: 'us_tariffs' cannot be aimed at 'usa'",
            "target: usa",
        ),
        (
            "requires: {indicator: stability, gte: 30}",
            "requires: {played: us_tariffs}",
            "`played` can never be true in a precondition (checked before the moves are known)",
            "requires: {played",
        ),
        (
            "when: {indicator: tension, gte: 6}",
            "when: {fired: earthquake}",
            "unknown event 'earthquake'",
            "fired: earthquake",
        ),
        (
            "      hawkish: {jp_defence: 3}",
            "      hawkish: {kr_summit: 3}",
            "bot weight for 'kr_summit', which is not on team 'japan''s menu",
            "hawkish: {kr_summit: 3}",
        ),
        (
            "    cost: 2\n    stance: hawkish\n    requires",
            "    cost: 3\n    stance: hawkish\n    requires",
            "action 'kr_nuclear_debate' costs at least 3, more than team 'korea''s budget of 2",
            "actions: [kr_summit, kr_nuclear_debate",
        ),
        (
            "indicator: alliance\n          direction: up",
            "indicator: alliances\n          direction: up",
            "unknown indicator 'alliances'",
            "indicator: alliances",
        ),
        (
            '      success: "{team} meets {target}."',
            '      success: "{team} meets {target."',
            "narrative template is malformed: expected '}' before end of string"
            " (write {{ and }} for braces)",
            "meets {target.",
        ),
    ],
)
def test_semantic_problem_in_minimal(old: str, new: str, expected: str, on_line: str) -> None:
    text = _replace(MINIMAL.read_text(), old, new)
    with pytest.raises(ScenarioError) as caught:
        load_scenario_text(text, "m.yaml")
    assert [p.split(": ", 1)[1] for p in caught.value.problems] == [expected]
    line = int(caught.value.problems[0].split(":")[1])
    assert on_line in text.splitlines()[line - 1]


def test_alias_bomb_is_refused() -> None:
    layers = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    layers += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 8)]
    with pytest.raises(ScenarioError) as caught:
        load_scenario_text("\n".join(layers), "bomb.yaml")
    assert "too large once its aliases expand" in caught.value.problems[0]


def test_anchors_aliases_and_merge_keys_are_read() -> None:
    text = MINIMAL.read_text()
    text = _replace(
        text,
        "    sets_flags: [jp_armed]\n    narrative:\n",
        "    sets_flags: [jp_armed]\n    narrative: &defence\n",
    )
    text = _replace(
        text,
        '    narrative:\n      success: "{team} attends the summit."\n',
        '    narrative:\n      <<: *defence\n      success: "{team} attends."\n',
    )
    scenario = load_scenario_text(text, "m.yaml")
    assert scenario.action("trilateral").narrative.success == "{team} attends."
    assert scenario.action("trilateral").narrative.failure == (
        scenario.action("jp_defence").narrative.failure
    )


SCENARIO_FILES = sorted([BUILTIN.parent.glob("*.yaml"), MINIMAL.parent.rglob("*.yaml")], key=str)


@pytest.mark.parametrize(
    "path", [p for files in SCENARIO_FILES for p in files], ids=lambda path: path.name
)
def test_libyaml_and_pyyaml_read_every_scenario_file_alike(path: Path) -> None:
    """Packs are composed by libyaml when PyYAML has it: what they say and the lines their
    problems are reported on must not depend on it."""
    import yaml

    text = path.read_text()
    with_libyaml = _read_or_refuse(text)
    with patch.object(yamlsource, "FAST_LOADER", yaml.SafeLoader):
        with_pyyaml = _read_or_refuse(text)
    assert with_libyaml == with_pyyaml


def _read_or_refuse(text: str) -> object:
    try:
        return read_yaml(text)
    except YamlSyntaxError as exc:
        return exc.line, exc.message


def test_a_lone_surrogate_in_the_text_is_reported_not_raised() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario_text("id: x\ntitle: \ud800\n", "surrogate.yaml")
    assert "surrogate.yaml:1: YAML syntax error" in caught.value.problems[0]


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["id", "name", "when", "all", "turns", "x"]), inner, max_size=4
        )
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_arbitrary_text_never_crashes(text: str) -> None:
    _loads_or_reports(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "id",
                "title",
                "turns",
                "indicators",
                "teams",
                "actions",
                "hold",
                "rules",
                "events",
                "futures",
                "budget",
                "summary",
            ]
        ),
        yaml_values,
        max_size=8,
    )
)
def test_arbitrary_yaml_structures_never_crash(data: dict) -> None:
    import yaml

    _loads_or_reports(yaml.safe_dump(data))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_minimal_never_crashes(data: st.DataObject) -> None:
    lines = MINIMAL.read_text().splitlines()
    index = data.draw(st.integers(0, len(lines) - 1))
    replacement = data.draw(
        st.sampled_from(
            [
                "",
                "  - x",
                "    when: {all: []}",
                "      - {played: jp_defence}",
                "    cost: -1",
                "    probability: .nan",
                "    effects: {tension: 1e400}",
                "  min: 5",
                "x: &a [*a]",
            ]
        )
    )
    lines[index] = replacement
    _loads_or_reports("\n".join(lines))


def _loads_or_reports(text: str) -> None:
    try:
        scenario = load_scenario_text(text, "f.yaml")
    except ScenarioError as exc:
        assert exc.problems
        assert all(p.startswith("f.yaml:") and p.split(":")[1].isdigit() for p in exc.problems)
    else:
        assert isinstance(scenario, Scenario)
        scenario.compiled  # noqa: B018 (a valid scenario must compile)
