"""The outbox through real processes: a real ``celery worker`` on a real Redis of our own,
the fakes over HTTP. Checkout enqueues on commit; a worker killed mid-call neither loses nor
duplicates; checkout with Redis stopped still succeeds and the order syncs once it is back."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client

from integrations.fakes.server import Fakes
from integrations.models import AttemptOutcome, OutboxMessage, OutboxState, Target
from integrations.sending import outbox_dispatch
from orders.models import Order
from tests.integrations.helpers import assert_synced_once, checkout_post, sellable_offer
from tests.integrations.processes import CeleryWorker, RedisServer, use_broker, wait_until
from tests.world import World

pytestmark = pytest.mark.django_db(transaction=True)

CHECKOUT = "/p/alpha/checkout/partner-checkout/?offer=gold"


@pytest.fixture
def checkout_client(world: World, migration_data: None, fakes: Fakes) -> Client:
    sellable_offer(world.a1.organisation, code="gold", price=Decimal("20.00"))
    client = Client()
    client.force_login(world.a1.member)
    return client


def sent(order: Order) -> bool:
    states = set(OutboxMessage.objects.filter(order=order).values_list("state", flat=True))
    return states == {OutboxState.SUCCEEDED}


def test_checkout_is_pushed_by_a_real_worker(
    checkout_client: Client,
    start_worker: Callable[[], CeleryWorker],
    fakes: Fakes,
    worker_log: Path,
) -> None:
    start_worker()
    response = checkout_client.post(CHECKOUT, checkout_post())
    assert response.status_code == 302
    order = Order.objects.get()
    wait_until(lambda: sent(order), what=f"the pushes; worker log:\n{worker_log.read_text()}")
    assert_synced_once(fakes, order)
    page = checkout_client.get(response["Location"])
    assert page.status_code == 200


def test_a_worker_killed_mid_call_neither_loses_nor_duplicates(
    checkout_client: Client, start_worker: Callable[[], CeleryWorker], fakes: Fakes
) -> None:
    first = start_worker()
    # Zuora answers slowly: the worker is inside the subscribe call when it is killed.
    fakes.faults("zuora", {"operation": "subscribe", "latency_ms": 1500})
    checkout_client.post(CHECKOUT, checkout_post())
    order = Order.objects.get()
    zuora = OutboxMessage.objects.get(order=order, target=Target.ZUORA)
    wait_until(
        lambda: zuora.attempt_log.filter(outcome=AttemptOutcome.RUNNING).exists(),
        what="the Zuora push to start",
    )
    time.sleep(0.3)  # inside the call now
    first.kill()
    fakes.clear_faults("zuora")
    start_worker()
    # The message was taken but never acknowledged, and the claim is held by a dead worker:
    # once the lease (3 s in the tests) has passed, the beat job enqueues the row again.
    time.sleep(3.2)
    outbox_dispatch()
    wait_until(lambda: sent(order), what="the pushes after the kill")
    assert_synced_once(fakes, order)
    outcomes = list(zuora.attempt_log.order_by("number").values_list("outcome", flat=True))
    assert outcomes[0] == AttemptOutcome.INTERRUPTED
    assert outcomes[-1] == AttemptOutcome.SUCCEEDED


def test_checkout_with_redis_down_succeeds_and_syncs_once_redis_is_back(
    checkout_client: Client,
    redis_server: RedisServer,
    start_worker: Callable[[], CeleryWorker],
    fakes: Fakes,
) -> None:
    redis_server.stop()
    response = checkout_client.post(CHECKOUT, checkout_post())
    assert response.status_code == 302, "the order stands even though nothing could be enqueued"
    order = Order.objects.get()
    assert set(OutboxMessage.objects.filter(order=order).values_list("state", flat=True)) == {
        OutboxState.PENDING
    }
    redis_server.start()
    use_broker(redis_server.url)
    start_worker()
    time.sleep(0.6)  # OUTBOX_STALL_GRACE in the tests
    assert outbox_dispatch() == 2
    wait_until(lambda: sent(order), what="the pushes after Redis came back")
    assert_synced_once(fakes, order)
