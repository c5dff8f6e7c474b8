"""Who may read and download an exercise's report.

The exercise's facilitator always; its players only once the exercise has ended and when
the facilitator allowed it (the report holds every team's private messages and moves);
observers, players of other exercises and anonymous visitors never. Refusals are 404s, as
everywhere in the app, so that nobody learns which exercises exist.
"""

from django.http import Http404, HttpRequest

from wargame.exercises.access import Role, Viewer, get_viewer
from wargame.exercises.models import Exercise
from wargame.reports.models import ReportSettings


def get_report_viewer(request: HttpRequest, exercise_id: int) -> Viewer:
    viewer = get_viewer(request, exercise_id, Role.FACILITATOR, Role.PLAYER)
    if viewer.role == Role.PLAYER and not (
        viewer.exercise.status == Exercise.Status.FINISHED
        and ReportSettings.objects.filter(
            exercise=viewer.exercise, participants_may_download=True
        ).exists()
    ):
        raise Http404("No such exercise, or you have no part in it.")
    return viewer
