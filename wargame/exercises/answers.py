"""A move's answers: what a team's questionnaire holds, checked against the scenario.

The stored shape (JSON)::

    {"actions": [{"action": ID, "target": TEAM_ID or null, "intensity": LEVEL or null}],
     "objective": str, "expectations": {TEAM_ID: str}, "confidence": 1..5 or null,
     "rationale": str, "statement": str}
"""

from typing import Any

from wargame.engine import ActionChoice, Scenario, WorldState, validate_move
from wargame.engine import Move as EngineMove
from wargame.exercises.services.errors import InvalidAnswers
from wargame.exercises.text import clean_text

LIMITS = {"objective": 500, "rationale": 5000, "statement": 1000, "expectation": 500}
CONFIDENCE = range(1, 6)


def empty_answers() -> dict[str, Any]:
    return {
        "actions": [],
        "objective": "",
        "expectations": {},
        "confidence": None,
        "rationale": "",
        "statement": "",
    }


def clean_answers(
    scenario: Scenario, team_key: str, state: WorldState, raw: Any, *, final: bool
) -> dict[str, Any]:
    """Return the answers in their stored shape, or raise InvalidAnswers with every problem.

    A draft (``final=False``) may be incomplete but never names what the team cannot do; a
    submitted move (``final=True``) must also fit the budget and preconditions and answer the
    required questions.
    """
    errors: dict[str, list[str]] = {}
    if not isinstance(raw, dict):
        raise InvalidAnswers({"__all__": ["The move could not be read. Reload the page."]})
    answers = empty_answers()
    team = scenario.team(team_key)
    answers["actions"] = _actions(scenario, team_key, raw.get("actions"), errors)
    for field in ("objective", "rationale", "statement"):
        answers[field] = _text(raw.get(field), field, LIMITS[field], errors)
    answers["expectations"] = _expectations(scenario, team_key, raw.get("expectations"), errors)
    answers["confidence"] = _confidence(raw.get("confidence"), errors)
    if final and not errors:
        move = to_engine_move(team.id, answers)
        for reason in validate_move(scenario, state, move):
            errors.setdefault("actions", []).append(reason)
        for field, label in (("objective", "objective"), ("rationale", "rationale")):
            if not answers[field]:
                errors.setdefault(field, []).append(f"Write the team's {label} before submitting.")
        if answers["confidence"] is None:
            errors.setdefault("confidence", []).append("Choose a confidence before submitting.")
    if errors:
        raise InvalidAnswers(errors)
    return answers


def to_engine_move(team_key: str, answers: dict[str, Any]) -> EngineMove:
    return EngineMove(
        team=team_key,
        actions=tuple(
            ActionChoice(action=a["action"], target=a.get("target"), intensity=a.get("intensity"))
            for a in answers.get("actions", [])
        ),
    )


def _actions(scenario: Scenario, team_key: str, raw: Any, errors: dict) -> list[dict]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        errors.setdefault("actions", []).append("The chosen actions could not be read.")
        return []
    menu = set(scenario.team(team_key).actions)
    chosen: list[dict] = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("action"), str):
            errors.setdefault("actions", []).append("The chosen actions could not be read.")
            continue
        action_id = item["action"]
        if action_id not in menu:
            errors.setdefault("actions", []).append(
                f"“{action_id}” is not on your team's menu of actions."
            )
            continue
        action = scenario.action(action_id)
        target = item.get("target") or None
        intensity = item.get("intensity") or None
        if action.target is None:
            target = None
        elif target not in action.target.choices:
            errors.setdefault("actions", []).append(f"Choose a target for “{action.name}”.")
        if action.intensity is None:
            intensity = None
        elif intensity is None:
            intensity = action.intensity.default
        elif intensity not in action.intensity.levels:
            errors.setdefault("actions", []).append(f"Choose an intensity for “{action.name}”.")
        chosen.append({"action": action_id, "target": target, "intensity": intensity})
    return chosen


def _text(raw: Any, field: str, limit: int, errors: dict) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        errors.setdefault(field, []).append("This answer could not be read.")
        return ""
    value = clean_text(raw)
    if len(value) > limit:
        errors.setdefault(field, []).append(
            f"Keep this under {limit} characters (it has {len(value)})."
        )
    return value


def _expectations(scenario: Scenario, team_key: str, raw: Any, errors: dict) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        errors.setdefault("expectations", []).append("The expected reactions could not be read.")
        return {}
    others = [team.id for team in scenario.teams if team.id != team_key]
    unknown = set(raw) - set(others)
    if unknown:
        errors.setdefault("expectations", []).append("Expected reactions name an unknown team.")
    return {
        key: _text(raw.get(key), "expectations", LIMITS["expectation"], errors)
        for key in others
        if raw.get(key)
    }


def _confidence(raw: Any, errors: dict) -> int | None:
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = None
    if value not in CONFIDENCE:
        errors.setdefault("confidence", []).append("Confidence is a whole number from 1 to 5.")
        return None
    return value
