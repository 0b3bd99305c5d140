"""``/healthz`` answered before the rest of the middleware stack.

A load balancer probes it every few seconds: it needs the database and Redis checked, not a
session, CSRF, messages, allauth or the security headers of a page. First in ``MIDDLEWARE``,
this answers the probe with the same view the URL maps to, at the cost of the two checks
(``bench/results/pages.md``: ``/healthz`` against its floor).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from portal.views import healthz

HEALTHZ_PATH = "/healthz"


class HealthzMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == HEALTHZ_PATH:
            # The view refuses anything but GET and HEAD itself.
            return healthz(request)
        return self.get_response(request)
