"""A change pushed by a real ``celery worker`` (on a Redis of our own, the fakes over HTTP):
Zuora's answer to the amend comes after the worker's timeout, the worker retries on its own,
finds the amendment and applies the change once."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from integrations.fakes.server import Fakes
from integrations.models import OutboxMessage, OutboxState, Target
from orders.models import Order, OrderType
from orders.subscriptions import ChangeTiming, subscription_change
from tests import factories
from tests.integrations.helpers import place, sellable_offer, zuora_records
from tests.integrations.processes import CeleryWorker, wait_until
from tests.world import World

pytestmark = pytest.mark.django_db(transaction=True)


def sent(order: Order) -> bool:
    states = set(OutboxMessage.objects.filter(order=order).values_list("state", flat=True))
    return states == {OutboxState.SUCCEEDED}


def test_a_timed_out_amend_is_retried_by_the_worker_and_applied_once(
    world: World,
    migration_data: None,
    fakes: Fakes,
    start_worker: Callable[[], CeleryWorker],
    worker_log: Path,
) -> None:
    start_worker()
    offer = sellable_offer(world.a1.organisation, price=Decimal("10.00"))
    new = place(world.a1, offer, quantity=3)  # commits: the worker pushes it
    wait_until(lambda: sent(new), what=f"the new order's pushes:\n{worker_log.read_text()}")
    subscription = factories.subscription_of(new)
    subscription.refresh_from_db()

    # Zuora applies the amend and answers after the worker's timeout (ZUORA_TIMEOUT).
    delay_ms = int(settings.ZUORA_TIMEOUT * 1000) + 1500
    fakes.faults(
        "zuora", {"operation": "amend", "fault": "TIMEOUT_COMMIT", "delay_ms": delay_ms, "times": 1}
    )
    order = subscription_change(
        partner=world.a1.organisation,
        actor=world.a1.member,
        subscription=subscription,
        offer=offer,
        quantity=7,
        timing=ChangeTiming.TODAY,
        idempotency_key=uuid.uuid4(),
    )
    wait_until(lambda: sent(order), timeout=40, what=f"the amend:\n{worker_log.read_text()}")

    message = OutboxMessage.objects.get(order=order)
    assert message.target == Target.ZUORA
    attempts = list(message.attempt_log.order_by("number"))
    assert [a.error_code for a in attempts] == ["TIMEOUT", ""]
    assert attempts[-1].remote_ids["outcome"] == "found"
    # Zuora holds one amendment and one new version; the subscription here has both.
    [amendment] = zuora_records(fakes, "amendments", Name=f"PP-{order.number}")
    assert fakes.state("zuora")["amendments"] == [amendment]
    versions = zuora_records(fakes, "subscriptions", Name=subscription.zuora_subscription_number)
    assert sorted(v["Version"] for v in versions) == [1, 2]
    subscription.refresh_from_db()
    order.refresh_from_db()
    assert (subscription.quantity, subscription.zuora_version) == (7, 2)
    assert subscription.zuora_subscription_id == amendment["SubscriptionId"]
    assert order.applied_at is not None
    assert Order.objects.filter(type=OrderType.CHANGE).count() == 1
