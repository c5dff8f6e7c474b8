"""Tell browsers that something changed; they re-fetch what they show.

Notifications are sent after the transaction commits and are best effort: when the channel
layer is unreachable (Redis restarting) the change is still saved, and browsers catch up when
they reconnect or reload. The database is the truth.

Whatever browsers are told to re-fetch is also what pages may have cached: the same call
moves the version of the exercise (for ``everyone``) or of the teams, in the change's own
transaction, and cached fragments are keyed by those versions (fragments.py). A cached
fragment therefore never outlives a change its readers were told about.

A view (or the deadline sweep) that renders, after the change, the part its readers would
fetch may send the part with the notice instead (``notices_with_parts``): every teammate's
browser then shows it without asking the server again.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection, transaction
from django.db.models import F

from wargame.exercises.models import Exercise, Team

logger = logging.getLogger(__name__)


def exercise_group(exercise_id: int) -> str:
    return f"ex-{exercise_id}"


def team_group(exercise_id: int, team_key: str) -> str:
    return f"ex-{exercise_id}-team-{team_key}"


def control_group(exercise_id: int) -> str:
    return f"ex-{exercise_id}-control"


Parts = dict[str, dict[str, str]]  # team key -> element id -> HTML
_held: ContextVar[list | None] = ContextVar("held_notices", default=None)


def _send(groups: list[str], event: str, data: dict, parts: Parts | None = None) -> None:
    held = _held.get()
    if held is not None:
        held.append((groups, event, data, parts or {}))
        return
    message = {"type": "notify", "event": event, **data}
    try:
        # One hand-off to the event loop for all the groups, not one per group.
        async_to_sync(_group_send)(groups, message, parts or {})
    except Exception:
        logger.warning("Live update %s to %s not delivered", event, groups, exc_info=True)


async def _group_send(groups: list[str], message: dict, parts: Parts) -> None:
    # Each player's connection passes on its team's parts only; the control room has no
    # use for them.
    sends = [
        (group, {**message, "team_parts": parts})
        if parts and group != control_group(message["exercise"])
        else (group, message)
        for group in groups
    ]
    layer = get_channel_layer()
    if hasattr(layer, "group_send_many"):  # core/layers.py: all the groups at once
        await layer.group_send_many(sends)
        return
    for group, sent in sends:
        try:
            await layer.group_send(group, sent)
        except Exception:
            logger.warning(
                "Live update %s to %s not delivered", sent["event"], group, exc_info=True
            )


@contextmanager
def notices_with_parts() -> Iterator[Parts]:
    """Holds the notices of what the block commits until the block ends, then sends them
    with the parts the block put in the yielded dict, by team.

    A part is the HTML of an element a team's page would otherwise re-fetch on the notice,
    keyed by the element's id, exactly as that request would answer every player of the
    team (with the CSRF placeholder of fragments.py, which the browser fills in). The
    players' connections (consumers.py) pass each player its own team's parts only. A part
    carries the version it was rendered for (``data-part-version``), and it must show that
    version's state or a newer one: a browser that already shows a newer part keeps it
    (live.js), as a later change's notice may overtake this one.
    """
    held: list = []
    parts: Parts = {}
    token = _held.set(held)
    try:
        yield parts
    finally:
        _held.reset(token)
        for groups, event, data, own in held:
            teams = own.keys() | parts.keys()
            _send(groups, event, data, {t: {**own.get(t, {}), **parts.get(t, {})} for t in teams})


def notices_held() -> bool:
    """Whether the enclosing ``notices_with_parts`` block holds a notice to send."""
    return bool(_held.get())


def notify(
    exercise_id: int,
    event: str,
    *,
    everyone: bool = False,
    every_team: bool = False,
    control: bool = False,
    teams: tuple[str, ...] = (),
    **data,
) -> None:
    """After commit, send ``event`` to everyone in the exercise, the control room, or teams.

    Facilitators and observers listen on the exercise's group too, so ``everyone`` reaches
    them; ``control`` is for what only the facilitator may learn (a team's move status).
    ``every_team`` is told to everyone too, but what changed shows only in what each team
    sees (a public message): every team's version moves and the exercise's does not, so what
    the whole exercise shows alike (the history, the decision-support panels) stays cached.
    """
    moved = teams
    if every_team:
        moved = tuple(Team.objects.filter(exercise_id=exercise_id).values_list("key", flat=True))
    if everyone:
        Exercise.objects.filter(pk=exercise_id).update(version=F("version") + 1)
    elif moved:
        _move_team_versions(exercise_id, sorted(set(moved)))
    groups = [team_group(exercise_id, key) for key in teams]
    if everyone or every_team:
        groups.append(exercise_group(exercise_id))
    elif control:
        groups.append(control_group(exercise_id))
    payload = {"exercise": exercise_id, **data}
    transaction.on_commit(lambda: _send(groups, event, payload))


def _move_team_versions(exercise_id: int, keys: list[str]) -> None:
    """The exercise's row first, then the teams' one at a time in key order, so that every
    transaction takes them in the same order. Otherwise a message (holding its team's row,
    its foreign keys checked on the exercise's row at commit) and a save or a join (holding
    the exercise's row, wanting the team's) deadlocked under load. Every save and message
    runs this: its SQL is built once per process (core/rows.py says why)."""
    lock, bump = _version_sql(connection.vendor)
    with connection.cursor() as cursor:
        if lock:
            cursor.execute(lock, [exercise_id])
        for key in keys:
            cursor.execute(bump, [exercise_id, key])


@cache
def _version_sql(vendor: str) -> tuple[str | None, str]:
    quote = connection.ops.quote_name
    exercise, team = quote(Exercise._meta.db_table), quote(Team._meta.db_table)
    column = {
        name: quote(Team._meta.get_field(name).column) for name in ("version", "exercise", "key")
    }
    lock = None
    if connection.features.has_select_for_no_key_update:
        pk = quote(Exercise._meta.pk.column)
        lock = f"SELECT 1 FROM {exercise} WHERE {pk} = %s FOR NO KEY UPDATE"  # noqa: S608
    bump = (
        f"UPDATE {team} SET {column['version']} = {column['version']} + 1 "  # noqa: S608
        f"WHERE {column['exercise']} = %s AND {column['key']} = %s"
    )
    return lock, bump


def notify_estimate_ready(
    exercise_id: int, team_key: str, *, package: str, panel: str | None
) -> None:
    """A decision-support estimate is in the cache: the team's panels waiting for this
    package show ``panel`` (its HTML), or ask again without it. No version moves, as a panel
    still waiting is never cached."""
    payload = {"exercise": exercise_id, "package": package}
    parts = {team_key: {"decision-support": panel}} if panel is not None else None
    transaction.on_commit(
        lambda: _send([team_group(exercise_id, team_key)], "estimate.ready", payload, parts)
    )
