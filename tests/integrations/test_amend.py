"""A change or cancel reaches Zuora as an amendment: what the fake holds after the push, what the
subscription here becomes (at once, or on its date by the beat job), and the push's faults.
The real client talks to the fake over HTTP; the pushes run in the test process."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from celery import current_app
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from integrations.fakes.server import Fakes
from integrations.models import AttemptOutcome, OutboxMessage, OutboxState, Target
from integrations.processing import outbox_process
from integrations.sending import outbox_reopen, outbox_retry_now
from integrations.tasks import subscriptions_apply_due
from integrations.zuora.client import zuora_client
from offers.models import Offer
from orders.models import Order, Subscription, SubscriptionStatus
from orders.schedules import add_months
from orders.subscriptions import (
    CancelTiming,
    ChangeTiming,
    subscription_can_change,
    subscription_cancel,
    subscription_change,
    subscription_changes_apply_due,
)
from tests import factories
from tests.integrations.helpers import place, run_pushes, sellable_offer, zuora_records
from tests.world import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def offers(world: World, fakes: Fakes) -> dict[str, Offer]:
    org = world.a1.organisation
    return {
        "basic": sellable_offer(org, name="Basic", price=Decimal("10.00")),
        "plus": sellable_offer(org, name="Plus", price=Decimal("25.00")),
    }


@pytest.fixture
def subscription(world: World, offers: dict[str, Offer]) -> Subscription:
    """Basic × 3, ordered and pushed: active, version 1 in Zuora."""
    order = place(world.a1, offers["basic"], quantity=3)
    run_pushes(order)
    subscription = factories.subscription_of(order)
    subscription.refresh_from_db()
    assert (subscription.status, subscription.zuora_version) == (SubscriptionStatus.ACTIVE, 1)
    return subscription


def change(world: World, subscription: Subscription, offer: Offer, **kwargs: Any) -> Order:
    options: dict[str, Any] = {
        "partner": world.a1.organisation,
        "actor": world.a1.member,
        "subscription": subscription,
        "offer": offer,
        "quantity": subscription.quantity,
        "timing": ChangeTiming.TODAY,
        "idempotency_key": uuid.uuid4(),
        **kwargs,
    }
    return subscription_change(**options)


def cancel(world: World, subscription: Subscription, **kwargs: Any) -> Order:
    options: dict[str, Any] = {
        "partner": world.a1.organisation,
        "actor": world.a1.member,
        "subscription": subscription,
        "timing": CancelTiming.ON_DATE,
        "on_date": timezone.localdate(),
        "reason": "Closing the branch",
        "idempotency_key": uuid.uuid4(),
        **kwargs,
    }
    return subscription_cancel(**options)


def zuora_row(order: Order) -> OutboxMessage:
    [message] = run_pushes(order).values()  # a change or cancel has its Zuora row only
    assert message.target == Target.ZUORA
    return message


def versions(fakes: Fakes, subscription: Subscription) -> list[dict[str, Any]]:
    rows = zuora_records(fakes, "subscriptions", Name=subscription.zuora_subscription_number)
    return sorted(rows, key=lambda row: int(row["Version"]))


def amend_calls(fakes: Fakes) -> list[dict[str, Any]]:
    return [c for c in fakes.state("zuora")["calls"] if c["operation"] == "amend"]


def charges_of(fakes: Fakes, version: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """(ProductRatePlanChargeId, Quantity, the plan's AmendmentType) of a version's charges."""
    plans = {p["Id"]: p for p in zuora_records(fakes, "rate_plans", SubscriptionId=version["Id"])}
    return sorted(
        (c["ProductRatePlanChargeId"], c["Quantity"], plans[c["RatePlanId"]].get("AmendmentType"))
        for c in fakes.state("zuora")["rate_plan_charges"]
        if c["RatePlanId"] in plans
    )


def test_a_quantity_change_today_is_amended_and_applied_at_once(
    world: World, fakes: Fakes, offers: dict[str, Offer], subscription: Subscription
) -> None:
    today = timezone.localdate()
    order = change(world, subscription, offers["basic"], quantity=5)
    message = zuora_row(order)
    assert message.state == OutboxState.SUCCEEDED

    # Zuora: a second version with the new quantity, made by one UpdateProduct amendment
    # named after the order and effective today; the first version expired.
    first, second = versions(fakes, subscription)
    assert (first["Status"], second["Status"], second["Version"]) == ("Expired", "Active", 2)
    basic_charge = offers["basic"].zuora_product_rate_plan_charge_id
    assert charges_of(fakes, second) == [(basic_charge, "5", "UpdateProduct")]
    assert charges_of(fakes, first) == [(basic_charge, "3", None)]
    [amendment] = zuora_records(fakes, "amendments", Name=f"PP-{order.number}")
    assert (amendment["Type"], amendment["Status"], amendment["SubscriptionId"]) == (
        "UpdateProduct",
        "Completed",
        second["Id"],
    )
    for field in ("EffectiveDate", "ContractEffectiveDate", "ServiceActivationDate"):
        assert amendment[field] == today.isoformat()
    assert amendment["CustomerAcceptanceDate"] == today.isoformat()

    # Here: the latest version stored, the order applied, nothing left blocking.
    subscription.refresh_from_db()
    order.refresh_from_db()
    assert (subscription.zuora_subscription_id, subscription.zuora_version) == (second["Id"], 2)
    assert (subscription.quantity, subscription.offer) == (5, offers["basic"])
    assert order.applied_at is not None
    assert subscription_can_change(subscription=subscription) == ""
    attempt = message.attempt_log.get()
    assert attempt.remote_ids["zuora_subscription_id"] == second["Id"]
    assert attempt.remote_ids["zuora_amendment_ids"] == amendment["Id"]

    # A second change amends the second version, with that version's rate plan.
    again = change(world, subscription, offers["basic"], quantity=2)
    assert zuora_row(again).state == OutboxState.SUCCEEDED
    third = versions(fakes, subscription)[-1]
    assert (third["Version"], third["PreviousSubscriptionId"]) == (3, second["Id"])
    assert charges_of(fakes, third) == [(basic_charge, "2", "UpdateProduct")]
    subscription.refresh_from_db()
    assert (subscription.zuora_version, subscription.quantity) == (3, 2)


def test_another_offer_at_the_next_billing_date_waits_for_the_beat_job(
    world: World, fakes: Fakes, offers: dict[str, Offer], subscription: Subscription
) -> None:
    order = change(
        world, subscription, offers["plus"], quantity=4, timing=ChangeTiming.NEXT_BILLING
    )
    effective = add_months(subscription.start_date, 1)
    assert order.effective_date == effective
    assert zuora_row(order).state == OutboxState.SUCCEEDED

    # One amend call: the current plan removed, the new offer's added, in that order.
    [call] = amend_calls(fakes)
    assert call["Types"] == ["RemoveProduct", "NewProduct"]
    assert call["ContractEffectiveDates"] == [effective.isoformat()] * 2
    latest = versions(fakes, subscription)[-1]
    assert (latest["Version"], latest["Status"]) == (3, "Active")
    assert charges_of(fakes, latest) == sorted(
        [
            (offers["basic"].zuora_product_rate_plan_charge_id, "3", "RemoveProduct"),
            (offers["plus"].zuora_product_rate_plan_charge_id, "4", "NewProduct"),
        ]
    )
    assert len(zuora_records(fakes, "amendments", Name=f"PP-{order.number}")) == 2

    # Here: the version is stored, the change scheduled, the offer as it was until its date.
    subscription.refresh_from_db()
    assert (subscription.zuora_subscription_id, subscription.zuora_version) == (latest["Id"], 3)
    assert (subscription.offer, subscription.quantity) == (offers["basic"], 3)
    assert subscription_can_change(subscription=subscription).startswith("A change is scheduled")
    assert subscription_changes_apply_due(today=effective - timedelta(days=1)) == 0
    assert subscription_changes_apply_due(today=effective) == 1
    subscription.refresh_from_db()
    order.refresh_from_db()
    assert (subscription.offer, subscription.quantity) == (offers["plus"], 4)
    assert order.applied_at is not None

    # And back: the plan the last change added is the one removed now.
    back = change(world, subscription, offers["basic"], quantity=2)
    assert zuora_row(back).state == OutboxState.SUCCEEDED
    latest = versions(fakes, subscription)[-1]
    assert latest["Version"] == 5
    assert charges_of(fakes, latest) == sorted(
        [
            (offers["basic"].zuora_product_rate_plan_charge_id, "3", "RemoveProduct"),
            (offers["plus"].zuora_product_rate_plan_charge_id, "4", "RemoveProduct"),
            (offers["basic"].zuora_product_rate_plan_charge_id, "2", "NewProduct"),
        ]
    )
    subscription.refresh_from_db()
    assert (subscription.offer, subscription.quantity, subscription.zuora_version) == (
        offers["basic"],
        2,
        5,
    )


def test_a_cancel_today_cancels_and_recounts_the_customer(
    world: World, fakes: Fakes, subscription: Subscription
) -> None:
    customer = subscription.customer
    customer.refresh_from_db()
    assert customer.active_subscriptions == 1
    order = cancel(world, subscription)
    assert zuora_row(order).state == OutboxState.SUCCEEDED
    latest = versions(fakes, subscription)[-1]
    today = timezone.localdate().isoformat()
    assert (latest["Version"], latest["Status"]) == (2, "Cancelled")
    assert (latest["CancelledDate"], latest["SubscriptionEndDate"]) == (today, today)
    [amendment] = zuora_records(fakes, "amendments", Name=f"PP-{order.number}")
    assert (amendment["Type"], amendment["EffectiveDate"]) == ("Cancellation", today)

    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.CANCELLED
    assert subscription.cancellation_date == timezone.localdate()
    assert subscription.zuora_subscription_id == latest["Id"]
    customer.refresh_from_db()
    assert customer.active_subscriptions == 0


def test_a_cancel_at_term_end_is_scheduled_until_then(
    world: World, fakes: Fakes, subscription: Subscription
) -> None:
    order = cancel(world, subscription, timing=CancelTiming.TERM_END, on_date=None)
    assert zuora_row(order).state == OutboxState.SUCCEEDED
    end = subscription.term_end_date
    latest = versions(fakes, subscription)[-1]
    assert (latest["Status"], latest["SubscriptionEndDate"]) == ("Cancelled", end.isoformat())

    subscription.refresh_from_db()
    assert (subscription.status, subscription.cancellation_date) == (
        SubscriptionStatus.ACTIVE,
        end,
    )
    assert subscription_can_change(subscription=subscription).startswith(
        "The subscription is cancelled as of"
    )
    subscription.customer.refresh_from_db()
    assert subscription.customer.active_subscriptions == 1
    assert subscription_changes_apply_due(today=end) == 1
    subscription.refresh_from_db()
    subscription.customer.refresh_from_db()
    assert subscription.status == SubscriptionStatus.CANCELLED
    assert subscription.customer.active_subscriptions == 0


@override_settings(ZUORA_TIMEOUT=0.5)
@pytest.mark.parametrize("to", ["basic", "plus"], ids=["quantity", "another-offer"])
def test_a_timed_out_amend_is_applied_once(
    world: World,
    fakes: Fakes,
    offers: dict[str, Offer],
    subscription: Subscription,
    to: str,
) -> None:
    """Zuora finishes an amend our side gave up on: the retry finds its amendments by name and
    takes the version they made. Zuora holds one request's amendments and versions, once."""
    order = change(world, subscription, offers[to], quantity=6)
    fakes.faults(
        "zuora", {"operation": "amend", "fault": "TIMEOUT_COMMIT", "delay_ms": 1500, "times": 1}
    )
    message = zuora_row(order)
    assert message.state == OutboxState.SUCCEEDED
    attempts = list(message.attempt_log.order_by("number"))
    assert [a.error_code for a in attempts] == ["TIMEOUT", ""]
    assert attempts[-1].remote_ids["outcome"] == "found"
    assert len(amend_calls(fakes)) == 1, "the retry found the amendment instead of amending"
    expected = 1 if to == "basic" else 2  # one amendment, or a remove and a new product
    assert len(zuora_records(fakes, "amendments", Name=f"PP-{order.number}")) == expected
    assert len(fakes.state("zuora")["amendments"]) == expected
    assert len(versions(fakes, subscription)) == 1 + expected
    subscription.refresh_from_db()
    latest = versions(fakes, subscription)[-1]
    assert (subscription.zuora_subscription_id, subscription.zuora_version) == (
        latest["Id"],
        latest["Version"],
    )
    assert (subscription.offer, subscription.quantity) == (offers[to], 6)


@pytest.mark.parametrize(
    "rule",
    [
        {"operation": "amend", "fault": "LOCK_COMPETITION", "times": 2},
        {"operation": "amend", "fault": "REQUEST_EXCEEDED_LIMIT", "times": 1, "retry_after": 1},
        {"operation": "amend", "fault": "CONNECTION_RESET", "times": 1},
        {"operation": "query", "fault": "HTTP_503", "times": 2},
        {"operation": "*", "fault": "INVALID_SESSION", "times": 2},
    ],
)
def test_transient_faults_recover_to_one_amendment(
    world: World,
    fakes: Fakes,
    offers: dict[str, Offer],
    subscription: Subscription,
    rule: dict[str, Any],
) -> None:
    order = change(world, subscription, offers["basic"], quantity=8)
    fakes.faults("zuora", rule)
    assert zuora_row(order).state == OutboxState.SUCCEEDED
    assert len(zuora_records(fakes, "amendments", Name=f"PP-{order.number}")) == 1
    assert len(versions(fakes, subscription)) == 2
    subscription.refresh_from_db()
    assert subscription.quantity == 8


def test_a_permanent_refusal_fails_visibly_and_retry_now_amends_once(
    world: World, fakes: Fakes, offers: dict[str, Offer], subscription: Subscription
) -> None:
    order = change(world, subscription, offers["basic"], quantity=9)
    fakes.faults("zuora", {"operation": "amend", "fault": "INVALID_VALUE", "times": 1})
    message = zuora_row(order)
    assert (message.state, message.last_error_code) == (OutboxState.FAILED, "INVALID_VALUE")
    assert message.attempt_log.get().outcome == AttemptOutcome.FAILED
    assert len(versions(fakes, subscription)) == 1
    # Still pending: it blocks another change, and the subscription is as it was.
    assert "waiting for billing" in subscription_can_change(subscription=subscription)
    subscription.refresh_from_db()
    assert subscription.quantity == 3

    # Vendor staff see it failed in the back office, with its error.
    staff = Client()
    staff.force_login(world.admin)
    page = staff.get("/backoffice/outbox/", {"state": OutboxState.FAILED})
    assert page.status_code == 200
    assert [m.pk for m in page.context["page"]] == [message.pk]
    assert order.number in page.text

    assert outbox_retry_now(message_ids=[message.pk]) == [message.pk]
    assert zuora_row(order).state == OutboxState.SUCCEEDED
    assert len(zuora_records(fakes, "amendments", Name=f"PP-{order.number}")) == 1
    subscription.refresh_from_db()
    assert (subscription.quantity, subscription.zuora_version) == (9, 2)


def test_a_subscription_cancelled_in_zuora_is_not_amended(
    world: World, fakes: Fakes, offers: dict[str, Offer], subscription: Subscription
) -> None:
    # Somebody cancelled it in Zuora directly: the portal's change cannot apply and says so.
    zuora_client().amend(
        amendments=[
            {
                "ContractEffectiveDate": timezone.localdate(),
                "EffectiveDate": timezone.localdate(),
                "Name": "cancelled by hand",
                "SubscriptionId": subscription.zuora_subscription_id,
                "Type": "Cancellation",
            }
        ]
    )
    order = change(world, subscription, offers["basic"], quantity=4)
    message = zuora_row(order)
    assert (message.state, message.last_error_code) == (
        OutboxState.FAILED,
        "SUBSCRIPTION_CANCELLED",
    )
    assert len(amend_calls(fakes)) == 1  # only the one by hand


def test_the_new_orders_push_run_again_never_undoes_a_cancel(
    world: World, fakes: Fakes, subscription: Subscription
) -> None:
    """The new order's Zuora row is sent once more when Salesforce answers late (the CrmId):
    by then a cancel may have been applied. That run leaves the subscription cancelled, on
    the latest version."""
    assert zuora_row(cancel(world, subscription)).state == OutboxState.SUCCEEDED
    new_order = subscription.orders.get(type="new")
    zuora = new_order.outbox_messages.get(target=Target.ZUORA)
    assert outbox_reopen(message_id=zuora.pk)
    assert outbox_process(message_id=zuora.pk, worker="test") == "sent"
    subscription.refresh_from_db()
    latest = versions(fakes, subscription)[-1]
    assert subscription.status == SubscriptionStatus.CANCELLED
    assert (subscription.zuora_subscription_id, subscription.zuora_version) == (latest["Id"], 2)
    assert len(versions(fakes, subscription)) == 2


def test_the_beat_job_applies_a_scheduled_change_when_its_date_has_come(
    world: World, fakes: Fakes, offers: dict[str, Offer], subscription: Subscription
) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["subscriptions-apply-due"]
    assert entry["task"] == "integrations.subscriptions_apply_due"
    assert entry["task"] in current_app.tasks
    order = change(world, subscription, offers["plus"], timing=ChangeTiming.NEXT_BILLING)
    assert zuora_row(order).state == OutboxState.SUCCEEDED
    assert subscriptions_apply_due() == 0  # not before its date
    # Its date has come (moved here rather than the clock).
    Order.objects.filter(pk=order.pk).update(effective_date=timezone.localdate())
    assert subscriptions_apply_due() == 1
    assert subscriptions_apply_due() == 0
    subscription.refresh_from_db()
    assert subscription.offer == offers["plus"]
