"""The cache on Redis, forgiving when Redis is away.

Everything the kit caches (rendered parts of pages, decision-support estimates, join-attempt
counters, sessions, which are kept in the database too) can be computed or read again, so a
Redis restart must not turn pages into errors: while Redis does not answer, reads miss,
writes are dropped, and counters let requests through.
"""

import logging
import threading

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class SharedRedisCacheClient(RedisCacheClient):
    """One connection pool and one ``redis.Redis`` per server for the whole process.

    Django keeps a cache object per context, and under ASGI every request runs in a new
    one: each request built its own connection pool, opened a new connection to Redis and
    closed it again, which was most of a cached team page's cost under load
    (bench/HISTORY.md). Pools and clients are thread-safe; a pool notices a fork by itself.
    """

    def _get_connection_pool(self, write):
        return self._shared(write)[0]

    def get_client(self, key=None, *, write=False):
        return self._shared(write)[1]

    def _shared(self, write) -> tuple:
        url = self._servers[self._get_connection_pool_index(write)]
        key = (url, repr(sorted(self._pool_options.items())))
        shared = _SHARED.get(key)
        if shared is None:
            with _SHARED_LOCK:
                if key not in _SHARED:
                    pool = self._pool_class.from_url(url, **self._pool_options)
                    _SHARED[key] = (pool, self._client(connection_pool=pool))
                shared = _SHARED[key]
        return shared


_SHARED: dict[tuple, tuple] = {}
_SHARED_LOCK = threading.Lock()


class ForgivingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedRedisCacheClient

    def _unavailable(self, operation: str, exc: RedisError) -> None:
        logger.warning("Cache %s skipped: Redis unavailable (%s)", operation, exc)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError as exc:
            self._unavailable("get", exc)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except RedisError as exc:
            self._unavailable("get_many", exc)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except RedisError as exc:
            self._unavailable("has_key", exc)
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set(key, value, timeout, version)
        except RedisError as exc:
            self._unavailable("set", exc)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except RedisError as exc:
            self._unavailable("set_many", exc)
            return list(data)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        """True when Redis is away: the caller goes ahead as if it were first."""
        try:
            return super().add(key, value, timeout, version)
        except RedisError as exc:
            self._unavailable("add", exc)
            return True

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except RedisError as exc:
            self._unavailable("delete", exc)
            return False

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except RedisError as exc:
            self._unavailable("delete_many", exc)
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except RedisError as exc:
            self._unavailable("incr", exc)
            raise ValueError("cache unavailable") from exc
