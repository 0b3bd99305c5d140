"""A partner that owns its invoices can order only in its Zuora account's currency: the checkout
says so before the form is filled in, and a submit is refused with the same words."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from offers.models import Offer
from orders.models import Order
from partners.models import InvoiceOwner
from tests import factories
from tests.world import World

pytestmark = pytest.mark.django_db

URL = "/p/alpha/checkout/partner-checkout/?offer=usd-gold"
PROBLEM = "This offer is priced in USD, but your organisation is invoiced in EUR."


@pytest.fixture
def usd_offer(world: World) -> Offer:
    # The factory's organisations are invoiced in EUR and own their invoices.
    return factories.OfferFactory.create(
        code="usd-gold", currency="USD", price=Decimal("20.00"), eligible=[world.a1.organisation]
    )


@pytest.fixture
def client_a1(world: World) -> Client:
    client = Client()
    client.force_login(world.a1.member)
    return client


def order_post() -> dict[str, str]:
    return {
        "customer_mode": "new",
        "company_name": "Fourth Coffee",
        "first_name": "Fay",
        "last_name": "Fourth",
        "email": "fay@fourthcoffee.test",
        "phone": "+44 20 7946 0958",
        "address_line1": "4 Bean Street",
        "city": "Leeds",
        "postal_code": "LS1 1AA",
        "country": "GB",
        "quantity": "1",
        "start_date": timezone.localdate().isoformat(),
        "po_number": "",
        "accept_terms": "on",
        "idempotency_key": str(uuid.uuid4()),
    }


def submit_button(text: str) -> str:
    match = re.search(r'<button [^>]*data-testid="place-order"[^>]*>', text)
    assert match
    return match.group(0)


def test_the_page_says_why_and_the_button_is_disabled(client_a1: Client, usd_offer: Offer) -> None:
    response = client_a1.get(URL)
    assert response.status_code == 200
    alert = re.search(r'<div [^>]*role="alert"[^>]*data-testid="currency-problem">(.*?)</div>',
                      response.text, re.S)  # fmt: skip
    assert alert
    assert PROBLEM in alert.group(1)
    assert " disabled" in submit_button(response.text)
    # Near the top: before the form.
    assert response.text.index('data-testid="currency-problem"') < response.text.index(
        'data-testid="checkout-form"'
    )


def test_a_submit_is_refused_with_the_same_words_shown_once(
    client_a1: Client, usd_offer: Offer
) -> None:
    response = client_a1.post(URL, order_post())
    assert response.status_code == 200
    assert Order.objects.count() == 0
    assert PROBLEM in " ".join(response.context["form"].non_field_errors())
    assert 'data-testid="form-errors"' in response.text
    assert response.text.count(PROBLEM) == 1  # the form's error, not the alert as well
    assert " disabled" in submit_button(response.text)


def test_an_offer_in_the_partners_currency_can_be_ordered(client_a1: Client, world: World) -> None:
    factories.OfferFactory.create(code="eur-gold", currency="EUR", eligible=[world.a1.organisation])
    response = client_a1.get("/p/alpha/checkout/partner-checkout/?offer=eur-gold")
    assert 'data-testid="currency-problem"' not in response.text
    assert " disabled" not in submit_button(response.text)


def test_end_customer_invoicing_takes_any_currency(
    client_a1: Client, world: World, usd_offer: Offer
) -> None:
    organisation = world.a1.organisation
    organisation.invoice_owner = InvoiceOwner.END_CUSTOMER
    organisation.save()
    response = client_a1.get(URL)
    assert 'data-testid="currency-problem"' not in response.text
    assert " disabled" not in submit_button(response.text)
    assert client_a1.post(URL, order_post()).status_code == 302
    assert Order.objects.count() == 1
