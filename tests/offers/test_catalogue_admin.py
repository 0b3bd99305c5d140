"""Vendor admins configure offers, pricing pages and the checkout page in Django admin."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from offers.models import Offer, PricingPage, SalesChannel
from tests import factories
from tests.world import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(world: World) -> Client:
    client = Client()
    client.force_login(world.admin)
    return client


def offer_form(world: World, **overrides: Any) -> dict[str, Any]:
    checkout = factories.CheckoutPageFactory.create()
    data = {
        "code": "gold",
        "name": "Gold",
        "description": "",
        "label": "standard",
        "display_order": "0",
        "channels": [SalesChannel.objects.get(code="partner").pk],
        "eligible_organisations": [world.a1.organisation.pk],
        "price": "10.00",
        "currency": "EUR",
        "billing_period": "month",
        "term_months": "12",
        "auto_renew": "on",
        "checkout_page": checkout.pk,
        "zuora_product_rate_plan_id": "2c92c0f8b1a0c0de016b1a0000009901",
        "zuora_product_rate_plan_charge_id": "2c92c0f8b1a0c0de016b1a0000009902",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def errors(response: Any) -> dict[str, list[str]]:
    return {k: [str(e) for e in v] for k, v in response.context["adminform"].form.errors.items()}


def test_admin_creates_a_partner_offer(admin_client_: Client, world: World) -> None:
    response = admin_client_.post("/admin/offers/offer/add/", offer_form(world))
    assert response.status_code == 302
    offer = Offer.objects.get(code="gold")
    assert list(offer.eligible_organisations.all()) == [world.a1.organisation]
    assert [c.code for c in offer.channels.all()] == ["partner"]


def test_partner_offer_needs_an_eligible_organisation(admin_client_: Client, world: World) -> None:
    response = admin_client_.post(
        "/admin/offers/offer/add/", offer_form(world, eligible_organisations=None)
    )
    assert response.status_code == 200
    assert errors(response)["eligible_organisations"] == [
        "A partner-channel offer must name at least one eligible organisation."
    ]


def test_partner_offer_needs_a_checkout_page(admin_client_: Client, world: World) -> None:
    response = admin_client_.post("/admin/offers/offer/add/", offer_form(world, checkout_page=""))
    assert errors(response)["checkout_page"] == [
        "A partner-channel offer must route to a checkout page."
    ]


def test_web_only_offer_needs_neither(admin_client_: Client, world: World) -> None:
    web = SalesChannel.objects.get(code="web").pk
    response = admin_client_.post(
        "/admin/offers/offer/add/",
        offer_form(world, channels=[web], eligible_organisations=None, checkout_page=""),
    )
    assert response.status_code == 302


def test_price_is_never_negative(admin_client_: Client, world: World) -> None:
    response = admin_client_.post("/admin/offers/offer/add/", offer_form(world, price="-1.00"))
    assert "price" in errors(response)


@pytest.mark.parametrize("currency", ["EURO", "XYZ", "eu"])
def test_currency_is_an_iso_4217_code(admin_client_: Client, world: World, currency: str) -> None:
    response = admin_client_.post("/admin/offers/offer/add/", offer_form(world, currency=currency))
    assert "currency" in errors(response)


def test_lower_case_currency_is_normalised(admin_client_: Client, world: World) -> None:
    response = admin_client_.post("/admin/offers/offer/add/", offer_form(world, currency="usd"))
    assert response.status_code == 302
    assert Offer.objects.get(code="gold").currency == "USD"


def test_yearly_term_is_whole_years(admin_client_: Client, world: World) -> None:
    response = admin_client_.post(
        "/admin/offers/offer/add/", offer_form(world, billing_period="year", term_months="18")
    )
    assert "whole number of years" in errors(response)["term_months"][0]


def test_active_window_must_end_after_it_starts(admin_client_: Client, world: World) -> None:
    response = admin_client_.post(
        "/admin/offers/offer/add/",
        offer_form(
            world,
            active_from_0="2026-12-01",
            active_from_1="00:00:00",
            active_until_0="2026-11-01",
            active_until_1="00:00:00",
        ),
    )
    assert "active_until" in errors(response)


def test_offer_codes_are_unique(admin_client_: Client, world: World) -> None:
    factories.OfferFactory.create(code="gold")
    response = admin_client_.post("/admin/offers/offer/add/", offer_form(world))
    assert "code" in errors(response)


def test_offer_list_filters_and_searches(admin_client_: Client, world: World) -> None:
    factories.OfferFactory.create(
        name="Alpha plan", label="standard", eligible=[world.a1.organisation]
    )
    factories.OfferFactory.create(
        name="Beta plan", label="premium", eligible=[world.b1.organisation]
    )
    by_label = admin_client_.get("/admin/offers/offer/", {"label": "premium"})
    assert [o.name for o in by_label.context["cl"].result_list] == ["Beta plan"]
    by_partner = admin_client_.get("/admin/offers/offer/", {"q": "Organisation A1"})
    assert [o.name for o in by_partner.context["cl"].result_list] == ["Alpha plan"]


def test_offer_list_query_count_does_not_grow(
    admin_client_: Client, world: World, django_assert_max_num_queries: Any
) -> None:
    for _ in range(5):
        factories.OfferFactory.create(eligible=[world.a1.organisation])
    with django_assert_max_num_queries(20) as few:
        admin_client_.get("/admin/offers/offer/")
    for _ in range(40):
        factories.OfferFactory.create(eligible=[world.a1.organisation])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin_client_.get("/admin/offers/offer/")
    assert response.text.count('name="_selected_action"') == 45


def test_admin_creates_pricing_and_checkout_pages(admin_client_: Client, world: World) -> None:
    factories.OfferFactory.create(label="premium", eligible=[world.a1.organisation])
    response = admin_client_.post(
        "/admin/offers/checkoutpage/add/",
        {"slug": "partners", "title": "Partners", "terms": "Pay on time.", "is_active": "on"},
    )
    assert response.status_code == 302
    response = admin_client_.post(
        "/admin/offers/pricingpage/add/",
        {
            "portal": world.portal_a.pk,
            "label": "premium",
            "slug": "premium",
            "title": "Premium",
            "introduction": "",
            "is_active": "on",
            "display_order": "0",
        },
    )
    assert response.status_code == 302
    assert PricingPage.objects.get(portal=world.portal_a).label == "premium"


def pricing_page_form(world: World, label: str) -> dict[str, Any]:
    return {
        "portal": world.portal_a.pk,
        "label": label,
        "slug": label,
        "title": label.title(),
        "introduction": "",
        "is_active": "on",
        "display_order": "0",
    }


def test_a_pricing_pages_label_is_chosen_from_the_offers_labels(
    admin_client_: Client, world: World
) -> None:
    factories.OfferFactory.create(label="standard", eligible=[world.a1.organisation])
    factories.OfferFactory.create(label="premium", eligible=[world.a1.organisation])
    html = admin_client_.get("/admin/offers/pricingpage/add/").text
    select = re.search(r'<select name="label"[^>]*>(.*?)</select>', html, re.S)
    assert select
    assert re.findall(r'<option value="([^"]*)"', select[1]) == ["", "premium", "standard"]
    # A label no offer carries is refused: the page would show nothing.
    response = admin_client_.post(
        "/admin/offers/pricingpage/add/", pricing_page_form(world, "platinum")
    )
    assert errors(response)["label"] == ["Choose the label of an existing offer."]
    assert not PricingPage.objects.exists()


def test_a_pricing_page_keeps_its_label_when_its_offers_are_gone(
    admin_client_: Client, world: World
) -> None:
    page = PricingPage.objects.create(
        portal=world.portal_a, label="legacy", slug="legacy", title="Legacy"
    )
    url = f"/admin/offers/pricingpage/{page.pk}/change/"
    assert '<option value="legacy" selected>' in admin_client_.get(url).text
    form = pricing_page_form(world, "legacy") | {"title": "Old plans"}
    assert admin_client_.post(url, form).status_code == 302
    page.refresh_from_db()
    assert page.title == "Old plans"


def test_the_currency_is_chosen_from_the_currencies_in_use(admin_client_: Client) -> None:
    html = admin_client_.get("/admin/offers/offer/add/").text
    select = re.search(r'<select name="currency"[^>]*>(.*?)</select>', html, re.S)
    assert select
    options = dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select[1]))
    assert options["EUR"] == "EUR — Euro"
    assert options["JPY"] == "JPY — Japanese Yen"
    # From CLDR: withdrawn currencies and funds are not offered.
    assert "DEM" not in options
    assert "XAU" not in options
