import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

CLOSED = "redis://127.0.0.1:1/0"


def test_all_services_up_answers_200(client, celery_worker):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    checks = body["checks"]
    assert checks["database"]["ok"]
    assert checks["redis"] == {**checks["redis"], "ok": True, "configured": True}
    assert checks["celery_workers"]["workers"], "the running worker answered the ping"
    assert checks["channel_layer"]["backend"] == "RedisChannelLayer"


def test_redis_on_a_closed_port_answers_503_without_crashing(client, redis_url):
    closed_layer = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
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
