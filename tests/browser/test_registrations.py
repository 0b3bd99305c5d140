"""Opportunity registration end to end in a real browser (issue #5): alice registers a deal
with a new company, a new contact and a file; the agent qualifies it with a comment; alice
finds it under My opportunities with the agent's comment."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from partners import demo
from registrations.models import Attachment, Company, Opportunity
from tests.browser.staff import staff_context
from tests.browser.test_portal_routing import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_data(migration_data: None, settings: Any, tmp_path: Path) -> demo.PartnersDemo:
    settings.MEDIA_ROOT = tmp_path / "media"
    return demo.seed()


def test_alice_registers_the_agent_qualifies_alice_sees_the_opportunity(
    page: Page, browser: Browser, live_server: Any, demo_data: demo.PartnersDemo, tmp_path: Path
) -> None:
    base = str(live_server)
    quote = tmp_path / "quote.pdf"
    quote.write_bytes(b"%PDF-1.4 the customer's quote")

    # --- alice registers --------------------------------------------------------------------
    sign_in(page, base, "alice@northwind.example")
    expect(page).to_have_url(f"{base}/p/enterprise/")
    page.get_by_test_id("portal-sections").get_by_role(
        "link", name="Opportunity registrations"
    ).click()
    page.get_by_role("link", name="Register an opportunity").click()
    expect(page.get_by_role("heading", name="Register an opportunity")).to_be_visible()

    # The conditional fields follow the checkboxes.
    company_name = page.get_by_label("Company name")
    expect(company_name).to_be_hidden()
    page.get_by_label("New company").check()
    expect(company_name).to_be_visible()
    expect(page.get_by_label("Existing company")).to_be_hidden()
    page.get_by_label("New contact").check()
    expect(page.get_by_label("Existing contact")).to_be_hidden()

    page.locator("#id_name").fill("Adatum data platform")
    company_name.fill("Adatum Corporation")
    page.get_by_label("Company website").fill("https://www.adatum.example/")
    page.get_by_label("Company TIN").fill("12345678")  # one digit short: an error first
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_label("Contact email").fill("ada@adatum.example")
    page.get_by_label("Contact phone number").fill("+44 20 7946 0958")
    page.get_by_label("Budget").fill("About 50,000 EUR a year")
    page.get_by_label("Additional comments").fill("The CIO wants a demo in March.")
    page.get_by_label("Attachments").set_input_files(str(quote))
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_test_id("error-company_tin")).to_have_text(
        "A TIN has exactly 9, 10 or 12 digits."
    )
    # Nothing typed is lost (the file must be chosen again: browsers do not keep it).
    expect(page.get_by_label("Company name")).to_have_value("Adatum Corporation")
    expect(page.get_by_label("Company name")).to_be_visible()
    page.get_by_label("Company TIN").fill("123456789")
    page.get_by_label("Attachments").set_input_files(str(quote))
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_test_id("registration-name")).to_have_text("Adatum data platform")
    expect(page.get_by_test_id("state")).to_have_text("Submitted")
    expect(page.get_by_test_id("attachments")).to_contain_text("quote.pdf")
    expect(page.get_by_test_id("activity-feed")).to_contain_text("The CIO wants a demo in March.")

    # --- the agent qualifies it -------------------------------------------------------------
    agent_context = staff_context(browser, base, demo_data.users["agent"])
    agent = agent_context.new_page()
    agent.goto(f"{base}/")
    expect(agent).to_have_url(f"{base}/backoffice/")
    agent.get_by_role("link", name="Adatum data platform").click()
    agent.get_by_role("button", name="Start review").click()
    expect(agent.get_by_test_id("state")).to_have_text("In review")
    with agent.expect_download() as download:
        agent.get_by_role("link", name="quote.pdf").click()
    assert Path(download.value.path()).read_bytes() == quote.read_bytes()
    agent.get_by_label("Comment to the partner").fill("Qualified: let's prepare the proposal.")
    agent.get_by_role("button", name="Qualify").click()
    expect(agent.get_by_test_id("state")).to_have_text("Qualified")
    agent_context.close()

    # --- alice sees the opportunity ---------------------------------------------------------
    page.goto(f"{base}/p/enterprise/opportunities/")
    expect(
        page.get_by_role("tab", name="My opportunities").or_(
            page.get_by_role("link", name="My opportunities")
        )
    ).to_be_visible()
    row = page.get_by_test_id("opportunity-row").filter(has_text="Adatum data platform")
    expect(row).to_contain_text("Adatum Corporation")
    row.get_by_role("link", name="Adatum data platform").click()
    expect(page).to_have_url(re.compile(r"/p/enterprise/opportunities/[0-9a-f-]{36}/$"))
    expect(page.get_by_test_id("activity-feed")).to_contain_text(
        "Qualified: let's prepare the proposal."
    )

    assert Company.objects.filter(tin="123456789").exists()
    assert Opportunity.objects.get().contact.full_name == "Ada Lovelace"
    assert Attachment.objects.get().original_name == "quote.pdf"
