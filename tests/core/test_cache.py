"""core.cache: Django's Redis cache with one kept client, against the real Redis."""

from __future__ import annotations

import uuid

from core.cache import KeptClientRedisCache

REDIS = "redis://127.0.0.1:6379/0"


def a_cache() -> KeptClientRedisCache:
    # A prefix of its own: the test shares the server with everything else on the machine.
    return KeptClientRedisCache(REDIS, {"KEY_PREFIX": f"test-{uuid.uuid4()}"})


def test_values_go_in_and_come_out_as_with_djangos_backend() -> None:
    cache = a_cache()
    cache.set("session", {"user": 7, "seen": [1, 2]}, timeout=30)
    assert cache.get("session") == {"user": 7, "seen": [1, 2]}
    assert cache.incr(cache.add("hits", 1) and "hits") == 2
    cache.delete_many(["session", "hits"])
    assert cache.get("session", "gone") == "gone"


def test_every_call_uses_the_kept_clients() -> None:
    cache = a_cache()
    cache.set("k", "v", timeout=30)
    client = cache._cache.get_client(write=False)
    assert cache._cache.get_client("k") is client
    writer = cache._cache.get_client("k", write=True)
    assert cache._cache.get_client(write=True) is writer
    assert cache.get("k") == "v"
    cache.delete("k")
