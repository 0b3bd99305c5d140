"""/account/: an end customer sees the subscriptions and invoices of their own customer records
(at every partner, by verified email), never a partner-owned invoice, never another person's;
their invoice PDFs; and no partner page opens for them."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.test import Client, override_settings

from orders.models import Customer, Invoice
from partners.models import InvoiceOwner
from tests import factories
from tests.integrations.helpers import place, run_pushes, sellable_offer
from tests.selfservice.test_invoices import make_invoice
from tests.world import World

pytestmark = pytest.mark.django_db

ACCOUNT = "/account/"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def records(world: World) -> dict[str, Any]:
    """The world's end customer bought from a1 and from b1 (another direction); somebody else
    bought from a1 too."""
    email = world.customer.email
    made: dict[str, Any] = {}
    for n, key, tenant in ((901, "a1", world.a1), (902, "b1", world.b1)):
        offer = factories.OfferFactory.create(eligible=[tenant.organisation], name=f"Plan {key}")
        order = factories.place_order(
            organisation=tenant.organisation,
            actor=tenant.member,
            offer=offer,
            customer_data=factories.new_customer_data(
                n, email=email.upper() if key == "b1" else email
            ),
        )
        made[key] = order.customer
    someone = factories.place_order(
        organisation=world.a1.organisation,
        actor=world.a1.member,
        offer=factories.OfferFactory.create(eligible=[world.a1.organisation], name="Not hers"),
    ).customer
    made["own_a1"] = make_invoice(world.a1, "OWN-A1", balance="10.00", customer=made["a1"])
    made["own_b1"] = make_invoice(world.b1, "OWN-B1", customer=made["b1"])
    made["partners"] = make_invoice(
        world.a1, "PARTNER-OWNED", owner=InvoiceOwner.PARTNER, customer=made["a1"]
    )
    made["someone"] = make_invoice(world.a1, "SOMEONE-ELSE", customer=someone)
    return made


def test_the_end_customer_sees_their_own_records_at_every_partner(
    world: World, records: dict
) -> None:
    response = client_for(world.customer).get(ACCOUNT)
    assert response.status_code == 200
    html = response.text
    assert html.count('data-testid="account-subscription"') == 2
    assert "Plan a1" in html
    assert "Plan b1" in html
    assert world.a1.organisation.name in html
    assert world.b1.organisation.name in html
    assert "Not hers" not in html
    assert html.count('data-testid="account-invoice"') == 2
    assert "OWN-A1" in html
    assert "OWN-B1" in html
    assert "PARTNER-OWNED" not in html  # the partner's invoice lists other customers
    assert "SOMEONE-ELSE" not in html


def test_an_unverified_address_names_no_records(world: World, records: dict) -> None:
    EmailAddress.objects.filter(user=world.customer).update(verified=False)
    html = client_for(world.customer).get(ACCOUNT).text
    assert 'data-testid="account-subscription"' not in html
    assert 'data-testid="account-invoice"' not in html


def test_only_their_own_invoice_pdfs_open(world: World, records: dict) -> None:
    client = client_for(world.customer)
    for key in ("partners", "someone"):
        invoice: Invoice = records[key]
        assert client.get(f"/account/invoices/{invoice.public_id}/pdf/").status_code == 404
    # Another person asking for hers: 404 as well.
    other = client_for(world.a2.member)
    assert other.get(f"/account/invoices/{records['own_a1'].public_id}/pdf/").status_code == 404


def test_no_partner_page_opens_for_an_end_customer(world: World, records: dict) -> None:
    client = client_for(world.customer)
    for url in ("/p/alpha/", "/p/alpha/customers/", "/p/alpha/invoices/", "/p/beta/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == ACCOUNT


def test_anonymous_visitors_sign_in_first() -> None:
    response = Client().get(ACCOUNT)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("extra", [0, 5])
def test_query_count_is_constant(
    world: World, records: dict, extra: int, django_assert_max_num_queries: Any
) -> None:
    buyer = Customer.objects.get(organisation=world.a1.organisation, email=world.customer.email)
    for n in range(extra):
        make_invoice(world.a1, f"MORE-{n}", customer=buyer)
    client = client_for(world.customer)
    client.get(ACCOUNT)
    # session, user, the membership check, verified emails, subscriptions, invoices
    with django_assert_max_num_queries(8):
        response = client.get(ACCOUNT)
    assert response.text.count('data-testid="account-invoice"') == 2 + extra


def test_the_end_customer_downloads_their_invoice_pdf(world: World, fakes: Any) -> None:
    """Through the real client against the fake Zuora: the partner bills end customers."""
    org = world.a1.organisation
    org.invoice_owner = InvoiceOwner.END_CUSTOMER
    org.save()
    offer = sellable_offer(org)
    order = place(world.a1, offer, n=903)
    Customer.objects.filter(pk=order.customer_id).update(email=world.customer.email)
    run_pushes(order)
    invoice = Invoice.objects.get(organisation=org)
    assert invoice.owner == InvoiceOwner.END_CUSTOMER
    client = client_for(world.customer)
    assert invoice.number in client.get(ACCOUNT).text
    with override_settings(ZUORA_PAGE_TIMEOUT=30):  # the fake's first PDF loads its library
        response = client.get(f"/account/invoices/{invoice.public_id}/pdf/")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
