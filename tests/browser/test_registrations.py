"""A partner user registers an opportunity in a real browser (issue #13): the files chosen
survive a validation error, and "Existing contact" offers only the chosen company's contacts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from partners import demo as partners_demo
from registrations import demo as registrations_demo
from registrations.models import OpportunityRegistration
from tests.browser.test_portal_routing import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

NEW = "/p/enterprise/registrations/new/"


@pytest.fixture
def companies(migration_data: None, settings: Any, tmp_path: Path) -> partners_demo.PartnersDemo:
    settings.MEDIA_ROOT = tmp_path / "media"
    demo = partners_demo.seed()
    registrations_demo.demo_company(registrations_demo.ALPINE, demo.northwind)
    registrations_demo.demo_company(registrations_demo.TAILSPIN, demo.northwind)
    return demo


def test_files_stay_attached_across_a_validation_error(
    page: Page, live_server: object, companies: partners_demo.PartnersDemo, tmp_path: Path
) -> None:
    base = str(live_server)
    quote = tmp_path / "quote.pdf"
    quote.write_bytes(b"%PDF-1.4 the quote")
    sign_in(page, base, "alice@northwind.example", NEW)
    expect(page.get_by_role("heading", name="Register an opportunity")).to_be_visible()

    # The name is forgotten; everything else, the file included, is filled in.
    page.get_by_label("New company").check()
    page.get_by_label("Company name").fill("Fabrikam Foods")
    page.get_by_label("Company website").fill("fabrikamfoods.example")
    page.get_by_label("Company TIN").fill("123456789")
    page.get_by_label("New contact").check()
    page.get_by_label("First name").fill("Frida")
    page.get_by_label("Last name").fill("Foster")
    page.get_by_label("Attachments").set_input_files(quote)
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_test_id("form-errors")).to_contain_text("Your files are kept")
    expect(page.get_by_test_id("kept-upload")).to_have_count(1)
    expect(page.get_by_test_id("kept-upload")).to_contain_text("quote.pdf")
    expect(page.get_by_label("Remove “quote.pdf”")).not_to_be_checked()
    expect(page.get_by_label("Company name")).to_have_value("Fabrikam Foods")

    page.get_by_role("textbox", name="Name", exact=True).fill("Fabrikam rollout")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(r"/p/enterprise/registrations/[0-9a-f-]{36}/$"))
    registration = OpportunityRegistration.objects.get()
    expect(page.get_by_role("link", name="quote.pdf")).to_be_visible()
    [attachment] = registration.attachments.all()
    assert attachment.file.read() == b"%PDF-1.4 the quote"


def test_existing_contact_follows_the_chosen_company(
    page: Page, live_server: object, companies: partners_demo.PartnersDemo
) -> None:
    base = str(live_server)
    sign_in(page, base, "alice@northwind.example", NEW)
    contact = page.get_by_label("Existing contact")
    expect(contact.locator("option")).to_have_text(["Choose the company first"])

    page.get_by_label("Existing company").select_option(
        label="Alpine Ski House (alpineskihouse.example)"
    )
    expect(contact.locator("option")).to_have_text(
        ["Choose a contact", "Fiona Fisher (fiona@alpineskihouse.example)"]
    )
    contact.select_option(label="Fiona Fisher (fiona@alpineskihouse.example)")

    # Another company: its contacts replace the first one's, the choice made goes with them.
    page.get_by_label("Existing company").select_option(label="Tailspin Toys (tailspin.example)")
    expect(contact.locator("option")).to_have_text(
        ["Choose a contact", "Tom Taylor (tom@tailspin.example)"]
    )
    expect(contact).to_have_value("")
    contact.select_option(label="Tom Taylor (tom@tailspin.example)")
    page.get_by_role("textbox", name="Name", exact=True).fill("Tailspin toys for all")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(r"/p/enterprise/registrations/[0-9a-f-]{36}/$"))
    registration = OpportunityRegistration.objects.get()
    assert registration.contact is not None
    assert registration.contact.full_name == "Tom Taylor"
