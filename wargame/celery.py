"""The Celery application.

With ``REDIS_URL`` set, Redis is broker and result backend and tasks run on workers
(``celery -A wargame worker``). Without it, settings switch Celery to eager mode so that the
web process runs every task itself and ``make run`` needs no other service.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wargame.settings")

app = Celery("wargame")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
