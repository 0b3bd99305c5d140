from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from offers import selectors
from portal_access.context import PartnerContext, portal_view


@require_GET
@portal_view
def pricing_index(request: HttpRequest, ctx: PartnerContext) -> HttpResponse:
    """The pricing pages that show at least one offer to the user's organisation."""
    pages = selectors.pricing_pages_for_partner(portal=ctx.portal, partner=ctx.organisation)
    return render(request, "offers/pricing_index.html", {"ctx": ctx, "pricing_pages": list(pages)})


@require_GET
@portal_view
def pricing_page(request: HttpRequest, ctx: PartnerContext, slug: str) -> HttpResponse:
    """One offer label's offers, as far as the user's organisation is eligible for them."""
    page = selectors.pricing_page_get_or_404(portal=ctx.portal, slug=slug)
    offers = selectors.pricing_page_offers(page=page, partner=ctx.organisation)
    return render(
        request, "offers/pricing_page.html", {"ctx": ctx, "page": page, "offers": list(offers)}
    )
