"""Seed 000's "How do I test it?": a partner user places an order from a pricing page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from integrations.fake_seed import fakes_seed
from integrations.fakes.server import Fakes
from offers import demo as offers_demo
from orders.models import Order
from partners import demo as partners_demo
from tests.browser.test_portal_routing import sign_in
from tests.factories import new_customer_data, place_order

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def catalogue(migration_data: None, fakes: Fakes) -> offers_demo.OffersDemo:
    """The demo catalogue, also held by the fake Zuora (the fakes hold the partners too)."""
    catalogue = offers_demo.seed(partners_demo.seed())
    fakes_seed()
    return catalogue


def test_alice_orders_for_a_new_customer(
    page: Page, live_server: object, catalogue: offers_demo.OffersDemo
) -> None:
    base = str(live_server)
    sign_in(page, base, "alice@northwind.example")
    expect(page).to_have_url(f"{base}/p/enterprise/")

    page.get_by_role("link", name="Premium plans").click()
    expect(page.get_by_role("heading", name="Premium plans")).to_be_visible()
    page.get_by_role("link", name="Order Premium, monthly").click()
    expect(page.get_by_role("heading", name="Partner checkout")).to_be_visible()
    page.wait_for_load_state()  # checkout.js has run

    # No customers yet: the new-customer fields are shown, the existing-customer picker hidden.
    expect(page.get_by_label("Company name")).to_be_visible()
    expect(page.get_by_label("Customer", exact=True)).to_be_hidden()

    page.get_by_label("Company name").fill("Fabrikam Foods")
    page.get_by_label("First name").fill("Frida")
    page.get_by_label("Last name").fill("Foster")
    page.get_by_label("Email").fill("frida@fabrikamfoods.example")
    page.get_by_label("Phone").fill("+31 20 123 4567")
    page.get_by_label("Address", exact=True).fill("Damrak 1")
    page.get_by_label("City").fill("Amsterdam")
    page.get_by_label("Postal code").fill("1012 LG")
    page.get_by_label("Country").select_option("NL")
    page.get_by_label("Quantity").fill("3")
    expect(page.get_by_test_id("summary-total")).to_contain_text("€237.00")

    # Forgetting the terms loses nothing.
    page.get_by_test_id("place-order").click()
    expect(page.get_by_text("The terms must be accepted to place the order.")).to_be_visible()
    expect(page.get_by_label("Company name")).to_have_value("Fabrikam Foods")
    expect(page.locator(".invalid-feedback")).to_have_count(1)

    page.get_by_label("I accept the terms on behalf of the customer").check()
    page.get_by_test_id("place-order").click()

    expect(page).to_have_url(re.compile(r"/p/enterprise/orders/[0-9a-f-]{36}/$"))
    order = Order.objects.get()
    expect(page.get_by_test_id("order-number")).to_have_text(order.number)
    expect(page.get_by_test_id("customer-company")).to_have_text("Fabrikam Foods")
    # No broker in the tests: the pushes ran in process, after the order committed and before
    # the confirmation was served, against the fake Zuora and Salesforce.
    for target in ("salesforce", "zuora"):
        expect(
            page.locator(f'[data-testid="sync-states"] [data-target="{target}"]')
        ).to_contain_text("Sent")
    expect(page.get_by_test_id("subscription-status")).to_have_text("Active")
    assert order.organisation == catalogue.offers["PRM-MONTHLY"].eligible_organisations.get()


def test_second_order_picks_the_existing_customer_by_search(
    page: Page, live_server: object, catalogue: offers_demo.OffersDemo
) -> None:
    base = str(live_server)
    northwind = catalogue.offers["STD-MONTHLY"].eligible_organisations.get(
        name="Northwind Resellers"
    )
    for n, name in enumerate(("Adventure Works", "Blue Yonder"), start=1):
        place_order(
            organisation=northwind,
            actor=northwind.memberships.get(role="supervisor").user,
            offer=catalogue.offers["STD-MONTHLY"],
            customer_data=new_customer_data(n, company_name=name),
        )
    sign_in(page, base, "alice@northwind.example")
    page.goto(f"{base}/p/enterprise/checkout/partner-checkout/?offer=std-yearly")

    # Customers exist: the picker is offered first, the new-customer fields are hidden.
    expect(page.get_by_label("Company name")).to_be_hidden()
    page.get_by_label("Find a customer").fill("yonder")
    picker = page.get_by_label("Customer", exact=True)
    expect(picker.locator("option")).to_have_count(2)  # the prompt and Blue Yonder
    picker.select_option(label="Blue Yonder — Casey Buyer2")
    page.get_by_label("I accept the terms on behalf of the customer").check()
    page.get_by_test_id("place-order").click()

    expect(page.get_by_test_id("customer-company")).to_have_text("Blue Yonder")
    assert Order.objects.filter(customer__company_name="Blue Yonder").count() == 2
