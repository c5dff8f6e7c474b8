import json
import os
import subprocess
import sys
from pathlib import Path

from wargame.celery import app as celery_app
from wargame.core.tasks import ping

ROOT = Path(__file__).resolve().parents[2]


def test_task_runs_on_a_real_worker_through_redis(redis_url, celery_worker):
    assert not celery_app.conf.task_always_eager
    assert celery_app.conf.broker_url == redis_url
    assert ping.delay().get(timeout=10) == "pong"


def test_without_redis_tasks_run_eagerly_in_the_web_process():
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(DJANGO_SETTINGS_MODULE="wargame.settings", DATABASE_URL="sqlite://:memory:")
    script = (
        "import django, json; django.setup()\n"
        "from django.conf import settings\n"
        "from wargame.core.tasks import ping\n"
        "print(json.dumps({'result': ping.delay().get(timeout=1),"
        " 'layer': settings.CHANNEL_LAYERS['default']['BACKEND'],"
        " 'cache': settings.CACHES['default']['BACKEND']}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {
        "result": "pong",
        "layer": "channels.layers.InMemoryChannelLayer",
        "cache": "django.core.cache.backends.locmem.LocMemCache",
    }
