"""/healthz: a cheap public answer for load balancers, the detailed checks for this machine
(the test client's requests come from 127.0.0.1) or for whoever holds HEALTHZ_TOKEN."""

import psycopg
import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection
from django.test import override_settings

from wargame.celery import app as celery_app

pytestmark = pytest.mark.django_db

CLOSED = "redis://127.0.0.1:1/0"
OUTSIDE = "203.0.113.7"  # a load balancer's or a stranger's address
TOKEN = "monitoring-token-3b9f0c2e8d7a41f6a5c4e3d2b1a09f8e"
EMBEDDED = {
    "REDIS_URL": "",
    "CELERY_TASK_ALWAYS_EAGER": True,
    "CHANNEL_LAYERS": {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}},
}


def test_all_services_up_answers_200(client, celery_worker):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    checks = body["checks"]
    assert checks["database"]["ok"]
    assert checks["redis"] == {**checks["redis"], "ok": True, "configured": True}
    assert checks["celery_workers"]["workers"], "the running worker answered the ping"
    assert checks["celery_workers"]["queues_without_worker"] == []
    assert checks["channel_layer"]["backend"] == "NoticeChannelLayer"


def test_redis_on_a_closed_port_answers_503_without_crashing(client, redis_url):
    closed_layer = {
        "default": {
            "BACKEND": "wargame.core.layers.NoticeChannelLayer",
            "CONFIG": {"hosts": [CLOSED]},
        }
    }
    with override_settings(REDIS_URL=CLOSED, CELERY_BROKER_URL=CLOSED, CHANNEL_LAYERS=closed_layer):
        response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"]
    for name in ("redis", "celery_workers", "channel_layer"):
        assert not body["checks"][name]["ok"], name
        assert body["checks"][name]["error"]


def test_embedded_mode_without_redis_is_healthy(client):
    in_memory = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    with override_settings(REDIS_URL="", CELERY_TASK_ALWAYS_EAGER=True, CHANNEL_LAYERS=in_memory):
        response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["checks"]["redis"]["configured"] is False
    assert body["checks"]["celery_workers"]["configured"] is False
    assert body["checks"]["channel_layer"]["backend"] == "InMemoryChannelLayer"


def test_a_queue_no_worker_serves_answers_503(client, redis_url, transactional_db):
    celery_app.control.purge()
    try:
        with start_worker(celery_app, perform_ping_check=False, queues=["previews"]):
            response = client.get("/healthz")
    finally:
        celery_app.amqp.queues.select([queue.name for queue in settings.CELERY_TASK_QUEUES])
    workers = response.json()["checks"]["celery_workers"]
    assert response.status_code == 503
    assert workers["workers"], "the previews worker answered"
    assert workers["queues_without_worker"] == ["celery"]


def test_the_public_answer_is_cheap_and_gives_no_details(client, redis_url):
    # No Celery worker runs: the detailed check waits a second for a ping that nobody answers
    # and reports 503, but a load balancer only learns that this server can serve pages.
    public = client.get("/healthz", REMOTE_ADDR=OUTSIDE)
    assert public.status_code == 200
    assert public.json() == {"status": "ok"}

    detailed = client.get("/healthz")
    assert detailed.status_code == 503
    assert not detailed.json()["checks"]["celery_workers"]["ok"]


def test_requests_relayed_by_a_proxy_on_this_machine_get_the_public_answer(client):
    with override_settings(**EMBEDDED):
        response = client.get("/healthz", HTTP_X_FORWARDED_FOR=OUTSIDE)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_the_token_opens_the_detailed_checks_from_anywhere(client):
    with override_settings(HEALTHZ_TOKEN=TOKEN, **EMBEDDED):
        response = client.get("/healthz", REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    body = response.json()
    assert response.status_code == 200, body
    assert set(body["checks"]) == {"database", "redis", "celery_workers", "channel_layer"}


@pytest.mark.parametrize(
    ("configured", "header"),
    [
        (TOKEN, None),
        (TOKEN, "Bearer not-the-token"),
        (TOKEN, TOKEN),  # without the scheme
        ("", "Bearer "),  # no token configured: an empty one opens nothing
    ],
    ids=["no-header", "wrong-token", "no-scheme", "none-configured"],
)
def test_without_the_token_outsiders_get_no_details(client, configured, header):
    headers = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    with override_settings(HEALTHZ_TOKEN=configured, **EMBEDDED):
        response = client.get("/healthz", REMOTE_ADDR=OUTSIDE, **headers)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_the_detailed_check_runs_at_most_once_every_few_seconds(client):
    with override_settings(**EMBEDDED):
        first = client.get("/healthz").json()
        again = client.get("/healthz").json()
    assert first["checks"]["database"]["ok"]
    assert again == first  # the same result, checked at the same time


@pytest.mark.django_db(transaction=True)
def test_the_public_answer_is_503_while_the_database_is_away(client, postgres):
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    s = connection.settings_dict
    url = f"postgresql://{s['USER'] or 'postgres'}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    try:
        response = client.get("/healthz", REMOTE_ADDR=OUTSIDE)
    finally:
        connection.close()
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    assert client.get("/healthz", REMOTE_ADDR=OUTSIDE).status_code == 200
