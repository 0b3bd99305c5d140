"""Readiness checks behind /healthz."""

from __future__ import annotations

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


def redis_state() -> str:
    if not settings.REDIS_URL:
        return NOT_CONFIGURED
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        return f"down: {exc.__class__.__name__}"
    finally:
        client.close()
    return OK
