"""Reads for the questionnaire pages, the control room and the report."""

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache

from wargame.engine.scenario import QuestionItem
from wargame.exercises.fragments import FRAGMENT_SECONDS, team_version
from wargame.exercises.models import Exercise, Participant, Team
from wargame.exercises.scenarios import get_scenario
from wargame.questionnaires.models import Phase, QuestionnaireResponse, QuestionnaireWindow

PHASES = (Phase.PRE, Phase.POST)
AUTOMATIC = {
    Phase.PRE: "open until the exercise starts",
    Phase.POST: "opens when the exercise ends",
}


@dataclass(frozen=True)
class Window:
    phase: str
    label: str
    is_open: bool
    automatic: bool  # no explicit choice by the facilitator: follows the exercise
    items: int

    @property
    def rule(self) -> str:
        return AUTOMATIC[Phase(self.phase)]


def questionnaire_items(exercise: Exercise, phase: str) -> tuple[QuestionItem, ...]:
    return getattr(get_scenario(exercise.scenario_slug).questionnaires, phase)


def windows(exercise: Exercise) -> list[Window]:
    """Both questionnaires of the exercise, open or closed; one without items never opens."""
    chosen = {w.phase: w.is_open for w in QuestionnaireWindow.objects.filter(exercise=exercise)}
    result = []
    for phase in PHASES:
        items = len(questionnaire_items(exercise, phase))
        if phase in chosen:
            is_open = chosen[phase]
        elif phase == Phase.PRE:
            is_open = exercise.status == Exercise.Status.SETUP
        else:
            is_open = exercise.status == Exercise.Status.FINISHED
        result.append(
            Window(phase, Phase(phase).label, is_open and items > 0, phase not in chosen, items)
        )
    return result


def window(exercise: Exercise, phase: str) -> Window:
    return next(w for w in windows(exercise) if w.phase == phase)


def own_response(participant: Participant, phase: str) -> QuestionnaireResponse | None:
    """The participant's own answers; nobody else's are ever read through here."""
    return QuestionnaireResponse.objects.filter(participant=participant, phase=phase).first()


def participant_cards(participant: Participant) -> list[dict[str, Any]]:
    """What the team page says about each questionnaire for this participant."""
    exercise_windows, answered_by = _team_questionnaires(participant.exercise, participant.team)
    answered = answered_by.get(participant.pk, frozenset())
    return [
        {"window": w, "answered": w.phase in answered}
        for w in exercise_windows
        if w.items and (w.is_open or w.phase in answered)
    ]


def _team_questionnaires(
    exercise: Exercise, team: Team
) -> tuple[list[Window], dict[int, frozenset[str]]]:
    """The exercise's windows and which of the team's players answered which, read once for
    the team's version: its players arrive together, and each one's first team page read
    both again (a fifth of that page's CPU, bench/HISTORY.md). Opening or closing a window
    moves the exercise's version, a player's answers the team's (questionnaire_answer)."""
    key = f"questionnaire-cards:{team_version(exercise, team)}"
    found = cache.get(key)
    if found is None:
        answered: dict[int, set[str]] = defaultdict(set)
        for participant_id, phase in QuestionnaireResponse.objects.filter(
            participant__team=team
        ).values_list("participant_id", "phase"):
            answered[participant_id].add(phase)
        found = (windows(exercise), {pk: frozenset(p) for pk, p in answered.items()})
        cache.set(key, found, FRAGMENT_SECONDS)
    return found


def response_rates(exercise: Exercise) -> list[dict[str, Any]]:
    """Per questionnaire: respondents, participants and the rate, overall and per team."""
    participants = list(exercise.participants.select_related("team"))
    teams = list(exercise.teams.all())
    answered: dict[str, set[int]] = {phase: set() for phase in PHASES}
    for phase, participant_id in QuestionnaireResponse.objects.filter(
        exercise=exercise
    ).values_list("phase", "participant_id"):
        answered[phase].add(participant_id)
    rates = []
    for w in windows(exercise):
        by_team = []
        for team in teams:
            members = [p for p in participants if p.team_id == team.pk]
            done = sum(1 for p in members if p.pk in answered[w.phase])
            by_team.append({"team": team, "answered": done, "participants": len(members)})
        done = len(answered[w.phase])
        rates.append(
            {
                "window": w,
                "answered": done,
                "participants": len(participants),
                "rate": done / len(participants) if participants else 0.0,
                "by_team": by_team,
            }
        )
    return rates


# --- distributions and shifts ----------------------------------------------------------------


def summarise(item: QuestionItem, values: list[Any]) -> dict[str, Any]:
    """The distribution of one item's answers (blank answers excluded).

    likert: n, mean, median, counts {"1": k, ..., str(scale): k}; numeric: n, mean, median,
    min, max, values; single: n, counts {choice id: k} and shares; multiple: n respondents,
    counts {choice id: k} and shares of respondents who chose each; text: n, answers.
    """
    n = len(values)
    summary: dict[str, Any] = {"n": n}
    if item.kind in ("likert", "numeric"):
        summary["mean"] = statistics.fmean(values) if values else None
        summary["median"] = statistics.median(values) if values else None
        if item.kind == "likert":
            tally = Counter(values)
            summary["counts"] = {str(p): tally[p] for p in range(1, (item.scale or 0) + 1)}
        else:
            summary.update(
                min=min(values) if values else None,
                max=max(values) if values else None,
                values=sorted(values),
            )
    elif item.kind in ("single", "multiple"):
        picked = values if item.kind == "single" else [c for v in values for c in v]
        tally = Counter(picked)
        summary["counts"] = {c.id: tally[c.id] for c in item.choices or ()}
        summary["shares"] = {c.id: (tally[c.id] / n if n else 0.0) for c in item.choices or ()}
    else:
        summary["answers"] = list(values)
    return summary


def shift(item: QuestionItem, pre: dict[str, Any], post: dict[str, Any]) -> dict[str, Any] | None:
    """Post minus pre: of the mean (likert, numeric) or of each choice's share; None for text
    or when either side has no answers."""
    if not pre["n"] or not post["n"] or item.kind == "text":
        return None
    if item.kind in ("likert", "numeric"):
        return {"mean": post["mean"] - pre["mean"]}
    return {"shares": {c: post["shares"][c] - pre["shares"][c] for c in pre["shares"]}}


def _paired(item: QuestionItem, pre: dict[int, Any], post: dict[int, Any]) -> dict[str, Any]:
    """The mean change of the participants who answered both (likert and numeric)."""
    both = [pid for pid in pre if pid in post]
    if item.kind not in ("likert", "numeric") or not both:
        return {"n": len(both), "mean_change": None}
    return {"n": len(both), "mean_change": statistics.fmean(post[p] - pre[p] for p in both)}


def questionnaire_results(exercise: Exercise) -> dict[str, Any]:
    """Everything the report needs about the questionnaires, JSON-serialisable.

    ::

        {"phases": {"pre": {"label", "open", "automatic", "items", "respondents",
                            "participants"}, "post": {...}},
         "items": [{"id", "text", "kind", "phases": ["pre", "post"], "unit", "min", "max",
                    "scale", "labels", "choices": [{"id", "text"}] or None,
                    "summary": {"pre": SUMMARY, "post": SUMMARY},      # see summarise()
                    "shift": SHIFT or None,                            # see shift()
                    "paired": {"n", "mean_change"},                    # same people, both
                    "by_team": {team key: {"name", "summary": {"pre", "post"}, "shift"}}}],
         "responses": [{"participant_id", "participant", "team", "team_name", "phase",
                        "answers": {item id: answer}, "submitted_at", "updated_at"}]}

    An item asked in one phase only has a summary for that phase and no shift. Answers are
    in the validated stored shape (see validation.py); times are ISO 8601 strings.
    """
    responses = list(
        QuestionnaireResponse.objects.filter(exercise=exercise)
        .select_related("participant__team")
        .order_by("phase", "participant__team__position", "submitted_at", "id")
    )
    teams = list(exercise.teams.all())
    participants = exercise.participants.count()
    items_by_phase = {phase: questionnaire_items(exercise, phase) for phase in PHASES}
    ordered: dict[str, QuestionItem] = {}
    for phase in PHASES:
        for item in items_by_phase[phase]:
            ordered.setdefault(item.id, item)
    phases_of = {
        item_id: [p for p in PHASES if any(i.id == item_id for i in items_by_phase[p])]
        for item_id in ordered
    }
    items = []
    for item_id, item in ordered.items():
        answers = {
            phase: {
                r.participant_id: r.answers[item_id]
                for r in responses
                if r.phase == phase and item_id in r.answers
            }
            for phase in phases_of[item_id]
        }
        summary = {phase: summarise(item, list(answers[phase].values())) for phase in answers}
        by_team = {}
        for team in teams:
            team_summary = {
                phase: summarise(
                    item,
                    [
                        r.answers[item_id]
                        for r in responses
                        if r.phase == phase
                        and r.participant.team_id == team.pk
                        and item_id in r.answers
                    ],
                )
                for phase in answers
            }
            by_team[team.key] = {
                "name": team.name,
                "summary": team_summary,
                "shift": _shift_of(item, team_summary),
            }
        items.append(
            {
                "id": item.id,
                "text": item.text,
                "kind": item.kind,
                "phases": list(phases_of[item_id]),
                "unit": item.unit,
                "min": item.min,
                "max": item.max,
                "scale": item.scale,
                "labels": list(item.labels) if item.labels else None,
                "choices": [{"id": c.id, "text": c.text} for c in item.choices]
                if item.choices
                else None,
                "summary": summary,
                "shift": _shift_of(item, summary),
                "paired": _paired(item, answers.get("pre", {}), answers.get("post", {})),
                "by_team": by_team,
            }
        )
    phases = {}
    for w in windows(exercise):
        phases[w.phase] = {
            "label": w.label,
            "open": w.is_open,
            "automatic": w.automatic,
            "items": w.items,
            "respondents": sum(1 for r in responses if r.phase == w.phase),
            "participants": participants,
        }
    return {
        "phases": phases,
        "items": items,
        "responses": [
            {
                "participant_id": r.participant_id,
                "participant": r.participant.display_name,
                "team": r.participant.team.key,
                "team_name": r.participant.team.name,
                "phase": r.phase,
                "answers": r.answers,
                "submitted_at": r.submitted_at.isoformat(),
                "updated_at": r.updated_at.isoformat(),
            }
            for r in responses
        ],
    }


def _shift_of(item: QuestionItem, summary: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    if "pre" not in summary or "post" not in summary:
        return None
    return shift(item, summary["pre"], summary["post"])


def distribution_rows(item: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per choice or scale point of a result item (see questionnaire_results), with
    count and share per phase, for drawing bars; empty for numeric and text items."""
    if item["kind"] == "likert":
        labels = item["labels"] or [str(n) for n in range(1, item["scale"] + 1)]
        options = [(str(n), label) for n, label in enumerate(labels, start=1)]
    elif item["kind"] in ("single", "multiple"):
        options = [(c["id"], c["text"]) for c in item["choices"]]
    else:
        return []
    rows = []
    for key, label in options:
        row: dict[str, Any] = {"label": label}
        for phase, summary in item["summary"].items():
            count = summary["counts"][key]
            row[phase] = {"count": count, "share": count / summary["n"] if summary["n"] else 0.0}
        rows.append(row)
    return rows
