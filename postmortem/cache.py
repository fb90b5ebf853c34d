"""The cache from CACHE_URL (settings.CACHES): each process's memory by default, or a Redis server shared by
every web process and node (production), whose outage must not fail a page.

What is kept there is derived and cheap to lose: laid-out diagrams, similar incidents ("default"), and whole
incident pages and API documents under their ETags ("pages", see incidents.conditional).
``ForgivingRedisCache`` answers a miss (and stores nothing) while Redis is unreachable, logging it once a
minute, so a Redis restart costs speed, never a 500."""

import logging
import time
from urllib.parse import urlsplit

from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
PAGE_SECONDS = 3600  # how long a whole answer is kept under its ETag (incidents.conditional)
TIMEOUT = 0.25  # seconds to connect to Redis or wait for an answer before treating it as a miss


def caches(url):
    """settings.CACHES for CACHE_URL ``url`` ('' for each process's memory); a loud error for anything else."""
    url = (url or "").strip()
    if not url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 5000}},
                # whole answers (tens of KB each): few per process
                "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages",
                          "TIMEOUT": PAGE_SECONDS, "OPTIONS": {"MAX_ENTRIES": 200}}}
    if urlsplit(url).scheme not in ("redis", "rediss", "unix"):
        raise ImproperlyConfigured(f"CACHE_URL={url!r} is not a Redis URL (redis://host:6379/1, rediss://… or unix://…); "
                                   "leave it unset to keep the cache in each process's memory.")
    shared = {"BACKEND": "postmortem.cache.ForgivingRedisCache", "LOCATION": url,
              "OPTIONS": {"socket_connect_timeout": TIMEOUT, "socket_timeout": TIMEOUT}}
    return {"default": {**shared, "KEY_PREFIX": "postmortem"},
            "pages": {**shared, "KEY_PREFIX": "postmortem-page", "TIMEOUT": PAGE_SECONDS}}


class ForgivingRedisCache(RedisCache):
    _last_complaint = 0.0

    def _forgive(self, exc, default=None):
        now = time.monotonic()
        if now - ForgivingRedisCache._last_complaint > 60:
            ForgivingRedisCache._last_complaint = now
            log.warning("The cache (CACHE_URL) is unreachable, pages are computed without it: %s", exc)
        return default

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError as exc:
            return self._forgive(exc, default)

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except RedisError as exc:
            return self._forgive(exc, {})

    def set(self, key, value, timeout=None, version=None):
        try:
            return super().set(key, value, timeout, version)
        except RedisError as exc:
            return self._forgive(exc)

    def set_many(self, data, timeout=None, version=None):
        try:
            return super().set_many(data, timeout, version)
        except RedisError as exc:
            return self._forgive(exc, [])

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except RedisError as exc:
            return self._forgive(exc, False)

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except RedisError as exc:
            return self._forgive(exc, False)
