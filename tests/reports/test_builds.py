"""Builds: asked for twice, built once; late edits build anew and replace the old file."""

import time
import zipfile
from pathlib import Path

import pytest
from django.db import transaction

from tests.reports.conftest import client_as
from wargame.reports.models import ReportBuild
from wargame.reports.services import (
    hotwash_update,
    report_build,
    report_request,
    report_settings_update,
)


def test_asking_twice_while_building_returns_the_same_build(
    hostile, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as enqueued:
        first = report_request(exercise=hostile, fmt="pdf", user=hostile.facilitator)
        second = report_request(exercise=hostile, fmt="pdf", user=hostile.facilitator)
    assert first.pk == second.pk and first.status == ReportBuild.Status.QUEUED
    assert len(enqueued) == 1  # one task for one build
    assert hostile.audit_events.filter(action="report.requested").count() == 1


def test_a_build_is_claimed_once(hostile):
    build = report_request(exercise=hostile, fmt="json", user=hostile.facilitator)
    assert report_build(build_id=build.pk) is True
    assert report_build(build_id=build.pk) is False  # a duplicate delivery changes nothing
    build.refresh_from_db()
    assert build.status == ReportBuild.Status.DONE and build.progress == 100
    assert build.file.name.startswith(f"reports/{hostile.pk}/") and build.size > 1000
    assert len(build.sha256) == 64
    # Asking again for the same data returns the finished build.
    assert report_request(exercise=hostile, fmt="json", user=hostile.facilitator).pk == build.pk


def test_a_late_edit_builds_anew_and_replaces_the_old_file(hostile):
    old = report_request(exercise=hostile, fmt="csv", user=hostile.facilitator)
    report_build(build_id=old.pk)
    old.refresh_from_db()
    old_path = old.file.path
    hotwash_update(exercise=hostile, user=hostile.facilitator, insights="Late insight", notes="")
    new = report_request(exercise=hostile, fmt="csv", user=hostile.facilitator)
    assert new.pk != old.pk and new.version != old.version
    assert report_build(build_id=new.pk)
    assert not ReportBuild.objects.filter(pk=old.pk).exists()
    assert not Path(old_path).exists()
    new.refresh_from_db()
    with zipfile.ZipFile(new.file.path) as bundle:
        assert "participants.csv" in bundle.namelist()
    # Changing the options is a late edit too.
    report_settings_update(
        exercise=hostile,
        user=hostile.facilitator,
        include_names=False,
        include_messages=True,
        participants_may_download=False,
    )
    newer = report_request(exercise=hostile, fmt="csv", user=hostile.facilitator)
    assert newer.pk != new.pk
    report_build(build_id=newer.pk)
    newer.refresh_from_db()
    assert "messages.csv" in zipfile.ZipFile(newer.file.path).namelist()


def test_a_failed_build_says_why_and_can_be_asked_for_again(hostile, monkeypatch):
    build = report_request(exercise=hostile, fmt="json", user=hostile.facilitator)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("wargame.reports.services.render", broken)
    assert report_build(build_id=build.pk) is False
    build.refresh_from_db()
    assert build.status == ReportBuild.Status.FAILED and "disk full" in build.error
    monkeypatch.undo()
    again = report_request(exercise=hostile, fmt="json", user=hostile.facilitator)
    assert again.pk != build.pk and report_build(build_id=again.pk)


def test_the_page_polls_while_building_and_offers_the_download_when_ready(hostile):
    client = client_as(hostile.facilitator)
    with transaction.atomic():  # keep the task from running: nothing commits
        build = report_request(exercise=hostile, fmt="json", user=hostile.facilitator)
        fragment = client.get(f"/exercises/{hostile.pk}/report/builds/").content.decode()
        transaction.set_rollback(True)
    assert 'hx-trigger="every 1s"' in fragment and "Queued" in fragment
    build = report_request(exercise=hostile, fmt="json", user=hostile.facilitator)
    report_build(build_id=build.pk)
    fragment = client.get(f"/exercises/{hostile.pk}/report/builds/").content.decode()
    assert "hx-trigger" not in fragment
    assert f"/exercises/{hostile.pk}/report/download/{build.pk}/" in fragment
    page = client.get(f"/exercises/{hostile.pk}/report/").content.decode()
    assert "<script>alert" not in page and "Executive summary" in page
    assert "<script>" not in page.split('id="cover"', 1)[1].split("</article>")[0]


def test_the_build_button_runs_the_task_in_embedded_mode(
    hostile, eager, django_capture_on_commit_callbacks
):
    client = client_as(hostile.facilitator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/exercises/{hostile.pk}/report/build/", {"format": "html"}, HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200
    build = ReportBuild.objects.get(exercise=hostile, format="html")
    assert build.status == ReportBuild.Status.DONE
    download = client.get(f"/exercises/{hostile.pk}/report/download/{build.pk}/")
    html = b"".join(download.streaming_content).decode()
    assert html.startswith("<!doctype html>") and "&lt;script&gt;" in html


def test_the_hotwash_form_saves_through_the_service(hostile):
    client = client_as(hostile.facilitator)
    response = client.post(
        f"/exercises/{hostile.pk}/report/hot-wash/",
        {"insights": "<b>Allies</b> hedged.", "notes": "Next time: 6 turns."},
    )
    assert response.status_code == 302
    page = client.get(f"/exercises/{hostile.pk}/report/").content.decode()
    assert "&lt;b&gt;Allies&lt;/b&gt; hedged." in page
    assert hostile.audit_events.filter(action="report.hotwash_saved").exists()


@pytest.mark.redis
def test_a_real_worker_builds_the_pdf(celery_worker):
    from tests.reports.conftest import play_demo

    exercise = play_demo("--turns", "2", "--finish", "--seed", "11")
    build = report_request(exercise=exercise, fmt="pdf", user=exercise.facilitator)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        build.refresh_from_db()
        if not build.in_progress:
            break
        time.sleep(0.2)
    assert build.status == ReportBuild.Status.DONE, build.error
    with build.file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert report_request(exercise=exercise, fmt="pdf", user=exercise.facilitator).pk == build.pk
