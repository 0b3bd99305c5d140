"""Readiness checks behind /healthz."""

from __future__ import annotations

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
