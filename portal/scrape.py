"""``/metrics``: what Prometheus scrapes, and who may.

The request metrics and the task counters (``portal/metrics.py``), plus the outbox's rows by
state and target, counted when the scrape asks with one grouped query. Answered first in the
middleware stack (``portal/middleware.py``), like the probes: no session, no host check, no
redirect to HTTPS for a scraper inside the cluster. Only a scraper may read it: a request
carrying ``Authorization: Bearer <METRICS_TOKEN>``, or one from ``METRICS_ALLOWED_NETWORKS``;
anyone else gets the same 404 as a page that does not exist.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterator
from functools import lru_cache

from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector, CollectorRegistry

from integrations.models import OutboxMessage, OutboxState, Target
from portal.metrics import reported_registry

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class OutboxCollector(Collector):
    """The outbox's rows by state and target, read at scrape time (every pair, zeros included:
    a series that disappears reads as "no data", not as "none failed")."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "portal_outbox_messages",
            "Outbox rows by state and target system.",
            labels=["state", "target"],
        )
        counts = {(state, target): 0 for state in OutboxState.values for target in Target.values}
        # An index-only scan of outbox_state_recent (state, -id), grouped.
        rows = OutboxMessage.objects.order_by().values_list("state", "target")
        for state, target, n in rows.annotate(n=Count("pk")):
            counts[(state, target)] = n
        for (state, target), n in counts.items():
            family.add_metric([state, target], n)
        yield family


_outbox = CollectorRegistry(auto_describe=False)
_outbox.register(OutboxCollector())


@lru_cache(maxsize=4)
def _networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(network, strict=False) for network in spec)


def scraper_allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return True
    networks = _networks(tuple(settings.METRICS_ALLOWED_NETWORKS))
    if not networks:
        return False
    try:
        client = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(client in network for network in networks)


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not scraper_allowed(request):
        # Plain, not the site's 404 page: the stack that renders it has not run.
        return HttpResponse("Not Found", status=404, content_type="text/plain")
    body = generate_latest(reported_registry()) + generate_latest(_outbox)
    response = HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
