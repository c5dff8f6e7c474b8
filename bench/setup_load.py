"""The benchmark's in-process steps, run by bench/run.py against the bench database.

    python bench/setup_load.py create --exercises M --players P --turns T --out join.json
    python bench/setup_load.py queries --out queries.json
    python bench/setup_load.py times --join join.json --out times.json
    python bench/setup_load.py cpu --requests N --out cpu.json

``create`` makes M exercises through the services (a facilitator account each, 4 teams of P
players who have joined, the exercise not yet started: the facilitator starts it over HTTP),
plus one exercise played to turn 3 for the throughput phase, and writes what locust needs
to play them. ``queries`` counts the database queries of the pages every browser re-fetches,
at turn 1 and at turn 8 of a played exercise with messages. ``times`` reads the deadline,
lock and publication times of the exercises' turns, for the notification delays. ``cpu``
measures the CPU each kind of request costs the web process, in this process: where a
class's load makes the pages slow, it tells which view to make cheaper.

Run ``create``, ``queries`` and ``times`` with REDIS_URL unset: tasks then run in this
process (eager) and notifications go to an in-memory layer nobody listens to; the data
lands in the bench database all the same.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wargame.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from wargame.engine import choose_move  # noqa: E402
from wargame.exercises.models import Exercise, Turn  # noqa: E402
from wargame.exercises.scenarios import get_scenario  # noqa: E402
from wargame.exercises.services.audit import facilitator_actor  # noqa: E402
from wargame.exercises.services.exercises import exercise_create, exercise_start  # noqa: E402
from wargame.exercises.services.messages import message_broadcast, message_send  # noqa: E402
from wargame.exercises.services.moves import (  # noqa: E402
    move_save_draft,
    move_submit,
    participant_join,
)
from wargame.exercises.services.turns import turn_lock, turn_publish  # noqa: E402

SCENARIO = "japan-korea-2025"
PASSWORD = "bench-facilitator-password"  # noqa: S105 (a throw-away bench account on loopback)


def _facilitator(username: str):
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=username)
    if created:
        user.set_password(PASSWORD)
        user.save()
    return user


def _packages() -> dict[str, dict]:
    """Per team: the actions a scripted player may tick (cost 1, no target, no condition)."""
    scenario = get_scenario(SCENARIO)
    result = {}
    for team in scenario.teams:
        simple = [
            a
            for a in team.actions
            if scenario.action(a).cost == 1
            and not scenario.action(a).target
            and not scenario.action(a).intensity
            and not scenario.action(a).requires
        ]
        result[team.id] = {
            "actions": simple,
            "budget": scenario.team_budget(team.id),
            "others": [t.id for t in scenario.teams if t.id != team.id],
        }
    return result


def _answers(scenario, team_key: str, state, seed: int) -> dict:
    move = choose_move(scenario, team_key, state, "hedging", random.Random(seed))
    return {
        "actions": [
            {"action": c.action, "target": c.target, "intensity": c.intensity} for c in move.actions
        ],
        "objective": "Hold the line",
        "expectations": {},
        "confidence": 3,
        "rationale": "Scripted by the benchmark",
        "statement": "",
    }


def _play_turn(exercise: Exercise, players: list, user) -> None:
    """Every listed player's team saves and submits a bot move; lock, adjudicate, publish."""
    scenario = get_scenario(exercise.scenario_slug)
    turn = exercise.turn_set.order_by("-number").first()
    from wargame.engine import WorldState

    state = WorldState.from_dict(turn.state_before)
    for n, player in enumerate(players):
        answers = _answers(scenario, player.team.key, state, turn.number * 10 + n)
        move = move_save_draft(participant=player, turn_id=turn.pk, base_revision=0, answers={})
        move_submit(
            participant=player, turn_id=turn.pk, base_revision=move.revision, answers=answers
        )
    turn_lock(turn_id=turn.pk, actor=facilitator_actor(user), reason="facilitator")
    turn.refresh_from_db()
    assert turn.status == Turn.Status.ADJUDICATED, turn.status
    turn_publish(turn_id=turn.pk, user=user)


def _chatter(exercise: Exercise, players: list, user, number: int) -> None:
    first, second = players[0], players[1]
    message_send(sender=first, channel="team", body=f"turn {number}: hold")
    message_send(sender=second, channel="private", body="talk?", recipient=first.team)
    message_send(sender=first, channel="public", body=f"statement, turn {number}")
    message_broadcast(exercise=exercise, user=user, body="Five minutes left")


def create(args) -> dict:
    exercises = []
    for n in range(args.exercises):
        user = _facilitator(f"bench-facilitator-{n + 1}")
        exercise = exercise_create(
            facilitator=user,
            scenario_slug=SCENARIO,
            title=f"Bench class {n + 1}",
            turns=args.turns,
            turn_minutes=args.turn_minutes,
            seed=n + 1,
            decision_support=args.decision_support,
        )
        teams = []
        for team in exercise.teams.order_by("position"):
            players = [
                participant_join(team=team, display_name=f"{team.key[:10]} player {p + 1}")
                for p in range(args.players)
            ]
            teams.append(
                {
                    "key": team.key,
                    "players": [{"id": p.pk, "token": p.rejoin_token} for p in players],
                }
            )
        exercises.append(
            {
                "id": exercise.pk,
                "username": user.username,
                "password": PASSWORD,
                "turns": exercise.turns,
                "teams": teams,
            }
        )
    # The throughput phase reads the team page of an exercise in play at turn 3.
    user = _facilitator("bench-facilitator-throughput")
    exercise = exercise_create(
        facilitator=user,
        scenario_slug=SCENARIO,
        title="Bench throughput class",
        turns=8,
        turn_minutes=120,
        seed=99,
        decision_support=args.decision_support,
    )
    players = [
        participant_join(team=team, display_name=f"{team.key[:10]} reader")
        for team in exercise.teams.order_by("position")
    ]
    exercise_start(exercise_id=exercise.pk, user=user)
    for number in (1, 2):
        _chatter(exercise, players, user, number)
        _play_turn(exercise, players, user)
    return {
        "scenario": SCENARIO,
        "exercises": exercises,
        "packages": _packages(),
        "throughput": {
            "id": exercise.pk,
            "players": [{"id": p.pk, "token": p.rejoin_token} for p in players],
        },
    }


def _shape(sql: str) -> str:
    sql = re.sub(r"'[^']*'", "?", sql)
    return re.sub(r"IN \(N(, N)*\)", "IN (...)", re.sub(r"\b\d+\b", "N", sql))


def queries(args) -> dict:
    """Queries per page view at turn 1 and turn 8 (with a message flow every turn)."""
    user = _facilitator("bench-facilitator-queries")
    exercise = exercise_create(
        facilitator=user, scenario_slug=SCENARIO, title="Bench queries", turns=8, seed=7
    )
    players = [
        participant_join(team=team, display_name=f"{team.key[:10]} counted")
        for team in exercise.teams.order_by("position")
    ]
    exercise_start(exercise_id=exercise.pk, user=user)
    player, facilitator = Client(), Client()
    player.get(f"/rejoin/{players[0].rejoin_token}/")
    assert facilitator.login(username=user.username, password=PASSWORD)
    pk = exercise.pk
    pages = {
        "team page": (player, f"/play/{pk}/"),
        "move fragment": (player, f"/play/{pk}/fragments/move/"),
        "situation fragment": (player, f"/play/{pk}/fragments/situation/"),
        "messages fragment": (player, f"/play/{pk}/fragments/messages/"),
        "control room": (facilitator, f"/exercises/{pk}/control/"),
        "control status": (facilitator, f"/exercises/{pk}/control/status/"),
    }

    def measure() -> dict:
        counted = {}
        for name, (client, url) in pages.items():
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
            counted[name] = [_shape(q["sql"]) for q in captured.captured_queries]
        return counted

    _chatter(exercise, players, user, 1)
    at_one = measure()
    for number in range(1, 8):
        _play_turn(exercise, players, user)
        _chatter(exercise, players, user, number + 1)
    at_eight = measure()
    return {
        name: {
            "turn_1": len(at_one[name]),
            "turn_8": len(at_eight[name]),
            # One query more after the first publication (the published turns' moves).
            "independent_of_turns": len(at_eight[name]) - len(at_one[name]) <= 1,
        }
        for name in pages
    }


def times(args) -> dict:
    join = json.loads(Path(args.join).read_text())
    ids = [e["id"] for e in join["exercises"]]
    result = {}
    for turn in Turn.objects.filter(exercise_id__in=ids):
        result[f"{turn.exercise_id}:{turn.number}"] = {
            "deadline": turn.deadline.timestamp() if turn.deadline else None,
            "locked_at": turn.locked_at.timestamp() if turn.locked_at else None,
            "published_at": turn.published_at.timestamp() if turn.published_at else None,
            "status": turn.status,
        }
    finished = Exercise.objects.filter(pk__in=ids, status=Exercise.Status.FINISHED).count()
    return {"turns": result, "exercises_finished": finished}


REVISION = re.compile(r'name="revision" value="(\d+)"')


def cpu(args) -> dict:
    """Each kind of request's CPU in this process (``time.process_time``: the request's
    thread and the one that sends its notices), the median over ``--requests`` of them, as
    a player and a facilitator of one exercise make them. Run with REDIS_URL set, as the
    web process is: a panel's simulation is queued, not run here (no worker takes it, so
    the panel answers "estimate pending"), and notices go through Redis."""
    user = _facilitator("bench-facilitator-cpu")
    exercise = exercise_create(
        facilitator=user,
        scenario_slug=SCENARIO,
        title="Bench CPU",
        turns=3,
        turn_minutes=120,  # as the throughput exercise: not locked while the load runs
        seed=11,
    )
    player = participant_join(team=exercise.teams.order_by("position")[0], display_name="Me")
    exercise_start(exercise_id=exercise.pk, user=user)
    browser, facilitator = Client(), Client()
    browser.get(f"/rejoin/{player.rejoin_token}/")
    assert facilitator.login(username=user.username, password=PASSWORD)
    package = _packages()[player.team.key]
    pick = random.Random(11).sample  # the same packages from one run to the next
    pk, htmx = exercise.pk, {"HTTP_HX_REQUEST": "true"}
    revision = int(REVISION.search(browser.get(f"/play/{pk}/").content.decode()).group(1))

    def save_draft():
        nonlocal revision
        data = {
            "revision": str(revision),
            "objective": "Keep the alliance and the economy steady",
            "confidence": "3",
            "rationale": "We weigh the allies' reactions against the cost at home. " * 3,
            "statement": "",
            "intent": "save",
            **{f"expect__{other}": "They will wait and see." for other in package["others"][:2]},
            **{f"act__{action}": "on" for action in pick(package["actions"], 2)},
        }
        response = browser.post(f"/play/{pk}/move/", data, **htmx)
        if response.status_code == 200:
            revision = int(REVISION.search(response.content.decode()).group(1))
        return response

    def panel():
        ticked = "&".join(f"act__{action}=on" for action in pick(package["actions"], 2))
        return browser.get(f"/play/{pk}/preview/?{ticked}", **htmx)

    kinds = {
        "team page": lambda: browser.get(f"/play/{pk}/"),
        "save draft": save_draft,
        "chat message": lambda: browser.post(
            f"/play/{pk}/messages/", {"to": "team", "body": "What about the tariffs?"}, **htmx
        ),
        "decision support": panel,
        "control status": lambda: facilitator.get(f"/exercises/{pk}/control/status/"),
        "control messages": lambda: facilitator.get(f"/exercises/{pk}/control/messages/"),
    }
    return {name: _median_cpu_ms(name, request, args.requests) for name, request in kinds.items()}


def _median_cpu_ms(name: str, request, times: int) -> float:
    """The first request is left out: it fills the caches that a class in play keeps warm."""
    spent = []
    for _ in range(times + 1):
        started = time.process_time()
        response = request()
        spent.append((time.process_time() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{name} answered {response.status_code}")
    return round(statistics.median(spent[1:]), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("create")
    make.add_argument("--exercises", type=int, required=True)
    make.add_argument("--players", type=int, default=5, help="players per team")
    make.add_argument("--turns", type=int, default=3)
    make.add_argument("--turn-minutes", type=int, default=1)
    make.add_argument("--decision-support", action=argparse.BooleanOptionalAction, default=True)
    make.add_argument("--out", required=True)
    count = sub.add_parser("queries")
    count.add_argument("--out", required=True)
    read = sub.add_parser("times")
    read.add_argument("--join", required=True)
    read.add_argument("--out", required=True)
    measure = sub.add_parser("cpu")
    measure.add_argument("--requests", type=int, default=30, help="of each kind")
    measure.add_argument("--out", required=True)
    args = parser.parse_args()
    commands = {"create": create, "queries": queries, "times": times, "cpu": cpu}
    result = commands[args.command](args)
    Path(args.out).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
