"""A push that fails, seen by both sides in a real browser: alice's order shows Zuora failed
(without the internal error); the agent finds the row in the back office, reads its attempt
log and presses "Retry now"; the order reaches Zuora and alice sees it sent."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from integrations.fake_seed import fakes_seed
from integrations.fakes.server import Fakes
from offers import demo as offers_demo
from partners import demo as partners_demo
from tests.browser.staff import staff_context
from tests.browser.test_portal_routing import sign_in
from tests.integrations.helpers import zuora_records

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def catalogue(migration_data: None, fakes: Fakes) -> partners_demo.PartnersDemo:
    partners = partners_demo.seed()
    offers_demo.seed(partners)
    fakes_seed()
    return partners


def sync_state(page: Page, target: str) -> Locator:
    return page.locator(f'[data-testid="sync-states"] [data-target="{target}"]')


def test_a_failed_push_is_retried_from_the_back_office(
    page: Page,
    browser: Browser,
    live_server: object,
    catalogue: partners_demo.PartnersDemo,
    fakes: Fakes,
) -> None:
    base = str(live_server)
    # Zuora refuses the first subscribe: a permanent fault, as a real tenant's validation would.
    fakes.faults("zuora", {"operation": "subscribe", "fault": "INVALID_VALUE", "times": 1})

    sign_in(page, base, "alice@northwind.example")
    page.goto(f"{base}/p/enterprise/checkout/partner-checkout/?offer=std-monthly")
    page.get_by_label("Company name").fill("Coho Winery")
    page.get_by_label("First name").fill("Cora")
    page.get_by_label("Last name").fill("Coho")
    page.get_by_label("Email").fill("cora@coho.example")
    page.get_by_label("Phone").fill("+44 20 7946 0111")
    page.get_by_label("Address", exact=True).fill("1 Vine Lane")
    page.get_by_label("City").fill("Bath")
    page.get_by_label("Postal code").fill("BA1 1AA")
    page.get_by_label("Country").select_option("GB")
    page.get_by_label("I accept the terms on behalf of the customer").check()
    page.get_by_test_id("place-order").click()
    expect(page).to_have_url(re.compile(r"/p/enterprise/orders/[0-9a-f-]{36}/$"))
    order_url = page.url
    expect(sync_state(page, "salesforce")).to_contain_text("Sent")
    expect(sync_state(page, "zuora")).to_contain_text("Failed")
    expect(sync_state(page, "zuora")).to_contain_text("The vendor's team has been notified")
    expect(page.get_by_test_id("sync-states")).not_to_contain_text("INVALID_VALUE")

    agent_context = staff_context(browser, base, catalogue.users["agent"])
    agent = agent_context.new_page()
    agent.goto(f"{base}/backoffice/")
    agent.get_by_role("link", name="Outbox").click()
    expect(agent).to_have_url(f"{base}/backoffice/outbox/")
    agent.get_by_label("State").select_option("failed")
    row = agent.get_by_role("row").filter(has_text="Zuora")
    expect(row).to_have_count(1)
    row.get_by_role("link").first.click()
    expect(agent.get_by_text("INVALID_VALUE").first).to_be_visible()
    agent.get_by_test_id("retry-now").click()
    expect(agent.get_by_text("1 row was re-queued.")).to_be_visible()
    # No broker in the tests: the retry ran in process as the re-queue committed.
    expect(agent.get_by_test_id("retry-now")).to_have_count(0)
    assert len(zuora_records(fakes, "subscriptions")) == 1
    agent_context.close()

    page.goto(order_url)
    expect(sync_state(page, "zuora")).to_contain_text("Sent")
    expect(page.get_by_test_id("subscription-status")).to_have_text("Active")
