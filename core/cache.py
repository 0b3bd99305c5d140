"""Django's Redis cache backend, keeping its Redis client.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every call: each
copies the client's response callbacks (about 170 entries), which costs more than the round
trip of a small GET on this machine. The session and the portal's section cache read the cache
on every signed-in request. A ``redis.Redis`` is safe to share between threads (it takes a
connection from its pool for each command), so one is kept for reads and one for writes.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis import Redis


class KeptRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[bool, Redis] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Redis:
        # One for writes (the first server) and one for reads: with several servers, Django
        # picks a random replica per read; here each process keeps the one it picked first.
        client = self._clients.get(write)
        if client is None:
            client = self._clients[write] = super().get_client(key, write=write)
        return client


class KeptClientRedisCache(RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` keeping its Redis clients."""

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = KeptRedisCacheClient
