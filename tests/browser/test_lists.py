"""The lists in Chromium, with and without script: a header click sorts the table and says so
(aria-sort); without script the filter form's Apply button submits, and the address that comes
back carries only the filters that are set; amounts and dates are written as the browser's
language writes them (Chromium asks for en-US)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import Browser, Page, expect

from partners.models import InvoiceOwner
from tests.browser.test_portal_routing import sign_in
from tests.browser.test_selfservice import demo  # noqa: F401  # the fixture, shared
from tests.selfservice.test_invoices import make_invoice
from tests.world import Tenant

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_invoices_sort_by_header_and_filter_without_script(
    page: Page,
    browser: Browser,
    live_server: object,
    demo: tuple,  # noqa: F811  # the shared fixture imported above
) -> None:
    partners, _catalogue = demo
    northwind = Tenant(
        organisation=partners.northwind,
        member=partners.users["alice"],
        supervisor=partners.users["sam"],
    )
    for number, amount, balance, day in (
        ("INV-PAID", "100.00", "0.00", date(2026, 1, 5)),
        ("INV-LARGE", "1900.00", "1900.00", date(2026, 3, 4)),
    ):
        make_invoice(
            northwind,
            number,
            amount=amount,
            balance=balance,
            invoiced=day,
            due=day,
            owner=InvoiceOwner.PARTNER,
        )
    base = str(live_server)
    sign_in(page, base, "alice@northwind.example")
    page.goto(f"{base}/p/enterprise/invoices/")
    rows = page.get_by_test_id("invoice-row")
    expect(rows).to_have_count(2)
    # As the browser's language (en-US) writes them.
    large = rows.filter(has_text="INV-LARGE")
    expect(large).to_contain_text("Mar 4, 2026")
    expect(large).to_contain_text("€1,900.00")

    header = page.get_by_role("columnheader", name="Amount")
    header.get_by_role("link").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    expect(rows.first).to_contain_text("INV-PAID")
    header.get_by_role("link").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    expect(rows.first).to_contain_text("INV-LARGE")

    # Without script: the form shows its Apply button and submits every field; the address
    # that comes back carries the set one only.
    context = browser.new_context(
        java_script_enabled=False, storage_state=page.context.storage_state()
    )
    plain = context.new_page()
    plain.goto(f"{base}/p/enterprise/invoices/")
    plain.get_by_label("Balance").select_option(label="Unpaid")
    plain.get_by_role("button", name="Apply").click()
    expect(plain).to_have_url(re.compile(r"/p/enterprise/invoices/\?state=unpaid$"))
    expect(plain.get_by_test_id("invoice-row")).to_have_count(1)
    context.close()
