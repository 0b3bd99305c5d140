"""A person signs in in a real browser and ends up on the right portal (issue #2)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from partners import demo

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_data(migration_data: None) -> demo.PartnersDemo:
    return demo.seed()


def sign_in(page: Page, base: str, email: str, next_path: str = "/") -> None:
    page.goto(f"{base}{next_path}")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    # Home-realm discovery: the address first, then the password for organisations without SSO.
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    # The landing page's scripts (htmx among them) run before the test acts on it: a change
    # made before they attach their listeners would be lost (wait_for_url waits for "load").
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_alice_lands_on_her_portal_and_cannot_enter_another(
    page: Page, live_server: object, demo_data: demo.PartnersDemo
) -> None:
    base = str(live_server)
    sign_in(page, base, "alice@northwind.example")
    expect(page).to_have_url(f"{base}/p/enterprise/")
    expect(page.get_by_test_id("organisation-name")).to_have_text("Northwind Resellers")

    page.goto(f"{base}/p/smb/")
    expect(page).to_have_url(f"{base}/p/enterprise/")
    expect(page.get_by_test_id("organisation-name")).to_have_text("Northwind Resellers")

    page.goto(f"{base}/p/public-sector/")
    expect(page.get_by_role("heading", name="There is nothing here")).to_be_visible()
    expect(page.get_by_role("link", name="Go to your home page")).to_be_visible()


def test_anonymous_visitor_signs_in_and_comes_back(
    page: Page, live_server: object, demo_data: demo.PartnersDemo
) -> None:
    base = str(live_server)
    sign_in(page, base, "bob@contoso.example", next_path="/p/smb/")
    expect(page).to_have_url(f"{base}/p/smb/")
    expect(page.get_by_test_id("organisation-name")).to_have_text("Contoso Partners")


def test_carol_ends_on_account_page(
    page: Page, live_server: object, demo_data: demo.PartnersDemo
) -> None:
    base = str(live_server)
    sign_in(page, base, "carol@customer.example")
    expect(page).to_have_url(f"{base}/account/")
    expect(page.get_by_test_id("account-heading")).to_have_text("Your account")

    page.goto(f"{base}/p/enterprise/")
    expect(page).to_have_url(f"{base}/account/")


def test_sign_out(page: Page, live_server: object, demo_data: demo.PartnersDemo) -> None:
    base = str(live_server)
    sign_in(page, base, "sam@northwind.example")
    expect(page).to_have_url(f"{base}/p/enterprise/")
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{base}/p/enterprise/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/p/enterprise/"))
