import json
from functools import lru_cache
from typing import Any

from django import forms

from wargame.engine import Scenario
from wargame.exercises.models import Exercise, Team
from wargame.exercises.scenarios import scenario_choices
from wargame.exercises.selectors import exercise_teams

CATEGORIES = {
    "security": "Security",
    "economy": "Economy and trade",
    "diplomacy": "Diplomacy",
    "domestic": "Domestic politics",
}
CONFIDENCE_CHOICES = [
    (1, "1 · a guess"),
    (2, "2"),
    (3, "3 · even odds"),
    (4, "4"),
    (5, "5 · sure"),
]


class ExerciseForm(forms.Form):
    title = forms.CharField(max_length=200, help_text="Shown on every page and in the report.")
    scenario = forms.ChoiceField(choices=scenario_choices)
    turns = forms.IntegerField(min_value=1, max_value=20, initial=8)
    turn_minutes = forms.IntegerField(
        label="Turn length (minutes)",
        min_value=1,
        max_value=24 * 60,
        initial=20,
        help_text="Each turn locks by itself at its deadline; you can pause or extend it.",
    )
    seed = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=2**31 - 1,
        help_text="Leave empty for a random one. The same seed and moves give the same outcome.",
    )
    allow_team_messages = forms.BooleanField(
        required=False,
        initial=True,
        label="Teams may message each other and make public statements",
    )
    decision_support = forms.BooleanField(
        required=False,
        initial=True,
        label="Decision support beside the move form",
        help_text="Teams see the model's estimate of what their package is likely to do. "
        "Switch it off if teams should judge unaided; you can change it during play.",
    )


class JoinCodeForm(forms.Form):
    code = forms.CharField(
        label="Join code",
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().upper().replace(" ", "").replace("-", "")


class JoinNameForm(forms.Form):
    display_name = forms.CharField(
        label="Your name", max_length=80, help_text="Your teammates and the facilitator see it."
    )


class MoveForm(forms.Form):
    """The team's decision questionnaire, built from the scenario's menu for the team.

    Rendered by templates/exercises/_move_fields.html, with Bootstrap's classes set here."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, scenario: Scenario, team: Team, disabled: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.scenario = scenario
        self.team = team
        self.action_ids = list(scenario.team(team.key).actions)
        self.others = [t for t in scenario.teams if t.id != team.key]
        self.fields.update(_move_fields(_Same(scenario), team.key, disabled))
        self.fields["revision"].disabled = disabled  # this form's own copy

    def action_sections(self) -> list[tuple[str, list[dict]]]:
        """The actions by category, each with its target and intensity fields if it has them."""
        sections: dict[str, list[dict]] = {key: [] for key in CATEGORIES}
        for action_id in self.action_ids:
            sections[self.scenario.action(action_id).category].append(
                {
                    "choice": self[f"act__{action_id}"],
                    "target": self._optional(f"target__{action_id}"),
                    "intensity": self._optional(f"intensity__{action_id}"),
                }
            )
        return [(CATEGORIES[key], actions) for key, actions in sections.items() if actions]

    def expectation_fields(self) -> list[forms.BoundField]:
        return [self[f"expect__{other.id}"] for other in self.others]

    def _optional(self, name: str) -> forms.BoundField | None:
        return self[name] if name in self.fields else None

    @classmethod
    def initial_from(cls, answers: dict[str, Any], revision: int) -> dict[str, Any]:
        initial: dict[str, Any] = {"revision": revision}
        for choice in answers.get("actions", []):
            initial[f"act__{choice['action']}"] = True
            initial[f"target__{choice['action']}"] = choice.get("target") or ""
            if choice.get("intensity"):
                initial[f"intensity__{choice['action']}"] = choice["intensity"]
        for key, text in answers.get("expectations", {}).items():
            initial[f"expect__{key}"] = text
        for field in ("objective", "confidence", "rationale", "statement"):
            initial[field] = answers.get(field)
        return initial

    def answers(self) -> dict[str, Any]:
        """The answers in the stored shape; the services check them against the scenario."""
        data = self.cleaned_data
        actions = [
            {
                "action": action_id,
                "target": data.get(f"target__{action_id}") or None,
                "intensity": data.get(f"intensity__{action_id}") or None,
            }
            for action_id in self.action_ids
            if data.get(f"act__{action_id}")
        ]
        return {
            "actions": actions,
            "objective": data.get("objective", ""),
            "expectations": {
                name.removeprefix("expect__"): value
                for name, value in data.items()
                if name.startswith("expect__") and value
            },
            "confidence": data.get("confidence"),
            "rationale": data.get("rationale", ""),
            "statement": data.get("statement", ""),
        }


class _Same:
    """A scenario as a cache key: the same object, not an equal one."""

    __slots__ = ("scenario",)

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario

    def __hash__(self) -> int:
        return id(self.scenario)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.scenario is self.scenario


@lru_cache(maxsize=64)
def _move_fields(same: _Same, team_key: str, disabled: bool) -> dict[str, forms.Field]:
    """A team's move fields, built once per process for each scenario, team and
    state (open or locked) and shared by the forms: a save builds the form twice (the
    answers sent, then the move saved), and building these fields was 0.37 ms each time.
    Nothing changes a field once it is built; a form that must would copy it first."""
    scenario = same.scenario
    fields: dict[str, forms.Field] = {}
    for action_id in scenario.team(team_key).actions:
        action = scenario.action(action_id)
        cost = f"{action.cost} capital" + (" × intensity" if action.intensity else "")
        odds = "" if action.probability is None else f", base odds {action.probability:.0%}"
        fields[f"act__{action_id}"] = forms.BooleanField(
            required=False,
            widget=forms.CheckboxInput(
                attrs={"data-cost": action.cost, "class": "action-choice form-check-input"}
            ),
            label=f"{action.name} ({cost}{odds})",
            help_text=action.description,
        )
        if action.target:
            fields[f"target__{action_id}"] = forms.ChoiceField(
                required=False,
                label="Target",
                widget=forms.Select(attrs={"class": "form-select"}),
                choices=[("", "—")]
                + [(key, scenario.team(key).name) for key in action.target.choices],
            )
        if action.intensity:
            fields[f"intensity__{action_id}"] = forms.ChoiceField(
                required=False,
                widget=forms.Select(
                    attrs={
                        "data-levels": json.dumps(action.intensity.levels),
                        "class": "form-select",
                    }
                ),
                label="Intensity",
                initial=action.intensity.default,
                choices=[(level, level) for level in action.intensity.levels],
            )
    fields["objective"] = forms.CharField(
        required=False,
        max_length=500,
        label="What is the team trying to achieve this turn?",
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    for other in scenario.teams:
        if other.id != team_key:
            fields[f"expect__{other.id}"] = forms.CharField(
                required=False,
                max_length=500,
                label=f"How do you expect {other.name} to react?",
                widget=forms.TextInput(attrs={"class": "form-control"}),
            )
    fields["confidence"] = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=CONFIDENCE_CHOICES,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        label="How confident are you that this works?",
    )
    fields["rationale"] = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
        label="Rationale",
        help_text="Why this package? The facilitator and the report read it.",
    )
    fields["statement"] = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        label="Public statement (optional)",
        help_text="Read out with the outcome, to all teams.",
    )
    if disabled:
        for field in fields.values():
            field.disabled = True
    return fields


class MessageForm(forms.Form):
    to = forms.ChoiceField(label="To")
    body = forms.CharField(
        label="Message", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, exercise: Exercise, team: Team, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("team", f"My team ({team.name})")]
        if exercise.allow_team_messages:
            choices += [
                (f"team:{other.key}", f"{other.name} (private)")
                for other in exercise_teams(exercise)
                if other.pk != team.pk
            ]
            choices.append(("public", "Everyone (public statement)"))
        self.fields["to"].choices = choices


class ExtendForm(forms.Form):
    minutes = forms.IntegerField(min_value=1, max_value=120, initial=5)


class NarrativeForm(forms.Form):
    subject = forms.CharField(widget=forms.HiddenInput)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    reason = forms.CharField(max_length=2000, label="Reason for the edit")


class AdjustForm(forms.Form):
    indicator = forms.ChoiceField()
    amount = forms.FloatField(help_text="Added to the adjudicated value, e.g. -3 or 2.5.")
    reason = forms.CharField(max_length=2000, label="Reason for the adjustment")

    def __init__(self, *args, scenario: Scenario, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = [(i.id, i.name) for i in scenario.indicators]
