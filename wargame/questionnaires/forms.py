from collections.abc import Sequence
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout
from django import forms

from wargame.engine.scenario import QuestionItem
from wargame.questionnaires.validation import TEXT_LIMIT


class QuestionnaireForm(forms.Form):
    """A questionnaire built from the scenario's items; the service checks the answers
    again, so the form is only the first line."""

    def __init__(
        self, *args, items: Sequence[QuestionItem], disabled: bool = False, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for number, item in enumerate(self.items, start=1):
            field = _field(item)
            field.label = f"{number}. {item.text}"
            field.required = item.required
            field.disabled = disabled
            self.fields[item.id] = field
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            *[Field(item.id, wrapper_class="mb-4 question") for item in self.items]
        )

    @classmethod
    def initial_from(cls, answers: dict[str, Any]) -> dict[str, Any]:
        return {
            key: str(value) if isinstance(value, int) else value for key, value in answers.items()
        }

    def answers(self) -> dict[str, Any]:
        """The cleaned answers, blank ones left out, for ``questionnaire_answer``."""
        return {
            key: value for key, value in self.cleaned_data.items() if value not in (None, "", [])
        }


def _field(item: QuestionItem) -> forms.Field:
    match item.kind:
        case "likert":
            scale = item.scale or 5
            labels = item.labels or tuple(str(n) for n in range(1, scale + 1))
            return forms.TypedChoiceField(
                coerce=int,
                empty_value=None,
                choices=[(n, label) for n, label in enumerate(labels, start=1)],
                widget=forms.RadioSelect(attrs={"class": "likert"}),
            )
        case "single":
            return forms.ChoiceField(
                choices=[(c.id, c.text) for c in item.choices or ()], widget=forms.RadioSelect
            )
        case "multiple":
            return forms.MultipleChoiceField(
                choices=[(c.id, c.text) for c in item.choices or ()],
                widget=forms.CheckboxSelectMultiple,
                help_text="Tick all that apply.",
            )
        case "numeric":
            unit = f" ({item.unit})" if item.unit else ""
            bounds = []
            if item.min is not None:
                bounds.append(f"from {item.min}")
            if item.max is not None:
                bounds.append(f"to {item.max}")
            return forms.FloatField(
                min_value=item.min,
                max_value=item.max,
                widget=forms.NumberInput(attrs={"step": "any", "class": "numeric-answer"}),
                help_text=f"A number {' '.join(bounds)}{unit}.".replace("  ", " "),
            )
    return forms.CharField(
        max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 3}), strip=True
    )
