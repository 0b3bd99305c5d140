"""The rest of the browser tests' journeys with the keyboard only (issue #13): signing in
through the organisation's OIDC provider, the outbox retry, the self-service pages (invoices, a
customer's details, a subscription's change and cancellation, /account/), the redirect to one's
own portal, a staff member's authenticator set-up and the registration form's kept files and
company contacts.

As in test_keyboard.py: focus moves with Tab (Shift+Tab), radios with the arrow keys, a closed
select picks the option typed, controls act on Enter or Space, text is typed; nothing is clicked
or filled, and every focus stop shows a visible focus ring (``tab_to`` checks each).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import Browser, Locator, Page, expect

from accounts.models import User
from integrations.fakes.server import Fakes
from orders.models import Invoice, Order, OrderType
from partners import demo as partners_demo
from partners.models import InvoiceOwner, PartnerMembership, PartnerRole
from registrations.models import OpportunityRegistration
from tests import factories
from tests.accounts.helpers import totp_code
from tests.browser.staff import staff_context
from tests.browser.test_keyboard import assert_focus_visible, keyboard_sign_in, tab_to, type_into
from tests.browser.test_outbox import sync_state
from tests.browser.test_registrations import (  # noqa: F401  # the fixtures, shared
    NEW,
    companies,
    demo_data,
)
from tests.browser.test_selfservice import demo  # noqa: F401  # the fixture, shared
from tests.browser.test_sso_oidc import (  # noqa: F401  # the fixtures, shared
    PASSWORD,
    Setting,
    fabrikam,
    fabrikam_idp,
    role_of,
)
from tests.browser.test_staff_first_sign_in import (
    TARGET,
    new_staff,  # noqa: F401  # the fixture, shared
)
from tests.factories import new_customer_data, place_order, subscription_of
from tests.integrations.helpers import zuora_records
from tests.selfservice.test_invoices import make_invoice
from tests.world import Tenant

pytestmark = pytest.mark.django_db(transaction=True)


def focused(page: Page, target: Locator) -> bool:
    return bool(target.evaluate("element => element === document.activeElement"))


def tab_into(page: Page, container: Locator, *, limit: int = 120) -> None:
    """Tab until the focus is inside ``container`` (a radio group takes one stop, its checked
    radio), checking the focus ring at every stop."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        assert_focus_visible(page)
        if container.evaluate("element => element.contains(document.activeElement)"):
            return
    pytest.fail(f"Tab never reached {container}")


def choose_radio(page: Page, group: Locator, label: str) -> None:
    """Tab into the radio group, then move with the arrow keys to the radio labelled ``label``
    (moving the focus in a group checks the radio it lands on)."""
    tab_into(page, group)
    target = group.get_by_label(label, exact=True)
    for _ in range(group.locator("input[type=radio]").count()):
        if focused(page, target):
            break
        page.keyboard.press("ArrowDown")
        assert_focus_visible(page)
    expect(target).to_be_focused()
    if not target.is_checked():
        page.keyboard.press("Space")
    expect(target).to_be_checked()


def choose_option(page: Page, select: Locator, text: str, value: str) -> None:
    """Tab to a closed select and type the start of an option's text (Chromium's type-ahead)."""
    tab_to(page, select)
    page.keyboard.type(text)
    expect(select).to_have_value(value)


def keyboard_sign_out(page: Page) -> None:
    tab_to(page, page.get_by_role("button", name="Sign out"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


# --- signing in through the organisation's provider (test_sso_oidc.py) ------------------------
def keyboard_sso_sign_in(page: Page, setting: Setting, typed: str, at_idp: str | None) -> None:
    page.goto(f"{setting.base}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    type_into(page, page.get_by_label("Email"), typed)
    tab_to(page, page.get_by_role("button", name="Continue"))
    page.keyboard.press("Enter")
    if at_idp is not None:
        # The provider's own page (the development provider here): keyboard-operable too.
        expect(page).to_have_url(re.compile(rf"^{re.escape(setting.idp.issuer[:-2])}/login/"))
        type_into(page, page.get_by_label("Username"), at_idp)
        type_into(page, page.get_by_label("Password"), PASSWORD)
        tab_to(page, page.get_by_role("button", name="Sign in"))
        page.keyboard.press("Enter")


def test_sign_in_through_the_organisations_provider_with_the_keyboard(
    page: Page,
    fabrikam: Setting,  # noqa: F811  # the shared fixture imported above
) -> None:
    keyboard_sso_sign_in(page, fabrikam, "dana@fabrikam.example", "dana@fabrikam.example")
    expect(page).to_have_url(f"{fabrikam.base}/p/enterprise/")
    expect(page.get_by_test_id("organisation-name")).to_have_text("Fabrikam Telecom")
    assert role_of("dana@fabrikam.example") == PartnerRole.SUPERVISOR

    # Out and in again: the provider still has her session, so the address is all she types.
    keyboard_sign_out(page)
    keyboard_sso_sign_in(page, fabrikam, "dana@fabrikam.example", None)
    expect(page).to_have_url(f"{fabrikam.base}/p/enterprise/")


def test_a_refused_provider_sign_in_is_explained_with_the_keyboard(
    page: Page,
    fabrikam: Setting,  # noqa: F811  # the shared fixture imported above
) -> None:
    # The provider signs in an address outside the organisation: the reason is on the page,
    # and the way back is a link.
    keyboard_sso_sign_in(page, fabrikam, "dana@fabrikam.example", "mallory@elsewhere.example")
    expect(page.get_by_test_id("sso-refused-message")).to_contain_text(
        "mallory@elsewhere.example is not an address of Fabrikam Telecom"
    )
    assert not PartnerMembership.objects.filter(user__email="mallory@elsewhere.example").exists()
    tab_to(page, page.get_by_role("link", name="Back to sign-in"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


# --- the outbox retry (test_outbox.py) -----------------------------------------------------------
def test_an_agent_retries_a_failed_push_with_the_keyboard(
    page: Page,
    browser: Browser,
    live_server: object,
    demo: tuple,  # noqa: F811  # the shared fixture imported above
    fakes: Fakes,
) -> None:
    partners, catalogue = demo
    base = str(live_server)
    fakes.faults("zuora", {"operation": "subscribe", "fault": "INVALID_VALUE", "times": 1})
    order = place_order(
        organisation=partners.northwind,
        actor=partners.users["alice"],
        offer=catalogue.offers["STD-MONTHLY"],
        customer_data=new_customer_data(11, company_name="Coho Winery"),
    )
    assert not zuora_records(fakes, "subscriptions")  # the push at commit failed

    context = staff_context(browser, base, partners.users["agent"])
    agent = context.new_page()
    try:
        agent.goto(f"{base}/backoffice/")
        tab_to(agent, agent.get_by_role("link", name="Outbox"))
        agent.keyboard.press("Enter")
        expect(agent).to_have_url(f"{base}/backoffice/outbox/")
        choose_option(agent, agent.get_by_label("State"), "Failed", "failed")
        row = agent.get_by_role("row").filter(has_text="Zuora")
        expect(row).to_have_count(1)
        tab_to(agent, row.get_by_role("link").first)
        agent.keyboard.press("Enter")
        expect(agent.get_by_text("INVALID_VALUE").first).to_be_visible()
        tab_to(agent, agent.get_by_test_id("retry-now"))
        agent.keyboard.press("Enter")
        expect(agent.get_by_text("1 row was re-queued.")).to_be_visible()
        expect(agent.get_by_test_id("retry-now")).to_have_count(0)
    finally:
        context.close()
    assert len(zuora_records(fakes, "subscriptions")) == 1

    # Alice's order page says so.
    keyboard_sign_in(
        page, base, "alice@northwind.example", f"/p/enterprise/orders/{order.public_id}/"
    )
    expect(sync_state(page, "zuora")).to_contain_text("Sent")


# --- self-service (test_selfservice.py) ----------------------------------------------------------
def test_invoices_filtered_sorted_and_exported_with_the_keyboard(
    page: Page,
    live_server: object,
    demo: tuple,  # noqa: F811  # the shared fixture imported above
) -> None:
    partners, _catalogue = demo
    northwind = Tenant(
        organisation=partners.northwind,
        member=partners.users["alice"],
        supervisor=partners.users["sam"],
    )
    for number, amount, balance in (
        ("INV-PAID", "100.00", "0.00"),
        ("INV-SMALL", "20.00", "20.00"),
        ("INV-LARGE", "900.00", "900.00"),
    ):
        make_invoice(northwind, number, amount=amount, balance=balance, owner=InvoiceOwner.PARTNER)
    base = str(live_server)
    keyboard_sign_in(page, base, "alice@northwind.example")
    expect(page).to_have_url(f"{base}/p/enterprise/")
    tab_to(page, page.get_by_role("link", name="Invoices").first)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Invoices")).to_be_visible()
    rows = page.get_by_test_id("invoice-row")
    expect(rows).to_have_count(3)

    choose_option(page, page.get_by_label("Balance"), "Unpaid", "unpaid")
    expect(rows).to_have_count(2)
    expect(page).to_have_url(re.compile(r"\?state=unpaid$"))
    choose_option(page, page.get_by_label("Sort"), "Amount (d", "-amount")
    expect(page).to_have_url(re.compile(r"sort=-amount"))
    expect(rows.first).to_contain_text("INV-LARGE")

    tab_to(page, page.get_by_test_id("csv-export"))
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "INV-LARGE" in text
    assert "INV-SMALL" in text
    assert "INV-PAID" not in text


def open_subscription(page: Page, base: str, company: str) -> None:
    keyboard_sign_in(page, base, "alice@northwind.example", "/p/enterprise/customers/")
    tab_to(page, page.get_by_role("link", name=company))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("link", name="Standard, monthly"))
    page.keyboard.press("Enter")


def test_a_subscription_changed_then_cancelled_with_the_keyboard(
    page: Page,
    live_server: object,
    demo: tuple,  # noqa: F811  # the shared fixture imported above
) -> None:
    partners, catalogue = demo
    order = place_order(
        organisation=partners.northwind,
        actor=partners.users["alice"],
        offer=catalogue.offers["STD-MONTHLY"],
        quantity=3,
        customer_data=new_customer_data(8, company_name="Quantity Co"),
    )
    subscription = subscription_of(order)
    base = str(live_server)
    open_subscription(page, base, "Quantity Co")
    expect(page.get_by_test_id("subscription-quantity")).to_have_text("3")

    tab_to(page, page.get_by_test_id("change-link"))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_label("Quantity"))
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type("5")
    choose_radio(page, page.locator("fieldset").filter(has_text="Takes effect"), "Today")
    expect(page.get_by_test_id("preview-total")).to_contain_text("× 5")
    tab_to(page, page.get_by_test_id("confirm-change"))
    page.keyboard.press("Enter")
    # The push ran at commit (no broker: in process): the change is applied.
    expect(page.get_by_test_id("subscription-quantity")).to_have_text("5")
    subscription.refresh_from_db()
    assert subscription.quantity == 5

    tab_to(page, page.get_by_test_id("cancel-link"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Cancel subscription")).to_be_visible()
    expect(page.get_by_label("At the end of the term")).to_be_checked()
    type_into(page, page.get_by_label("Reason"), "Closing the branch")
    tab_to(page, page.get_by_test_id("confirm-cancel"))
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("subscription-status")).to_contain_text("ends on")
    cancel = Order.objects.get(type=OrderType.CANCEL)
    assert cancel.cancel_reason == "Closing the branch"


def test_a_customers_details_corrected_with_the_keyboard(
    page: Page,
    live_server: object,
    demo: tuple,  # noqa: F811  # the shared fixture imported above
    fakes: Fakes,
) -> None:
    partners, catalogue = demo
    place_order(
        organisation=partners.northwind,
        actor=partners.users["alice"],
        offer=catalogue.offers["STD-MONTHLY"],
        customer_data=new_customer_data(9, company_name="Typo Ltd"),
    )
    base = str(live_server)
    keyboard_sign_in(page, base, "alice@northwind.example")
    tab_to(page, page.get_by_role("link", name="Customers").first)
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("link", name="Typo Ltd"))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_test_id("edit-customer"))
    page.keyboard.press("Enter")

    tab_to(page, page.get_by_label("Company name"))
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type("Tipo Ltd")
    tab_to(page, page.get_by_label("City"))
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.press("Delete")
    tab_to(page, page.get_by_test_id("save-details"))
    page.keyboard.press("Enter")
    # Refused (no city), what was typed kept; the city typed, saved.
    expect(page.get_by_test_id("error-city")).to_be_visible()
    expect(page.get_by_label("Company name")).to_have_value("Tipo Ltd")
    type_into(page, page.get_by_label("City"), "Bristol")
    tab_to(page, page.get_by_test_id("save-details"))
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("customer-name")).to_have_text("Tipo Ltd")
    account = [a for a in fakes.state("zuora")["accounts"] if a.get("Name") == "Tipo Ltd"]
    assert len(account) == 1


def test_an_end_customer_downloads_an_invoice_with_the_keyboard(
    page: Page,
    live_server: object,
    demo: tuple,  # noqa: F811  # the shared fixture imported above
) -> None:
    partners, catalogue = demo
    place_order(
        organisation=partners.contoso,
        actor=partners.users["bob"],
        offer=catalogue.offers["STD-MONTHLY"],
        customer_data=new_customer_data(7, email="carol@customer.example"),
    )
    invoice = Invoice.objects.get(owner=InvoiceOwner.END_CUSTOMER)
    base = str(live_server)
    keyboard_sign_in(page, base, "carol@customer.example")
    expect(page).to_have_url(f"{base}/account/")
    expect(page.get_by_test_id("account-subscription")).to_have_count(1)
    tab_to(page, page.get_by_test_id("account-invoice-pdf"))
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename == f"{invoice.number}.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")


# --- one's own portal (test_portal_routing.py) ---------------------------------------------------
def test_brought_to_ones_own_portal_and_told_why_with_the_keyboard(
    page: Page,
    live_server: object,
    demo: tuple,  # noqa: F811  # the shared fixture imported above
) -> None:
    base = str(live_server)
    keyboard_sign_in(page, base, "alice@northwind.example", "/p/smb/registrations/")
    expect(page).to_have_url(f"{base}/p/enterprise/registrations/")
    told = page.get_by_role("alert").filter(has_text="is the portal of another sales direction")
    expect(told).to_contain_text("so you were brought to the same page of your own portal")
    # The page works on from the keyboard as it would have.
    tab_to(page, page.get_by_role("link", name="Register an opportunity"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Register an opportunity")).to_be_visible()

    page.goto(f"{base}/p/public-sector/")
    expect(page.get_by_role("heading", name="There is nothing here")).to_be_visible()
    tab_to(page, page.get_by_role("link", name="Go to your home page"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base}/p/enterprise/")
    expect(page.get_by_test_id("organisation-name")).to_have_text("Northwind Resellers")


# --- a staff member's first sign-in (test_staff_first_sign_in.py) --------------------------------
def test_staff_set_up_the_authenticator_with_the_keyboard(
    page: Page,
    live_server: object,
    new_staff: User,  # noqa: F811  # the shared fixture imported above
) -> None:
    base = str(live_server)
    page.goto(f"{base}{TARGET}")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    type_into(page, page.get_by_label("Email"), new_staff.email)
    tab_to(page, page.get_by_role("button", name="Continue"))
    page.keyboard.press("Enter")
    type_into(page, page.get_by_label("Password"), factories.PASSWORD)
    tab_to(page, page.get_by_role("button", name="Sign In"))
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/\?next="))
    # The secret is shown as text to copy into the app; the app's code is typed back.
    secret = page.get_by_label("Authenticator secret").input_value()
    type_into(page, page.get_by_label("Authenticator code"), totp_code(secret))
    tab_to(page, page.get_by_role("button", name="Activate"))
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/\?next="))
    codes = Authenticator.objects.get(user=new_staff, type=Authenticator.Type.RECOVERY_CODES)
    shown = page.get_by_label("Unused codes").input_value().split()
    assert shown == codes.wrap().get_unused_codes()
    tab_to(page, page.get_by_role("link", name="Continue"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base}{TARGET}")
    assert Authenticator.objects.filter(user=new_staff, type=Authenticator.Type.TOTP).exists()


# --- the registration form (test_registrations.py) ---------------------------------------------
def test_a_kept_file_is_removed_or_kept_with_the_keyboard(
    page: Page,
    live_server: object,
    companies: partners_demo.PartnersDemo,  # noqa: F811  # the shared fixture imported above
    tmp_path: Path,
) -> None:
    base = str(live_server)
    quote = tmp_path / "quote.pdf"
    quote.write_bytes(b"%PDF-1.4 the quote")
    keyboard_sign_in(page, base, "alice@northwind.example", NEW)
    expect(page.get_by_role("heading", name="Register an opportunity")).to_be_visible()

    # The name is forgotten; a file is chosen (Space on the file box opens the chooser).
    tab_to(page, page.get_by_label("New company"))
    page.keyboard.press("Space")
    type_into(page, page.get_by_label("Company name"), "Fabrikam Foods")
    type_into(page, page.get_by_label("Company website"), "fabrikamfoods.example")
    type_into(page, page.get_by_label("Company TIN"), "123456789")
    tab_to(page, page.get_by_label("New contact"))
    page.keyboard.press("Space")
    type_into(page, page.get_by_label("First name"), "Frida")
    type_into(page, page.get_by_label("Last name"), "Foster")
    tab_to(page, page.get_by_label("Attachments"))
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(quote)
    tab_to(page, page.get_by_role("button", name="Save"))
    page.keyboard.press("Enter")

    expect(page.get_by_test_id("form-errors")).to_contain_text("Your files are kept")
    remove = page.get_by_label("Remove “quote.pdf”")
    tab_to(page, remove)
    page.keyboard.press("Space")
    expect(remove).to_be_checked()
    page.keyboard.press("Space")  # changed her mind: kept after all
    expect(remove).not_to_be_checked()
    name = page.get_by_role("textbox", name="Name", exact=True)
    tab_to(page, name, backwards=True)
    page.keyboard.type("Fabrikam rollout")
    tab_to(page, page.get_by_role("button", name="Save"))
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/p/enterprise/registrations/[0-9a-f-]{36}/$"))
    registration = OpportunityRegistration.objects.get()
    [attachment] = registration.attachments.all()
    assert attachment.file.read() == b"%PDF-1.4 the quote"


def test_existing_contact_follows_the_company_with_the_keyboard(
    page: Page,
    live_server: object,
    companies: partners_demo.PartnersDemo,  # noqa: F811  # the shared fixture imported above
) -> None:
    base = str(live_server)
    keyboard_sign_in(page, base, "alice@northwind.example", NEW)
    company = page.get_by_label("Existing company")
    contact = page.get_by_label("Existing contact")
    expect(contact.locator("option")).to_have_text(["Choose the company first"])

    type_into(page, page.get_by_role("textbox", name="Name", exact=True), "Tailspin toys for all")
    tab_to(page, company)
    page.keyboard.type("Alpine")
    expect(contact.locator("option")).to_have_text(
        ["Choose a contact", "Fiona Fisher (fiona@alpineskihouse.example)"]
    )
    tab_to(page, contact)
    page.keyboard.type("Fiona")
    expect(contact).not_to_have_value("")

    # Back to the company (Shift+Tab) and another one: the contacts follow, the choice goes.
    tab_to(page, company, backwards=True)
    page.keyboard.type("Tailspin")
    expect(contact.locator("option")).to_have_text(
        ["Choose a contact", "Tom Taylor (tom@tailspin.example)"]
    )
    expect(contact).to_have_value("")
    tab_to(page, contact)
    page.keyboard.press("ArrowDown")  # a closed select's arrow keys move its choice
    expect(contact).not_to_have_value("")
    tab_to(page, page.get_by_role("button", name="Save"))
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/p/enterprise/registrations/[0-9a-f-]{36}/$"))
    registration = OpportunityRegistration.objects.get()
    assert registration.contact is not None
    assert registration.contact.full_name == "Tom Taylor"
