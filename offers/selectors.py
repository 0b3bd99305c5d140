"""Reads of the catalogue, always from one partner organisation's point of view."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from offers.models import CheckoutPage, Offer, PricingPage, SalesChannel
from partners.models import PartnerOrganisation, PartnerPortal


def offers_for_partner(*, partner: PartnerOrganisation) -> QuerySet[Offer]:
    """Live offers of the partner channel that ``partner`` is eligible for.

    Each M2M filter matches at most one row per offer (a channel code, an organisation), so the
    joins never duplicate an offer and no DISTINCT is needed.
    """
    return Offer.objects.live().filter(
        channels__code=SalesChannel.PARTNER, eligible_organisations=partner
    )


def offer_is_available_to(*, offer: Offer, partner: PartnerOrganisation) -> bool:
    return offers_for_partner(partner=partner).filter(pk=offer.pk).exists()


def pricing_pages_for_partner(
    *, portal: PartnerPortal, partner: PartnerOrganisation
) -> QuerySet[PricingPage]:
    """The portal's active pricing pages that show at least one offer to ``partner``."""
    has_offer = offers_for_partner(partner=partner).filter(label=OuterRef("label"))
    return PricingPage.objects.filter(portal=portal, is_active=True).filter(Exists(has_offer))


def pricing_page_get_or_404(*, portal: PartnerPortal, slug: str) -> PricingPage:
    page = PricingPage.objects.filter(portal=portal, slug=slug, is_active=True).first()
    if page is None:
        raise Http404("No such pricing page.")
    return page


def pricing_page_offers(*, page: PricingPage, partner: PartnerOrganisation) -> QuerySet[Offer]:
    return (
        offers_for_partner(partner=partner)
        .filter(label=page.label)
        .select_related("checkout_page")
        .order_by("display_order", "name")
    )


def checkout_get_or_404(
    *, partner: PartnerOrganisation, slug: str, offer_code: str
) -> tuple[CheckoutPage, Offer]:
    """The checkout page and the offer it sells, if the offer routes there and is for ``partner``.

    An offer that exists but is not for this organisation answers the same 404 as a missing one.
    """
    offer = (
        offers_for_partner(partner=partner)
        .filter(code=offer_code, checkout_page__slug=slug, checkout_page__is_active=True)
        .select_related("checkout_page")
        .first()
    )
    if offer is None or offer.checkout_page is None:
        raise Http404("No such offer on this checkout page.")
    return offer.checkout_page, offer
