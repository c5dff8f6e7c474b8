"""The scenario schema (see docs/scenario-format.md) and its loader."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, PrivateAttr, Strict, ValidationError, model_validator

from .checks import Parts, check
from .compiled import CompiledScenario, compile_scenario
from .conditions import Condition
from .fields import Id, Int, Model, Number, Slug, Text
from .messages import error_message
from .yamlsource import Located, YamlSyntaxError, read_yaml

Effects = dict[Id, Number]
Category = Literal["security", "economy", "diplomacy", "domestic"]
Stance = Literal["hawkish", "accommodating", "hedging", "neutral"]
Strategy = Literal["hawkish", "accommodating", "hedging", "random"]


# --- the scenario -----------------------------------------------------------------------


class Source(Model):
    title: Text
    publisher: Text | None = None
    date: datetime.date | Text | None = None
    url: Text | None = None


class Assumption(Model):
    id: Id
    text: Text


class Turns(Model):
    default: Int = Field(ge=1)
    min: Int = Field(ge=1)
    max: Int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> Turns:
        if not self.min <= self.default <= self.max:
            raise ValueError(
                f"need min <= default <= max, got {self.min}, {self.default}, {self.max}"
            )
        return self


class Indicator(Model):
    id: Id
    name: Text
    group: Text = "general"
    min: Number
    max: Number
    start: Number
    meaning: Text = ""


class Objective(Model):
    id: Id
    text: Text
    indicator: Id
    direction: Literal["up", "down"]


class Briefing(Model):
    role: Text
    situation: Text
    objectives: tuple[Objective, ...] = ()
    constraints: tuple[Text, ...] = ()


class Team(Model):
    id: Id
    name: Text
    budget: Int | None = Field(default=None, ge=0)
    briefing: Briefing
    actions: tuple[Id, ...] = Field(min_length=1)
    bots: dict[Strategy, dict[Id, Annotated[float, Strict(), Field(ge=0)]]] = {}


class TargetSpec(Model):
    choices: tuple[Id, ...] = Field(min_length=1)


class IntensitySpec(Model):
    levels: dict[Id, Annotated[float, Strict(), Field(gt=0)]] = Field(min_length=1)
    default: Id

    @model_validator(mode="after")
    def _default_is_a_level(self) -> IntensitySpec:
        if self.default not in self.levels:
            raise ValueError(f"default {self.default!r} is not one of the levels")
        return self


class Modifier(Model):
    when: Condition
    add: Number
    reason: Text


class ActionNarrative(Model):
    success: Text
    failure: Text | None = None


class Action(Model):
    id: Id
    name: Text
    category: Category
    cost: Int = Field(ge=0)
    description: Text = ""
    stance: Stance = "neutral"
    target: TargetSpec | None = None
    intensity: IntensitySpec | None = None
    requires: Condition | None = None
    probability: Number | None = None
    modifiers: tuple[Modifier, ...] = ()
    effects: Effects = {}
    effects_by_target: dict[Id, Effects] = {}
    failure_effects: Effects = {}
    sets_flags: tuple[Id, ...] = ()
    narrative: ActionNarrative


class Hold(Model):
    narrative: Text
    effects: Effects = {}


class Rule(Model):
    id: Id
    name: Text
    when: Condition
    effects: Effects = {}
    sets_flags: tuple[Id, ...] = ()
    narrative: Text


class Event(Model):
    id: Id
    title: Text
    turn: Int | None = Field(default=None, ge=1)
    when: Condition | None = None
    probability: Number | None = None
    once: bool = True
    effects: Effects = {}
    sets_flags: tuple[Id, ...] = ()
    text: Text

    @model_validator(mode="after")
    def _scheduled(self) -> Event:
        if self.turn is None and self.when is None:
            raise ValueError("an event needs `turn`, `when`, or both")
        return self


class Future(Model):
    id: Id
    name: Text
    description: Text = ""
    when: Condition | None = None


class Choice(Model):
    id: Id
    text: Text


class QuestionItem(Model):
    id: Id
    text: Text
    kind: Literal["likert", "single", "multiple", "text", "numeric"]
    required: bool = True
    min: Number | None = None
    max: Number | None = None
    unit: Text | None = None
    scale: Int | None = Field(default=None, ge=2, le=11)
    labels: tuple[Text, ...] | None = None
    choices: tuple[Choice, ...] | None = None

    @model_validator(mode="after")
    def _fits_kind(self) -> QuestionItem:
        allowed = {
            "numeric": {"min", "max", "unit"},
            "likert": {"scale", "labels"},
            "single": {"choices"},
            "multiple": {"choices"},
            "text": set(),
        }[self.kind]
        given = {
            name
            for name in ("min", "max", "unit", "scale", "labels", "choices")
            if getattr(self, name) is not None
        }
        if given - allowed:
            raise ValueError(f"a {self.kind} item takes no {', '.join(sorted(given - allowed))}")
        if self.kind == "likert" and self.scale is None:
            raise ValueError("a likert item needs `scale`")
        if self.kind == "likert" and self.labels is not None and len(self.labels) != self.scale:
            raise ValueError(f"`labels` needs {self.scale} entries, one per point of the scale")
        if self.kind in ("single", "multiple") and (self.choices is None or len(self.choices) < 2):
            raise ValueError(f"a {self.kind} item needs at least two `choices`")
        numeric = self.kind == "numeric" and self.min is not None and self.max is not None
        if numeric and self.min >= self.max:  # type: ignore[operator]
            raise ValueError("`min` must be below `max`")
        return self


class Questionnaires(Model):
    pre: tuple[QuestionItem, ...] = ()
    post: tuple[QuestionItem, ...] = ()


class Scenario(Model):
    id: Slug
    title: Text
    version: Int = 1
    summary: Text
    sources: tuple[Source, ...] = Field(min_length=1)
    assumptions: tuple[Assumption, ...] = ()
    turns: Turns
    budget: Int = Field(ge=0)
    indicators: tuple[Indicator, ...] = Field(min_length=1)
    teams: tuple[Team, ...] = Field(min_length=1)
    actions: tuple[Action, ...] = Field(min_length=1)
    hold: Hold
    rules: tuple[Rule, ...] = ()
    events: tuple[Event, ...] = ()
    futures: tuple[Future, ...] = Field(min_length=1)
    questionnaires: Questionnaires = Questionnaires()

    _compiled: CompiledScenario | None = PrivateAttr(default=None)

    @property
    def compiled(self) -> CompiledScenario:
        """The scenario in the engine's fast internal form, built once."""
        if self._compiled is None:
            self._compiled = compile_scenario(self)
        return self._compiled

    def team(self, team_id: str) -> Team:
        return self.compiled.teams_by_id[team_id]

    def action(self, action_id: str) -> Action:
        return self.compiled.actions_by_id[action_id]

    def indicator(self, indicator_id: str) -> Indicator:
        return self.compiled.indicators_by_id[indicator_id]

    def team_budget(self, team_id: str) -> int:
        budget = self.team(team_id).budget
        return self.budget if budget is None else budget


# --- loading ----------------------------------------------------------------------------


class ScenarioError(Exception):
    """Every problem found in a scenario file, each written `file:line: message`."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def load_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([f"{path}:1: cannot read the file: {exc}"]) from exc
    return load_scenario_text(text, str(path))


def load_scenario_text(text: str, filename: str = "<scenario>") -> Scenario:
    """Parse and validate a scenario; raise ScenarioError listing every problem at once."""
    try:
        located = read_yaml(text)
    except YamlSyntaxError as exc:
        raise ScenarioError([f"{filename}:{exc.line}: YAML syntax error: {exc.message}"]) from None
    problems = list(located.problems)
    scenario, schema_problems = _validate_schema(located)
    problems += schema_problems
    parts = _parts_of(scenario) if scenario else _salvage(located.data)
    problems += [(located.line_of(loc), message) for loc, message in check(parts)]
    if problems:
        unique = dict.fromkeys(
            f"{filename}:{line}: {message}"
            for line, message in sorted(problems, key=lambda p: p[0])
        )
        raise ScenarioError(list(unique))
    assert scenario is not None
    scenario._compiled = compile_scenario(scenario)
    return scenario


def _validate_schema(located: Located) -> tuple[Scenario | None, list[tuple[int, str]]]:
    try:
        return Scenario.model_validate(located.data), []
    except ValidationError as exc:
        return None, [
            (located.line_of(error["loc"]), error_message(error, Scenario))
            for error in exc.errors()
        ]


SECTIONS: dict[str, type[Model]] = {
    "indicators": Indicator,
    "teams": Team,
    "actions": Action,
    "rules": Rule,
    "events": Event,
    "futures": Future,
    "assumptions": Assumption,
}


def _parts_of(scenario: Scenario) -> Parts:
    parts = Parts(turns=scenario.turns, budget=scenario.budget, hold=scenario.hold)
    for section in SECTIONS:
        parts.items[section] = list(enumerate(getattr(scenario, section)))
    for when in ("pre", "post"):
        parts.items[when] = list(enumerate(getattr(scenario.questionnaires, when)))
    parts.learn_from_raw(scenario.model_dump(mode="json", by_alias=True))
    return parts


def _salvage(data: Any) -> Parts:
    """The valid pieces of an invalid scenario, so that cross-reference checks can still run
    on them (ids of invalid items still count as known, to avoid a second, false, error)."""
    data = data if isinstance(data, dict) else {}
    parts = Parts(
        turns=_valid(Turns, data.get("turns")),
        budget=data["budget"] if type(data.get("budget")) is int else None,
        hold=_valid(Hold, data.get("hold")),
    )
    for section, model in SECTIONS.items():
        parts.items[section] = _valid_items(model, data.get(section))
    questionnaires = data.get("questionnaires")
    questionnaires = questionnaires if isinstance(questionnaires, dict) else {}
    for when in ("pre", "post"):
        parts.items[when] = _valid_items(QuestionItem, questionnaires.get(when))
    parts.learn_from_raw(data)
    return parts


def _valid(model: type[Model], data: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError:
        return None


def _valid_items(model: type[Model], data: Any) -> list[tuple[int, Any]]:
    items = data if isinstance(data, list) else []
    valid = ((index, _valid(model, item)) for index, item in enumerate(items))
    return [(index, item) for index, item in valid if item is not None]
