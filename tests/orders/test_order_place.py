"""order_place: one transaction creates everything an order needs, all of it the partner's."""

from __future__ import annotations

import threading
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from integrations.fakes.server import Fakes
from integrations.models import OutboxMessage, OutboxState
from offers.models import BillingPeriod, Offer
from orders.models import Customer, Order, Schedule, ScheduleKind, Subscription, SubscriptionStatus
from orders.services import DuplicateCustomerError, order_place
from tests import factories
from tests.world import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer(world: World) -> Offer:
    return factories.OfferFactory.create(
        price=Decimal("30.00"), eligible=[world.a1.organisation, world.a2.organisation]
    )


def place(world: World, offer: Offer, **kwargs: Any) -> Order:
    defaults: dict[str, Any] = {
        "partner": world.a1.organisation,
        "actor": world.a1.member,
        "offer": offer,
        "quantity": 3,
        "start_date": timezone.localdate(),
        "idempotency_key": uuid.uuid4(),
        "customer_data": factories.new_customer_data(1),
        "po_number": " PO-1 ",
    }
    defaults.update(kwargs)
    return order_place(**defaults)


def test_new_customer_order_creates_every_record(world: World, offer: Offer) -> None:
    order = place(world, offer)
    assert order.number == f"ORD-{order.pk:06d}"
    assert (order.quantity, order.unit_price, order.currency, order.po_number) == (
        3,
        Decimal("30.00"),
        "EUR",
        "PO-1",
    )
    customer = order.customer
    assert customer.company_name == "Customer 1 Ltd"
    assert customer.created_by == world.a1.member
    subscription = Subscription.objects.get(orders=order)
    assert subscription.status == SubscriptionStatus.PENDING
    assert subscription.customer == customer
    assert {m.target: m.state for m in order.outbox_messages.all()} == {
        "zuora": OutboxState.PENDING,
        "salesforce": OutboxState.PENDING,
    }


def test_every_row_references_the_partner_organisation(world: World, offer: Offer) -> None:
    order = place(world, offer)
    a1 = world.a1.organisation
    assert order.organisation == a1
    assert order.customer.organisation == a1
    assert factories.subscription_of(order).organisation == a1
    assert {s.organisation_id for s in Schedule.objects.filter(subscription__orders=order)} == {
        a1.pk
    }
    assert {m.organisation_id for m in order.outbox_messages.all()} == {a1.pk}


def test_price_is_snapshotted(world: World, offer: Offer) -> None:
    order = place(world, offer)
    Offer.objects.filter(pk=offer.pk).update(price=Decimal("99.00"))
    order.refresh_from_db()
    assert order.unit_price == Decimal("30.00")


def test_existing_customer_is_reused(world: World, offer: Offer) -> None:
    first = place(world, offer)
    second = place(world, offer, customer=first.customer, customer_data=None)
    assert second.customer == first.customer
    assert Customer.objects.filter(organisation=world.a1.organisation).count() == 1


def test_monthly_offer_schedules(world: World) -> None:
    offer = factories.OfferFactory.create(
        billing_period=BillingPeriod.MONTH, term_months=12, eligible=[world.a1.organisation]
    )
    start = timezone.localdate() + timedelta(days=3)
    order = place(world, offer, start_date=start, quantity=2)
    schedules = list(factories.subscription_of(order).schedules.order_by("date"))
    billing = [s for s in schedules if s.kind == ScheduleKind.BILLING]
    assert len(billing) == 12
    assert billing[0].date == start
    assert {s.amount for s in billing} == {Decimal("50.00")}
    assert schedules[-1].kind == ScheduleKind.RENEWAL
    assert schedules[-1].date == factories.subscription_of(order).term_end_date
    assert factories.subscription_of(order).term_end_date.year == start.year + 1


def test_yearly_offer_schedules(world: World) -> None:
    offer = factories.OfferFactory.create(
        billing_period=BillingPeriod.YEAR,
        term_months=24,
        price=Decimal("100.00"),
        eligible=[world.a1.organisation],
    )
    start = date(timezone.localdate().year + 1, 2, 1)
    order = place(world, offer, start_date=start, quantity=1)
    rows = [
        (s.kind, s.date, s.amount)
        for s in factories.subscription_of(order).schedules.order_by("date")
    ]
    assert rows == [
        (ScheduleKind.BILLING, start, Decimal("100.00")),
        (ScheduleKind.BILLING, start.replace(year=start.year + 1), Decimal("100.00")),
        (ScheduleKind.RENEWAL, start.replace(year=start.year + 2), None),
    ]


def test_offer_without_auto_renew_ends(world: World) -> None:
    offer = factories.OfferFactory.create(auto_renew=False, eligible=[world.a1.organisation])
    order = place(world, offer)
    last = factories.subscription_of(order).schedules.order_by("-date").first()
    assert last is not None
    assert last.kind == ScheduleKind.END
    assert factories.subscription_of(order).auto_renew is False


def test_same_key_twice_makes_one_order(world: World, offer: Offer) -> None:
    key = uuid.uuid4()
    first = place(world, offer, idempotency_key=key)
    second = place(world, offer, idempotency_key=key)
    assert first.pk == second.pk
    assert Order.objects.count() == 1
    assert Customer.objects.count() == 1
    assert OutboxMessage.objects.count() == 2


def test_another_tenants_key_is_refused(world: World, offer: Offer) -> None:
    key = uuid.uuid4()
    place(world, offer, idempotency_key=key)
    with pytest.raises(ValidationError):
        place(
            world,
            offer,
            partner=world.a2.organisation,
            actor=world.a2.member,
            idempotency_key=key,
        )


def test_ineligible_offer_is_refused(world: World) -> None:
    offer = factories.OfferFactory.create(eligible=[world.a2.organisation])
    with pytest.raises(ValidationError, match="not available"):
        place(world, offer)
    assert Order.objects.count() == 0


def test_start_date_in_the_past_is_refused(world: World, offer: Offer) -> None:
    with pytest.raises(ValidationError, match="past"):
        place(world, offer, start_date=timezone.localdate() - timedelta(days=1))


def test_another_organisations_customer_is_refused(world: World, offer: Offer) -> None:
    theirs = place(world, offer, partner=world.a2.organisation, actor=world.a2.member)
    with pytest.raises(ValidationError, match="does not belong"):
        place(world, offer, customer=theirs.customer, customer_data=None)


def test_new_customer_with_a_known_email_is_refused(world: World, offer: Offer) -> None:
    place(world, offer)
    data = factories.new_customer_data(2, email="BUYER1@customer1.test")
    with pytest.raises(DuplicateCustomerError):
        place(world, offer, customer_data=data)
    assert Order.objects.count() == 1


def test_same_email_at_another_partner_is_a_different_customer(world: World, offer: Offer) -> None:
    place(world, offer)
    place(world, offer, partner=world.a2.organisation, actor=world.a2.member)
    assert Customer.objects.filter(email="buyer1@customer1.test").count() == 2


def test_invalid_customer_data_creates_nothing(world: World, offer: Offer) -> None:
    data = factories.new_customer_data(1, country="XX")  # not a country: full_clean fails
    with pytest.raises(ValidationError):
        place(world, offer, customer_data=data)
    assert (Customer.objects.count(), Order.objects.count(), Subscription.objects.count()) == (
        0,
        0,
        0,
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_of_one_form_make_one_order(
    world: World, offer: Offer, fakes: Fakes
) -> None:
    """Two requests with the same token at the same moment (a double click): one order.

    Both pass the look-up before either has committed; PostgreSQL's unique indexes make the
    second insert wait for the first and fail, and the loser returns the winner's order.
    """
    key = uuid.uuid4()
    barrier = threading.Barrier(2)
    results: list[int] = []
    failures: list[BaseException] = []

    def submit() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(place(world, offer, idempotency_key=key).pk)
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    assert len(results) == 2
    assert results[0] == results[1]
    assert Order.objects.count() == 1
    assert Customer.objects.count() == 1
    assert Subscription.objects.count() == 1
    assert OutboxMessage.objects.count() == 2
