"""The probes and the scrape, answered before the rest of the middleware stack.

A load balancer or an orchestrator probes every few seconds: ``/livez`` (the process answers),
``/readyz`` (the database and Redis checked; ``/healthz`` is its older name). Prometheus scrapes
``/metrics``. None of them needs a session, CSRF, messages, allauth, a host check or the security
headers of a page. First in ``MIDDLEWARE``, this answers them with the same views the URLs map
to, at the cost of one dictionary lookup for every other request (``bench/results/pages.md``:
``/healthz`` against its floor).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from portal import scrape, views

HEALTHZ_PATH = "/healthz"

ANSWERED_FIRST: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    HEALTHZ_PATH: views.healthz,
    "/readyz": views.healthz,
    "/livez": views.livez,
    "/metrics": scrape.metrics,
}


class HealthzMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = ANSWERED_FIRST.get(request.path_info)
        if view is not None:
            # The views refuse anything but GET and HEAD themselves.
            return view(request)
        return self.get_response(request)
