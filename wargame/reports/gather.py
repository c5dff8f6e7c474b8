"""Gather an exercise's after-action report: one plain, JSON-ready structure.

``report_data`` reads the database with a fixed number of queries whatever the number of
turns, teams or moves; every format (HTML, PDF, CSV, JSON) renders the structure it returns.
Its shape is documented in ``docs/report-schema.json``.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

from django.utils import timezone

from wargame.engine import Scenario, WorldState, classify
from wargame.exercises.models import Exercise, Message, Move, Override, Participant, Team, Turn
from wargame.exercises.preview import decision_support_timeline
from wargame.exercises.scenarios import get_scenario
from wargame.questionnaires.selectors import questionnaire_results
from wargame.reports.models import HotWash, ReportSettings

SCHEMA_VERSION = 1
SCHEMA_ID = "https://github.com/wargame-kit/wargame-kit/docs/report-schema.json"
SWINGS = 3
CAUSES_PER_SWING = 3

CONFIDENCE_LABELS = {1: "very low", 2: "low", 3: "medium", 4: "high", 5: "very high"}


@dataclass(frozen=True)
class Options:
    include_names: bool = True
    include_messages: bool = False

    @classmethod
    def of(cls, settings: ReportSettings | None) -> "Options":
        if settings is None:
            return cls()
        return cls(settings.include_names, settings.include_messages)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def report_data(exercise_id: int, *, options: Options | None = None) -> dict[str, Any]:
    """Everything the report shows, read in a fixed number of queries.

    Without ``options``, the facilitator's saved report settings apply.
    """
    exercise = Exercise.objects.select_related("facilitator").get(pk=exercise_id)
    if options is None:
        options = Options.of(ReportSettings.objects.filter(exercise=exercise).first())
    scenario = get_scenario(exercise.scenario_slug)
    teams = list(Team.objects.filter(exercise=exercise).order_by("position"))
    participants = list(
        Participant.objects.filter(exercise=exercise).order_by("team__position", "joined_at", "id")
    )
    turns = [
        turn
        for turn in Turn.objects.filter(exercise=exercise).order_by("number")
        if turn.status == Turn.Status.PUBLISHED
    ]
    moves = list(
        Move.objects.filter(turn__exercise=exercise, turn__status=Turn.Status.PUBLISHED).order_by(
            "turn__number", "team__position"
        )
    )
    overrides = list(
        Override.objects.filter(turn__exercise=exercise, turn__status=Turn.Status.PUBLISHED)
        .select_related("author")
        .order_by("created_at", "id")
    )
    hotwash = HotWash.objects.filter(exercise=exercise).first()
    messages = (
        list(
            Message.objects.filter(exercise=exercise)
            .select_related("sender_team", "recipient_team")
            .order_by("created_at", "id")
        )
        if options.include_messages
        else None
    )
    builder = _Builder(
        exercise, scenario, options, teams, participants, turns, moves, overrides, hotwash
    )
    builder.questionnaire_results = questionnaire_results(exercise)
    builder.decision_support = [
        {**switch, "at": _iso(switch["at"])} for switch in decision_support_timeline(exercise)
    ]
    return builder.build(messages)


class _Builder:
    """Turns the rows read by ``report_data`` into the report structure (no queries here)."""

    def __init__(
        self, exercise, scenario: Scenario, options, teams, participants, turns, moves, overrides,
        hotwash,
    ) -> None:  # fmt: skip
        self.exercise = exercise
        self.scenario = scenario
        self.options = options
        self.teams = teams
        self.participants = participants
        self.turns = turns
        self.team_key = {team.pk: team.key for team in teams}
        self.team_name = {team.key: team.name for team in teams}
        self.labels = self._participant_labels()
        self.moves: dict[tuple[int, str], Move] = {
            (move.turn_id, self.team_key[move.team_id]): move for move in moves
        }
        self.overrides: dict[int, list[Override]] = defaultdict(list)
        for override in overrides:
            self.overrides[override.turn_id].append(override)
        self.hotwash = hotwash
        self.questionnaire_results: dict[str, Any] | None = None
        self.decision_support: list[dict[str, Any]] = []

    # --- names -------------------------------------------------------------------------

    def _participant_labels(self) -> dict[int, str]:
        labels, counts = {}, defaultdict(int)
        for participant in self.participants:
            key = self.team_key[participant.team_id]
            counts[key] += 1
            labels[participant.pk] = (
                participant.display_name
                if self.options.include_names
                else f"{self.team_name[key]} {counts[key]}"
            )
        return labels

    def action_name(self, action_id: str) -> str:
        try:
            return self.scenario.action(action_id).name
        except KeyError:
            return action_id

    def indicator_name(self, indicator_id: str) -> str:
        try:
            return self.scenario.indicator(indicator_id).name
        except KeyError:
            return indicator_id

    # --- the whole --------------------------------------------------------------------

    def build(self, messages: list[Message] | None) -> dict[str, Any]:
        series = self._series()
        turns = [self._turn(turn) for turn in self.turns]
        state = WorldState.from_dict(self.exercise.state)
        classification = classify(self.scenario, state)
        future = next(f for f in self.scenario.futures if f.id == classification.future_id)
        futures = {f.id: f.name for f in self.scenario.futures}
        return {
            "$schema": SCHEMA_ID,
            "schema_version": SCHEMA_VERSION,
            "generated_at": timezone.now().isoformat(),
            "options": {
                "include_names": self.options.include_names,
                "include_messages": self.options.include_messages,
            },
            "exercise": self._exercise(),
            "scenario": self._scenario(),
            "teams": self._teams(),
            "indicators": [
                {
                    "id": i.id,
                    "name": i.name,
                    "group": i.group,
                    "min": i.min,
                    "max": i.max,
                    "start": i.start,
                    "meaning": i.meaning,
                }
                for i in self.scenario.indicators
            ],
            "indicator_series": series,
            "outcome": {
                "final": self.exercise.status == Exercise.Status.FINISHED,
                "future_id": classification.future_id,
                "name": classification.name,
                "description": future.description,
                "reasons": list(classification.reasons),
                "checked": [
                    {"future_id": fid, "name": futures[fid], "held": held, "reasons": reasons}
                    for fid, held, reasons in classification.checked
                ],
            },
            "swings": self._swings(series, turns),
            "turns": turns,
            "expectations": self._expectations(turns),
            "confidence": self._confidence(turns, series),
            "questionnaires": self._questionnaires(),
            "hotwash": {
                "insights": self.hotwash.insights if self.hotwash else "",
                "notes": self.hotwash.notes if self.hotwash else "",
                "updated_at": _iso(self.hotwash.updated_at) if self.hotwash else None,
            },
            "messages": None if messages is None else [self._message(m) for m in messages],
        }

    def _exercise(self) -> dict[str, Any]:
        exercise = self.exercise
        return {
            "id": exercise.pk,
            "title": exercise.title,
            "status": exercise.status,
            "facilitator": exercise.facilitator.get_username(),
            "created_at": _iso(exercise.created_at),
            "started_at": _iso(self.turns[0].opened_at) if self.turns else None,
            "finished_at": _iso(exercise.finished_at),
            "turns_planned": exercise.turns,
            "turns_published": len(self.turns),
            "turn_minutes": exercise.turn_minutes,
            "seed": exercise.seed,
            "allow_team_messages": exercise.allow_team_messages,
            "decision_support": self.decision_support,
        }

    def _scenario(self) -> dict[str, Any]:
        s = self.scenario
        return {
            "id": s.id,
            "title": s.title,
            "version": s.version,
            "summary": s.summary,
            "sources": [
                {
                    "title": src.title,
                    "publisher": src.publisher,
                    "date": None if src.date is None else str(src.date),
                    "url": src.url,
                }
                for src in s.sources
            ],
            "assumptions": [{"id": a.id, "text": a.text} for a in s.assumptions],
            "futures": [
                {"id": f.id, "name": f.name, "description": f.description} for f in s.futures
            ],
        }

    def _teams(self) -> list[dict[str, Any]]:
        people = defaultdict(list)
        for participant in self.participants:
            people[participant.team_id].append(
                {
                    "id": participant.pk,
                    "name": self.labels[participant.pk],
                    "joined_at": _iso(participant.joined_at),
                }
            )
        result = []
        for team in self.teams:
            briefing = self.scenario.team(team.key).briefing
            result.append(
                {
                    "key": team.key,
                    "name": team.name,
                    "role": briefing.role,
                    "participants": people[team.pk],
                    "objectives": [
                        {
                            "id": o.id,
                            "text": o.text,
                            "indicator": o.indicator,
                            "direction": o.direction,
                        }
                        for o in briefing.objectives
                    ],
                }
            )
        return result

    def _series(self) -> list[dict[str, Any]]:
        if self.turns:
            start = self.turns[0].state_before["indicators"]
        else:
            start = {i.id: i.start for i in self.scenario.indicators}
        series = [{"turn": 0, "values": dict(start)}]
        series += [
            {"turn": t.number, "values": dict(t.state_after["indicators"])} for t in self.turns
        ]
        return series

    # --- turns ------------------------------------------------------------------------

    def _turn(self, turn: Turn) -> dict[str, Any]:
        adjudication = turn.adjudication or {}
        held = set(adjudication.get("held", []))
        refused = adjudication.get("refused", {})
        rolls = [
            {
                "team": r["team"],
                "action": r["action"],
                "action_name": self.action_name(r["action"]),
                "target": r["target"],
                "intensity": r["intensity"],
                "base": r["base"],
                "modifiers": [{"reason": m[0], "add": m[1]} for m in r["modifiers"]],
                "probability": r["probability"],
                "drawn": r["drawn"],
                "success": r["success"],
            }
            for r in adjudication.get("rolls", [])
        ]
        deltas = [
            {
                "indicator": d["indicator"],
                "indicator_name": self.indicator_name(d["indicator"]),
                "amount": d["amount"],
                "cause": d["cause"],
                "cause_id": d["cause_id"],
                "cause_name": self._cause_name(d, adjudication),
                "team": d["team"],
                "reason": d["reason"],
            }
            for d in adjudication.get("deltas", [])
        ]
        overrides = []
        for o in self.overrides.get(turn.pk, []):
            overrides.append(
                {
                    "kind": o.kind,
                    "subject": o.subject,
                    "subject_name": (
                        self.indicator_name(o.subject)
                        if o.kind == Override.Kind.DELTA
                        else self._subject_name(o.subject)
                    ),
                    "before": o.before,
                    "after": o.after,
                    "amount": o.amount,
                    "reason": o.reason,
                    "author": o.author.get_username(),
                    "created_at": _iso(o.created_at),
                }
            )
            if o.kind == Override.Kind.DELTA:
                deltas.append(
                    {
                        "indicator": o.subject,
                        "indicator_name": self.indicator_name(o.subject),
                        "amount": o.amount,
                        "cause": "override",
                        "cause_id": str(o.pk),
                        "cause_name": "Facilitator adjustment",
                        "team": None,
                        "reason": o.reason,
                    }
                )
        before = turn.state_before["indicators"]
        after = turn.state_after["indicators"]
        causes = defaultdict(list)
        for d in deltas:
            causes[d["indicator"]].append({"name": d["cause_name"], "amount": d["amount"]})
        changes = [
            {
                "indicator": i.id,
                "name": i.name,
                "before": before[i.id],
                "after": after[i.id],
                "change": round(after[i.id] - before[i.id], 6),
                "causes": causes[i.id],
            }
            for i in self.scenario.indicators
            if causes[i.id] or after[i.id] != before[i.id]
        ]
        return {
            "number": turn.number,
            "opened_at": _iso(turn.opened_at),
            "locked_at": _iso(turn.locked_at),
            "published_at": _iso(turn.published_at),
            "events": [
                {"id": e["id"], "title": e["title"], "text": e["text"]}
                for e in adjudication.get("events", [])
            ],
            "missed_events": [
                {
                    "id": e["id"],
                    "title": e["title"],
                    "probability": e["probability"],
                    "drawn": e["drawn"],
                }
                for e in adjudication.get("missed_events", [])
            ],
            "moves": [
                self._move(turn, team.key, held, refused.get(team.key, []), rolls)
                for team in self.teams
            ],
            "rolls": rolls,
            "rules": [
                {"id": r["id"], "name": r["name"], "narrative": r["narrative"]}
                for r in adjudication.get("rules", [])
            ],
            "deltas": deltas,
            "changes": changes,
            "overrides": overrides,
            "narratives": {
                "world": turn.narratives.get("world", ""),
                "world_edited": turn.narratives.get("world", "")
                != adjudication.get("world_narrative", ""),
                "teams": {
                    team.key: turn.narratives.get(team.key, "")
                    for team in self.teams
                    if turn.narratives.get(team.key)
                },
            },
            "indicators_before": dict(before),
            "indicators_after": dict(after),
        }

    def _subject_name(self, subject: str) -> str:
        return "The world" if subject == "world" else self.team_name.get(subject, subject)

    def _cause_name(self, delta: dict, adjudication: dict) -> str:
        cause, cause_id, team = delta["cause"], delta["cause_id"], delta["team"]
        team_name = self.team_name.get(team, team or "")
        if cause == "action":
            return f"{team_name}: {self.action_name(cause_id)}"
        if cause == "event":
            titles = {e["id"]: e["title"] for e in adjudication.get("events", [])}
            return f"Event: {titles.get(cause_id, cause_id)}"
        if cause == "rule":
            names = {r["id"]: r["name"] for r in adjudication.get("rules", [])}
            return f"Rule: {names.get(cause_id, cause_id)}"
        if cause == "hold":
            return f"{team_name}: held (no move)"
        return delta["reason"]

    def _move(self, turn: Turn, key: str, held: set, refused: list, rolls: list) -> dict:
        move = self.moves.get((turn.pk, key))
        answers = (move.submitted_answers if move else None) or {}
        outcomes = defaultdict(list)
        for roll in rolls:
            if roll["team"] == key:
                outcomes[roll["action"]].append(roll["success"])
        confidence = answers.get("confidence")
        return {
            "team": key,
            "submitted": bool(move and move.submitted_answers is not None),
            "held": key in held,
            "refused": list(refused),
            "submitted_at": _iso(move.submitted_at) if move else None,
            "submitted_by": (
                self.labels.get(move.submitted_by_id) if move and move.submitted_by_id else None
            ),
            "revision": move.submitted_revision if move else None,
            "actions": [
                {
                    "position": position,
                    "action": a["action"],
                    "name": self.action_name(a["action"]),
                    "category": self._category(a["action"]),
                    "target": a.get("target"),
                    "intensity": a.get("intensity"),
                    "success": (outcomes[a["action"]].pop(0) if outcomes[a["action"]] else None),
                }
                for position, a in enumerate(answers.get("actions", []), start=1)
            ],
            "objective": answers.get("objective", ""),
            "expectations": dict(answers.get("expectations", {})),
            "confidence": confidence,
            "confidence_label": CONFIDENCE_LABELS.get(confidence),
            "rationale": answers.get("rationale", ""),
            "statement": answers.get("statement", ""),
        }

    def _category(self, action_id: str) -> str | None:
        try:
            return self.scenario.action(action_id).category
        except KeyError:
            return None

    # --- analyses ---------------------------------------------------------------------

    def _swings(self, series: list[dict], turns: list[dict]) -> list[dict[str, Any]]:
        start, end = series[0]["values"], series[-1]["values"]
        changes = sorted(
            ((key, end[key] - start[key]) for key in start),
            key=lambda item: (-abs(item[1]), item[0]),
        )
        swings = []
        for key, change in changes[:SWINGS]:
            if not change:
                break
            totals: dict[tuple, dict] = {}
            for turn in turns:
                for d in turn["deltas"]:
                    if d["indicator"] != key:
                        continue
                    cause = (d["cause"], d["cause_id"], d["team"])
                    entry = totals.setdefault(
                        cause,
                        {
                            "cause": d["cause"],
                            "cause_id": d["cause_id"],
                            "cause_name": d["cause_name"],
                            "team": d["team"],
                            "amount": 0.0,
                            "turns": [],
                        },
                    )
                    entry["amount"] = round(entry["amount"] + d["amount"], 6)
                    if turn["number"] not in entry["turns"]:
                        entry["turns"].append(turn["number"])
            # The causes that pushed the way the indicator went, largest first.
            same_way = [c for c in totals.values() if c["amount"] * change > 0]
            same_way.sort(key=lambda c: (-abs(c["amount"]), c["cause_name"]))
            swings.append(
                {
                    "indicator": key,
                    "name": self.indicator_name(key),
                    "start": start[key],
                    "end": end[key],
                    "change": round(change, 6),
                    "causes": same_way[:CAUSES_PER_SWING],
                }
            )
        return swings

    def _expectations(self, turns: list[dict]) -> list[dict[str, Any]]:
        """Each team's expectation of each other team, beside what that team did."""
        rows = []
        for turn in turns:
            by_team = {move["team"]: move for move in turn["moves"]}
            for move in turn["moves"]:
                for other, text in move["expectations"].items():
                    actual = by_team.get(other)
                    rows.append(
                        {
                            "turn": turn["number"],
                            "team": move["team"],
                            "about": other,
                            "expected": text,
                            "confidence": move["confidence"],
                            "actual_held": bool(actual and actual["held"]),
                            "actual_actions": [
                                {"name": a["name"], "success": a["success"]}
                                for a in (actual["actions"] if actual else [])
                            ],
                        }
                    )
        return rows

    def _confidence(self, turns: list[dict], series: list[dict]) -> list[dict[str, Any]]:
        """Each team's confidence per turn against its results that turn."""
        objectives = {
            team.key: self.scenario.team(team.key).briefing.objectives for team in self.teams
        }
        rows = []
        for turn, (before, after) in zip(turns, pairwise(series), strict=False):
            for move in turn["moves"]:
                rolled = [
                    r for r in turn["rolls"] if r["team"] == move["team"] and r["base"] is not None
                ]
                successes = sum(r["success"] for r in rolled)
                progress = [
                    (after["values"][o.indicator] - before["values"][o.indicator])
                    * (1 if o.direction == "up" else -1)
                    for o in objectives[move["team"]]
                    if o.indicator in before["values"]
                ]
                rows.append(
                    {
                        "turn": turn["number"],
                        "team": move["team"],
                        "confidence": move["confidence"],
                        "rolls": len(rolled),
                        "successes": successes,
                        "success_share": round(successes / len(rolled), 4) if rolled else None,
                        "objective_progress": (
                            round(sum(progress) / len(progress), 4) if progress else None
                        ),
                    }
                )
        return rows

    def _questionnaires(self) -> dict[str, Any]:
        """Answers before and after, and the shift, from the questionnaires app if present."""
        results = self.questionnaire_results
        if not results or not results.get("responses"):
            return {
                "available": False,
                "note": "No questionnaire data: no participant has answered a questionnaire."
                if results is not None
                else "No questionnaire data: this kit does not record questionnaire answers.",
                "items": results["items"] if results else [],
                "answers": [],
            }
        answers = []
        for response in results["responses"]:
            for item, answer in response["answers"].items():
                answers.append(
                    {
                        "phase": response["phase"],
                        "participant_id": response["participant_id"],
                        "team": response["team"],
                        "item": item,
                        "answer": "; ".join(map(str, answer))
                        if isinstance(answer, list)
                        else answer,
                    }
                )
        return {"available": True, "note": "", "items": results["items"], "answers": answers}

    def _message(self, message: Message) -> dict[str, Any]:
        return {
            "id": message.pk,
            "turn": message.turn_number,
            "channel": message.channel,
            "sender_team": message.sender_team.key if message.sender_team else None,
            "sender": (
                self.labels.get(message.sender_id, "") if message.sender_id else "White cell"
            ),
            "recipient_team": message.recipient_team.key if message.recipient_team else None,
            "body": message.body,
            "created_at": _iso(message.created_at),
        }
