from django import template

from wargame.exercises.models import Exercise
from wargame.reports.models import ReportSettings

register = template.Library()


@register.filter
def lookup(mapping, key):
    """``{{ names|lookup:team }}``: the value for a variable key, or the key itself."""
    try:
        return mapping.get(key, key)
    except AttributeError:
        return key


@register.filter
def signed(value, digits=1):
    """A change with its sign: +3.0, −2.5, 0.0."""
    if value is None or value == "":
        return "—"
    number = round(float(value), int(digits))
    text = f"{abs(number):.{int(digits)}f}"
    return f"+{text}" if number > 0 else (f"−{text}" if number < 0 else text)


@register.filter
def number(value, digits=1):
    if value is None or value == "":
        return "—"
    return f"{float(value):.{int(digits)}f}"


@register.filter
def percent(value):
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.0f}%"


@register.inclusion_tag("reports/_report_link.html")
def report_link(viewer):
    """A link to the report on the team page, when the facilitator lets players read it."""
    allowed = (
        viewer.exercise.status == Exercise.Status.FINISHED  # players read it only after the end
        and ReportSettings.objects.filter(
            exercise_id=viewer.exercise.pk, participants_may_download=True
        ).exists()
    )
    return {"allowed": allowed, "exercise": viewer.exercise}
