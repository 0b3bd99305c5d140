"""Opportunity registration end to end in a real browser (issue #5): alice registers a deal
with a new company, a new contact and a file; the agent qualifies it with a comment; alice
finds it under My opportunities with the agent's comment. And (issue #13) the files chosen
survive a validation error, "Existing contact" offers only the chosen company's contacts, the
agent hears of a registration and decides deliberately."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from partners import demo
from registrations import demo as registrations_demo
from registrations.models import Attachment, Company, Opportunity, OpportunityRegistration
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
    page.wait_for_load_state()  # registration-form.js and htmx have run

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
    # Nothing typed is lost, nor the file (kept on the server, issue #13: not chosen again).
    expect(page.get_by_label("Company name")).to_have_value("Adatum Corporation")
    expect(page.get_by_label("Company name")).to_be_visible()
    expect(page.get_by_test_id("kept-upload")).to_contain_text("quote.pdf")
    page.get_by_label("Company TIN").fill("123456789")
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
    agent.get_by_label("Message to the partner").fill("Qualified: let's prepare the proposal.")
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


# --- issue #13 ------------------------------------------------------------------------------
NEW = "/p/enterprise/registrations/new/"


@pytest.fixture
def companies(demo_data: demo.PartnersDemo) -> demo.PartnersDemo:
    """Two CRM companies Northwind may name, with a contact each."""
    registrations_demo.demo_company(registrations_demo.ALPINE, demo_data.northwind)
    registrations_demo.demo_company(registrations_demo.TAILSPIN, demo_data.northwind)
    return demo_data


def test_files_stay_attached_across_a_validation_error(
    page: Page, live_server: object, companies: demo.PartnersDemo, tmp_path: Path
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


def test_files_too_big_for_one_submission_are_stopped_before_anything_is_sent(
    page: Page, live_server: object, companies: demo.PartnersDemo, settings: Any, tmp_path: Path
) -> None:
    # The server would answer such a body with 413 (core.body_limit) and what was typed would
    # be gone: the form's script stops the submit and says why, and nothing is lost.
    settings.REQUEST_BODY_MAX_SIZE = 300 * 1024
    base = str(live_server)
    big = tmp_path / "deck.pdf"
    big.write_bytes(b"%PDF-1.4 " + b"x" * 200 * 1024)
    sign_in(page, base, "alice@northwind.example", NEW)
    form_url = page.url
    page.get_by_role("textbox", name="Name", exact=True).fill("Fabrikam rollout")
    page.get_by_label("Attachments").set_input_files(big)
    page.get_by_role("button", name="Save").click()

    error = page.get_by_test_id("too-large-attachments")
    expect(error).to_contain_text("one submission carries at most")
    expect(page.get_by_label("Attachments")).to_have_attribute("aria-invalid", "true")
    assert page.url == form_url
    expect(page.get_by_role("textbox", name="Name", exact=True)).to_have_value("Fabrikam rollout")
    assert not OpportunityRegistration.objects.exists()

    # Fewer files: the message goes and the form is sent (and answered by the form itself).
    page.get_by_label("Attachments").set_input_files([])
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("form-errors")).to_be_visible()
    expect(page.get_by_test_id("too-large-attachments")).to_have_count(0)


def test_existing_contact_follows_the_chosen_company(
    page: Page, live_server: object, companies: demo.PartnersDemo
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


def test_the_agent_sees_the_partners_move_and_decides_deliberately(
    page: Page, browser: Browser, live_server: object, companies: demo.PartnersDemo
) -> None:
    """alice registers; the agent's queue marks it and the agent is emailed; the comment
    form makes them choose who reads it; rejecting asks for confirmation."""
    base = str(live_server)
    sign_in(page, base, "alice@northwind.example", NEW)
    page.get_by_label("Existing company").select_option(
        label="Alpine Ski House (alpineskihouse.example)"
    )
    page.get_by_label("Existing contact").select_option(
        label="Fiona Fisher (fiona@alpineskihouse.example)"
    )
    page.get_by_role("textbox", name="Name", exact=True).fill("Alpine chalets")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/p/enterprise/registrations/[0-9a-f-]{36}/$"))
    agent = companies.users["agent"]
    assert [m.to for m in mail.outbox] == [[agent.email]]

    staff = staff_context(browser, base, agent).new_page()
    staff.goto(f"{base}/backoffice/")
    row = staff.get_by_test_id("queue-row").filter(has_text="Alpine chalets")
    expect(row.get_by_test_id("partner-update")).to_have_text("New")
    row.get_by_role("link", name="Alpine chalets").click()
    expect(staff.get_by_test_id("registration-name")).to_have_text("Alpine chalets")

    # No audience chosen: refused, the text kept.
    expect(staff.get_by_label("Work note (vendor only)")).not_to_be_checked()
    expect(staff.get_by_label("Comment to the partner")).not_to_be_checked()
    staff.get_by_label("Comment or work note").fill("Their budget looks thin.")
    staff.get_by_role("button", name="Add").click()
    expect(staff.get_by_test_id("error-kind")).to_have_text(
        "Choose who sees it: a work note (vendor only) or a comment to the partner."
    )
    expect(staff.get_by_label("Comment or work note")).to_have_value("Their budget looks thin.")
    staff.get_by_label("Work note (vendor only)").check()
    staff.get_by_role("button", name="Add").click()
    expect(staff.get_by_text("Their budget looks thin.")).to_be_visible()

    # Opened: the queue's marker is gone.
    staff.goto(f"{base}/backoffice/")
    expect(
        staff.get_by_test_id("queue-row")
        .filter(has_text="Alpine chalets")
        .get_by_test_id("partner-update")
    ).to_have_count(0)
    staff.get_by_role("link", name="Alpine chalets").click()
    staff.get_by_role("button", name="Start review").click()

    staff.get_by_label("Reason for rejecting (the partner sees it)").fill("Not our segment.")
    staff.get_by_role("button", name="Reject").click()
    expect(staff.get_by_test_id("error-confirm")).to_have_text(
        "Tick the box to confirm: rejecting cannot be undone."
    )
    expect(staff.get_by_label("Reason for rejecting (the partner sees it)")).to_have_value(
        "Not our segment."
    )
    staff.get_by_label("I understand that rejecting is final").check()
    staff.get_by_role("button", name="Reject").click()
    expect(staff.get_by_test_id("state").first).to_have_text("Rejected")
    registration = OpportunityRegistration.objects.get()
    assert registration.state == "rejected"
