"""The Partner Customers Table and the customer page: the whole organisation's customers for
members and supervisors alike, search, every sort both ways, keyset pages with a Last link, the
streamed CSV, the empty state, the customer's record, and constant query counts."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from core.paging import PAGE_SIZE
from orders.models import Customer, Invoice
from partners.models import InvoiceOwner
from tests import factories
from tests.registrations.conftest import streamed
from tests.world import Tenant, World

pytestmark = pytest.mark.django_db

LIST = "/p/alpha/customers/"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def names(response: Any) -> list[str]:
    return [customer.company_name for customer in response.context["page"]]


def customer(tenant: Tenant, name: str, **fields: Any) -> Customer:
    fields.setdefault("created_by", tenant.member)
    return factories.CustomerFactory.create(
        organisation=tenant.organisation, company_name=name, **fields
    )


@pytest.fixture
def three(world: World) -> dict[str, Customer]:
    now = timezone.now()
    made = {
        "acme": customer(
            world.a1,
            "Acme",
            first_name="Zoe",
            last_name="Young",
            email="zoe@acme.test",
            active_subscriptions=2,
            unpaid_balance=Decimal("10.00"),
        ),
        "bravo": customer(
            world.a1,
            "Bravo",
            first_name="Amy",
            last_name="Adams",
            email="amy@bravo.test",
            active_subscriptions=0,
            unpaid_balance=Decimal("99.50"),
        ),
        "charlie": customer(
            world.a1,
            "Charlie",
            first_name="Max",
            last_name="Miller",
            email="max@charlie.test",
            active_subscriptions=5,
            unpaid_balance=Decimal("0.00"),
        ),
    }
    for offset, key in enumerate(("bravo", "charlie", "acme")):
        Customer.objects.filter(pk=made[key].pk).update(created_at=now - timedelta(days=offset))
    customer(world.a2, "Other tenant Ltd")  # same direction, another organisation
    customer(world.b1, "Other direction Ltd")
    return made


def test_members_and_supervisors_see_the_whole_organisations_customers(
    world: World, three: dict
) -> None:
    customer(world.a1, "Made by the supervisor", created_by=world.a1.supervisor)
    for user in (world.a1.member, world.a1.supervisor):
        response = client_for(user).get(LIST)
        assert response.status_code == 200
        assert names(response) == ["Acme", "Bravo", "Charlie", "Made by the supervisor"]
        assert "Other tenant" not in response.text


def test_rows_link_to_the_customer(world: World, three: dict) -> None:
    html = client_for(world.a1.member).get(LIST).text
    assert f'href="/p/alpha/customers/{three["acme"].public_id}/"' in html


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("bra", ["Bravo"]),  # company
        ("miller", ["Charlie"]),  # last name
        ("zoe", ["Acme"]),  # first name (and email)
        ("@charlie.test", ["Charlie"]),  # email
        ("other", []),  # other tenants' customers never match
        ("qwxz", []),
    ],
)
def test_search(world: World, three: dict, term: str, expected: list[str]) -> None:
    assert names(client_for(world.a1.member).get(LIST, {"q": term})) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("company", ["Acme", "Bravo", "Charlie"]),
        ("-company", ["Charlie", "Bravo", "Acme"]),
        ("contact", ["Bravo", "Charlie", "Acme"]),  # Adams, Miller, Young
        ("-contact", ["Acme", "Charlie", "Bravo"]),
        ("email", ["Bravo", "Charlie", "Acme"]),  # amy@, max@, zoe@
        ("-email", ["Acme", "Charlie", "Bravo"]),
        ("active", ["Bravo", "Acme", "Charlie"]),  # 0, 2, 5
        ("-active", ["Charlie", "Acme", "Bravo"]),
        ("unpaid", ["Charlie", "Acme", "Bravo"]),  # 0, 10, 99.50
        ("-unpaid", ["Bravo", "Acme", "Charlie"]),
        ("created", ["Acme", "Charlie", "Bravo"]),  # oldest first
        ("-created", ["Bravo", "Charlie", "Acme"]),
    ],
)
def test_every_column_sorts_both_ways(
    world: World, three: dict, sort: str, expected: list[str]
) -> None:
    assert names(client_for(world.a1.member).get(LIST, {"sort": sort})) == expected


def test_the_empty_state_says_there_are_no_customers(world: World) -> None:
    customer(world.a2, "Not ours")
    html = client_for(world.a1.member).get(LIST).text
    assert "There are no customers associated with your account." in html
    assert (
        "No customers match your search." in client_for(world.a1.member).get(LIST, {"q": "x"}).text
    )


def many(tenant: Tenant, n: int) -> list[Customer]:
    return Customer.objects.bulk_create(
        Customer(
            organisation=tenant.organisation,
            company_name=f"Company {i:04d}",
            first_name="Pat",
            last_name=f"Person{i:04d}",
            email=f"pat{i}@company{i}.test",
            phone="+44 20 7946 0000",
            address_line1="1 Road",
            city="Leeds",
            postal_code="LS1 1AA",
            country="GB",
            created_by=tenant.member,
        )
        for i in range(n)
    )


def test_keyset_pages_walk_forward_and_from_the_last_page(world: World) -> None:
    many(world.a1, 2 * PAGE_SIZE + 3)
    client = client_for(world.a1.member)
    first = client.get(LIST, {"sort": "-company"})
    assert names(first)[0] == "Company 0052"
    assert 'data-testid="page-last"' in first.text
    assert 'data-testid="page-previous"' not in first.text
    seen = names(first)
    page = first.context["page"]
    while page.has_next:
        response = client.get(LIST, {"sort": "-company", "after": page.next_cursor})
        page = response.context["page"]
        seen += names(response)
    assert seen == [f"Company {i:04d}" for i in reversed(range(2 * PAGE_SIZE + 3))]
    last = client.get(LIST, {"sort": "-company", "last": "1"})
    assert names(last) == [f"Company {i:04d}" for i in reversed(range(PAGE_SIZE))]
    assert 'data-testid="page-next"' not in last.text
    assert 'data-testid="page-first"' in last.text
    # The cursor in the URL is nothing to trust: a forged one is the first page.
    assert names(client.get(LIST, {"sort": "-company", "after": "%00forged"})) == names(first)


def test_csv_exports_every_filtered_row_with_formulas_defused(world: World, three: dict) -> None:
    customer(world.a1, "=HYPERLINK(evil)", email="evil@bravo-like.test")
    response = client_for(world.a1.member).get(LIST, {"q": "bra", "export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(streamed(response).decode())))
    assert rows[0][:6] == [
        "Account name",
        "Contact",
        "Email",
        "Active subscriptions",
        "Unpaid balance",
        "Created",
    ]
    assert sorted(row[0] for row in rows[1:]) == ["'=HYPERLINK(evil)", "Bravo"]
    assert "99.50" in rows[[row[0] for row in rows].index("Bravo")]


def test_htmx_gets_only_the_results(world: World, three: dict) -> None:
    response = client_for(world.a1.member).get(LIST, {"q": "acme"}, headers={"HX-Request": "true"})
    assert response.text.lstrip().startswith('<div id="results"')
    assert "<html" not in response.text


@pytest.mark.parametrize("n", [3, 30])
def test_list_query_count_is_constant(
    world: World, n: int, django_assert_max_num_queries: Any
) -> None:
    many(world.a1, n)
    client = client_for(world.a1.member)
    client.get("/p/alpha/")  # the idle-timeout timestamp is written at most once a minute
    # session, user, the session policy's membership, portal, membership, nav sections, rows
    with django_assert_max_num_queries(7):
        response = client.get(LIST, {"sort": "-unpaid"})
    assert response.text.count('data-testid="customer-row"') == min(n, PAGE_SIZE)


# --- the customer page ----------------------------------------------------------------------
def test_the_customer_page_shows_the_record(world: World) -> None:
    offer = factories.OfferFactory.create(eligible=[world.a1.organisation], currency="EUR")
    order = factories.place_order(
        organisation=world.a1.organisation, actor=world.a1.member, offer=offer
    )
    buyer = order.customer
    Invoice.objects.create(
        organisation=world.a1.organisation,
        zuora_id="8a80inv0000000000000000000000001",
        zuora_account_id="8a80acc0000000000000000000000001",
        owner=InvoiceOwner.END_CUSTOMER,
        number="INV-1",
        invoice_date=timezone.localdate(),
        due_date=timezone.localdate(),
        amount=Decimal("120.00"),
        balance=Decimal("20.00"),
        status="Posted",
        currency="EUR",
        customer=buyer,
        synced_at=timezone.now(),
    )
    response = client_for(world.a1.supervisor).get(f"{LIST}{buyer.public_id}/")
    assert response.status_code == 200
    html = response.text
    assert buyer.company_name in html
    assert buyer.email in html
    assert html.count('data-testid="subscription-row"') == 1
    assert html.count('data-testid="order-row"') == 1
    assert order.number in html
    assert html.count('data-testid="sync-badge"') == 3  # Zuora on the subscription; both targets
    assert html.count('data-testid="invoice-row"') == 1
    [totals] = response.context["record"].totals
    assert (totals.currency, totals.invoiced, totals.paid, totals.outstanding) == (
        "EUR",
        Decimal("120.00"),
        Decimal("100.00"),
        Decimal("20.00"),
    )
    assert f'href="/p/alpha/pricing/?customer={buyer.public_id}"' in html


@pytest.mark.parametrize("orders", [1, 6])
def test_the_customer_page_query_count_is_constant(
    world: World, orders: int, django_assert_max_num_queries: Any
) -> None:
    offer = factories.OfferFactory.create(eligible=[world.a1.organisation])
    first = factories.place_order(
        organisation=world.a1.organisation, actor=world.a1.member, offer=offer
    )
    for _ in range(orders - 1):
        factories.place_order(
            organisation=world.a1.organisation,
            actor=world.a1.member,
            offer=offer,
            customer=first.customer,
        )
    client = client_for(world.a1.member)
    client.get("/p/alpha/")
    # the portal's own 6, the customer, then the record's 7 (see orders.selectors.customer_record)
    # and the latest correction of the details (none here; with one, its rows are one more)
    with django_assert_max_num_queries(15):
        response = client.get(f"{LIST}{first.customer.public_id}/")
    assert response.text.count('data-testid="order-row"') == orders
    assert response.text.count('data-testid="subscription-row"') == orders


def test_new_order_for_this_customer_opens_the_checkout_with_the_customer_chosen(
    world: World,
) -> None:
    offer = factories.OfferFactory.create(eligible=[world.a1.organisation])
    page = factories.PricingPageFactory.create(portal=world.portal_a, label=offer.label)
    assert offer.checkout_page is not None
    checkout_url = f"/p/alpha/checkout/{offer.checkout_page.slug}/"
    buyer = factories.place_order(
        organisation=world.a1.organisation, actor=world.a1.member, offer=offer
    ).customer
    client = client_for(world.a1.member)
    index = client.get("/p/alpha/pricing/", {"customer": str(buyer.public_id)}).text
    assert f"/p/alpha/pricing/{page.slug}/?customer={buyer.public_id}" in index
    pricing = client.get(f"/p/alpha/pricing/{page.slug}/", {"customer": str(buyer.public_id)})
    assert f"&amp;customer={buyer.public_id}" in pricing.text
    checkout = client.get(
        checkout_url,
        {"offer": offer.code, "customer": str(buyer.public_id)},
    )
    assert checkout.context["form"].initial["existing_customer"] == str(buyer.public_id)
    assert f'<option value="{buyer.public_id}" selected' in checkout.text
    # Another organisation's customer is not chosen, nor is a malformed id echoed.
    theirs = factories.CustomerFactory.create(organisation=world.a2.organisation)
    other = client.get(
        checkout_url,
        {"offer": offer.code, "customer": str(theirs.public_id)},
    )
    assert str(theirs.public_id) not in other.text
    assert "not-a-uuid" not in client.get("/p/alpha/pricing/", {"customer": "not-a-uuid"}).text
