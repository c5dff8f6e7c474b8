"""Who may read and download an exercise's report.

The exercise's facilitator always; its players only when the facilitator allowed it;
observers, players of other exercises and anonymous visitors never. Refusals are 404s, as
everywhere in the app, so that nobody learns which exercises exist.
"""

from django.http import Http404, HttpRequest

from wargame.exercises.access import Role, Viewer, get_viewer
from wargame.reports.models import ReportSettings


def get_report_viewer(request: HttpRequest, exercise_id: int) -> Viewer:
    viewer = get_viewer(request, exercise_id, Role.FACILITATOR, Role.PLAYER)
    if viewer.role == Role.PLAYER and not (
        ReportSettings.objects.filter(
            exercise=viewer.exercise, participants_may_download=True
        ).exists()
    ):
        raise Http404("No such exercise, or you have no part in it.")
    return viewer
