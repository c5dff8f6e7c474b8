"""Checking a participant's answers against the scenario's items, kind by kind.

Stored shape, per item id: likert -> int 1..scale; single -> choice id; multiple -> list of
choice ids in the item's order; text -> str; numeric -> int or float within [min, max].
"""

import math
from collections.abc import Sequence
from typing import Any

from wargame.engine.scenario import QuestionItem
from wargame.exercises.services.errors import InvalidAnswers
from wargame.exercises.text import clean_text

TEXT_LIMIT = 2000


def clean_questionnaire_answers(items: Sequence[QuestionItem], raw: Any) -> dict[str, Any]:
    """The answers in their stored shape, or InvalidAnswers naming every problem by item."""
    if not isinstance(raw, dict):
        raise InvalidAnswers({"__all__": ["The answers could not be read. Reload the page."]})
    known = {item.id for item in items}
    errors: dict[str, list[str]] = {}
    for unknown in sorted(set(raw) - known):
        errors.setdefault("__all__", []).append(f"There is no question '{unknown}'.")
    clean: dict[str, Any] = {}
    for item in items:
        value = raw.get(item.id)
        if _blank(value):
            if item.required:
                errors[item.id] = ["Answer this question."]
            continue
        try:
            clean[item.id] = _clean(item, value)
        except ValueError as exc:
            errors[item.id] = [str(exc)]
    if errors:
        raise InvalidAnswers(errors)
    return clean


def _blank(value: Any) -> bool:
    return (
        value is None
        or value == ""
        or value == []
        or (isinstance(value, str) and not value.strip())
    )


def _clean(item: QuestionItem, value: Any) -> Any:
    match item.kind:
        case "likert":
            return _likert(item, value)
        case "single":
            ids = [choice.id for choice in item.choices or ()]
            if value not in ids:
                raise ValueError("Choose one of the options.")
            return value
        case "multiple":
            ids = [choice.id for choice in item.choices or ()]
            if not isinstance(value, list | tuple) or any(v not in ids for v in value):
                raise ValueError("Choose among the options.")
            if len(set(value)) != len(value):
                raise ValueError("Choose each option at most once.")
            return [choice for choice in ids if choice in value]
        case "text":
            if not isinstance(value, str):
                raise ValueError("Write your answer as text.")
            text = clean_text(value)
            if len(text) > TEXT_LIMIT:
                raise ValueError(f"Keep your answer under {TEXT_LIMIT} characters.")
            return text
        case "numeric":
            return _numeric(item, value)
    raise ValueError(f"Unknown kind of question: {item.kind}.")


def _likert(item: QuestionItem, value: Any) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("Choose a point on the scale.")
    if not 1 <= value <= (item.scale or 0):
        raise ValueError(f"Choose a point from 1 to {item.scale}.")
    return value


def _numeric(item: QuestionItem, value: Any) -> int | float:
    if isinstance(value, str):
        try:
            value = float(value.strip().replace(",", "."))
        except ValueError:
            raise ValueError("Enter a number.") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError("Enter a number.")
    unit = f" {item.unit}" if item.unit else ""
    if item.min is not None and value < item.min:
        raise ValueError(f"Enter a number of at least {item.min}{unit}.")
    if item.max is not None and value > item.max:
        raise ValueError(f"Enter a number of at most {item.max}{unit}.")
    return int(value) if float(value).is_integer() else float(value)
