"""Reads for the report pages."""

from wargame.exercises.models import Exercise
from wargame.reports.models import ReportBuild


def latest_builds(exercise: Exercise) -> list[dict]:
    """For each format, the newest build (or None), in the order formats are offered."""
    newest: dict[str, ReportBuild] = {}
    for build in ReportBuild.objects.filter(exercise=exercise).order_by("-id"):
        newest.setdefault(build.format, build)
    return [
        {"format": value, "label": label, "build": newest.get(value)}
        for value, label in ReportBuild.Format.choices
    ]


def building(entries: list[dict]) -> bool:
    return any(entry["build"] and entry["build"].in_progress for entry in entries)
