"""Readiness checks behind /readyz (and /healthz).

A passing check is trusted for ``HEALTH_CHECK_INTERVAL`` seconds (one by default) in each
process: a load balancer probing many times a second costs the database and Redis one round
trip a second, not one a probe, and an outage still shows within the interval. A failing check
is never kept: every probe during an outage checks again, so the process is back in the load
balancer at the first probe after the database or Redis recovers.
"""

from __future__ import annotations

import threading
import time
from functools import lru_cache

import redis
from django.conf import settings
from django.db import DatabaseError, connection

OK = "ok"
NOT_CONFIGURED = "not configured"


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return f"down: {exc.__class__.__name__}"
    return OK


@lru_cache(maxsize=4)
def redis_client(url: str) -> redis.Redis:
    """One client per process (its pool keeps the connection open between probes)."""
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


def redis_state() -> str:
    if not settings.REDIS_URL:
        return NOT_CONFIGURED
    try:
        redis_client(settings.REDIS_URL).ping()
    except redis.RedisError as exc:
        return f"down: {exc.__class__.__name__}"
    return OK


_passed: dict[str, float] = {}  # the Redis URL checked -> when a probe last found all well
_passed_lock = threading.Lock()


def readiness() -> dict[str, str]:
    """Each dependency's state (``OK``, ``NOT_CONFIGURED`` or ``down: <error>``)."""
    url = settings.REDIS_URL
    now = time.monotonic()
    passed = _passed.get(url)
    if passed is not None and now - passed < settings.HEALTH_CHECK_INTERVAL:
        return {"database": OK, "redis": OK if url else NOT_CONFIGURED}
    states = {"database": database_state(), "redis": redis_state()}
    with _passed_lock:
        if all(state in (OK, NOT_CONFIGURED) for state in states.values()):
            _passed[url] = now
        else:
            _passed.pop(url, None)
    return states


def readiness_forget() -> None:
    """Check again at the next probe (the tests, between outages they simulate)."""
    with _passed_lock:
        _passed.clear()
