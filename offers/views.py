from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from offers import selectors
from portal_access.context import PartnerContext, portal_view


def for_customer(request: HttpRequest) -> uuid.UUID | None:
    """ "New order for this customer": the customer's id, carried from the customer page through
    the pricing pages to the checkout, which resolves it within the organisation (anything but
    a well-formed id is dropped here)."""
    try:
        return uuid.UUID(request.GET.get("customer", ""))
    except ValueError:
        return None


@require_GET
@portal_view
def pricing_index(request: HttpRequest, ctx: PartnerContext) -> HttpResponse:
    """The pricing pages that show at least one offer to the user's organisation."""
    pages = selectors.pricing_pages_for_partner(portal=ctx.portal, partner=ctx.organisation)
    return render(
        request,
        "offers/pricing_index.html",
        {"ctx": ctx, "pricing_pages": list(pages), "for_customer": for_customer(request)},
    )


@require_GET
@portal_view
def pricing_page(request: HttpRequest, ctx: PartnerContext, slug: str) -> HttpResponse:
    """One offer label's offers, as far as the user's organisation is eligible for them."""
    page = selectors.pricing_page_get_or_404(portal=ctx.portal, slug=slug)
    offers = selectors.pricing_page_offers(page=page, partner=ctx.organisation)
    return render(
        request,
        "offers/pricing_page.html",
        {"ctx": ctx, "page": page, "offers": list(offers), "for_customer": for_customer(request)},
    )
