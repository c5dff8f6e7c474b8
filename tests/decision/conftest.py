import uuid

import pytest


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """A fresh key prefix per test instead of cache.clear(): on Redis, clearing would flush
    the database other processes (Celery, the channel layer) share."""
    default = settings.CACHES["default"]
    settings.CACHES = {**settings.CACHES, "default": {**default, "KEY_PREFIX": uuid.uuid4().hex}}
