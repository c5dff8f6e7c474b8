"""Every write of the reports app: options, hot-wash, and report builds.

A build is a ``ReportBuild`` row: asked for by ``report_request`` (which returns the build
already queued, running or done for the same data, so a report asked for twice is built
once), claimed and built by ``report_build`` in a Celery task. The claim is one conditional
UPDATE, so a duplicate delivery of the task finds nothing to do. A new build replaces the
older files of its format once it is done.
"""

import hashlib
import logging
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from wargame.exercises.models import AuditEvent, Exercise, Participant
from wargame.exercises.services.audit import SYSTEM, audit, facilitator_actor, participant_actor
from wargame.exercises.services.errors import ServiceError
from wargame.exercises.text import clean_text
from wargame.reports.gather import SCHEMA_VERSION, report_data
from wargame.reports.models import HotWash, ReportBuild, ReportSettings
from wargame.reports.renderers import EXTENSIONS, render

logger = logging.getLogger(__name__)

HOTWASH_LENGTH = 20_000
# A build still "running" after this long lost its worker: a redelivered task may take it over.
STALE_AFTER = timedelta(minutes=10)
REQUESTED = "report.requested"  # the one audit event that changes nothing a report shows


def report_settings_get(*, exercise: Exercise) -> ReportSettings:
    settings = ReportSettings.objects.filter(exercise=exercise).first()
    return settings or ReportSettings(exercise=exercise)


@transaction.atomic
def report_settings_update(
    *,
    exercise: Exercise,
    user: AbstractBaseUser,
    include_names: bool,
    include_messages: bool,
    participants_may_download: bool,
) -> ReportSettings:
    settings, _ = ReportSettings.objects.select_for_update().get_or_create(exercise=exercise)
    settings.include_names = include_names
    settings.include_messages = include_messages
    settings.participants_may_download = participants_may_download
    settings.save()
    audit(
        exercise,
        "report.settings_changed",
        facilitator_actor(user),
        include_names=include_names,
        include_messages=include_messages,
        participants_may_download=participants_may_download,
    )
    return settings


@transaction.atomic
def hotwash_update(
    *, exercise: Exercise, user: AbstractBaseUser, insights: str, notes: str
) -> HotWash:
    insights, notes = clean_text(insights), clean_text(notes)
    if len(insights) > HOTWASH_LENGTH or len(notes) > HOTWASH_LENGTH:
        raise ServiceError(f"Keep insights and notes under {HOTWASH_LENGTH} characters each.")
    hotwash, _ = HotWash.objects.select_for_update().get_or_create(exercise=exercise)
    hotwash.insights, hotwash.notes, hotwash.updated_by = insights, notes, user
    hotwash.save()
    audit(exercise, "report.hotwash_saved", facilitator_actor(user))
    return hotwash


def data_version(exercise: Exercise) -> str:
    """A fingerprint of what a report of the exercise would show now.

    Every change to an exercise writes an audit event (the house rule), hot-wash and report
    options included; their timestamps are added for changes made outside the services.
    """
    events = AuditEvent.objects.filter(exercise=exercise).exclude(action=REQUESTED)
    last_event = events.aggregate(last=Max("id"))["last"]
    stamps = Exercise.objects.filter(pk=exercise.pk).values_list(
        "report_settings__updated_at", "hotwash__updated_at"
    )
    parts = [SCHEMA_VERSION, exercise.pk, last_event, *(stamps.first() or ())]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def report_request(
    *,
    exercise: Exercise,
    fmt: str,
    user: AbstractBaseUser | None = None,
    participant: Participant | None = None,
) -> ReportBuild:
    """The build of the exercise's report in ``fmt`` for its data as it is now.

    Returns the build already queued, running or done for the same data; otherwise queues a
    new one and enqueues its task once the transaction commits.
    """
    if fmt not in ReportBuild.Format.values:
        raise ServiceError("Choose HTML, PDF, CSV or JSON.")
    if user is not None:
        actor = facilitator_actor(user)
    elif participant is not None:
        actor = participant_actor(participant)
    else:
        actor = SYSTEM
    version = data_version(exercise)
    live = ~Q(status=ReportBuild.Status.FAILED)
    existing = ReportBuild.objects.filter(live, exercise=exercise, format=fmt, version=version)
    if build := existing.first():
        return build
    try:
        with transaction.atomic():
            build = ReportBuild.objects.create(
                exercise=exercise, format=fmt, version=version, requested_by=actor[:120]
            )
            audit(exercise, REQUESTED, actor, format=fmt, build=build.pk)
            transaction.on_commit(lambda: _enqueue(build.pk))
    except IntegrityError:  # asked for at the same moment by someone else
        return existing.get()
    return build


def _enqueue(build_id: int) -> None:
    """Queue the build; if the broker is unreachable, mark it failed so it can be asked again."""
    from wargame.reports.tasks import build_report

    try:
        build_report.delay(build_id)
    except Exception as exc:
        logger.warning("Report build %s not queued", build_id, exc_info=True)
        ReportBuild.objects.filter(pk=build_id, status=ReportBuild.Status.QUEUED).update(
            status=ReportBuild.Status.FAILED,
            error=f"Could not be queued ({type(exc).__name__}); ask again in a moment.",
        )


def _progress(build_id: int, value: int) -> None:
    ReportBuild.objects.filter(pk=build_id, status=ReportBuild.Status.RUNNING).update(
        progress=value
    )


def report_build(*, build_id: int) -> bool:
    """Build a queued report; False if it was not queued (already claimed, built or gone)."""
    now = timezone.now()
    claimable = Q(status=ReportBuild.Status.QUEUED) | Q(
        status=ReportBuild.Status.RUNNING, started_at__lt=now - STALE_AFTER
    )
    claimed = ReportBuild.objects.filter(claimable, pk=build_id).update(
        status=ReportBuild.Status.RUNNING, started_at=now, progress=5
    )
    if not claimed:
        return False
    build = ReportBuild.objects.get(pk=build_id)
    try:
        data = report_data(build.exercise_id)
        _progress(build_id, 25)
        content = render(data, build.format, progress=lambda value: _progress(build_id, value))
        _progress(build_id, 90)
        extension = EXTENSIONS[build.format]
        name = f"exercise-{build.exercise_id}-report-{build.version[:10]}.{extension}"
        build.file.save(name, ContentFile(content), save=False)
    except Exception as exc:
        logger.exception("Report build %s failed", build_id)
        ReportBuild.objects.filter(pk=build_id).update(
            status=ReportBuild.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        return False
    build.status = ReportBuild.Status.DONE
    build.progress = 100
    build.size = len(content)
    build.sha256 = hashlib.sha256(content).hexdigest()
    build.built_at = timezone.now()
    build.save(update_fields=["file", "status", "progress", "size", "sha256", "built_at"])
    _replace_older(build)
    return True


def _replace_older(build: ReportBuild) -> None:
    """Delete the older finished builds of this format, files included."""
    older = ReportBuild.objects.filter(
        exercise_id=build.exercise_id,
        format=build.format,
        status__in=[ReportBuild.Status.DONE, ReportBuild.Status.FAILED],
        pk__lt=build.pk,
    )
    for old in older:
        if old.file:
            old.file.delete(save=False)
        old.delete()
