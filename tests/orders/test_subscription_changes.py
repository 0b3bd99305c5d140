"""Changing and cancelling a subscription: the rules, and the order, schedules and outbox row
each creates. No network here: the pushes are in tests/integrations/test_amend*.py."""

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
from integrations.models import OutboxMessage, OutboxState, Target
from offers.models import BillingPeriod, Offer
from orders.models import Order, OrderType, ScheduleKind, Subscription, SubscriptionStatus
from orders.schedules import add_months
from orders.subscriptions import (
    CancelTiming,
    ChangeTiming,
    cancellation_refusal,
    change_effective_date,
    change_offers,
    order_apply,
    subscription_blocking_order,
    subscription_can_change,
    subscription_cancel,
    subscription_change,
    subscription_change_preview,
    subscription_changes_apply_due,
)
from tests import factories
from tests.world import Tenant, World

pytestmark = pytest.mark.django_db


@pytest.fixture
def offers(world: World) -> dict[str, Offer]:
    orgs = [world.a1.organisation, world.a2.organisation]
    return {
        "basic": factories.OfferFactory.create(
            name="Basic", price=Decimal("10.00"), display_order=1, eligible=orgs
        ),
        "plus": factories.OfferFactory.create(
            name="Plus", price=Decimal("25.00"), display_order=2, eligible=orgs
        ),
        "yearly": factories.OfferFactory.create(
            name="Plus yearly",
            price=Decimal("250.00"),
            billing_period=BillingPeriod.YEAR,
            display_order=3,
            eligible=orgs,
        ),
    }


def active(tenant: Tenant, offer: Offer, *, quantity: int = 3, **fields: Any) -> Subscription:
    """A subscription of ``offer`` placed through the service and confirmed by billing."""
    order = factories.place_order(
        organisation=tenant.organisation, actor=tenant.member, offer=offer, quantity=quantity
    )
    subscription = factories.subscription_of(order)
    Subscription.objects.filter(pk=subscription.pk).update(
        status=SubscriptionStatus.ACTIVE,
        zuora_account_id="a" * 32,
        zuora_subscription_id="b" * 32,
        zuora_subscription_number=f"PP-{order.number}",
        zuora_version=1,
        **fields,
    )
    subscription.refresh_from_db()
    return subscription


def change(tenant: Tenant, subscription: Subscription, offer: Offer, **kwargs: Any) -> Order:
    options: dict[str, Any] = {
        "partner": tenant.organisation,
        "actor": tenant.member,
        "subscription": subscription,
        "offer": offer,
        "quantity": subscription.quantity,
        "timing": ChangeTiming.NEXT_BILLING,
        "idempotency_key": uuid.uuid4(),
        **kwargs,
    }
    return subscription_change(**options)


def cancel(tenant: Tenant, subscription: Subscription, **kwargs: Any) -> Order:
    options: dict[str, Any] = {
        "partner": tenant.organisation,
        "actor": tenant.member,
        "subscription": subscription,
        "timing": CancelTiming.TERM_END,
        "on_date": None,
        "reason": "Moving to another product",
        "idempotency_key": uuid.uuid4(),
        **kwargs,
    }
    return subscription_cancel(**options)


def synced(order: Order) -> None:
    """As the Zuora push leaves it: its outbox row sent."""
    OutboxMessage.objects.filter(order=order).update(state=OutboxState.SUCCEEDED)


def current(subscription: Subscription, kind: str) -> list[date]:
    return list(
        subscription.schedules.filter(kind=kind, superseded_by__isnull=True)
        .order_by("date")
        .values_list("date", flat=True)
    )


# --- what may change ------------------------------------------------------------------------------
def test_change_offers_are_the_labels_sellable_offers_in_the_currency(
    world: World, offers: dict[str, Offer]
) -> None:
    a1 = world.a1.organisation
    factories.OfferFactory.create(name="Premium", label="premium", eligible=[a1])
    factories.OfferFactory.create(name="Plus in dollars", currency="USD", eligible=[a1])
    factories.OfferFactory.create(name="Plus for others", eligible=[world.a2.organisation])
    subscription = active(world.a1, offers["basic"])
    assert [o.name for o in change_offers(subscription=subscription)] == [
        "Basic",
        "Plus",
        "Plus yearly",
    ]
    # The subscription's own offer stays (a change of quantity) once it has left the catalogue.
    Offer.objects.filter(pk=offers["basic"].pk).update(
        active_until=timezone.now() - timedelta(days=1)
    )
    assert [o.name for o in change_offers(subscription=subscription)] == [
        "Basic",
        "Plus",
        "Plus yearly",
    ]
    offers["basic"].eligible_organisations.clear()
    assert "Basic" in {o.name for o in change_offers(subscription=subscription)}


def test_effective_date_is_today_or_the_next_billing_date(
    world: World, offers: dict[str, Offer]
) -> None:
    subscription = active(world.a1, offers["basic"])
    today = timezone.localdate()
    assert (
        change_effective_date(subscription=subscription, timing=ChangeTiming.TODAY, today=today)
        == today
    )
    assert change_effective_date(
        subscription=subscription, timing=ChangeTiming.NEXT_BILLING, today=today
    ) == add_months(subscription.start_date, 1)
    # No billing left in the term: the term end.
    last = subscription.term_end_date - timedelta(days=1)
    assert (
        change_effective_date(
            subscription=subscription, timing=ChangeTiming.NEXT_BILLING, today=last
        )
        == subscription.term_end_date
    )


def test_preview_shows_the_new_and_the_current_price_per_period(
    world: World, offers: dict[str, Offer]
) -> None:
    subscription = active(world.a1, offers["basic"], quantity=3)
    today = timezone.localdate()
    preview = subscription_change_preview(
        subscription=subscription,
        offer=offers["plus"],
        quantity=4,
        timing=ChangeTiming.NEXT_BILLING,
        today=today,
    )
    assert (preview.unit_price, preview.total_per_period, preview.currency) == (
        Decimal("25.00"),
        Decimal("100.00"),
        "EUR",
    )
    assert (preview.current_total_per_period, preview.billing_period) == (Decimal("30.00"), "Month")
    assert preview.effective_date == add_months(subscription.start_date, 1)
    # A change of quantity keeps the price the subscription is billed at, as Zuora does, even
    # when the catalogue's price has moved since.
    Offer.objects.filter(pk=offers["basic"].pk).update(price=Decimal("12.00"))
    subscription.refresh_from_db()
    same = subscription_change_preview(
        subscription=subscription,
        offer=subscription.offer,
        quantity=5,
        timing=ChangeTiming.TODAY,
        today=today,
    )
    assert (same.unit_price, same.total_per_period, same.effective_date) == (
        Decimal("10.00"),
        Decimal("50.00"),
        today,
    )


# --- a change ------------------------------------------------------------------------------------
def test_a_change_writes_its_order_schedules_and_a_zuora_row_only(
    world: World, offers: dict[str, Offer]
) -> None:
    subscription = active(world.a1, offers["basic"], quantity=3)
    order = change(world.a1, subscription, offers["plus"], quantity=5)
    effective = add_months(subscription.start_date, 1)
    assert (order.type, order.subscription, order.offer, order.quantity) == (
        OrderType.CHANGE,
        subscription,
        offers["plus"],
        5,
    )
    assert (order.previous_offer, order.previous_quantity, order.effective_date) == (
        offers["basic"],
        3,
        effective,
    )
    assert (order.unit_price, order.currency, order.billing_period, order.term_months) == (
        Decimal("25.00"),
        "EUR",
        BillingPeriod.MONTH,
        12,
    )
    assert (order.po_number, order.placed_by, order.customer) == (
        "",
        world.a1.member,
        subscription.customer,
    )
    assert order.applied_at is None
    assert [(m.target, m.state) for m in order.outbox_messages.all()] == [
        (Target.ZUORA, OutboxState.PENDING)
    ]

    # The billing dates from the effective date on are re-planned at the new total; the ones
    # before it stay; the replaced ones are kept, marked with the change.
    schedules = subscription.schedules.all()
    first = schedules.get(kind=ScheduleKind.BILLING, date=subscription.start_date)
    assert (first.superseded_by, first.amount) == (None, Decimal("30.00"))
    replaced = schedules.filter(superseded_by=order)
    assert replaced.count() == 12  # 11 billing dates and the renewal
    assert {s.date for s in replaced} >= {effective, subscription.term_end_date}
    planned = schedules.filter(order=order)
    assert [(s.kind, s.date) for s in planned.filter(kind=ScheduleKind.BILLING)] == [
        (ScheduleKind.BILLING, add_months(subscription.start_date, k)) for k in range(1, 12)
    ]
    assert {s.amount for s in planned.filter(kind=ScheduleKind.BILLING)} == {Decimal("125.00")}
    assert current(subscription, ScheduleKind.RENEWAL) == [subscription.term_end_date]
    assert planned.get(kind=ScheduleKind.RENEWAL).superseded_by is None
    assert {s.organisation_id for s in planned} == {world.a1.organisation.pk}

    # Nothing changes on the subscription before the order is applied.
    subscription.refresh_from_db()
    assert (subscription.offer, subscription.quantity) == (offers["basic"], 3)


def test_a_change_today_keeps_the_billing_cycle(world: World, offers: dict[str, Offer]) -> None:
    subscription = active(world.a1, offers["basic"], quantity=3)
    order = change(world.a1, subscription, offers["basic"], quantity=4, timing=ChangeTiming.TODAY)
    assert order.effective_date == timezone.localdate()
    assert order.unit_price == Decimal("10.00")
    billing = subscription.schedules.filter(kind=ScheduleKind.BILLING, superseded_by__isnull=True)
    # Every billing date of the cycle, the first (today) included, now at 4 × 10.
    assert [s.date for s in billing] == [add_months(subscription.start_date, k) for k in range(12)]
    assert {s.amount for s in billing} == {Decimal("40.00")}


def test_a_change_to_a_yearly_offer_bills_on_the_yearly_cycle(
    world: World, offers: dict[str, Offer]
) -> None:
    subscription = active(world.a1, offers["basic"])
    order = change(world.a1, subscription, offers["yearly"], quantity=1, timing=ChangeTiming.TODAY)
    assert (order.billing_period, order.unit_price) == (BillingPeriod.YEAR, Decimal("250.00"))
    assert [
        (d, a)
        for d, a in order.schedules.filter(kind=ScheduleKind.BILLING).values_list("date", "amount")
    ] == [(subscription.start_date, Decimal("250.00"))]


# --- a cancel ------------------------------------------------------------------------------------
def test_a_cancel_at_term_end_plans_one_cancellation(
    world: World, offers: dict[str, Offer]
) -> None:
    subscription = active(world.a1, offers["basic"], quantity=3)
    order = cancel(world.a1, subscription, reason="  Too expensive  ")
    assert (order.type, order.offer, order.quantity, order.effective_date) == (
        OrderType.CANCEL,
        offers["basic"],
        3,
        subscription.term_end_date,
    )
    assert (order.cancel_reason, order.unit_price, order.previous_quantity) == (
        "Too expensive",
        Decimal("10.00"),
        3,
    )
    assert [m.target for m in order.outbox_messages.all()] == [Target.ZUORA]
    assert current(subscription, ScheduleKind.CANCELLATION) == [subscription.term_end_date]
    assert current(subscription, ScheduleKind.RENEWAL) == []
    assert len(current(subscription, ScheduleKind.BILLING)) == 12
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE


def test_a_cancel_on_a_date_supersedes_the_billing_from_then_on(
    world: World, offers: dict[str, Offer]
) -> None:
    subscription = active(world.a1, offers["basic"])
    on = add_months(subscription.start_date, 3)
    order = cancel(world.a1, subscription, timing=CancelTiming.ON_DATE, on_date=on)
    assert order.effective_date == on
    assert current(subscription, ScheduleKind.BILLING) == [
        add_months(subscription.start_date, k) for k in range(3)
    ]
    assert current(subscription, ScheduleKind.CANCELLATION) == [on]
    assert subscription.schedules.filter(superseded_by=order).count() == 10  # 9 billings, renewal


# --- the rules -----------------------------------------------------------------------------------
def test_a_subscription_pending_its_first_push_cannot_change(
    world: World, offers: dict[str, Offer]
) -> None:
    order = factories.place_order(
        organisation=world.a1.organisation, actor=world.a1.member, offer=offers["basic"]
    )
    subscription = factories.subscription_of(order)
    assert "not active yet" in subscription_can_change(subscription=subscription)
    with pytest.raises(ValidationError, match="not active yet"):
        change(world.a1, subscription, offers["plus"])
    with pytest.raises(ValidationError, match="not active yet"):
        cancel(world.a1, subscription)


def test_a_pending_change_blocks_another_until_it_is_applied(
    world: World, offers: dict[str, Offer]
) -> None:
    subscription = active(world.a1, offers["basic"])
    first = change(world.a1, subscription, offers["plus"], timing=ChangeTiming.TODAY)
    assert subscription_blocking_order(subscription=subscription) == first
    reason = subscription_can_change(subscription=subscription)
    assert "waiting for billing" in reason
    assert first.number in reason
    with pytest.raises(ValidationError, match="waiting for billing"):
        change(world.a1, subscription, offers["basic"], quantity=9)
    with pytest.raises(ValidationError, match="waiting for billing"):
        cancel(world.a1, subscription)
    synced(first)
    assert order_apply(order=first) is True
    assert order_apply(order=first) is False  # applied once
    subscription.refresh_from_db()
    assert subscription.offer == offers["plus"]
    assert subscription_can_change(subscription=subscription) == ""
    second = change(world.a1, subscription, offers["plus"], quantity=7)
    assert second.previous_offer == offers["plus"]


def test_a_synced_change_effective_later_is_scheduled_and_blocks(
    world: World, offers: dict[str, Offer]
) -> None:
    subscription = active(world.a1, offers["basic"])
    order = change(world.a1, subscription, offers["plus"])
    synced(order)
    reason = subscription_can_change(subscription=subscription)
    assert reason.startswith("A change is scheduled for")
    with pytest.raises(ValidationError, match="scheduled for"):
        cancel(world.a1, subscription)
    with pytest.raises(ValueError, match="not before"):
        order_apply(order=order)
    # The beat job applies it on its date, not before.
    effective = order.effective_date
    assert effective is not None
    assert subscription_changes_apply_due(today=effective - timedelta(days=1)) == 0
    assert subscription_changes_apply_due(today=effective) == 1
    assert subscription_changes_apply_due(today=effective) == 0
    subscription.refresh_from_db()
    assert (subscription.offer, subscription_can_change(subscription=subscription)) == (
        offers["plus"],
        "",
    )


def test_the_beat_job_leaves_changes_zuora_does_not_have(
    world: World, offers: dict[str, Offer]
) -> None:
    subscription = active(world.a1, offers["basic"])
    order = change(world.a1, subscription, offers["plus"], timing=ChangeTiming.TODAY)
    OutboxMessage.objects.filter(order=order).update(state=OutboxState.FAILED)
    assert subscription_changes_apply_due(today=timezone.localdate() + timedelta(days=400)) == 0
    order.refresh_from_db()
    assert order.applied_at is None
    assert "waiting for billing" in subscription_can_change(subscription=subscription)


def test_a_cancelled_subscription_cannot_change(world: World, offers: dict[str, Offer]) -> None:
    subscription = active(world.a1, offers["basic"])
    order = cancel(
        world.a1, subscription, timing=CancelTiming.ON_DATE, on_date=timezone.localdate()
    )
    synced(order)
    assert "cancelled as of" in subscription_can_change(subscription=subscription)
    order_apply(order=order)
    subscription.refresh_from_db()
    assert (subscription.status, subscription.cancellation_date) == (
        SubscriptionStatus.CANCELLED,
        timezone.localdate(),
    )
    assert "is cancelled" in subscription_can_change(subscription=subscription)
    with pytest.raises(ValidationError, match="is cancelled"):
        change(world.a1, subscription, offers["plus"])


@pytest.mark.parametrize(
    ("quantity", "message"), [(0, "between 1 and 10000"), (10_001, "between 1 and 10000")]
)
def test_quantity_bounds(
    world: World, offers: dict[str, Offer], quantity: int, message: str
) -> None:
    subscription = active(world.a1, offers["basic"])
    with pytest.raises(ValidationError, match=message):
        change(world.a1, subscription, offers["basic"], quantity=quantity)
    assert not Order.objects.filter(type=OrderType.CHANGE).exists()


def test_only_offers_of_the_same_label_currency_and_eligibility(
    world: World, offers: dict[str, Offer]
) -> None:
    a1 = world.a1.organisation
    subscription = active(world.a1, offers["basic"])
    refused = [
        factories.OfferFactory.create(label="premium", eligible=[a1]),
        factories.OfferFactory.create(currency="USD", eligible=[a1]),
        factories.OfferFactory.create(eligible=[world.b1.organisation]),
    ]
    for offer in refused:
        with pytest.raises(ValidationError, match="not available for this subscription"):
            change(world.a1, subscription, offer)
    with pytest.raises(ValidationError, match="Nothing would change"):
        change(world.a1, subscription, offers["basic"])
    assert not Order.objects.filter(type=OrderType.CHANGE).exists()


def test_another_organisations_subscription_is_refused(
    world: World, offers: dict[str, Offer]
) -> None:
    theirs = active(world.a2, offers["basic"])
    with pytest.raises(ValidationError, match="does not belong to your organisation"):
        change(world.a1, theirs, offers["plus"])
    with pytest.raises(ValidationError, match="does not belong to your organisation"):
        cancel(world.a1, theirs)
    assert not Order.objects.exclude(type=OrderType.NEW).exists()


def test_cancellation_dates_and_window(world: World, offers: dict[str, Offer]) -> None:
    today = timezone.localdate()
    subscription = active(world.a1, offers["basic"])
    term_end = subscription.term_end_date
    assert cancellation_refusal(subscription=subscription, on_date=today, today=today) == ""
    assert cancellation_refusal(subscription=subscription, on_date=term_end, today=today) == ""
    assert "in the past" in cancellation_refusal(
        subscription=subscription, on_date=today - timedelta(days=1), today=today
    )
    assert "after the end of the term" in cancellation_refusal(
        subscription=subscription, on_date=term_end + timedelta(days=1), today=today
    )
    # The offer says: no cancelling in the last 30 days of the term.
    Offer.objects.filter(pk=offers["basic"].pk).update(cancellation_window_days=30)
    subscription.refresh_from_db()
    assert (
        cancellation_refusal(
            subscription=subscription, on_date=term_end, today=term_end - timedelta(days=31)
        )
        == ""
    )
    refusal = cancellation_refusal(
        subscription=subscription, on_date=term_end, today=term_end - timedelta(days=30)
    )
    assert "cannot be cancelled in the last 30 days of its term" in refusal


def test_cancelling_inside_the_window_is_refused(world: World, offers: dict[str, Offer]) -> None:
    Offer.objects.filter(pk=offers["basic"].pk).update(cancellation_window_days=30)
    today = timezone.localdate()
    start = add_months(today, -12) + timedelta(days=10)
    subscription = active(
        world.a1, offers["basic"], start_date=start, term_end_date=today + timedelta(days=10)
    )
    with pytest.raises(ValidationError, match="last 30 days of its term"):
        cancel(world.a1, subscription)
    with pytest.raises(ValidationError, match="in the past"):
        cancel(
            world.a1,
            subscription,
            timing=CancelTiming.ON_DATE,
            on_date=today - timedelta(days=1),
        )
    assert not Order.objects.filter(type=OrderType.CANCEL).exists()


@pytest.mark.parametrize(
    ("reason", "message"), [("   ", "Say why"), ("x" * 501, "at most 500 characters")]
)
def test_a_cancel_needs_a_reason(
    world: World, offers: dict[str, Offer], reason: str, message: str
) -> None:
    subscription = active(world.a1, offers["basic"])
    with pytest.raises(ValidationError, match=message):
        cancel(world.a1, subscription, reason=reason)
    with pytest.raises(ValidationError, match="Choose the cancellation date"):
        cancel(world.a1, subscription, timing=CancelTiming.ON_DATE, on_date=None)
    assert cancel(world.a1, subscription, reason="x" * 500).cancel_reason == "x" * 500


# --- one order per form --------------------------------------------------------------------------
def test_the_same_form_twice_makes_one_order(world: World, offers: dict[str, Offer]) -> None:
    subscription = active(world.a1, offers["basic"])
    key = uuid.uuid4()
    first = change(world.a1, subscription, offers["plus"], idempotency_key=key)
    assert change(world.a1, subscription, offers["plus"], idempotency_key=key) == first
    assert Order.objects.filter(type=OrderType.CHANGE).count() == 1
    assert OutboxMessage.objects.filter(order=first).count() == 1
    # The key of this form is refused for another subscription, kind of order or tenant.
    other = active(world.a1, offers["basic"])
    with pytest.raises(ValidationError, match="not valid any more"):
        change(world.a1, other, offers["plus"], idempotency_key=key)
    with pytest.raises(ValidationError, match="not valid any more"):
        cancel(world.a1, subscription, idempotency_key=key)
    theirs = active(world.a2, offers["basic"])
    with pytest.raises(ValidationError, match="not valid any more"):
        change(world.a2, theirs, offers["plus"], idempotency_key=key)


def test_the_same_cancel_twice_makes_one_order(world: World, offers: dict[str, Offer]) -> None:
    subscription = active(world.a1, offers["basic"])
    key = uuid.uuid4()
    first = cancel(world.a1, subscription, idempotency_key=key)
    assert cancel(world.a1, subscription, idempotency_key=key) == first
    assert Order.objects.filter(type=OrderType.CANCEL).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("same_key", [True, False], ids=["double-click", "two-people"])
def test_two_concurrent_changes_make_one_order(
    world: World, offers: dict[str, Offer], fakes: Fakes, same_key: bool
) -> None:
    """Two changes of one subscription at the same moment: both pass the first look-up; the
    subscription's row lock lets one in, and the other then finds its order. The same form
    twice returns that order; a second person's change is refused."""
    subscription = active(world.a1, offers["basic"])
    shared = uuid.uuid4()
    barrier = threading.Barrier(2)
    results: list[int] = []
    failures: list[BaseException] = []

    def submit(quantity: int) -> None:
        try:
            barrier.wait(timeout=10)
            key = shared if same_key else uuid.uuid4()
            order = change(
                world.a1, subscription, offers["basic"], quantity=quantity, idempotency_key=key
            )
            results.append(order.pk)
        except BaseException as exc:  # reported by the assertions below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(q,)) for q in (5, 5 if same_key else 6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert Order.objects.filter(type=OrderType.CHANGE).count() == 1
    order = Order.objects.get(type=OrderType.CHANGE)
    assert OutboxMessage.objects.filter(order=order).count() == 1
    if same_key:
        assert (failures, results) == ([], [order.pk, order.pk])
    else:
        assert results == [order.pk]
        [failure] = failures
        assert isinstance(failure, ValidationError)
        assert "waiting for billing" in str(failure)
