"""What the after-action report stores: the facilitator's options and hot-wash, and builds.

Only the services in ``wargame.reports.services`` write these rows.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from wargame.exercises.models import Exercise


class ReportSettings(models.Model):
    """The facilitator's choices for an exercise's report."""

    exercise = models.OneToOneField(
        Exercise, on_delete=models.CASCADE, related_name="report_settings"
    )
    include_names = models.BooleanField(
        default=True, help_text="Show participants' display names (otherwise 'Japan 1', ...)."
    )
    include_messages = models.BooleanField(
        default=False, help_text="Include the messages teams sent (all channels)."
    )
    participants_may_download = models.BooleanField(
        default=False, help_text="Players of this exercise may read and download the report."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "report settings"

    def __str__(self) -> str:
        return f"Report settings of exercise {self.exercise_id}"


class HotWash(models.Model):
    """The facilitator's insights and notes, written before or after the end."""

    exercise = models.OneToOneField(Exercise, on_delete=models.CASCADE, related_name="hotwash")
    insights = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "hot-wash"

    def __str__(self) -> str:
        return f"Hot-wash of exercise {self.exercise_id}"


def report_path(build: "ReportBuild", filename: str) -> str:
    return f"reports/{build.exercise_id}/{filename}"


class ReportBuild(models.Model):
    """One rendering of an exercise's report in one format, built by a Celery task.

    ``version`` fingerprints the data the build was asked for; while a build of the same
    version is queued, running or done, asking again returns it instead of building twice.
    """

    class Format(models.TextChoices):
        HTML = "html", "HTML"
        PDF = "pdf", "PDF"
        CSV = "csv", "CSV tables (ZIP)"
        JSON = "json", "JSON"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Building"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="report_builds")
    format = models.CharField(max_length=4, choices=Format.choices)
    version = models.CharField(max_length=64, help_text="Fingerprint of the data asked for.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(upload_to=report_path, max_length=255, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, help_text="Of the file built.")
    error = models.TextField(blank=True)
    requested_by = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["exercise", "format", "version"],
                condition=~Q(status="failed"),
                name="one_live_build_per_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_format_display()} report of exercise {self.exercise_id}"

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
