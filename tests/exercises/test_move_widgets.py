"""The move form's widgets, written by move_tags without a template, are exactly what Django
would render: a player sees the same form, whatever state it is in."""

import pytest
from django import forms

from wargame.exercises.forms import MoveForm, _move_fields
from wargame.exercises.models import Team
from wargame.exercises.scenarios import get_scenario
from wargame.exercises.templatetags.move_tags import _widget, move_radio

from .factories import SCENARIO, answers

SCENARIO_TEAMS = [team.id for team in get_scenario(SCENARIO).teams]


def _forms(team_key: str) -> dict[str, MoveForm]:
    scenario, team = get_scenario(SCENARIO), Team(key=team_key)
    saved = MoveForm.initial_from(
        answers(team_key, objective="Hold the line <b>\"now\"</b> & 'soon'", confidence=4), 3
    )
    action = next(a for a in scenario.team(team_key).actions if scenario.action(a).intensity)
    sent = {
        "revision": "-1",  # below its minimum: the hidden field has an error
        f"act__{action}": "on",
        f"intensity__{action}": "unheard-of",
        "objective": "x" * 501,
        "confidence": "9",
        "rationale": "Because </textarea><script>alert(1)</script>",
    }
    invalid = MoveForm(sent, scenario=scenario, team=team, initial=saved)
    assert not invalid.is_valid()
    return {
        "empty": MoveForm(scenario=scenario, team=team),
        "saved draft": MoveForm(scenario=scenario, team=team, initial=saved),
        "sent with errors": invalid,
        "locked turn": MoveForm(scenario=scenario, team=team, initial=saved, disabled=True),
    }


@pytest.mark.parametrize("team_key", SCENARIO_TEAMS)
@pytest.mark.parametrize("state", ["empty", "saved draft", "sent with errors", "locked turn"])
def test_each_widget_is_written_as_django_renders_it(team_key, state):
    form = _forms(team_key)[state]
    for field in form:
        assert _widget(field) == str(field), field.name
    for radio in form["confidence"]:
        assert move_radio(radio) == radio.tag()


def test_the_cases_reach_what_a_widget_can_show():
    """The states above hold a ticked box, a chosen option, escaped text, an error and a
    disabled field; otherwise the comparison could pass on plain widgets only."""
    html = {state: "".join(_widget(f) for f in form) for state, form in _forms("japan").items()}
    assert " checked" in html["saved draft"]
    assert " selected" in html["saved draft"]
    assert "&lt;b&gt;&#34;now&#34;&lt;/b&gt; &amp; &#39;soon&#39;" in html["saved draft"]
    assert 'aria-invalid="true"' in html["sent with errors"]
    assert "&lt;/textarea&gt;&lt;script&gt;" in html["sent with errors"]
    assert " disabled" in html["locked turn"]
    assert " checked" not in html["empty"]


def test_a_widget_left_to_django_is_rendered_whole():
    """A field that also keeps its initial value in a hidden input is Django's to render."""

    class Kept(forms.Form):
        note = forms.CharField(show_hidden_initial=True, initial="as it was")

    field = Kept()["note"]
    assert _widget(field) == str(field)
    assert 'name="initial-note"' in _widget(field)


def test_a_form_shows_nothing_of_the_forms_built_before_it():
    """A team's forms share the fields their process built once (forms._move_fields): a
    locked turn or a teammate's rejected answers must not show in the next player's form."""
    _move_fields.cache_clear()
    scenario, team = get_scenario(SCENARIO), Team(key="japan")
    before = "".join(_widget(f) for f in MoveForm(scenario=scenario, team=team))
    _forms("japan")
    after = "".join(_widget(f) for f in MoveForm(scenario=scenario, team=team))
    assert after == before
    assert " disabled" not in after
    assert "aria-invalid" not in after


def test_a_locked_turn_locks_the_forms_revision_too():
    """The revision is this form's own field: a locked form's is disabled like the shared
    ones, so a post against a locked turn reads the saved revision, not the one sent."""
    scenario, team = get_scenario(SCENARIO), Team(key="japan")
    locked = MoveForm(scenario=scenario, team=team, disabled=True)
    assert all(field.disabled for field in locked.fields.values())
    assert " disabled" in str(locked["revision"])
    assert " disabled" not in str(MoveForm(scenario=scenario, team=team)["revision"])
