"""The request id: one per request, on every log line written while it is handled, in the
``X-Request-ID`` response header, and carried into the Celery tasks the request enqueues.

It lives in a context variable, so a thread (or an eager task run inside the request) sees the
id of the request it serves and nothing else. An incoming ``X-Request-ID`` (set by the proxy or
load balancer in front) is kept when it is well-formed, so one id follows the request through
every hop; anything else is replaced by a new one. A task carries the id in its message headers
(``before_task_publish``) and the worker binds it while the task runs (``task_prerun``); a task
nobody's request started (beat's) gets its own task id, so its lines still share one id.
``portal/celery.py`` connects the signals.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar, Token
from typing import Any

HEADER = "X-Request-ID"
# The message header a task carries the id in.
TASK_HEADER = "request_id"
# What a line written outside any request or task shows.
NONE = "-"

# Letters, digits and the punctuation ids from proxies use (UUIDs, hex, AWS trace ids), at most
# 128 characters: nothing that could forge a log line or a header.
_WELL_FORMED = re.compile(r"[A-Za-z0-9._:=+/-]{1,128}")

_request_id: ContextVar[str] = ContextVar("request_id", default=NONE)
# The tokens of the ids bound while tasks run, by task id, to restore after each task.
_task_tokens: dict[str, Token[str]] = {}


def current() -> str:
    """The id of the request (or task) being handled, or ``-``."""
    return _request_id.get()


def accepted(incoming: str | None) -> str:
    """``incoming`` if it is a well-formed id, else a new one."""
    if incoming and _WELL_FORMED.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def bind(request_id: str) -> Token[str]:
    return _request_id.set(request_id)


def unbind(token: Token[str]) -> None:
    _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Puts the current id on every record as ``request_id`` (for the formatters)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


# ------------------------------------------------------------------------------------------------
# Celery signal receivers
# ------------------------------------------------------------------------------------------------
def add_to_task_headers(headers: dict[str, Any] | None = None, **kwargs: object) -> None:
    """``before_task_publish``: the message carries the id of the request (or task) sending it."""
    request_id = _request_id.get()
    if headers is not None and request_id != NONE:
        headers.setdefault(TASK_HEADER, request_id)


def bind_for_task(task_id: str = "", task: Any = None, **kwargs: object) -> None:
    """``task_prerun``: the id the message carries, or (a task nobody's request started) the task
    id. A task run eagerly inside a request keeps the request's id: it carries none."""
    carried = getattr(task.request, TASK_HEADER, None) if task is not None else None
    if carried:
        request_id = accepted(str(carried))
    elif _request_id.get() == NONE:
        request_id = task_id or uuid.uuid4().hex
    else:
        return
    _task_tokens[task_id] = _request_id.set(request_id)


def unbind_after_task(task_id: str = "", **kwargs: object) -> None:
    """``task_postrun``: back to what was bound before the task."""
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        _request_id.reset(token)
