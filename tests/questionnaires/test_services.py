"""Answering once per participant and phase, edits until the questionnaire closes, the
windows, the response rates and the results the report reads."""

import pytest

from tests.decision.helpers import facilitator, running_exercise
from wargame.exercises.models import AuditEvent
from wargame.exercises.services.errors import IllegalTransition, InvalidAnswers, ServiceError
from wargame.exercises.services.exercises import exercise_create, exercise_end, exercise_start
from wargame.exercises.services.moves import participant_join
from wargame.questionnaires.models import QuestionnaireResponse
from wargame.questionnaires.selectors import questionnaire_results, response_rates, windows
from wargame.questionnaires.services import questionnaire_answer, questionnaire_window_set

from .test_validation import VALID

pytestmark = pytest.mark.django_db


def _setup_exercise():
    return exercise_create(
        facilitator=facilitator(), scenario_slug="japan-korea-2025", title="Seminar", turns=2
    )


def _join(exercise, team, name):
    return participant_join(team=exercise.teams.get(key=team), display_name=name)


def _open(exercise) -> dict[str, bool]:
    return {w.phase: w.is_open for w in windows(exercise)}


def test_windows_follow_the_exercise_by_default():
    exercise = _setup_exercise()
    assert _open(exercise) == {"pre": True, "post": False}
    exercise_start(exercise_id=exercise.pk, user=exercise.facilitator)
    exercise.refresh_from_db()
    assert _open(exercise) == {"pre": False, "post": False}
    exercise_end(exercise_id=exercise.pk, user=exercise.facilitator)
    exercise.refresh_from_db()
    assert _open(exercise) == {"pre": False, "post": True}


def test_the_facilitator_opens_and_closes_by_hand():
    exercise = running_exercise()
    questionnaire_window_set(
        exercise_id=exercise.pk, user=exercise.facilitator, phase="pre", is_open=True
    )
    assert _open(exercise) == {"pre": True, "post": False}
    assert not next(w for w in windows(exercise) if w.phase == "pre").automatic
    questionnaire_window_set(
        exercise_id=exercise.pk, user=exercise.facilitator, phase="pre", is_open=False
    )
    assert _open(exercise)["pre"] is False
    actions = list(
        AuditEvent.objects.filter(action__startswith="questionnaire.").values_list(
            "action", flat=True
        )
    )
    assert actions == ["questionnaire.opened", "questionnaire.closed"]
    with pytest.raises(ServiceError):
        questionnaire_window_set(
            exercise_id=exercise.pk, user=exercise.facilitator, phase="during", is_open=True
        )


def test_one_response_per_participant_edited_until_closed():
    exercise = _setup_exercise()
    aiko = _join(exercise, "japan", "Aiko")
    first = questionnaire_answer(participant=aiko, phase="pre", answers=VALID)
    again = questionnaire_answer(
        participant=aiko, phase="pre", answers={**VALID, "us_defends_japan": 40}
    )
    assert again.pk == first.pk
    assert QuestionnaireResponse.objects.filter(participant=aiko).count() == 1
    again.refresh_from_db()
    assert again.answers["us_defends_japan"] == 40
    assert again.updated_at >= again.submitted_at
    assert list(
        AuditEvent.objects.filter(action__startswith="questionnaire.").values_list(
            "action", flat=True
        )
    ) == ["questionnaire.answered", "questionnaire.edited"]

    exercise_start(exercise_id=exercise.pk, user=exercise.facilitator)
    with pytest.raises(IllegalTransition, match="closed"):
        questionnaire_answer(participant=aiko, phase="pre", answers=VALID)
    with pytest.raises(IllegalTransition):
        questionnaire_answer(participant=aiko, phase="post", answers=VALID)
    again.refresh_from_db()
    assert again.answers["us_defends_japan"] == 40


def test_invalid_answers_change_nothing():
    exercise = _setup_exercise()
    aiko = _join(exercise, "japan", "Aiko")
    with pytest.raises(InvalidAnswers) as caught:
        questionnaire_answer(
            participant=aiko, phase="pre", answers={**VALID, "us_defends_japan": 150}
        )
    assert "us_defends_japan" in caught.value.errors
    assert not QuestionnaireResponse.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="questionnaire.").exists()


def test_rates_and_results_with_shifts_per_item_and_team():
    exercise = _setup_exercise()
    aiko = _join(exercise, "japan", "Aiko")
    kenji = _join(exercise, "japan", "Kenji")
    minjun = _join(exercise, "south_korea", "Min-jun")
    _join(exercise, "china", "Li")  # never answers
    questionnaire_answer(participant=aiko, phase="pre", answers=VALID)
    questionnaire_answer(
        participant=minjun,
        phase="pre",
        answers={**VALID, "us_defends_japan": 30, "likely_future": "us_china_deal"},
    )
    pre_rate = next(r for r in response_rates(exercise) if r["window"].phase == "pre")
    assert (pre_rate["answered"], pre_rate["participants"]) == (2, 4)
    assert {r["team"].key: r["answered"] for r in pre_rate["by_team"]} == {
        "japan": 1,
        "south_korea": 1,
        "united_states": 0,
        "china": 0,
    }

    exercise_end(exercise_id=exercise.pk, user=exercise.facilitator)
    exercise.refresh_from_db()
    questionnaire_answer(participant=aiko, phase="post", answers={**VALID, "us_defends_japan": 40})
    questionnaire_answer(participant=kenji, phase="post", answers={**VALID, "us_defends_japan": 60})
    results = questionnaire_results(exercise)
    assert results["phases"]["pre"]["respondents"] == 2
    assert results["phases"]["post"] == {
        "label": "Post-exercise",
        "open": True,
        "automatic": True,
        "items": len(results["items"]),
        "respondents": 2,
        "participants": 4,
    }
    japan = next(i for i in results["items"] if i["id"] == "us_defends_japan")
    assert japan["summary"]["pre"]["mean"] == 50  # (70 + 30) / 2
    assert japan["summary"]["post"]["mean"] == 50  # (40 + 60) / 2
    assert japan["shift"] == {"mean": 0}
    assert japan["paired"] == {"n": 1, "mean_change": -30}  # Aiko: 70 -> 40
    assert japan["by_team"]["japan"]["shift"] == {"mean": -20}  # 70 -> 50
    assert japan["by_team"]["south_korea"]["shift"] is None  # nobody answered after
    future = next(i for i in results["items"] if i["id"] == "likely_future")
    assert future["summary"]["pre"]["counts"]["us_china_deal"] == 1
    assert future["shift"]["shares"]["us_china_deal"] == -0.5
    assert future["shift"]["shares"]["hide_plan_wait"] == 0.5
    text = next(i for i in results["items"] if i["id"] == "open_reflection")
    assert text["shift"] is None
    assert text["summary"]["post"]["answers"] == ["Talk to Seoul first."] * 2
    rows = [(r["participant"], r["phase"]) for r in results["responses"]]
    assert sorted(rows) == sorted(
        [("Aiko", "pre"), ("Min-jun", "pre"), ("Aiko", "post"), ("Kenji", "post")]
    )
    assert all(isinstance(r["submitted_at"], str) for r in results["responses"])
