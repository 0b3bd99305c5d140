"""The portal shell: where `/` sends each person, the portal home, and the probes (/livez,
/readyz and its older name /healthz)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from offers.selectors import pricing_pages_for_partner
from partners.sections import Section
from partners.selectors import membership_for_user, own_portal
from portal import health
from portal_access.context import PartnerContext, portal_view


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each person to their place: staff, partner users, everybody else."""
    if request.user.is_staff:
        return redirect("backoffice:queue")
    portal = own_portal(membership_for_user(user=request.user))
    if portal is not None:
        return redirect(portal.get_absolute_url())
    return redirect("account")


@require_GET
@never_cache
def livez(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Nothing it depends on is checked: a database outage must
    not get every web process restarted."""
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Readiness (``/readyz``, and ``/healthz``): the database and a configured Redis answer;
    503 takes the process out of the load balancer until they do. A passing check is trusted
    for ``HEALTH_CHECK_INTERVAL`` seconds (``portal.health.readiness``)."""
    states = health.readiness()
    healthy = all(state in (health.OK, health.NOT_CONFIGURED) for state in states.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **states}, status=200 if healthy else 503
    )


@require_GET
@portal_view
def portal_home(request: HttpRequest, ctx: PartnerContext) -> HttpResponse:
    """The organisation's name, the portal's sections in the configured order, and the pricing
    pages that have at least one offer for the organisation."""
    links = ctx.sections
    pricing_pages = []
    if Section.PRICING in {link.key for link in links}:
        pricing_pages = list(pricing_pages_for_partner(portal=ctx.portal, partner=ctx.organisation))
    return render(
        request,
        "partners/portal_home.html",
        {"ctx": ctx, "sections": links, "pricing_pages": pricing_pages},
    )


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400 in the site's layout, saying what was wrong with the request."""
    return render(request, "400.html", {"reason": str(exception)}, status=400)
