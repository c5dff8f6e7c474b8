"""Who may open which page, fragment and action of an exercise, and what each sees.

The personas, after healthchecks' tests: alice facilitates the exercise, bob plays Japan,
charlie plays China, olivia opened the observer link, mallory facilitates another exercise,
and anonymous has nothing. Facilitator pages send the logged-out to the login page; pages
of an exercise answer 404 to whoever has no part in it, so nobody learns it exists.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest
from django.test import Client, RequestFactory

from tests.exercises.factories import (
    PASSWORD,
    UserFactory,
    answers,
    current_turn,
    lock_and_adjudicate,
    make_exercise,
    move_of,
    save_draft,
    start,
    submit,
)
from wargame.exercises.access import ROLES_COOKIE, BrowserRoles, Role, get_viewer
from wargame.exercises.models import Exercise, Message, Participant, Turn
from wargame.exercises.services.messages import message_send
from wargame.exercises.services.turns import turn_publish

pytestmark = pytest.mark.django_db

PERSONAS = ["alice", "bob", "charlie", "olivia", "anonymous", "mallory"]
PLAYERS = {"bob": "japan", "charlie": "china"}
LOGIN = "login"  # 302 to the login page
MOVED = "redirect"  # 302 somewhere else
CHINA_SECRET = "Lull Tokyo while we court Seoul, says the China cell"
JAPAN_SECRET = "Keep the nuclear study quiet, says the Japan cell"


@dataclass
class World:
    exercise: Exercise
    clients: dict[str, Client] = field(default_factory=dict)
    players: dict[str, Participant] = field(default_factory=dict)

    def get(self, persona: str, url: str):
        return self.clients[persona].get(url)


def _join(client: Client, exercise: Exercise, team_key: str, name: str) -> Participant:
    code = exercise.teams.get(key=team_key).join_code
    response = client.post(f"/join/{code}/", {"display_name": name})
    assert response.status_code == 302
    return Participant.objects.get(exercise=exercise, display_name=name)


@pytest.fixture
def world(db) -> World:
    alice = UserFactory(username="alice")
    exercise = make_exercise(alice, turns=3)
    start(exercise)
    world = World(exercise, {name: Client() for name in PERSONAS})
    assert world.clients["alice"].login(username="alice", password=PASSWORD)
    world.players["bob"] = _join(world.clients["bob"], exercise, "japan", "Bob")
    world.players["charlie"] = _join(world.clients["charlie"], exercise, "china", "Charlie")
    observed = world.clients["olivia"].get(f"/observe/{exercise.observer_token}/")
    assert observed.status_code == 302
    mallory = UserFactory(username="mallory")
    make_exercise(mallory, title="Mallory's exercise")
    world.clients["mallory"].force_login(mallory)
    save_draft(world.players["charlie"], current_turn(exercise), answers("china", rationale="x"))
    return world


def _move_data(world: World, persona: str) -> dict[str, str]:
    team = PLAYERS.get(persona, "japan")
    revision = move_of(current_turn(world.exercise), team).revision
    return {"intent": "save", "revision": str(revision), "rationale": f"posted by {persona}"}


def _paused(world: World) -> bool:
    return current_turn(world.exercise).is_paused


def _draft_posted(world: World) -> set[str]:
    turn = current_turn(world.exercise)
    return {
        team
        for team in ("japan", "china")
        if move_of(turn, team).answers.get("rationale", "").startswith("posted by")
    }


@dataclass(frozen=True)
class Route:
    name: str
    url: Callable[[World], str]
    expect: dict[str, Any]
    method: str = "get"
    data: Callable[[World, str], dict] | None = None
    # Called after the request: what an accepted action did, to check nobody else did it.
    effect: Callable[[World], Any] | None = None


def _everyone(status) -> dict[str, Any]:
    return dict.fromkeys(PERSONAS, status)


FACILITATOR_PAGE = {
    "alice": 200,
    "bob": LOGIN,
    "charlie": LOGIN,
    "olivia": LOGIN,
    "anonymous": LOGIN,
    "mallory": 404,
}
FACILITATOR_ACTION = {**FACILITATOR_PAGE, "alice": MOVED}
ANY_LOGGED_IN_FACILITATOR = {**FACILITATOR_PAGE, "mallory": 200}
PLAYER_PAGE = {
    "alice": 404,
    "bob": 200,
    "charlie": 200,
    "olivia": 404,
    "anonymous": 404,
    "mallory": 404,
}
PUBLIC_PAGE = {**PLAYER_PAGE, "alice": 200, "olivia": 200}


def _ex(path: str) -> Callable[[World], str]:
    return lambda world: path.format(id=world.exercise.pk)


ROUTES = [
    Route("list", lambda w: "/exercises/", ANY_LOGGED_IN_FACILITATOR),
    Route("new", lambda w: "/exercises/new/", ANY_LOGGED_IN_FACILITATOR),
    Route(
        "new-post",
        lambda w: "/exercises/new/",
        {**FACILITATOR_PAGE, "alice": MOVED, "mallory": MOVED},
        method="post",
        data=lambda w, p: {
            "title": f"{p}'s new exercise",
            "scenario": "japan-korea-2025",
            "turns": "4",
            "turn_minutes": "15",
        },
        effect=lambda w: set(
            Exercise.objects.filter(title__endswith="'s new exercise").values_list(
                "facilitator__username", flat=True
            )
        ),
    ),
    Route("links", _ex("/exercises/{id}/links/"), FACILITATOR_PAGE),
    Route("control", _ex("/exercises/{id}/control/"), FACILITATOR_PAGE),
    Route("control-status", _ex("/exercises/{id}/control/status/"), FACILITATOR_PAGE),
    Route("control-messages", _ex("/exercises/{id}/control/messages/"), FACILITATOR_PAGE),
    Route(
        "control-pause",
        _ex("/exercises/{id}/control/pause/"),
        FACILITATOR_ACTION,
        method="post",
        data=lambda w, p: {"turn": "1"},
        effect=_paused,
    ),
    Route(
        "control-pause-by-get",
        _ex("/exercises/{id}/control/pause/"),
        {**FACILITATOR_PAGE, "alice": 405, "mallory": 405},
        effect=_paused,
    ),
    Route(
        "control-end",
        _ex("/exercises/{id}/control/end/"),
        FACILITATOR_ACTION,
        method="post",
        data=lambda w, p: {},
        effect=lambda w: Exercise.objects.get(pk=w.exercise.pk).status == "finished",
    ),
    Route("review", _ex("/exercises/{id}/review/"), FACILITATOR_PAGE),
    Route(
        "review-publish",
        _ex("/exercises/{id}/review/publish/"),
        FACILITATOR_ACTION,
        method="post",
        data=lambda w, p: {"turn": "1"},
    ),
    Route(
        "review-narrative",
        _ex("/exercises/{id}/review/narrative/"),
        FACILITATOR_ACTION,
        method="post",
        data=lambda w, p: {"turn": "1", "subject": "world", "text": "x", "reason": "y"},
    ),
    Route("projector", _ex("/exercises/{id}/projector/"), PUBLIC_PAGE),
    Route("projector-live", _ex("/exercises/{id}/projector/live/"), PUBLIC_PAGE),
    Route(
        "observe",
        lambda w: f"/observe/{w.exercise.observer_token}/",
        _everyone(MOVED),
    ),
    Route("observe-wrong-token", lambda w: "/observe/not-the-token/", _everyone(404)),
    Route("join", lambda w: "/join/", _everyone(200)),
    Route(
        "join-post",
        lambda w: "/join/",
        _everyone(MOVED),
        method="post",
        data=lambda w, p: {"code": w.exercise.teams.get(key="united_states").join_code},
    ),
    Route(
        "join-team",
        lambda w: f"/join/{w.exercise.teams.get(key='south_korea').join_code}/",
        _everyone(200),
    ),
    Route("join-wrong-code", lambda w: "/join/ZZZZZZZZ/", _everyone(404)),
    Route(
        "join-team-post",
        lambda w: f"/join/{w.exercise.teams.get(key='south_korea').join_code}/",
        _everyone(MOVED),
        method="post",
        data=lambda w, p: {"display_name": f"{p} in Seoul"},
        effect=lambda w: w.exercise.participants.filter(team__key="south_korea").count(),
    ),
    Route("rejoin", lambda w: f"/rejoin/{w.players['bob'].rejoin_token}/", _everyone(MOVED)),
    Route("rejoin-wrong-token", lambda w: "/rejoin/nope/", _everyone(404)),
    Route("team", _ex("/play/{id}/"), PLAYER_PAGE),
    Route(
        "move-save",
        _ex("/play/{id}/move/"),
        PLAYER_PAGE,
        method="post",
        data=_move_data,
        effect=_draft_posted,
    ),
    Route(
        "message",
        _ex("/play/{id}/messages/"),
        PLAYER_PAGE,
        method="post",
        data=lambda w, p: {"to": "team", "body": f"hello from {p}"},
        effect=lambda w: set(
            Message.objects.filter(exercise=w.exercise).values_list("body", flat=True)
        ),
    ),
    Route("fragment-move", _ex("/play/{id}/fragments/move/"), PLAYER_PAGE),
    Route("fragment-situation", _ex("/play/{id}/fragments/situation/"), PLAYER_PAGE),
    Route("fragment-messages", _ex("/play/{id}/fragments/messages/"), PLAYER_PAGE),
    Route("fragment-unknown", _ex("/play/{id}/fragments/nope/"), _everyone(404)),
]

# What each accepted action leaves behind, for the persona who was allowed to do it.
EFFECTS = {
    "new-post": {"alice": {"alice"}, "mallory": {"mallory"}},
    "control-pause": {"alice": True},
    "control-end": {"alice": True},
    "join-team-post": dict.fromkeys(PERSONAS, 1),
    "move-save": {"bob": {"japan"}, "charlie": {"china"}},
    "message": {"bob": {"hello from bob"}, "charlie": {"hello from charlie"}},
}
NO_EFFECT = {
    "new-post": set(),
    "control-pause": False,
    "control-pause-by-get": False,
    "control-end": False,
    "join-team-post": 0,
    "move-save": set(),
    "message": set(),
}


@pytest.mark.parametrize(
    ("route", "persona"),
    [(route, persona) for route in ROUTES for persona in PERSONAS],
    ids=[f"{route.name}-{persona}" for route in ROUTES for persona in PERSONAS],
)
def test_rights(world, route, persona):
    url = route.url(world)
    client = world.clients[persona]
    if route.method == "post":
        response = client.post(url, route.data(world, persona))
    else:
        response = client.get(url)

    expected = route.expect[persona]
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/?next=")
    elif expected == MOVED:
        assert response.status_code == 302
        assert not response.url.startswith("/accounts/login/")
    else:
        assert response.status_code == expected
    if route.effect:
        assert route.effect(world) == EFFECTS.get(route.name, {}).get(
            persona, NO_EFFECT[route.name]
        )


def test_a_rejoin_link_makes_its_holder_that_player(world):
    response = world.clients["olivia"].get(f"/rejoin/{world.players['bob'].rejoin_token}/")
    assert response.url == f"/play/{world.exercise.pk}/"
    page = world.get("olivia", response.url)
    assert page.status_code == 200
    assert "Bob · <strong>Japan</strong>" in page.content.decode()


# --- what each persona sees ------------------------------------------------------------------


PLAYER_VIEWS = [
    "/play/{id}/",
    "/play/{id}/fragments/move/",
    "/play/{id}/fragments/situation/",
    "/play/{id}/fragments/messages/",
]
PUBLIC_VIEWS = ["/exercises/{id}/projector/", "/exercises/{id}/projector/live/"]


def _pages(world: World, persona: str, paths: list[str]) -> str:
    contents = []
    for path in paths:
        response = world.get(persona, path.format(id=world.exercise.pk))
        assert response.status_code == 200, path
        contents.append(response.content.decode())
    return "\n".join(contents)


def _secret_drafts(world: World) -> Turn:
    turn = current_turn(world.exercise)
    save_draft(world.players["charlie"], turn, answers("china", rationale=CHINA_SECRET))
    save_draft(world.players["bob"], turn, answers("japan", rationale=JAPAN_SECRET))
    return turn


def test_a_player_never_sees_another_teams_draft(world):
    turn = _secret_drafts(world)
    assert CHINA_SECRET in _pages(world, "charlie", PLAYER_VIEWS[:2])  # the check can fail
    assert CHINA_SECRET not in _pages(world, "bob", PLAYER_VIEWS)

    submit(world.players["charlie"], turn, answers("china", rationale=CHINA_SECRET))
    assert CHINA_SECRET not in _pages(world, "bob", PLAYER_VIEWS)

    lock_and_adjudicate(turn)
    assert CHINA_SECRET not in _pages(world, "bob", PLAYER_VIEWS)


def test_observers_never_see_a_rationale(world):
    turn = _secret_drafts(world)
    for persona, team in PLAYERS.items():
        secret = JAPAN_SECRET if team == "japan" else CHINA_SECRET
        submit(world.players[persona], turn, answers(team, rationale=secret, statement="We act."))
    for stage in ("submitted", "adjudicated", "published"):
        if stage == "adjudicated":
            lock_and_adjudicate(turn)
        elif stage == "published":
            turn_publish(turn_id=turn.pk, user=world.exercise.facilitator)
        seen = _pages(world, "olivia", PUBLIC_VIEWS)
        assert CHINA_SECRET not in seen, stage
        assert JAPAN_SECRET not in seen, stage
    assert "We act." in seen  # public statements are read out once published


def test_team_messages_stay_in_the_team_and_private_ones_between_two(world):
    bob, charlie = world.players["bob"], world.players["charlie"]
    message_send(sender=charlie, channel="team", body="Beijing internal: hold firm")
    japan = world.exercise.teams.get(key="japan")
    message_send(sender=charlie, channel="private", body="Beijing to Tokyo: talk?", recipient=japan)
    message_send(sender=bob, channel="public", body="Tokyo stands by the rules")

    bob_sees = _pages(world, "bob", PLAYER_VIEWS)
    assert "Beijing internal" not in bob_sees
    assert "Beijing to Tokyo: talk?" in bob_sees
    assert "Tokyo stands by the rules" in bob_sees
    assert "Beijing internal" in _pages(world, "charlie", PLAYER_VIEWS)
    olivia_sees = _pages(world, "olivia", PUBLIC_VIEWS)
    assert "Beijing internal" not in olivia_sees
    assert "Beijing to Tokyo" not in olivia_sees
    assert "Tokyo stands by the rules" in olivia_sees
    control = world.get("alice", f"/exercises/{world.exercise.pk}/control/").content.decode()
    assert "Beijing internal" in control
    assert "Beijing to Tokyo: talk?" in control


def _signed_in(players: dict) -> HttpRequest:
    request = RequestFactory().get("/")
    request.COOKIES[ROLES_COOKIE] = BrowserRoles(players=players).cookie_value()
    request.user, request.session = AnonymousUser(), {}  # as the middleware gives it
    return request


def test_a_signed_in_player_is_read_with_team_and_exercise_as_the_orm_reads_them(running, bob):
    viewer = get_viewer(_signed_in({str(running.pk): bob.pk}), running.pk, Role.PLAYER)

    expected = Participant.objects.select_related("team", "exercise").get(pk=bob.pk)
    for got, want in (
        (viewer.participant, expected),
        (viewer.team, expected.team),
        (viewer.exercise, expected.exercise),
        (viewer.team.exercise, expected.exercise),
    ):
        fields = [f.attname for f in type(want)._meta.concrete_fields]
        assert type(got) is type(want)
        assert {f: getattr(got, f) for f in fields} == {f: getattr(want, f) for f in fields}
        assert got._state.adding is False


def test_roles_naming_a_player_of_another_exercise_open_nothing(running, bob, mallory):
    other = make_exercise(mallory)
    start(other)
    with pytest.raises(Http404):
        get_viewer(_signed_in({str(other.pk): bob.pk}), other.pk)
