"""Whatever a browser sends, a forged or malformed request is refused with a clear message
and changes nothing."""

import pytest

from wargame.exercises.models import AuditEvent, Move, Participant

JAPAN_ACTION = "jp_defence_buildup"


def _move_post(client, exercise_id: int, **fields) -> object:
    data = {"revision": "0", "intent": "save", **fields}
    return client.post(f"/play/{exercise_id}/move/", data)


def _japan_move(game) -> Move:
    return Move.objects.get(turn=game["turn"], team=game["teams"]["japan"])


def _unchanged(game) -> tuple:
    move = _japan_move(game)
    return move.revision, move.answers, move.submitted_answers, AuditEvent.objects.count()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"act__cn_charm_offensive": "on"}, None),  # not on Japan's form: ignored, not trusted
        ({"confidence": "-3"}, "Select a valid choice"),
        ({"confidence": "9"}, "Select a valid choice"),
        ({"rationale": "x" * 1_000_000}, "Ensure this value has at most 5000 characters"),
        ({"revision": "-1"}, "This form is out of date"),
        ({"revision": ""}, "This form is out of date"),
        ({f"act__{JAPAN_ACTION}": "on", f"intensity__{JAPAN_ACTION}": "nuclear"}, "valid choice"),
    ],
)
def test_a_malformed_move_is_refused_and_changes_nothing(game, fields, message):
    before = _unchanged(game)
    response = _move_post(game["bob"], game["exercise"].pk, **fields)
    if message is None:
        assert response.status_code == 200
        assert _japan_move(game).answers["actions"] == []
        return
    assert response.status_code == 422
    assert message in response.content.decode()
    assert _unchanged(game) == before


def test_an_action_outside_the_menu_is_refused_by_the_service(game):
    from wargame.exercises.services.errors import InvalidAnswers
    from wargame.exercises.services.moves import move_save_draft

    before = _unchanged(game)
    with pytest.raises(InvalidAnswers, match="not on your team's menu"):
        move_save_draft(
            participant=game["bob_participant"],
            turn_id=game["turn"].pk,
            base_revision=0,
            answers={"actions": [{"action": "cn_charm_offensive"}]},
        )
    assert _unchanged(game) == before


def test_a_package_over_budget_cannot_be_submitted(game):
    before = _unchanged(game)
    fields = {
        f"act__{a}": "on"
        for a in [
            "jp_defence_buildup",
            "jp_burden_sharing_offer",
            "jp_trillion_investment",
            "jp_asian_nato",
        ]
    }
    response = _move_post(
        game["bob"],
        game["exercise"].pk,
        intent="submit",
        objective="All in",
        confidence="3",
        rationale="Everything at once",
        **fields,
    )
    assert response.status_code == 422
    assert "budget" in response.content.decode()
    assert _unchanged(game) == before


def test_a_stale_revision_is_refused_and_the_text_is_kept(game):
    first = _move_post(game["bob"], game["exercise"].pk, objective="First save")
    assert first.status_code == 200
    before = _unchanged(game)
    response = _move_post(game["bob"], game["exercise"].pk, objective="My late edit")
    assert response.status_code == 409
    body = response.content.decode()
    assert "saved the draft while you were editing" in body
    assert "My late edit" in body, "the user's text stays in the form"
    assert _unchanged(game) == before


def test_posting_to_an_exercise_one_does_not_play_in_is_not_found(game, django_user_model):
    from wargame.exercises.services.exercises import exercise_create

    other = exercise_create(
        facilitator=django_user_model.objects.create_user("mallory"),
        scenario_slug="japan-korea-2025",
        title="Elsewhere",
    )
    before = _unchanged(game)
    assert _move_post(game["bob"], other.pk, objective="Sneak").status_code == 404
    assert game["bob"].post(f"/exercises/{game['exercise'].pk}/control/lock/").status_code == 302
    assert _unchanged(game) == before


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Ana\u202eevil", "Anaevil"),
        ("Zero\u200bWidth", "ZeroWidth"),
        ("Bell\x07 and\ttab", "Bell and tab"),
        ("  spaced   out  ", "spaced out"),
    ],
)
def test_names_lose_invisible_and_control_characters(game, client, typed, stored):
    code = game["teams"]["japan"].join_code
    response = client.post(f"/join/{code}/", {"display_name": typed})
    assert response.status_code == 302
    assert Participant.objects.filter(display_name=stored).exists()


def test_a_name_of_invisible_characters_only_is_refused(game, client):
    code = game["teams"]["japan"].join_code
    count = Participant.objects.count()
    response = client.post(f"/join/{code}/", {"display_name": "\u200b\u200b"})
    assert response.status_code == 200
    assert "Enter the name your teammates will see" in response.content.decode()
    assert Participant.objects.count() == count
