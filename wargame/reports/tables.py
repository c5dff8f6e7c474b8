"""The report as tidy tables: one row per observation, joined on their keys.

The same definitions write the CSV bundle and the data dictionary in the report's appendix.
Keys: ``team`` (team key) joins every table to ``teams``; ``(turn, team)`` joins ``actions``,
``rolls`` and ``expectations`` to ``moves``; ``indicator`` joins ``deltas`` and
``indicators_by_turn`` to ``indicators``; ``participant_id`` joins ``participants`` to
``questionnaire_answers`` and ``messages``.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[tuple[str, str], ...]  # (column, meaning)
    rows: Callable[[dict], Iterable[dict[str, Any]]]
    optional: str | None = None  # the option that must be on for the table to be written


def _teams(data):
    for team in data["teams"]:
        yield {"team": team["key"], "name": team["name"], "role": team["role"]}


def _participants(data):
    for team in data["teams"]:
        for p in team["participants"]:
            yield {
                "participant_id": p["id"],
                "team": team["key"],
                "name": p["name"],
                "joined_at": p["joined_at"],
            }


def _objectives(data):
    for team in data["teams"]:
        for o in team["objectives"]:
            yield {
                "team": team["key"],
                "objective_id": o["id"],
                "text": o["text"],
                "indicator": o["indicator"],
                "direction": o["direction"],
            }


def _turns(data):
    for turn in data["turns"]:
        yield {
            "turn": turn["number"],
            "opened_at": turn["opened_at"],
            "locked_at": turn["locked_at"],
            "published_at": turn["published_at"],
            "world_narrative": turn["narratives"]["world"],
        }


def _moves(data):
    for turn in data["turns"]:
        for m in turn["moves"]:
            yield {
                "turn": turn["number"],
                "team": m["team"],
                "submitted": m["submitted"],
                "held": m["held"],
                "submitted_at": m["submitted_at"],
                "submitted_by": m["submitted_by"],
                "objective": m["objective"],
                "confidence": m["confidence"],
                "rationale": m["rationale"],
                "statement": m["statement"],
                "narrative": turn["narratives"]["teams"].get(m["team"], ""),
            }


def _actions(data):
    for turn in data["turns"]:
        for m in turn["moves"]:
            for a in m["actions"]:
                yield {
                    "turn": turn["number"],
                    "team": m["team"],
                    "position": a["position"],
                    "action": a["action"],
                    "name": a["name"],
                    "category": a["category"],
                    "target": a["target"],
                    "intensity": a["intensity"],
                    "success": a["success"],
                }


def _expectations(data):
    for row in data["expectations"]:
        yield {
            "turn": row["turn"],
            "team": row["team"],
            "about_team": row["about"],
            "expected": row["expected"],
            "actual_actions": "; ".join(a["name"] for a in row["actual_actions"]),
        }


def _rolls(data):
    for turn in data["turns"]:
        for r in turn["rolls"]:
            yield {
                "turn": turn["number"],
                "team": r["team"],
                "action": r["action"],
                "target": r["target"],
                "intensity": r["intensity"],
                "base": r["base"],
                "modifiers": "; ".join(f"{m['reason']} ({m['add']:+g})" for m in r["modifiers"]),
                "probability": r["probability"],
                "drawn": r["drawn"],
                "success": r["success"],
            }


def _events(data):
    for turn in data["turns"]:
        for e in turn["events"]:
            yield {"turn": turn["number"], "event": e["id"], "title": e["title"], "fired": True}
        for e in turn["missed_events"]:
            yield {"turn": turn["number"], "event": e["id"], "title": e["title"], "fired": False}


def _rules(data):
    for turn in data["turns"]:
        for r in turn["rules"]:
            yield {"turn": turn["number"], "rule": r["id"], "name": r["name"]}


def _deltas(data):
    for turn in data["turns"]:
        for d in turn["deltas"]:
            yield {
                "turn": turn["number"],
                "indicator": d["indicator"],
                "amount": d["amount"],
                "cause": d["cause"],
                "cause_id": d["cause_id"],
                "team": d["team"],
                "reason": d["reason"],
            }


def _overrides(data):
    for turn in data["turns"]:
        for o in turn["overrides"]:
            yield {
                "turn": turn["number"],
                "kind": o["kind"],
                "subject": o["subject"],
                "amount": o["amount"],
                "before": o["before"],
                "after": o["after"],
                "reason": o["reason"],
                "author": o["author"],
            }


def _indicators(data):
    for i in data["indicators"]:
        yield {k: i[k] for k in ("id", "name", "group", "min", "max", "start", "meaning")}


def _indicators_by_turn(data):
    for point in data["indicator_series"]:
        for indicator, value in point["values"].items():
            yield {"turn": point["turn"], "indicator": indicator, "value": value}


def _messages(data):
    for m in data["messages"] or []:
        yield {
            "message_id": m["id"],
            "turn": m["turn"],
            "channel": m["channel"],
            "sender_team": m["sender_team"],
            "sender": m["sender"],
            "recipient_team": m["recipient_team"],
            "body": m["body"],
            "created_at": m["created_at"],
        }


def _answers(data):
    yield from data["questionnaires"]["answers"]


TURN = ("turn", "Turn number, 1-based (0 is the starting state).")
TEAM = ("team", "Team key; joins teams.team.")

TABLES: tuple[Table, ...] = (
    Table(
        "teams",
        "One row per team.",
        (("team", "Team key (the scenario's id)."), ("name", "Team name."), ("role", "Role.")),
        _teams,
    ),
    Table(
        "participants",
        "One row per participant (names left out if the facilitator chose so).",
        (
            ("participant_id", "Participant id."),
            TEAM,
            ("name", "Display name, or 'Team N' when names are left out."),
            ("joined_at", "When they joined (ISO 8601)."),
        ),
        _participants,
    ),
    Table(
        "objectives",
        "Each team's objectives from its briefing.",
        (
            TEAM,
            ("objective_id", "Objective id."),
            ("text", "The objective."),
            ("indicator", "Indicator it is judged by; joins indicators.id."),
            ("direction", "'up' or 'down': which way is good for the team."),
        ),
        _objectives,
    ),
    Table(
        "turns",
        "One row per published turn.",
        (
            TURN,
            ("opened_at", "When the turn opened."),
            ("locked_at", "When moves were locked."),
            ("published_at", "When the outcome was published."),
            ("world_narrative", "The published world narrative."),
        ),
        _turns,
    ),
    Table(
        "moves",
        "One row per team and turn: the team's submitted move.",
        (
            TURN,
            TEAM,
            ("submitted", "Whether the team submitted a move."),
            ("held", "Whether the team held (no valid move; the scenario's hold applied)."),
            ("submitted_at", "When the move was submitted."),
            ("submitted_by", "Who submitted it."),
            ("objective", "The team's intended objective."),
            ("confidence", "Confidence, 1 (very low) to 5 (very high)."),
            ("rationale", "The team's rationale."),
            ("statement", "The public statement."),
            ("narrative", "What the published outcome told the team."),
        ),
        _moves,
    ),
    Table(
        "actions",
        "One row per action chosen in a move; joins moves on (turn, team).",
        (
            TURN,
            TEAM,
            ("position", "Order in the move, from 1."),
            ("action", "Action id."),
            ("name", "Action name."),
            ("category", "security, economy, diplomacy or domestic."),
            ("target", "Target team key, if the action takes one."),
            ("intensity", "Intensity level, if the action takes one."),
            ("success", "Whether it succeeded (actions that cannot fail succeed)."),
        ),
        _actions,
    ),
    Table(
        "expectations",
        "What each team expected each other team to do; joins moves on (turn, team).",
        (
            TURN,
            TEAM,
            ("about_team", "The team the expectation is about."),
            ("expected", "The expectation as written."),
            ("actual_actions", "What that team did, action names separated by '; '."),
        ),
        _expectations,
    ),
    Table(
        "rolls",
        "One row per action adjudicated; joins moves on (turn, team).",
        (
            TURN,
            TEAM,
            ("action", "Action id."),
            ("target", "Target team key."),
            ("intensity", "Intensity level."),
            ("base", "Base probability of success (empty: cannot fail, nothing drawn)."),
            ("modifiers", "Modifiers that applied: 'reason (+0.1)', separated by '; '."),
            ("probability", "Probability after modifiers."),
            ("drawn", "The number drawn (success when drawn < probability)."),
            ("success", "Whether the action succeeded."),
        ),
        _rolls,
    ),
    Table(
        "events",
        "Events (injects) due in each turn, fired or not.",
        (
            TURN,
            ("event", "Event id."),
            ("title", "Event title."),
            ("fired", "Whether it happened."),
        ),
        _events,
    ),
    Table(
        "rules",
        "Interaction rules that fired.",
        (TURN, ("rule", "Rule id."), ("name", "Rule name.")),
        _rules,
    ),
    Table(
        "deltas",
        "Every change to an indicator with its cause; joins indicators on indicator.",
        (
            TURN,
            ("indicator", "Indicator id; joins indicators.id."),
            ("amount", "Change as applied (after clamping to the indicator's bounds)."),
            ("cause", "action, event, rule, hold or override (facilitator)."),
            ("cause_id", "Id of the action, event or rule; the override's id."),
            ("team", "Team key of the acting team, if any."),
            ("reason", "Why, in words."),
        ),
        _deltas,
    ),
    Table(
        "overrides",
        "The facilitator's changes to draft adjudications, with reasons.",
        (
            TURN,
            ("kind", "narrative or delta."),
            ("subject", "Team key or 'world' (narratives), or indicator id (deltas)."),
            ("amount", "Adjustment (deltas)."),
            ("before", "Text before (narratives)."),
            ("after", "Text or amount after."),
            ("reason", "The facilitator's reason."),
            ("author", "Who made the change."),
        ),
        _overrides,
    ),
    Table(
        "indicators",
        "Indicator definitions.",
        (
            ("id", "Indicator id."),
            ("name", "Name."),
            ("group", "Group (one chart per group)."),
            ("min", "Lowest value."),
            ("max", "Highest value."),
            ("start", "Starting value."),
            ("meaning", "What the numbers mean."),
        ),
        _indicators,
    ),
    Table(
        "indicators_by_turn",
        "Indicator values after each published turn (turn 0: the start).",
        (TURN, ("indicator", "Indicator id; joins indicators.id."), ("value", "Value.")),
        _indicators_by_turn,
    ),
    Table(
        "messages",
        "Messages sent during the exercise (only if the facilitator included them).",
        (
            ("message_id", "Message id."),
            ("turn", "Turn in which it was sent."),
            ("channel", "team, private (between two teams) or public."),
            ("sender_team", "Team key of the sender (empty: White cell)."),
            ("sender", "Sender's name or label."),
            ("recipient_team", "Team key of the recipient (private messages)."),
            ("body", "The message."),
            ("created_at", "When it was sent."),
        ),
        _messages,
        optional="include_messages",
    ),
    Table(
        "questionnaire_answers",
        "Answers to the pre- and post-exercise questionnaires (none recorded yet).",
        (
            ("phase", "pre or post."),
            ("participant_id", "Participant id; joins participants.participant_id."),
            TEAM,
            ("item", "Question id."),
            ("answer", "The answer."),
        ),
        _answers,
    ),
)


def tables_for(data: dict) -> list[Table]:
    return [t for t in TABLES if not t.optional or data["options"].get(t.optional)]
