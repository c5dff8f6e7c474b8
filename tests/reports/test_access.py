"""Who may read and download the report: the facilitator; players only when allowed."""

import pytest
from django.test import Client

from tests.exercises.factories import sign_in
from tests.reports.conftest import client_as, client_as_observer, client_as_player, play_demo
from wargame.exercises.models import Participant
from wargame.reports.services import report_build, report_request, report_settings_update


@pytest.fixture
def built(hostile):
    build = report_request(exercise=hostile, fmt="json", user=hostile.facilitator)
    assert report_build(build_id=build.pk)
    return build


def _urls(exercise, build) -> list[str]:
    base = f"/exercises/{exercise.pk}/report/"
    return [base, f"{base}builds/", f"{base}download/{build.pk}/"]


def _allow(exercise, allowed: bool) -> None:
    report_settings_update(
        exercise=exercise,
        user=exercise.facilitator,
        include_names=True,
        include_messages=False,
        participants_may_download=allowed,
    )


def test_the_facilitator_reads_and_downloads(hostile, built):
    client = client_as(hostile.facilitator)
    for url in _urls(hostile, built):
        assert client.get(url).status_code == 200, url
    download = client.get(_urls(hostile, built)[2])
    assert download["Content-Type"] == "application/json"
    assert "attachment" in download["Content-Disposition"]


def test_a_player_only_when_the_facilitator_allows_it(hostile, built):
    client = client_as_player(Participant.objects.filter(exercise=hostile).first())
    for url in _urls(hostile, built):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(f"/exercises/{hostile.pk}/report/build/", {"format": "pdf"}).status_code == 404
    )
    _allow(hostile, True)
    for url in _urls(hostile, built):
        assert client.get(url).status_code == 200, url
    team_page = client.get(f"/play/{hostile.pk}/").content.decode()
    assert f"/exercises/{hostile.pk}/report/" in team_page
    # Players never get the facilitator's options or hot-wash forms.
    page = client.get(_urls(hostile, built)[0]).content.decode()
    assert "Save hot-wash" not in page and "Save options" not in page
    for action in ("options", "hot-wash"):
        response = client.post(f"/exercises/{hostile.pk}/report/{action}/", {"insights": "x"})
        assert response.status_code == 404
    _allow(hostile, False)
    assert client.get(_urls(hostile, built)[2]).status_code == 404


def test_observers_others_and_strangers_never(hostile, built, db):
    _allow(hostile, True)
    other = play_demo("--turns", "2", "--play", "1", "--seed", "9")
    outsider = Participant.objects.filter(exercise=other).first()
    another_facilitator = client_as(
        type(hostile.facilitator).objects.create_user("mallory", password="x")
    )
    clients = {
        "observer": client_as_observer(hostile),
        "player of another exercise": client_as_player(outsider),
        "another facilitator": another_facilitator,
        "anonymous": Client(),
    }
    for who, client in clients.items():
        for url in _urls(hostile, built):
            assert client.get(url).status_code == 404, (who, url)
        assert (
            client.post(f"/exercises/{hostile.pk}/report/build/", {"format": "pdf"}).status_code
            == 404
        ), who


def test_a_download_of_another_exercise_is_not_found(hostile, built, db):
    other = play_demo("--turns", "2", "--play", "1", "--seed", "9")
    client = client_as(other.facilitator)
    assert client.get(f"/exercises/{other.pk}/report/download/{built.pk}/").status_code == 404


def test_players_cannot_read_the_report_before_the_exercise_ends(db, facilitator, client):
    from wargame.exercises.services.exercises import exercise_create, exercise_start
    from wargame.exercises.services.moves import participant_join
    from wargame.reports.services import report_settings_update

    exercise = exercise_create(
        facilitator=facilitator, scenario_slug="japan-korea-2025", title="Running", turns=2
    )
    exercise_start(exercise_id=exercise.pk, user=facilitator)
    report_settings_update(
        exercise=exercise,
        user=facilitator,
        include_names=True,
        include_messages=True,
        participants_may_download=True,
    )
    bob = participant_join(team=exercise.teams.get(key="japan"), display_name="Bob")
    sign_in(client, player=bob)
    assert client.get(f"/exercises/{exercise.pk}/report/").status_code == 404
