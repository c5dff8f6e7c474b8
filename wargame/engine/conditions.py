"""Conditions: their schema, their compiled form for the hot path, and their explanation
in words for players and facilitators."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Annotated, Any, Protocol

from pydantic import Discriminator, Field, Tag, model_validator

from .fields import Id, Int, Model, Number
from .numbers import fmt


class IndicatorCondition(Model):
    indicator: Id
    gt: Number | None = None
    gte: Number | None = None
    lt: Number | None = None
    lte: Number | None = None

    @model_validator(mode="after")
    def _bounds(self) -> IndicatorCondition:
        if self.gt is None and self.gte is None and self.lt is None and self.lte is None:
            raise ValueError("an indicator condition needs at least one of gt, gte, lt, lte")
        if self.gt is not None and self.gte is not None:
            raise ValueError("use either gt or gte, not both")
        if self.lt is not None and self.lte is not None:
            raise ValueError("use either lt or lte, not both")
        return self

    @property
    def lower(self) -> tuple[float, bool] | None:
        """(bound, strict) of the lower bound, if any."""
        if self.gt is not None:
            return self.gt, True
        return None if self.gte is None else (self.gte, False)

    @property
    def upper(self) -> tuple[float, bool] | None:
        if self.lt is not None:
            return self.lt, True
        return None if self.lte is None else (self.lte, False)


class PlayedCondition(Model):
    played: Id
    target: Id | None = None


class SucceededCondition(Model):
    succeeded: Id


class FlagCondition(Model):
    flag: Id


class FiredCondition(Model):
    fired: Id


class TurnRange(Model):
    gte: Int | None = None
    lte: Int | None = None

    @model_validator(mode="after")
    def _some_bound(self) -> TurnRange:
        if self.gte is None and self.lte is None:
            raise ValueError("a turn condition needs gte, lte or both")
        return self


class TurnCondition(Model):
    turn: TurnRange


class AllCondition(Model):
    all: tuple[Condition, ...] = Field(min_length=1)


class AnyCondition(Model):
    any: tuple[Condition, ...] = Field(min_length=1)


class NotCondition(Model):
    not_: Condition = Field(alias="not")


CONDITION_FORMS: dict[str, type[Model]] = {
    "indicator": IndicatorCondition,
    "played": PlayedCondition,
    "succeeded": SucceededCondition,
    "flag": FlagCondition,
    "fired": FiredCondition,
    "turn": TurnCondition,
    "all": AllCondition,
    "any": AnyCondition,
    "not": NotCondition,
}
# Pydantic puts the union's tag into an error's location. These tags can never be keys of a
# condition, so the line finder skips them and messages leave them out.
CONDITION_TAGS = {f"{key} condition": model for key, model in CONDITION_FORMS.items()}


def _condition_form(value: Any) -> str | None:
    if isinstance(value, dict):
        return next((f"{key} condition" for key in CONDITION_FORMS if key in value), None)
    return next((tag for tag, model in CONDITION_TAGS.items() if isinstance(value, model)), None)


Condition = Annotated[
    Annotated[IndicatorCondition, Tag("indicator condition")]
    | Annotated[PlayedCondition, Tag("played condition")]
    | Annotated[SucceededCondition, Tag("succeeded condition")]
    | Annotated[FlagCondition, Tag("flag condition")]
    | Annotated[FiredCondition, Tag("fired condition")]
    | Annotated[TurnCondition, Tag("turn condition")]
    | Annotated[AllCondition, Tag("all condition")]
    | Annotated[AnyCondition, Tag("any condition")]
    | Annotated[NotCondition, Tag("not condition")],
    Discriminator(
        _condition_form,
        custom_error_type="condition_form",
        custom_error_message="a condition is a mapping with one of: " + ", ".join(CONDITION_FORMS),
    ),
]

for _model in (AllCondition, AnyCondition, NotCondition):
    _model.model_rebuild()


def walk(condition: Condition, loc: tuple[Any, ...]) -> Iterator[tuple[Condition, tuple]]:
    """Every condition nested in `condition` (itself included) with its path in the file."""
    yield condition, loc
    if isinstance(condition, AllCondition | AnyCondition):
        key = "all" if isinstance(condition, AllCondition) else "any"
        for index, part in enumerate(getattr(condition, key)):
            yield from walk(part, (*loc, key, index))
    elif isinstance(condition, NotCondition):
        yield from walk(condition.not_, (*loc, "not"))


# --- evaluation -------------------------------------------------------------------------


class Context:
    """What a condition can look at while a turn is being adjudicated.

    `values` are the indicator values at the start of the turn (by indicator index);
    `flags` and `fired` grow as the turn goes on; `played`, `targeted` and `succeeded`
    hold action indices (and (action, team) index pairs) of this turn's moves.
    """

    __slots__ = ("fired", "flags", "played", "succeeded", "targeted", "turn", "values")

    def __init__(
        self,
        values: list[float],
        flags: set[str],
        fired: set[str],
        turn: int,
        played: set[int] | frozenset[int] = frozenset(),
        targeted: set[tuple[int, int]] | frozenset[tuple[int, int]] = frozenset(),
        succeeded: set[int] | frozenset[int] = frozenset(),
    ) -> None:
        self.values = values
        self.flags = flags
        self.fired = fired
        self.turn = turn
        self.played = played
        self.targeted = targeted
        self.succeeded = succeeded


Check = Callable[[Context], bool]


class Indices(Protocol):
    indicator_index: Mapping[str, int]
    action_index: Mapping[str, int]
    team_index: Mapping[str, int]


def compile_condition(condition: Condition, ix: Indices) -> Check:
    """A closure over integer indices that evaluates `condition` in a few hundred ns."""
    match condition:
        case IndicatorCondition():
            return _compile_indicator(condition, ix.indicator_index[condition.indicator])
        case PlayedCondition(played=action, target=None):
            a = ix.action_index[action]
            return lambda c: a in c.played
        case PlayedCondition(played=action, target=target):
            pair = (ix.action_index[action], ix.team_index[target])
            return lambda c: pair in c.targeted
        case SucceededCondition(succeeded=action):
            a = ix.action_index[action]
            return lambda c: a in c.succeeded
        case FlagCondition(flag=flag):
            return lambda c: flag in c.flags
        case FiredCondition(fired=event):
            return lambda c: event in c.fired
        case TurnCondition(turn=TurnRange(gte=low, lte=high)):
            low = 1 if low is None else low
            high = 1_000_000 if high is None else high
            return lambda c: low <= c.turn <= high
        case AllCondition():
            return _compile_all(tuple(compile_condition(part, ix) for part in condition.all))
        case AnyCondition():
            return _compile_any(tuple(compile_condition(part, ix) for part in condition.any))
        case NotCondition():
            inner = compile_condition(condition.not_, ix)
            return lambda c: not inner(c)
    raise TypeError(f"not a condition: {condition!r}")


def _compile_indicator(condition: IndicatorCondition, i: int) -> Check:
    lower, upper = condition.lower, condition.upper
    if upper is None:
        bound, strict = lower  # type: ignore[misc]
        if strict:
            return lambda c: c.values[i] > bound
        return lambda c: c.values[i] >= bound
    if lower is None:
        bound, strict = upper
        if strict:
            return lambda c: c.values[i] < bound
        return lambda c: c.values[i] <= bound
    above, below = _lower_check(*lower), _upper_check(*upper)
    return lambda c: above(c.values[i]) and below(c.values[i])


def _lower_check(bound: float, strict: bool) -> Callable[[float], bool]:
    return float(bound).__lt__ if strict else float(bound).__le__


def _upper_check(bound: float, strict: bool) -> Callable[[float], bool]:
    return float(bound).__gt__ if strict else float(bound).__ge__


def _compile_all(parts: tuple[Check, ...]) -> Check:
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        first, second = parts
        return lambda c: first(c) and second(c)

    def every(c: Context) -> bool:
        for part in parts:  # noqa: SIM110 (a loop is faster than all() over a generator)
            if not part(c):
                return False
        return True

    return every


def _compile_any(parts: tuple[Check, ...]) -> Check:
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        first, second = parts
        return lambda c: first(c) or second(c)

    def some(c: Context) -> bool:
        for part in parts:  # noqa: SIM110 (a loop is faster than any() over a generator)
            if part(c):
                return True
        return False

    return some


# --- explanation ------------------------------------------------------------------------


class Names(Protocol):
    def indicator_name(self, indicator_id: str) -> str: ...
    def action_name(self, action_id: str) -> str: ...
    def team_name(self, team_id: str) -> str: ...
    def event_title(self, event_id: str) -> str: ...


def bounds_text(lower: tuple[float, bool] | None, upper: tuple[float, bool] | None) -> str:
    parts = []
    if lower is not None:
        parts.append(f"{'>' if lower[1] else '≥'} {fmt(lower[0])}")
    if upper is not None:
        parts.append(f"{'<' if upper[1] else '≤'} {fmt(upper[0])}")
    return " and ".join(parts)


def explain(condition: Condition, c: Context, names: Names, ix: Indices) -> tuple[bool, list[str]]:
    """Whether `condition` holds, and in words why: the parts that decided it."""
    match condition:
        case AllCondition():
            results = [explain(part, c, names, ix) for part in condition.all]
            held = all(r[0] for r in results)
            return held, _reasons(results, keep=lambda r: held or not r[0])
        case AnyCondition():
            results = [explain(part, c, names, ix) for part in condition.any]
            held = any(r[0] for r in results)
            return held, _reasons(results, keep=lambda r: r[0] or not held)
        case NotCondition():
            held, reasons = explain(condition.not_, c, names, ix)
            return not held, reasons
    held = compile_condition(condition, ix)(c)
    return held, [_explain_leaf(condition, c, names, ix, held)]


def _reasons(results: list[tuple[bool, list[str]]], keep: Callable[[Any], bool]) -> list[str]:
    return [reason for result in results if keep(result) for reason in result[1]]


def _explain_leaf(condition: Condition, c: Context, names: Names, ix: Indices, held: bool) -> str:
    match condition:
        case IndicatorCondition(indicator=indicator):
            value = c.values[ix.indicator_index[indicator]]
            needs = bounds_text(condition.lower, condition.upper)
            return f"{names.indicator_name(indicator)} is {fmt(value)} (needs {needs})"
        case PlayedCondition(played=action, target=target):
            aimed = "" if target is None else f" aimed at {names.team_name(target)}"
            verb = "was played" if held else "was not played"
            return f"{names.action_name(action)}{aimed} {verb} this turn"
        case SucceededCondition(succeeded=action):
            verb = "succeeded" if held else "did not succeed"
            return f"{names.action_name(action)} {verb} this turn"
        case FlagCondition(flag=flag):
            return f"flag {flag} is {'set' if held else 'not set'}"
        case FiredCondition(fired=event):
            verb = "has happened" if held else "has not happened"
            return f"event “{names.event_title(event)}” {verb}"
        case TurnCondition(turn=TurnRange(gte=low, lte=high)):
            needs = bounds_text(
                None if low is None else (low, False), None if high is None else (high, False)
            )
            return f"the turn is {c.turn} (needs {needs})"
    raise TypeError(f"not a condition: {condition!r}")
