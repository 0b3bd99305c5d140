"""The Partner Invoices Table: the organisation's invoices only, the balance, date, customer and
owner filters, every sort both ways, keyset pages, totals from the summary the sync keeps (or an
exact sum under the cap), the streamed CSV, the PDF (owner only; a clear page when Zuora is
down), and constant query counts."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal
from itertools import count
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client, override_settings
from django.utils import timezone

from integrations.zuora.invoices import invoice_upsert
from orders import selectors
from orders.aggregates import invoice_summaries_move, summary_share
from orders.models import Customer, Invoice, InvoiceItem, InvoiceSummary, PaymentState
from partners.models import InvoiceOwner
from tests import factories
from tests.integrations.helpers import place, run_pushes, sellable_offer
from tests.registrations.conftest import streamed
from tests.world import Tenant, World

pytestmark = pytest.mark.django_db

LIST = "/p/alpha/invoices/"
_ids = count(1)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def numbers(response: Any) -> list[str]:
    return [invoice.number for invoice in response.context["page"]]


def make_invoice(
    tenant: Tenant,
    number: str,
    *,
    amount: str = "100.00",
    balance: str = "0.00",
    invoiced: date | None = None,
    due: date | None = None,
    owner: str = InvoiceOwner.END_CUSTOMER,
    customer: Customer | None = None,
    currency: str = "EUR",
) -> Invoice:
    """An invoice as the sync writes it: the row and its share of the summary."""
    invoiced = invoiced or timezone.localdate()
    invoice = Invoice.objects.create(
        organisation=tenant.organisation,
        zuora_id=f"8a80inv{next(_ids):025d}",
        zuora_account_id="8a80acc0000000000000000000000001",
        owner=owner,
        number=number,
        invoice_date=invoiced,
        due_date=due or invoiced + timedelta(days=30),
        amount=Decimal(amount),
        balance=Decimal(balance),
        status="Posted",
        currency=currency,
        customer=customer,
        synced_at=timezone.now(),
    )
    invoice_summaries_move(old=None, new=summary_share(invoice))
    return invoice


@pytest.fixture
def book(world: World) -> dict[str, Any]:
    today = timezone.localdate()
    acme = factories.CustomerFactory.create(organisation=world.a1.organisation, company_name="Acme")
    bravo = factories.CustomerFactory.create(
        organisation=world.a1.organisation, company_name="Bravo"
    )
    made = {
        "paid": make_invoice(
            world.a1, "INV-1", amount="100.00", invoiced=today - timedelta(days=60), customer=acme
        ),
        "unpaid": make_invoice(
            world.a1,
            "INV-2",
            amount="50.00",
            balance="50.00",
            invoiced=today - timedelta(days=10),
            customer=acme,
        ),
        "overdue": make_invoice(
            world.a1,
            "INV-3",
            amount="80.00",
            balance="30.00",
            invoiced=today - timedelta(days=45),
            due=today - timedelta(days=15),
            customer=bravo,
        ),
        "partner": make_invoice(
            world.a1,
            "INV-4",
            amount="400.00",
            balance="400.00",
            invoiced=today - timedelta(days=1),
            owner=InvoiceOwner.PARTNER,
        ),
        "usd": make_invoice(
            world.a1, "INV-5", amount="70.00", invoiced=today - timedelta(days=5), currency="USD"
        ),
    }
    # The partner's combined invoice bills Bravo among others.
    InvoiceItem.objects.create(
        organisation=world.a1.organisation,
        invoice=made["partner"],
        zuora_id="8a80item000000000000000000000001",
        customer=bravo,
        amount=Decimal("40.00"),
    )
    make_invoice(world.a2, "THEIRS-1", balance="5.00")
    make_invoice(world.b1, "THEIRS-2", balance="5.00")
    return {**made, "acme": acme, "bravo": bravo}


def test_members_and_supervisors_see_the_organisations_invoices_only(
    world: World, book: dict
) -> None:
    for user in (world.a1.member, world.a1.supervisor):
        response = client_for(user).get(LIST)
        assert numbers(response) == ["INV-4", "INV-5", "INV-2", "INV-3", "INV-1"]  # newest first
        assert "THEIRS" not in response.text


def test_balances_are_marked_in_words(world: World, book: dict) -> None:
    html = client_for(world.a1.member).get(LIST).text
    assert html.count('data-balance="paid"') == 2
    assert html.count('data-balance="unpaid"') == 2
    assert html.count('data-balance="overdue"') == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"state": "paid"}, ["INV-5", "INV-1"]),
        ({"state": "unpaid"}, ["INV-4", "INV-2", "INV-3"]),
        ({"state": "overdue"}, ["INV-3"]),
        ({"owner": "partner"}, ["INV-4"]),
        ({"owner": "end_customer", "state": "unpaid"}, ["INV-2", "INV-3"]),
    ],
)
def test_filters(world: World, book: dict, query: dict, expected: list[str]) -> None:
    assert numbers(client_for(world.a1.member).get(LIST, query)) == expected


def test_date_range_and_customer_filters(world: World, book: dict) -> None:
    today = timezone.localdate()
    client = client_for(world.a1.member)
    recent = {"issued_after": (today - timedelta(days=12)).isoformat()}
    assert numbers(client.get(LIST, recent)) == ["INV-4", "INV-5", "INV-2"]
    window = {
        "issued_after": (today - timedelta(days=50)).isoformat(),
        "issued_before": (today - timedelta(days=8)).isoformat(),
    }
    assert numbers(client.get(LIST, window)) == ["INV-2", "INV-3"]
    acme = client.get(LIST, {"customer": str(book["acme"].public_id)})
    assert numbers(acme) == ["INV-2", "INV-1"]
    # Bravo's own invoice, and the partner's combined one with an item for Bravo.
    assert numbers(client.get(LIST, {"customer": str(book["bravo"].public_id)})) == [
        "INV-4",
        "INV-3",
    ]
    # The customer filter offers the customer asked for, never the whole customer base.
    options = acme.context["filter"].form.fields["customer"].queryset
    assert list(options) == [book["acme"]]
    # Another organisation's customer is no valid choice: nothing is listed, the form says so.
    theirs = factories.CustomerFactory.create(organisation=world.a2.organisation)
    refused = client.get(LIST, {"customer": str(theirs.public_id)})
    assert refused.context["filter"].errors
    assert "THEIRS" not in refused.text


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("date", ["INV-1", "INV-3", "INV-2", "INV-5", "INV-4"]),
        ("-date", ["INV-4", "INV-5", "INV-2", "INV-3", "INV-1"]),
        ("due", ["INV-1", "INV-3", "INV-2", "INV-5", "INV-4"]),
        ("-due", ["INV-4", "INV-5", "INV-2", "INV-3", "INV-1"]),
        ("number", ["INV-1", "INV-2", "INV-3", "INV-4", "INV-5"]),
        ("-number", ["INV-5", "INV-4", "INV-3", "INV-2", "INV-1"]),
        ("amount", ["INV-2", "INV-5", "INV-3", "INV-1", "INV-4"]),
        ("-amount", ["INV-4", "INV-1", "INV-3", "INV-5", "INV-2"]),
        ("balance", ["INV-1", "INV-5", "INV-3", "INV-2", "INV-4"]),
        ("-balance", ["INV-4", "INV-2", "INV-3", "INV-5", "INV-1"]),
    ],
)
def test_every_sort_both_ways(world: World, book: dict, sort: str, expected: list[str]) -> None:
    assert numbers(client_for(world.a1.member).get(LIST, {"sort": sort})) == expected


def totals(response: Any) -> dict[str, tuple[int, Decimal, Decimal]]:
    found = response.context["totals"].per_currency
    return {row.currency: (row.count, row.amount, row.balance) for row in found}


def test_totals_come_from_the_summary_when_it_can_answer(
    world: World, book: dict, django_assert_max_num_queries: Any
) -> None:
    client = client_for(world.a1.member)
    response = client.get(LIST)
    assert response.context["totals"].from_summary
    assert totals(response) == {
        "EUR": (4, Decimal("630.00"), Decimal("480.00")),
        "USD": (1, Decimal("70.00"), Decimal("0.00")),
    }
    unpaid = client.get(LIST, {"state": "unpaid", "owner": "end_customer"})
    assert unpaid.context["totals"].from_summary
    assert totals(unpaid) == {"EUR": (2, Decimal("130.00"), Decimal("80.00"))}
    # Overdue depends on today: the summary cannot say; the exact sum of a few rows can.
    overdue = client.get(LIST, {"state": "overdue"})
    assert not overdue.context["totals"].from_summary
    assert totals(overdue) == {"EUR": (1, Decimal("80.00"), Decimal("30.00"))}


def test_no_totals_past_the_cap(world: World, book: dict, monkeypatch: Any) -> None:
    monkeypatch.setattr(selectors, "TOTALS_CAP", 2)
    response = client_for(world.a1.member).get(LIST, {"state": "overdue", "sort": "amount"})
    assert response.context["totals"].per_currency is not None  # one row: under the cap
    response = client_for(world.a1.member).get(
        LIST, {"issued_after": "2000-01-01"}
    )  # five rows, and a filter the summary cannot answer
    assert response.context["totals"].per_currency is None
    assert 'data-testid="totals-unavailable"' in response.text


def test_the_sync_keeps_the_summary(world: World) -> None:
    org = world.a1.organisation
    record = {
        "Id": "8a80syncinv000000000000000000001",
        "AccountId": org.zuora_account_id,
        "InvoiceNumber": "INV-S1",
        "InvoiceDate": "2026-11-03",
        "DueDate": "2026-12-03",
        "Amount": "120.00",
        "Balance": "120.00",
        "Status": "Posted",
    }
    invoice_upsert(partner=org, record=record, items=[])
    invoice_upsert(partner=org, record=record, items=[])  # pulled again: nothing moves
    [row] = InvoiceSummary.objects.filter(organisation=org)
    assert (row.payment_state, row.count, row.amount, row.balance) == (
        PaymentState.UNPAID,
        1,
        Decimal("120.00"),
        Decimal("120.00"),
    )
    invoice_upsert(partner=org, record={**record, "Balance": "0"}, items=[])  # paid
    rows = {r.payment_state: r for r in InvoiceSummary.objects.filter(organisation=org)}
    assert (rows["unpaid"].count, rows["unpaid"].balance) == (0, Decimal("0.00"))
    assert (rows["paid"].count, rows["paid"].amount) == (1, Decimal("120.00"))


def test_csv_holds_the_filtered_rows(world: World, book: dict) -> None:
    response = client_for(world.a1.member).get(LIST, {"state": "unpaid", "export": "csv"})
    rows = list(csv.reader(io.StringIO(streamed(response).decode())))
    assert rows[0][:4] == ["Invoice date", "Due date", "Number", "Customer"]
    assert [row[2] for row in rows[1:]] == ["INV-4", "INV-2", "INV-3"]


def test_keyset_last_page(world: World) -> None:
    start = date(2026, 1, 1)
    for n in range(60):
        make_invoice(world.a1, f"N-{n:03d}", invoiced=start + timedelta(days=n))
    client = client_for(world.a1.member)
    last = client.get(LIST, {"last": "1"})  # newest first: the last page holds the oldest
    assert numbers(last)[-1] == "N-000"
    assert len(numbers(last)) == 25
    follow = client.get(LIST, {"after": client.get(LIST).context["page"].next_cursor})
    assert numbers(follow)[0] == "N-034"


@pytest.mark.parametrize("n", [2, 30])
def test_query_count_is_constant(world: World, n: int, django_assert_max_num_queries: Any) -> None:
    for i in range(n):
        make_invoice(world.a1, f"Q-{i}", balance="1.00")
    client = client_for(world.a1.member)
    client.get("/p/alpha/")
    # the portal's own 6, the rows (with their customers), the totals
    with django_assert_max_num_queries(8):
        response = client.get(LIST, {"sort": "-balance"})
    assert response.text.count('data-testid="invoice-row"') == min(n, 25)


# --- the PDF ----------------------------------------------------------------------------------
def test_another_organisations_pdf_is_not_found(world: World, book: dict) -> None:
    theirs = Invoice.objects.get(number="THEIRS-1")
    response = client_for(world.a1.supervisor).get(f"{LIST}{theirs.public_id}/pdf/")
    assert response.status_code == 404


@override_settings(ZUORA_ENDPOINT="http://127.0.0.1:9/apps/services/a/82.0", ZUORA_PAGE_TIMEOUT=2)
def test_zuora_down_gives_a_clear_page(world: World, book: dict) -> None:
    response = client_for(world.a1.member).get(f"{LIST}{book['unpaid'].public_id}/pdf/")
    assert response.status_code == 503
    assert 'data-testid="pdf-unavailable"' in response.text
    assert "INV-2" in response.text
    assert 'href="/p/alpha/invoices/"' in response.text


def test_the_owner_downloads_the_pdf_from_zuora(world: World, fakes: Any) -> None:
    """The real client against the fake Zuora: order, push, pulled invoice, its PDF."""
    offer = sellable_offer(world.a1.organisation)
    run_pushes(place(world.a1, offer))
    invoice = Invoice.objects.get(organisation=world.a1.organisation)
    with override_settings(ZUORA_PAGE_TIMEOUT=30):  # the fake's first PDF loads its library
        response = client_for(world.a1.member).get(f"{LIST}{invoice.public_id}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
    assert response.content.startswith(b"%PDF")
    # The same invoice is nobody else's: another organisation gets 404, not a PDF.
    assert (
        client_for(world.a2.supervisor)
        .get(f"/p/alpha/invoices/{invoice.public_id}/pdf/")
        .status_code
        == 404
    )


def test_the_table_writes_amounts_and_dates_as_the_reader_does_and_the_csv_keeps_iso(
    world: World, book: dict
) -> None:
    invoice = book["usd"]
    invoice.invoice_date = date(2026, 3, 4)
    invoice.amount = Decimal("1234.50")
    invoice.save()
    client = client_for(world.a1.member)
    british = client.get(LIST).text
    row = re.search(r'<tr data-testid="invoice-row">(?:(?!</tr>).)*INV-5.*?</tr>', british, re.S)
    assert row
    assert "4 Mar 2026" in row[0]
    assert "US$1,234.50" in row[0]
    american = client.get(LIST, headers={"accept-language": "en-US,en;q=0.8"}).text
    row = re.search(r'<tr data-testid="invoice-row">(?:(?!</tr>).)*INV-5.*?</tr>', american, re.S)
    assert row
    assert "Mar 4, 2026" in row[0]
    assert "$1,234.50" in row[0]
    exported = client.get(LIST, {"export": "csv"}, headers={"accept-language": "en-US"})
    lines = list(csv.reader(io.StringIO(streamed(exported).decode())))
    line = next(line for line in lines if line[2] == "INV-5")
    assert (line[0], line[4]) == ("2026-03-04", "1234.50")


@pytest.mark.parametrize("state", ["unpaid", "overdue"])
def test_unpaid_and_overdue_pages_walk_the_unpaid_index(world: World, state: str) -> None:
    """Overdue (due before today) is an index condition of the partial index of unpaid
    invoices, checked in the index rather than on each skipped row (bench: 125 ms to 1.7 ms for
    the first overdue page of a partner with 1M invoices)."""
    rows = selectors.invoice_list(
        partner=world.a1.organisation, filters={"state": state}, today=date(2026, 12, 3)
    ).rows[:26]
    sql, params = rows.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a test table is tiny
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "invoice_org_unpaid_date_due" in plan
    if state == "overdue":
        assert re.search(r"Index Cond: .*due_date < ", plan), plan
