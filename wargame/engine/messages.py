"""Pydantic's validation errors rewritten for someone editing a YAML file."""

from __future__ import annotations

import difflib
import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from .conditions import CONDITION_TAGS


def display_path(loc: tuple[Any, ...]) -> str:
    """('actions', 2, 'effects') -> 'actions[2].effects' (union tags left out)."""
    text = ""
    for step in loc:
        if isinstance(step, int):
            text += f"[{step}]"
        elif step not in CONDITION_TAGS and not str(step).startswith("function-"):
            text += f".{step}" if text else str(step)
    return text


def error_message(error: ErrorDetails, root: type[BaseModel]) -> str:
    loc = tuple(error["loc"])
    where = display_path(loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        return (
            f"{display_path(loc[:-1]) or 'top level'}: unknown key {loc[-1]!r}{_hint(error, root)}"
        )
    if kind == "missing":
        return f"{display_path(loc[:-1]) or 'top level'}: missing required key {loc[-1]!r}"
    if kind in ("dict_type", "model_type", "model_attributes_type") and not where:
        return "the file must be a mapping of scenario keys (id, title, turns, ...)"
    if kind == "string_pattern_mismatch":
        return f"{where}: {error['input']!r} is not a valid id (lower_snake_case, or a-slug)"
    if kind == "value_error":
        return f"{where}: {error['ctx']['error']!s}"
    message = error["msg"]
    if kind.endswith("_type") or kind.endswith("_parsing"):
        message += f", got {_shown(error['input'])}"
    return f"{where}: {message}" if where else message


def _shown(value: Any) -> str:
    if isinstance(value, dict | list):
        return "a mapping" if isinstance(value, dict) else "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _hint(error: ErrorDetails, root: type[BaseModel]) -> str:
    """A 'did you mean' for a typo, among the keys accepted at that place."""
    model = model_at(root, tuple(error["loc"][:-1]))
    if model is None:
        return ""
    accepted = [field.alias or name for name, field in model.model_fields.items()]
    close = difflib.get_close_matches(str(error["loc"][-1]), accepted, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def model_at(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class that validates the value at `loc`, if it is a model."""
    current: Any = root
    for step in loc:
        current = _child_type(current, step)
        if current is None:
            return None
    current = _strip(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _child_type(annotation: Any, step: Any) -> Any:
    if step in CONDITION_TAGS:
        return CONDITION_TAGS[step]
    annotation = _strip(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        fields = annotation.model_fields.items()
        return next((f.annotation for name, f in fields if step in (name, f.alias)), None)
    origin = get_origin(annotation)
    if origin in (tuple, list):
        return get_args(annotation)[0]
    if origin is dict:
        return get_args(annotation)[1]
    return None


def _strip(annotation: Any) -> Any:
    """Annotated[X, ...] -> X and X | None -> X, repeatedly."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            options = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation
