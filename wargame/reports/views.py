"""The report page, its builds and downloads, and the facilitator's options and hot-wash."""

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from wargame.exercises.access import Role, Viewer, get_viewer
from wargame.exercises.services.errors import ServiceError
from wargame.reports.access import get_report_viewer
from wargame.reports.forms import BuildForm, HotWashForm, ReportOptionsForm
from wargame.reports.gather import report_data
from wargame.reports.models import HotWash, ReportBuild
from wargame.reports.renderers import CONTENT_TYPES, render_html
from wargame.reports.selectors import building, latest_builds
from wargame.reports.services import (
    data_version,
    hotwash_update,
    report_request,
    report_settings_get,
    report_settings_update,
)


def _builds_context(viewer: Viewer) -> dict:
    entries = latest_builds(viewer.exercise)
    return {
        "exercise": viewer.exercise,
        "viewer": viewer,
        "builds": entries,
        "building": building(entries),
        "current_version": data_version(viewer.exercise),
    }


@require_GET
def report_page(request: HttpRequest, exercise_id: int) -> HttpResponse:
    viewer = get_report_viewer(request, exercise_id)
    exercise = viewer.exercise
    context = _builds_context(viewer)
    context["report"] = render_html(report_data(exercise.pk), standalone=False)
    context["tab"] = "report"
    if viewer.is_facilitator:
        settings = report_settings_get(exercise=exercise)
        hotwash = HotWash.objects.filter(exercise=exercise).first()
        context["options_form"] = ReportOptionsForm(
            initial={
                "include_names": settings.include_names,
                "include_messages": settings.include_messages,
                "participants_may_download": settings.participants_may_download,
            }
        )
        context["hotwash_form"] = HotWashForm(
            initial={"insights": hotwash.insights, "notes": hotwash.notes} if hotwash else None
        )
    return render(request, "reports/report_page.html", context)


@require_GET
def report_builds(request: HttpRequest, exercise_id: int) -> HttpResponse:
    """The downloads panel; it polls itself every second while a build is under way."""
    viewer = get_report_viewer(request, exercise_id)
    return render(request, "reports/_builds.html", _builds_context(viewer))


@require_POST
def report_build(request: HttpRequest, exercise_id: int) -> HttpResponse:
    viewer = get_report_viewer(request, exercise_id)
    form = BuildForm(request.POST)
    if form.is_valid():
        try:
            report_request(
                exercise=viewer.exercise,
                fmt=form.cleaned_data["format"],
                user=request.user if viewer.is_facilitator else None,
                participant=viewer.participant,
            )
        except ServiceError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, "Choose HTML, PDF, CSV or JSON.")
    if request.htmx:
        return render(request, "reports/_builds.html", _builds_context(viewer))
    return redirect("reports:page", viewer.exercise.pk)


@require_GET
def report_download(request: HttpRequest, exercise_id: int, build_id: int) -> FileResponse:
    viewer = get_report_viewer(request, exercise_id)
    build = ReportBuild.objects.filter(
        pk=build_id, exercise=viewer.exercise, status=ReportBuild.Status.DONE
    ).first()
    if build is None or not build.file:
        raise Http404("This report is not ready, or has been replaced by a newer one.")
    try:
        handle = build.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("This report's file is missing; build it again.") from exc
    filename = build.file.name.rsplit("/", 1)[-1]
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=CONTENT_TYPES[build.format]
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def report_options(request: HttpRequest, exercise_id: int) -> HttpResponse:
    viewer = get_viewer(request, exercise_id, Role.FACILITATOR)
    form = ReportOptionsForm(request.POST)
    if form.is_valid():
        report_settings_update(exercise=viewer.exercise, user=request.user, **form.cleaned_data)
        messages.success(request, "Report options saved. Build the downloads again to apply them.")
    return redirect("reports:page", viewer.exercise.pk)


@require_POST
def hotwash_edit(request: HttpRequest, exercise_id: int) -> HttpResponse:
    viewer = get_viewer(request, exercise_id, Role.FACILITATOR)
    form = HotWashForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Keep insights and notes shorter.")
        return redirect("reports:page", viewer.exercise.pk)
    try:
        hotwash_update(exercise=viewer.exercise, user=request.user, **form.cleaned_data)
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Hot-wash saved.")
    return redirect("reports:page", viewer.exercise.pk)
