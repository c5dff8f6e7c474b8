"""Who may see and do what in an exercise: every page, fragment, download and websocket
asks here, and nowhere else.

Roles: the exercise's facilitator (its creator), a player (a participant of one team, known
by the browser's roles cookie), and an observer (anyone holding the observer link). Players see
their own team's drafts, moves and messages; what other teams did becomes visible only when
a turn is published. Observers see only what is public.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse

from wargame.core.rows import Joined, Table, attach
from wargame.exercises.models import Exercise, Participant, Team

ROLES_COOKIE = "wargame_roles"
ROLES_SALT = "wargame.exercises.access.roles"


class Role(StrEnum):
    FACILITATOR = "facilitator"
    PLAYER = "player"
    OBSERVER = "observer"


@dataclass(frozen=True)
class Viewer:
    exercise: Exercise
    role: Role
    participant: Participant | None = None

    @property
    def team(self) -> Team | None:
        return self.participant.team if self.participant else None

    @property
    def is_facilitator(self) -> bool:
        return self.role == Role.FACILITATOR

    def sees_team(self, team_key: str) -> bool:
        """May this viewer see the team's private matters: drafts, moves, messages?"""
        if self.is_facilitator:
            return True
        return self.role == Role.PLAYER and self.participant.team.key == team_key


@dataclass(frozen=True)
class BrowserRoles:
    """Which participant a browser plays in each exercise, and which exercises it observes.

    Kept in a signed cookie of its own, not in the session: a player's browser then has no
    session, and each of its requests starts without a round trip to the session store
    (the team page's throughput under load rose by an eighth, bench/HISTORY.md). Its holder
    can read the cookie but not alter it, and it gives nothing that the player's personal
    rejoin link does not. Facilitators' logins stay in the session, which logging out ends
    on the server.
    """

    players: dict[str, int] = field(default_factory=dict)  # {exercise id: participant id}
    observing: tuple[int, ...] = ()  # exercise ids

    @classmethod
    def from_cookies(cls, cookies: Mapping[str, str]) -> "BrowserRoles":
        """The roles a request's (or a websocket's) cookies carry; none if the cookie is
        missing, altered or older than a session may be."""
        value = cookies.get(ROLES_COOKIE)
        if not value:
            return cls()
        try:
            data = signing.loads(value, salt=ROLES_SALT, max_age=settings.SESSION_COOKIE_AGE)
        except signing.BadSignature:
            return cls()
        return cls(players=data["players"], observing=tuple(data["observing"]))

    @classmethod
    def from_session(cls, session) -> "BrowserRoles":
        """The roles a session holds from before they had a cookie of their own (December
        2026), so that a browser that joined then keeps playing after an upgrade."""
        players, observing = session.get("players", {}), session.get("observing", [])
        return cls(players=players, observing=tuple(observing))

    def __bool__(self) -> bool:
        return bool(self.players or self.observing)

    def participant_id(self, exercise_id: int) -> int | None:
        return self.players.get(str(exercise_id))

    def with_player(self, participant: Participant) -> "BrowserRoles":
        players = {**self.players, str(participant.exercise_id): participant.pk}
        return BrowserRoles(players=players, observing=self.observing)

    def with_observer(self, exercise: Exercise) -> "BrowserRoles":
        if exercise.pk in self.observing:
            return self
        return BrowserRoles(players=self.players, observing=(*self.observing, exercise.pk))

    def cookie_value(self) -> str:
        data = {"players": self.players, "observing": list(self.observing)}
        return signing.dumps(data, salt=ROLES_SALT, compress=True)

    def set_on(self, response: HttpResponse) -> None:
        """The browser keeps these roles, as long as a session would last."""
        response.set_cookie(
            ROLES_COOKIE,
            self.cookie_value(),
            max_age=settings.SESSION_COOKIE_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite=settings.SESSION_COOKIE_SAMESITE,
        )


def forget_roles(response: HttpResponse) -> None:
    response.delete_cookie(ROLES_COOKIE, samesite=settings.SESSION_COOKIE_SAMESITE)


def browser_roles(cookies: Mapping[str, str], session) -> BrowserRoles:
    """The roles of a request's or a websocket's browser: from its cookie, or from its
    session when it joined before the cookie (the session is read only then)."""
    roles = BrowserRoles.from_cookies(cookies)
    if not roles and settings.SESSION_COOKIE_NAME in cookies:
        return BrowserRoles.from_session(session)
    return roles


def roles_of(request: HttpRequest) -> BrowserRoles:
    return browser_roles(request.COOKIES, request.session)


def viewer_for(user, roles: BrowserRoles, exercise: Exercise) -> Viewer | None:
    """The viewer's most powerful role in the exercise, or None if they have none."""
    if user is not None and user.is_authenticated and exercise.facilitator_id == user.pk:
        return Viewer(exercise, Role.FACILITATOR)
    participant_id = roles.participant_id(exercise.pk)
    if participant_id:
        participant = (
            Participant.objects.select_related("team")
            .filter(pk=participant_id, exercise=exercise)
            .first()
        )
        if participant:
            participant.exercise = exercise
            return Viewer(exercise, Role.PLAYER, participant)
    if exercise.pk in roles.observing:
        return Viewer(exercise, Role.OBSERVER)
    return None


def get_viewer(request: HttpRequest, exercise_id: int, *roles: Role) -> Viewer:
    """The request's viewer of the exercise, in one of ``roles``; otherwise 404.

    404 rather than 403, so that nobody can learn which exercises exist.
    """
    browser = roles_of(request)
    viewer = _signed_in_player(request, browser, exercise_id)
    if viewer is None:
        exercise = _exercise_with_facilitator(exercise_id)
        viewer = exercise and viewer_for(request.user, browser, exercise)
    if not viewer or (roles and viewer.role not in roles):
        raise Http404("No such exercise, or you have no part in it.")
    return viewer


def player_reread(viewer: Viewer) -> Viewer:
    """A player's viewer read again, in one query, after a change: the exercise and the team
    as the change left them, with the versions it moved, by which the parts rendered for it
    are cached (fragments.py). Everything the parts show comes from this one read, so a
    part never pairs a newer version with older settings (decision support switched
    meanwhile)."""
    participant = viewer.participant
    reread = _participant_with_team_and_exercise(participant.pk, participant.exercise_id)
    if reread is None:
        raise Http404("No such exercise, or you have no part in it.")
    return Viewer(reread.exercise, Role.PLAYER, reread)


def _signed_in_player(
    request: HttpRequest, browser: BrowserRoles, exercise_id: int
) -> Viewer | None:
    """A player's viewer in one query: the page players re-fetch most starts here.

    Only for a browser nobody is logged in on, so that a facilitator who also joined a team
    keeps the facilitator's role, as ``viewer_for`` decides.
    """
    participant_id = browser.participant_id(exercise_id)
    if not participant_id or request.user.is_authenticated:
        return None
    participant = _participant_with_team_and_exercise(participant_id, exercise_id)
    return participant and Viewer(participant.exercise, Role.PLAYER, participant)


_PLAYER = Joined(
    (
        Table(Participant, "p"),
        Table(Team, "t"),
        Table(Exercise, "e", leave_out=("state",)),
    ),
    "FROM {p} p JOIN {t} t ON t.id = p.team_id "
    "JOIN {e} e ON e.id = p.exercise_id WHERE p.id = %s AND p.exercise_id = %s",
)


_EXERCISE = Joined(
    (Table(Exercise, "e"), Table(get_user_model(), "u", optional=True)),
    "FROM {e} e LEFT JOIN {u} u ON u.id = e.facilitator_id WHERE e.id = %s",
)


def _exercise_with_facilitator(exercise_id: int) -> Exercise | None:
    """``select_related("facilitator")``, in SQL built once per process: every page and
    poll of the control room starts here."""
    found = _EXERCISE.one([exercise_id])
    if found is None:
        return None
    exercise, facilitator = found
    attach(exercise, "facilitator", facilitator)
    return exercise


def _participant_with_team_and_exercise(
    participant_id: int, exercise_id: int
) -> Participant | None:
    """What the ORM would read with ``select_related("team", "exercise")``, without the
    exercise's state, in SQL built once per process (core/rows.py)."""
    found = _PLAYER.one([participant_id, exercise_id])
    if found is None:
        return None
    participant, team, exercise = found
    participant.team, participant.exercise, team.exercise = team, exercise, exercise
    return participant
