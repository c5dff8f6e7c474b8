"""The report's one structure: read with a fixed number of queries, and what it says."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.reports.conftest import play_demo
from wargame.reports.gather import Options, report_data
from wargame.reports.services import hotwash_update


def _queries(exercise_id: int, options: Options) -> int:
    with CaptureQueriesContext(connection) as captured:
        report_data(exercise_id, options=options)
    return len(captured.captured_queries)


def test_the_number_of_queries_does_not_grow_with_turns(db):
    short = play_demo("--turns", "2", "--finish", "--seed", "3")
    long = play_demo("--turns", "8", "--finish", "--seed", "4")
    report_data(short.pk)  # warm the scenario cache
    for options in (Options(), Options(include_names=False, include_messages=True)):
        assert _queries(short.pk, options) == _queries(long.pk, options)
    assert _queries(long.pk, Options()) <= 12


def test_the_summary_names_the_future_its_reasons_and_the_largest_swings(demo):
    data = report_data(demo.pk)
    assert data["outcome"]["final"] is True
    assert data["outcome"]["name"]
    assert data["outcome"]["reasons"]
    assert len(data["turns"]) == 8
    assert [t["number"] for t in data["turns"]] == list(range(1, 9))
    swings = data["swings"]
    assert len(swings) == 3
    changes = [abs(s["change"]) for s in swings]
    assert changes == sorted(changes, reverse=True)
    start, end = data["indicator_series"][0]["values"], data["indicator_series"][-1]["values"]
    biggest = max(abs(end[k] - start[k]) for k in start)
    assert changes[0] == biggest
    for swing in swings:
        assert swing["causes"], swing
        for cause in swing["causes"]:
            assert cause["amount"] * swing["change"] > 0  # pushed the way it went


def test_every_move_is_there_with_its_answers(demo):
    data = report_data(demo.pk)
    for turn in data["turns"]:
        assert [m["team"] for m in turn["moves"]] == [t["key"] for t in data["teams"]]
        for move in turn["moves"]:
            assert move["submitted"] and move["rationale"] and move["confidence"] in range(1, 6)
            assert all(a["success"] in (True, False) for a in move["actions"])


def test_expectations_stand_beside_what_the_other_team_did(hostile):
    data = report_data(hostile.pk)
    rows = [r for r in data["expectations"] if r["turn"] == 1 and r["team"] == "japan"]
    assert {r["about"] for r in rows} == {"south_korea", "united_states", "china"}
    china = next(r for r in rows if r["about"] == "china")
    assert [a["name"] for a in china["actual_actions"]] == [
        next(
            a["name"]
            for a in data["turns"][0]["moves"][-1]["actions"]
            if a["action"] == "cn_domestic_stimulus"
        )
    ]
    confidence = [r for r in data["confidence"] if r["team"] == "japan"]
    assert [r["confidence"] for r in confidence] == [4, 4]


def test_names_can_be_left_out(hostile):
    data = report_data(hostile.pk, options=Options(include_names=False, include_messages=True))
    names = [p["name"] for team in data["teams"] for p in team["participants"]]
    assert names == ["Japan 1", "Japan 2", "South Korea 1", "United States 1", "China 1"]
    assert data["messages"][0]["sender"] == "China 1"
    assert all(m["submitted_by"] in names for t in data["turns"] for m in t["moves"])
    assert "<script>" not in str([t["participants"] for t in data["teams"]])


def test_messages_only_when_included(hostile):
    assert report_data(hostile.pk, options=Options())["messages"] is None
    included = report_data(hostile.pk, options=Options(include_messages=True))["messages"]
    assert len(included) == 1 and included[0]["channel"] == "public"


def test_the_hotwash_is_in_the_report(hostile):
    hotwash_update(
        exercise=hostile, user=hostile.facilitator, insights="Allies hedge.", notes="Rerun."
    )
    assert report_data(hostile.pk)["hotwash"]["insights"] == "Allies hedge."
    assert hostile.audit_events.filter(action="report.hotwash_saved").count() == 1


def test_questionnaires_say_when_there_is_no_data(hostile):
    section = report_data(hostile.pk)["questionnaires"]
    assert section["available"] is False
    assert "No questionnaire data" in section["note"]


def test_the_report_records_when_decision_support_was_on(facilitator):
    from wargame.exercises.services.decision_support import exercise_set_decision_support
    from wargame.exercises.services.exercises import exercise_create, exercise_start
    from wargame.reports.renderers import render_html

    exercise = exercise_create(
        facilitator=facilitator, scenario_slug="japan-korea-2025", title="Aid", turns=2
    )
    exercise_start(exercise_id=exercise.pk, user=facilitator)
    exercise_set_decision_support(exercise_id=exercise.pk, user=facilitator, enabled=False)

    data = report_data(exercise.pk)
    switches = data["exercise"]["decision_support"]
    assert [(s["enabled"], s["turn"]) for s in switches] == [(True, None), (False, 1)]
    assert "on from the start; switched off during turn 1" in render_html(data)
