"""Issue 11's journeys in Chromium: alice filters the invoices table by unpaid, sorts it and
exports it; alice changes a subscription's quantity and sees it pending, then applied; carol
sees her subscriptions at /account/ and downloads an invoice PDF."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from integrations.fake_seed import fakes_seed
from integrations.fakes.server import Fakes
from integrations.models import OutboxMessage
from integrations.processing import outbox_process
from integrations.sending import outbox_retry_now
from offers import demo as offers_demo
from orders.models import Invoice
from partners import demo as partners_demo
from partners.models import InvoiceOwner
from tests.browser.test_portal_routing import sign_in
from tests.factories import new_customer_data, place_order, subscription_of
from tests.selfservice.test_invoices import make_invoice
from tests.world import Tenant

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(
    migration_data: None, fakes: Fakes
) -> tuple[partners_demo.PartnersDemo, offers_demo.OffersDemo]:
    partners = partners_demo.seed()
    catalogue = offers_demo.seed(partners)
    fakes_seed()
    return partners, catalogue


def test_alice_filters_sorts_and_exports_the_invoices(
    page: Page, live_server: object, demo: tuple
) -> None:
    partners, _catalogue = demo
    northwind = Tenant(
        organisation=partners.northwind,
        member=partners.users["alice"],
        supervisor=partners.users["sam"],
    )
    today = timezone.localdate()
    for number, amount, balance, days in (
        ("INV-PAID", "100.00", "0.00", 40),
        ("INV-SMALL", "20.00", "20.00", 10),
        ("INV-LARGE", "900.00", "900.00", 5),
    ):
        make_invoice(
            northwind,
            number,
            amount=amount,
            balance=balance,
            invoiced=today - timedelta(days=days),
            owner=InvoiceOwner.PARTNER,
        )
    base = str(live_server)
    sign_in(page, base, "alice@northwind.example")
    page.get_by_role("link", name="Invoices").first.click()
    expect(page.get_by_role("heading", name="Invoices")).to_be_visible()
    page.wait_for_load_state()  # htmx is listening before a filter changes
    rows = page.get_by_test_id("invoice-row")
    expect(rows).to_have_count(3)

    page.get_by_label("Balance").select_option(label="Unpaid")
    expect(rows).to_have_count(2)
    expect(page).to_have_url(re.compile(r"state=unpaid"))
    # Only the filters that are set travel in the address (no empty customer=, owner=, ...).
    expect(page).to_have_url(re.compile(r"\?state=unpaid$"))
    page.get_by_label("Sort").select_option(label="Amount (descending)")
    expect(rows.first).to_contain_text("INV-LARGE")
    expect(page).to_have_url(re.compile(r"sort=-amount"))
    expect(page.get_by_test_id("invoice-totals")).to_contain_text("920.00")

    with page.expect_download() as download:
        page.get_by_test_id("csv-export").click()
    path = download.value.path()
    lines = list(csv.reader(io.StringIO(Path(path).read_text(encoding="utf-8"))))
    assert [line[2] for line in lines[1:]] == ["INV-LARGE", "INV-SMALL"]

    # Back restores the unfiltered table (the URL carried the filters).
    page.go_back()
    page.go_back()
    expect(rows).to_have_count(3)


def test_carol_sees_her_subscriptions_and_downloads_an_invoice(
    page: Page, live_server: object, demo: tuple
) -> None:
    partners, catalogue = demo
    for organisation, actor in (
        (partners.contoso, partners.users["bob"]),
        (partners.northwind, partners.users["alice"]),
    ):
        place_order(
            organisation=organisation,
            actor=actor,
            offer=catalogue.offers["STD-MONTHLY"],
            customer_data=new_customer_data(7, email="carol@customer.example"),
        )
    # The pushes ran at commit (no broker: in process) and pulled Contoso's invoice to carol.
    invoice = Invoice.objects.get(owner=InvoiceOwner.END_CUSTOMER)
    base = str(live_server)
    sign_in(page, base, "carol@customer.example")
    expect(page).to_have_url(f"{base}/account/")
    expect(page.get_by_test_id("account-subscription")).to_have_count(2)
    expect(page.get_by_test_id("account-subscriptions")).to_contain_text("Contoso Partners")
    expect(page.get_by_test_id("account-subscriptions")).to_contain_text("Northwind Resellers")
    expect(page.get_by_test_id("account-invoice")).to_have_count(1)
    with page.expect_download() as download:
        page.get_by_test_id("account-invoice-pdf").click()
    assert download.value.suggested_filename == f"{invoice.number}.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")


def test_alice_changes_a_quantity_sees_it_pending_then_applied(
    page: Page, live_server: object, demo: tuple, fakes: Fakes
) -> None:
    partners, catalogue = demo
    order = place_order(
        organisation=partners.northwind,
        actor=partners.users["alice"],
        offer=catalogue.offers["STD-MONTHLY"],
        quantity=3,
        customer_data=new_customer_data(8, company_name="Quantity Co"),
    )
    subscription = subscription_of(order)  # pushed at commit: active in Zuora
    # Zuora is briefly unavailable: the change waits for it.
    fakes.faults("zuora", {"operation": "amend", "fault": "TEMPORARY_ERROR", "times": 1})
    base = str(live_server)
    sign_in(page, base, "alice@northwind.example")
    page.goto(f"{base}/p/enterprise/customers/")
    page.get_by_role("link", name="Quantity Co").click()
    page.get_by_role("link", name="Standard, monthly").click()
    expect(page.get_by_test_id("subscription-quantity")).to_have_text("3")
    page.get_by_test_id("change-link").click()
    page.get_by_label("Quantity").fill("5")
    page.get_by_label("Today").check()
    expect(page.get_by_test_id("preview-total")).to_contain_text("× 5")
    page.get_by_test_id("confirm-change").click()

    expect(page.get_by_test_id("blocking")).to_have_attribute("data-state", "pending")
    expect(page.get_by_test_id("subscription-quantity")).to_have_text("3")
    expect(page.get_by_test_id("change-link")).to_have_count(0)

    # Zuora is back: the worker's retry goes through (run here, as the beat would).
    message = OutboxMessage.objects.get(order__subscription=subscription, order__type="change")
    outbox_retry_now(message_ids=[message.pk])
    outbox_process(message_id=message.pk, worker="test")
    page.reload()
    expect(page.get_by_test_id("subscription-quantity")).to_have_text("5")
    expect(page.get_by_test_id("blocking")).to_have_count(0)
    expect(page.get_by_test_id("trail-row")).to_have_count(2)


def test_alice_corrects_a_customers_details_and_billing_and_the_crm_get_them(
    page: Page, live_server: object, demo: tuple, fakes: Fakes
) -> None:
    partners, catalogue = demo
    order = place_order(
        organisation=partners.northwind,
        actor=partners.users["alice"],
        offer=catalogue.offers["STD-MONTHLY"],
        customer_data=new_customer_data(9, company_name="Typo Ltd"),
    )
    base = str(live_server)
    sign_in(page, base, "alice@northwind.example")
    page.goto(f"{base}/p/enterprise/customers/{order.customer.public_id}/")
    page.get_by_test_id("edit-customer").click()
    page.get_by_label("Company name").fill("Tipo Ltd")
    page.get_by_label("City").fill("")
    page.get_by_role("button", name=re.compile("Save")).click()
    # A refused submit keeps what was typed.
    expect(page.get_by_label("Company name")).to_have_value("Tipo Ltd")
    page.get_by_label("City").fill("Bristol")
    page.get_by_role("button", name=re.compile("Save")).click()
    expect(page.get_by_test_id("customer-name")).to_have_text("Tipo Ltd")
    # The pushes ran at commit (in process): both systems have the correction.
    for target in ("zuora", "salesforce"):
        badge = page.locator(f'[data-testid="customer-update"] [data-target="{target}"]')
        expect(badge).to_have_attribute("data-state", "succeeded")
    account = [a for a in fakes.state("zuora")["accounts"] if a.get("Name") == "Tipo Ltd"]
    assert len(account) == 1
