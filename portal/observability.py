"""Every request, seen from outside the stack: its id, its access-log line and its metrics.

Second in ``MIDDLEWARE`` (after the probes, which it leaves alone): it binds the request id
(``core/request_id.py``) before anything else logs, so every line the request writes carries
it, returns it in ``X-Request-ID``, writes one ``portal.access`` line per request (method, path
without its query string, status, milliseconds, view) and records the latency by view
(``portal/metrics.py``). Django's warning for a 4xx or 5xx response is written here too, so that
it carries the id. It reads nothing from the database. A streamed response (a CSV) is
timed until its first byte is ready, not until its last is sent.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.log import log_response

from core import request_id
from portal import metrics

access_logger = logging.getLogger("portal.access")

# A control character in a path (answered 400 further down) must not break a plain log line.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def view_label(request: HttpRequest) -> str:
    """The resolver's name of the view that served ``request`` (``namespace:url_name``, or the
    view's dotted path when its URL has no name): a bounded set, unlike paths."""
    match = request.resolver_match
    return match.view_name if match is not None else metrics.UNMATCHED


class RequestMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = request_id.accepted(request.headers.get(request_id.HEADER))
        token = request_id.bind(rid)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            view = view_label(request)
            method = request.method or ""
            path = _CONTROL.sub("?", request.path)
            metrics.observe_request(
                view=view, method=method, status=response.status_code, seconds=seconds
            )
            response[request_id.HEADER] = rid
            if response.status_code >= 400:
                # Django's own "Not Found: /path" line, written here while the id is bound
                # (the handler would write it after the middleware; it skips one logged).
                log_response(
                    "%s: %s", response.reason_phrase, path, response=response, request=request
                )
            access_logger.info(
                "%s %s %s %.1f ms",
                method,
                path,
                response.status_code,
                seconds * 1000,
                extra={
                    "method": method,
                    "path": path,
                    "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 1),
                    "view": view,
                },
            )
            return response
        finally:
            request_id.unbind(token)
