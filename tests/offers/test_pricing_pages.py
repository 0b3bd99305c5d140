"""Pricing pages show a label's live partner offers the user's organisation is eligible for."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from offers.models import PricingPage
from tests import factories
from tests.world import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(world: World) -> dict[str, PricingPage]:
    return {
        label: factories.PricingPageFactory.create(portal=world.portal_a, label=label)
        for label in ("standard", "premium")
    }


def names(client: Client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return [offer.name for offer in response.context["offers"]]


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_shows_eligible_offers_of_the_label_in_display_order(world: World, pages: Any) -> None:
    a1 = world.a1.organisation
    factories.OfferFactory.create(name="Second", display_order=2, eligible=[a1])
    factories.OfferFactory.create(
        name="First", display_order=1, eligible=[a1, world.a2.organisation]
    )
    factories.OfferFactory.create(name="Premium only", label="premium", eligible=[a1])
    factories.OfferFactory.create(
        name="Not for A1", display_order=3, eligible=[world.a2.organisation]
    )
    factories.OfferFactory.create(name="Web only", channels=["web"], eligible=[a1])
    factories.OfferFactory.create(
        name="Expired", eligible=[a1], active_until=timezone.now() - timedelta(days=1)
    )
    factories.OfferFactory.create(
        name="Not yet", eligible=[a1], active_from=timezone.now() + timedelta(days=1)
    )
    client = signed_in(world.a1.member)
    assert names(client, "/p/alpha/pricing/standard/") == ["First", "Second"]
    assert names(client, "/p/alpha/pricing/premium/") == ["Premium only"]
    assert names(signed_in(world.a2.member), "/p/alpha/pricing/standard/") == [
        "First",
        "Not for A1",
    ]


def test_page_shows_price_term_and_checkout_link(world: World, pages: Any) -> None:
    factories.OfferFactory.create(
        code="gold-m", name="Gold", price="12.50", term_months=24, eligible=[world.a1.organisation]
    )
    page = signed_in(world.a1.member).get("/p/alpha/pricing/standard/").text
    assert "12.50" in page
    assert "24-month term" in page
    assert 'href="/p/alpha/checkout/partner-checkout/?offer=gold-m"' in page


def test_empty_state(world: World, pages: Any) -> None:
    response = signed_in(world.a1.member).get("/p/alpha/pricing/premium/")
    assert response.context["offers"] == []
    assert "There are no offers on this page for Organisation A1" in response.text


def test_inactive_or_unknown_page_is_not_found(world: World, pages: Any) -> None:
    PricingPage.objects.filter(label="premium").update(is_active=False)
    client = signed_in(world.a1.member)
    assert client.get("/p/alpha/pricing/premium/").status_code == 404
    assert client.get("/p/alpha/pricing/nope/").status_code == 404


def test_another_portals_page_is_not_found(world: World) -> None:
    factories.PricingPageFactory.create(portal=world.portal_b, label="standard", slug="beta-only")
    assert signed_in(world.a1.member).get("/p/alpha/pricing/beta-only/").status_code == 404


def test_home_lists_pages_that_have_an_offer_for_the_organisation(world: World, pages: Any) -> None:
    factories.OfferFactory.create(label="premium", eligible=[world.a2.organisation])
    factories.OfferFactory.create(label="standard", eligible=[world.a1.organisation])
    a1_home = signed_in(world.a1.member).get("/p/alpha/")
    assert [p.label for p in a1_home.context["pricing_pages"]] == ["standard"]
    a2_home = signed_in(world.a2.member).get("/p/alpha/")
    assert [p.label for p in a2_home.context["pricing_pages"]] == ["premium"]
    index = signed_in(world.a2.member).get("/p/alpha/pricing/")
    assert [p.label for p in index.context["pricing_pages"]] == ["premium"]


def test_pricing_index_empty_state(world: World, pages: Any) -> None:
    response = signed_in(world.a1.member).get("/p/alpha/pricing/")
    assert "There are no offers for Organisation A1 yet" in response.text


def test_pricing_page_query_count_does_not_grow_with_offers(
    world: World, pages: Any, django_assert_num_queries: Any
) -> None:
    client = signed_in(world.a1.member)
    for _ in range(3):
        factories.OfferFactory.create(eligible=[world.a1.organisation])
    client.get("/p/alpha/")  # the session's idle timestamp is written once a minute: not here
    # the page, the offers (checkout pages joined); the session, the user's partner context
    # and the nav sections are cached
    with django_assert_num_queries(2):
        response = client.get("/p/alpha/pricing/standard/")
    assert response.text.count("data-offer=") == 3
    for _ in range(30):
        factories.OfferFactory.create(eligible=[world.a1.organisation])
    with django_assert_num_queries(2):
        response = client.get("/p/alpha/pricing/standard/")
    assert response.text.count("data-offer=") == 33


def test_prices_are_written_as_the_reader_writes_them(world: World, pages: Any) -> None:
    factories.OfferFactory.create(
        name="Dollars", price=Decimal("1250.00"), currency="USD", eligible=[world.a1.organisation]
    )
    client = signed_in(world.a1.member)
    british = client.get("/p/alpha/pricing/standard/").text
    assert re.search(r'data-testid="offer-price">US\$1,250\.00 <small', british)
    american = client.get(
        "/p/alpha/pricing/standard/", headers={"accept-language": "en-US,en;q=0.5"}
    ).text
    assert re.search(r'data-testid="offer-price">\$1,250\.00 <small', american)
