from django import template

from wargame.exercises.models import Exercise, Participant
from wargame.questionnaires.selectors import participant_cards, response_rates

register = template.Library()


@register.inclusion_tag("questionnaires/_cards.html")
def questionnaire_cards(participant: Participant) -> dict:
    return {"exercise": participant.exercise, "cards": participant_cards(participant)}


@register.inclusion_tag("questionnaires/_rates.html")
def questionnaire_rates(exercise: Exercise) -> dict:
    return {"exercise": exercise, "rates": response_rates(exercise)}


@register.filter
def share_width(count: int, total: int) -> str:
    """A bar's width in percent of its track."""
    return f"{(count / total * 100) if total else 0:.1f}%"
