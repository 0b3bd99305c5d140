"""The checkout's rules have one home (``orders.rules``): the form, its widgets, the summary
view and ``order_place`` give the same answer at each rule's edge."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from offers.models import Offer
from orders.forms import CheckoutForm
from orders.models import Order, ScheduleKind
from orders.rules import MAX_QUANTITY, MIN_QUANTITY, earliest_start_date, order_summary
from orders.services import order_place
from tests import factories
from tests.world import World

pytestmark = pytest.mark.django_db

SUMMARY_URL = "/p/alpha/checkout/partner-checkout/summary/?offer=gold"


@pytest.fixture
def offer(world: World) -> Offer:
    return factories.OfferFactory.create(
        code="gold", price=Decimal("12.50"), eligible=[world.a1.organisation]
    )


@pytest.fixture
def client_a1_member(world: World) -> Client:
    client = Client()
    client.force_login(world.a1.member)
    return client


def form_for(world: World, **fields: Any) -> CheckoutForm:
    data = {
        "customer_mode": "new",
        **asdict(factories.new_customer_data(1)),
        "quantity": "1",
        "start_date": earliest_start_date().isoformat(),
        "accept_terms": "on",
        "idempotency_key": str(uuid.uuid4()),
        **fields,
    }
    return CheckoutForm(
        data,
        partner=world.a1.organisation,
        earliest_start=earliest_start_date(),
        customer_choices=[],
    )


def place(
    world: World, offer: Offer, *, quantity: int = 1, start_date: date | None = None
) -> Order:
    return order_place(
        partner=world.a1.organisation,
        actor=world.a1.member,
        offer=offer,
        quantity=quantity,
        start_date=start_date or earliest_start_date(),
        idempotency_key=uuid.uuid4(),
        customer_data=factories.new_customer_data(1),
    )


@pytest.mark.parametrize("quantity", [MIN_QUANTITY - 1, MAX_QUANTITY + 1])
def test_a_quantity_out_of_bounds_is_refused_by_the_form_and_the_service(
    world: World, offer: Offer, quantity: int
) -> None:
    assert "quantity" in form_for(world, quantity=str(quantity)).errors
    with pytest.raises(ValidationError, match="quantity"):
        place(world, offer, quantity=quantity)
    assert not Order.objects.exists()


@pytest.mark.parametrize("quantity", [MIN_QUANTITY, MAX_QUANTITY])
def test_a_quantity_at_the_bounds_is_accepted_by_the_form_and_the_service(
    world: World, offer: Offer, quantity: int
) -> None:
    assert form_for(world, quantity=str(quantity)).is_valid()
    assert place(world, offer, quantity=quantity).quantity == quantity


def test_the_quantity_input_offers_exactly_the_bounds(world: World) -> None:
    html = str(form_for(world)["quantity"])
    assert f'min="{MIN_QUANTITY}"' in html
    assert f'max="{MAX_QUANTITY}"' in html


def test_the_summary_prices_at_most_the_limit(client_a1_member: Client, offer: Offer) -> None:
    response = client_a1_member.get(f"{SUMMARY_URL}&quantity={MAX_QUANTITY + 1}")
    assert response.context["summary"] == order_summary(offer=offer, quantity=MAX_QUANTITY)


def test_a_past_start_date_is_refused_by_the_form_and_the_service(
    world: World, offer: Offer
) -> None:
    yesterday = earliest_start_date() - timedelta(days=1)
    assert form_for(world, start_date=yesterday.isoformat()).errors["start_date"] == [
        "The start date must be today or later."
    ]
    with pytest.raises(ValidationError, match=r"The start date cannot be in the past\."):
        place(world, offer, start_date=yesterday)


def test_the_earliest_start_date_is_accepted_and_is_the_pickers_minimum(
    world: World, offer: Offer
) -> None:
    earliest = earliest_start_date()
    form = form_for(world, start_date=earliest.isoformat())
    assert form.is_valid()
    assert f'min="{earliest.isoformat()}"' in str(form["start_date"])
    assert (
        factories.subscription_of(place(world, offer, start_date=earliest)).start_date == earliest
    )


def test_the_summary_shown_is_what_the_order_bills(
    client_a1_member: Client, world: World, offer: Offer
) -> None:
    shown = client_a1_member.get(f"{SUMMARY_URL}&quantity=3").context["summary"]
    assert shown.total == Decimal("37.50")
    order = place(world, offer, quantity=3)
    assert order.unit_price == shown.unit_price
    assert order.total_per_period == shown.total
    amounts = {
        s.amount
        for s in factories.subscription_of(order).schedules.filter(kind=ScheduleKind.BILLING)
    }
    assert amounts == {shown.total}
