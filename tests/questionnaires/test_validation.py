"""Each answer is checked against its item's kind and range."""

import pytest

from wargame.exercises.scenarios import get_scenario
from wargame.exercises.services.errors import InvalidAnswers
from wargame.questionnaires.validation import TEXT_LIMIT, clean_questionnaire_answers

ITEMS = get_scenario("japan-korea-2025").questionnaires.pre
VALID = {
    "us_defends_japan": 70,
    "us_defends_korea": "55.5",
    "korea_should_go_nuclear": "4",
    "japan_should_go_nuclear": 2,
    "best_trade_response": "coordination",
    "likely_future": "hide_plan_wait",
    "cjk_can_replace_trilateral": 3,
    "key_middle_power_partners": ["quad", "europe"],
    "open_reflection": "  Talk to Seoul first.\u200b ",
}


def _errors(**changes) -> dict[str, list[str]]:
    answers = {**VALID, **changes}
    answers = {k: v for k, v in answers.items() if v is not ...}
    with pytest.raises(InvalidAnswers) as caught:
        clean_questionnaire_answers(ITEMS, answers)
    return caught.value.errors


def test_valid_answers_are_stored_in_a_canonical_shape():
    clean = clean_questionnaire_answers(ITEMS, VALID)
    assert clean["us_defends_japan"] == 70
    assert clean["us_defends_korea"] == 55.5
    assert clean["korea_should_go_nuclear"] == 4
    assert clean["key_middle_power_partners"] == ["europe", "quad"]  # the item's order
    assert clean["open_reflection"] == "Talk to Seoul first."


def test_an_optional_item_may_be_left_blank():
    clean = clean_questionnaire_answers(ITEMS, {**VALID, "open_reflection": "  "})
    assert "open_reflection" not in clean


@pytest.mark.parametrize(
    ("item", "value", "message"),
    [
        ("us_defends_japan", 101, "at most 100"),
        ("us_defends_japan", -1, "at least 0"),
        ("us_defends_japan", "lots", "Enter a number"),
        ("us_defends_japan", float("nan"), "Enter a number"),
        ("us_defends_japan", True, "Enter a number"),
        ("korea_should_go_nuclear", 6, "from 1 to 5"),
        ("korea_should_go_nuclear", 0, "from 1 to 5"),
        ("korea_should_go_nuclear", 2.5, "point on the scale"),
        ("best_trade_response", "surrender", "one of the options"),
        ("best_trade_response", ["coordination"], "one of the options"),
        ("key_middle_power_partners", ["mars"], "among the options"),
        ("key_middle_power_partners", ["quad", "quad"], "at most once"),
        ("key_middle_power_partners", "quad", "among the options"),
        ("open_reflection", "x" * (TEXT_LIMIT + 1), "under"),
        ("open_reflection", 42, "as text"),
    ],
)
def test_each_kind_is_checked(item, value, message):
    errors = _errors(**{item: value})
    assert list(errors) == [item]
    assert message in errors[item][0]


def test_required_items_must_be_answered_and_unknown_ones_are_refused():
    errors = _errors(likely_future=..., key_middle_power_partners=[], made_up=1)
    assert errors["likely_future"] == ["Answer this question."]
    assert errors["key_middle_power_partners"] == ["Answer this question."]
    assert "made_up" in errors["__all__"][0]


def test_answers_must_be_a_mapping():
    with pytest.raises(InvalidAnswers):
        clean_questionnaire_answers(ITEMS, ["us_defends_japan", 50])
