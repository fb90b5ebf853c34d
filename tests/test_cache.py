"""CACHE_URL (postmortem.cache): each process's memory by default, a Redis server when named, a loud error for
anything else; while Redis is unreachable a read is a miss and a write is dropped, never an error."""

import logging
import socket

import pytest
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured

from postmortem.cache import ForgivingRedisCache, caches


def test_without_a_url_each_process_keeps_its_own_and_few_whole_pages():
    configured = caches("")
    assert configured["default"]["BACKEND"].endswith("LocMemCache")
    assert configured["pages"]["OPTIONS"]["MAX_ENTRIES"] == 200


def test_a_redis_url_is_shared_by_both_caches_under_their_own_prefixes():
    configured = caches("redis://127.0.0.1:6379/3")
    assert {entry["BACKEND"] for entry in configured.values()} == {"postmortem.cache.ForgivingRedisCache"}
    assert {entry["LOCATION"] for entry in configured.values()} == {"redis://127.0.0.1:6379/3"}
    assert configured["default"]["KEY_PREFIX"] != configured["pages"]["KEY_PREFIX"]


@pytest.mark.parametrize("url", ["memcached://127.0.0.1:11211", "127.0.0.1:6379", "file:///tmp/cache"])
def test_anything_else_stops_start_up_naming_the_variable(url):
    with pytest.raises(ImproperlyConfigured, match=rf"CACHE_URL='{url}' is not a Redis URL"):
        caches(url)


def test_an_unreachable_redis_is_a_miss_and_a_warning_not_an_error(caplog):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = caches(f"redis://127.0.0.1:{port}/0")["default"]
    cache = ForgivingRedisCache(settings["LOCATION"], {"OPTIONS": settings["OPTIONS"]})
    assert isinstance(cache, RedisCache)
    ForgivingRedisCache._last_complaint = 0.0
    with caplog.at_level(logging.WARNING, logger="postmortem.cache"):
        assert cache.get("similar:1", "missing") == "missing"
        assert cache.set("similar:1", [1, 2]) is None
        assert cache.get_many(["a", "b"]) == {}
        assert cache.add("a", 1) is False
    assert [record.message.split(":")[0] for record in caplog.records] == [
        "The cache (CACHE_URL) is unreachable, pages are computed without it"]  # once a minute, not per call
