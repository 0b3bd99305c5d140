"""The outbox's rules: rows written with the order, claimed by one worker at a time, Zuora
serialised per organisation, retried with a bounded backoff, and never able to fail the request
that placed the order."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from integrations.errors import IntegrationError
from integrations.fakes.server import Fakes
from integrations.models import (
    AttemptOutcome,
    OutboxAttempt,
    OutboxMessage,
    OutboxState,
    Target,
)
from integrations.outbox import NEW_ORDER_TYPE, outbox_send, outbox_targets
from integrations.processing import outbox_process
from integrations.sending import (
    BUSY,
    Claim,
    backoff_delay,
    outbox_claim,
    outbox_dispatch,
    outbox_retry,
)
from orders.models import Order, OrderType
from tests.integrations.helpers import checkout_post, place, sellable_offer
from tests.integrations.processes import free_port, use_broker
from tests.world import World

CHECKOUT = "/p/alpha/checkout/partner-checkout/?offer=gold"


@pytest.mark.django_db
def test_an_order_writes_one_due_row_per_target(world: World, fakes: Fakes) -> None:
    order = place(world.a1, sellable_offer(world.a1.organisation))
    rows = list(OutboxMessage.objects.filter(order=order))
    assert {r.target for r in rows} == {Target.SALESFORCE, Target.ZUORA}
    assert {r.state for r in rows} == {OutboxState.PENDING}
    assert all(r.organisation == world.a1.organisation for r in rows)
    assert all(r.next_attempt_at is not None for r in rows)
    assert all(r.next_attempt_at <= timezone.now() for r in rows if r.next_attempt_at)


def test_a_change_or_cancel_goes_to_zuora_alone() -> None:
    # Salesforce holds the end customer's Account and Contact; a change or cancel leaves them.
    assert OrderType.NEW.value == NEW_ORDER_TYPE
    assert outbox_targets(order_type=OrderType.NEW) == [Target.SALESFORCE, Target.ZUORA]
    assert outbox_targets(order_type=OrderType.CHANGE) == [Target.ZUORA]
    assert outbox_targets(order_type=OrderType.CANCEL) == [Target.ZUORA]


@pytest.mark.django_db(transaction=True)
def test_eager_push_runs_after_commit_and_never_fails_the_request(
    world: World, migration_data: None, fakes: Fakes
) -> None:
    """No broker at all (the tests' default): tasks run in process when the order commits.
    With the fakes unreachable the order still stands and its rows wait to be retried."""
    sellable_offer(world.a1.organisation, code="gold", price=Decimal("20.00"))
    client = Client()
    client.force_login(world.a1.member)
    closed = f"http://127.0.0.1:{free_port()}"
    with override_settings(
        ZUORA_ENDPOINT=f"{closed}/apps/services/a/82.0",
        SALESFORCE_INSTANCE_URL=closed,
        SALESFORCE_TOKEN_URL=f"{closed}/services/oauth2/token",
    ):
        response = client.post(CHECKOUT, checkout_post())
    assert response.status_code == 302
    order = Order.objects.get()
    salesforce = order.outbox_messages.get(target=Target.SALESFORCE)
    assert salesforce.state == OutboxState.RETRYING
    assert salesforce.last_error_code == "CONNECTION_ERROR"
    # The confirmation page shows the order and that it will be retried.
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert order.number in page.text

    # With the fakes reachable, an eager push sends both rows before the response.
    checkout = checkout_post(2)
    response = client.post(CHECKOUT, checkout)
    assert response.status_code == 302
    second = Order.objects.exclude(pk=order.pk).get()
    assert set(second.outbox_messages.values_list("state", flat=True)) == {OutboxState.SUCCEEDED}


@pytest.mark.django_db
def test_enqueueing_with_the_broker_down_never_raises(world: World, fakes: Fakes) -> None:
    use_broker(f"redis://127.0.0.1:{free_port()}/0")
    try:
        assert outbox_send([1, 2]) == 0
    finally:
        use_broker(None)


@pytest.mark.django_db
def test_a_row_has_one_owner_at_a_time(world: World, fakes: Fakes) -> None:
    order = place(world.a1, sellable_offer(world.a1.organisation))
    message = order.outbox_messages.get(target=Target.SALESFORCE)
    claim = outbox_claim(message_id=message.pk, worker="one")
    assert isinstance(claim, Claim)
    assert outbox_claim(message_id=message.pk, worker="two") is None
    assert outbox_process(message_id=message.pk, worker="two") == "skipped"
    assert claim.attempt.number == 1


@pytest.mark.django_db
def test_a_claim_older_than_its_lease_is_taken_over_and_its_attempt_interrupted(
    world: World, fakes: Fakes
) -> None:
    order = place(world.a1, sellable_offer(world.a1.organisation))
    message = order.outbox_messages.get(target=Target.SALESFORCE)
    assert isinstance(outbox_claim(message_id=message.pk, worker="dead"), Claim)
    OutboxMessage.objects.filter(pk=message.pk).update(
        claimed_at=timezone.now() - timedelta(seconds=60)
    )
    assert outbox_dispatch() == 1  # the stalled row is enqueued (and, eagerly, sent)
    message.refresh_from_db()
    assert message.state == OutboxState.SUCCEEDED
    outcomes = list(
        OutboxAttempt.objects.filter(message=message)
        .order_by("number")
        .values_list("outcome", flat=True)
    )
    assert outcomes == [AttemptOutcome.INTERRUPTED, AttemptOutcome.SUCCEEDED]


@pytest.mark.django_db
def test_zuora_pushes_are_serialised_per_organisation_and_capped(
    world: World, fakes: Fakes
) -> None:
    a1_offer = sellable_offer(world.a1.organisation)
    first = place(world.a1, a1_offer, n=1).outbox_messages.get(target=Target.ZUORA)
    second = place(world.a1, a1_offer, n=2).outbox_messages.get(target=Target.ZUORA)
    other = place(world.a2, sellable_offer(world.a2.organisation), n=3)
    other_zuora = other.outbox_messages.get(target=Target.ZUORA)
    assert isinstance(outbox_claim(message_id=first.pk, worker="w1"), Claim)
    assert outbox_claim(message_id=second.pk, worker="w2") == BUSY
    # Another organisation proceeds in parallel ...
    with override_settings(ZUORA_MAX_CONCURRENT_ORGANISATIONS=2):
        assert isinstance(outbox_claim(message_id=other_zuora.pk, worker="w3"), Claim)
    # ... up to the cap; Salesforce rows are never held back.
    OutboxMessage.objects.filter(pk=other_zuora.pk).update(state=OutboxState.PENDING)
    with override_settings(ZUORA_MAX_CONCURRENT_ORGANISATIONS=1):
        assert outbox_claim(message_id=other_zuora.pk, worker="w3") == BUSY
        salesforce = other.outbox_messages.get(target=Target.SALESFORCE)
        assert isinstance(outbox_claim(message_id=salesforce.pk, worker="w4"), Claim)
    # A busy row is postponed, not counted as an attempt.
    assert outbox_process(message_id=second.pk, worker="w2") == "busy"
    second.refresh_from_db()
    assert (second.state, second.attempts) == (OutboxState.PENDING, 0)
    assert second.next_attempt_at is not None
    assert second.next_attempt_at > timezone.now()


@pytest.mark.django_db
def test_a_row_that_keeps_failing_gives_up_visibly(world: World, fakes: Fakes) -> None:
    order = place(world.a1, sellable_offer(world.a1.organisation))
    message = order.outbox_messages.get(target=Target.SALESFORCE)
    error = IntegrationError("The server is busy", code="SERVER_UNAVAILABLE", permanent=False)
    with override_settings(OUTBOX_MAX_ATTEMPTS=2):
        for expected in ("retry", "failed"):
            OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
            claim = outbox_claim(message_id=message.pk, worker="w")
            assert isinstance(claim, Claim)
            delay = outbox_retry(claim, error=error)
            assert (delay is None) == (expected == "failed")
    message.refresh_from_db()
    assert message.state == OutboxState.FAILED
    assert message.last_error.startswith("Gave up after 2 attempts")
    assert message.last_error_code == "SERVER_UNAVAILABLE"


@override_settings(OUTBOX_BACKOFF_BASE=5.0, OUTBOX_BACKOFF_MAX=60.0, OUTBOX_RETRY_AFTER_CAP=300.0)
def test_backoff_is_exponential_with_jitter_capped_and_honours_retry_after() -> None:
    for attempt, ceiling in [(1, 5.0), (2, 10.0), (3, 20.0), (6, 60.0), (20, 60.0)]:
        delays = [backoff_delay(attempt=attempt) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1, "jitter spreads retries"
    limited = IntegrationError(
        "slow down", code="REQUEST_EXCEEDED_LIMIT", permanent=False, retry_after=120
    )
    assert backoff_delay(attempt=1, error=limited) >= 120
    huge = IntegrationError("slow down", code="HTTP_429", permanent=False, retry_after=86400)
    assert backoff_delay(attempt=1, error=huge) <= 300


@pytest.mark.django_db
def test_dispatch_sends_rows_without_a_message_and_leaves_queued_ones(
    world: World, fakes: Fakes
) -> None:
    """A queue in front of the workers is not mistaken for lost messages: a due row whose
    message is on the broker is left alone until OUTBOX_REENQUEUE_AFTER has passed."""
    order = place(world.a1, sellable_offer(world.a1.organisation))
    salesforce, zuora = (order.outbox_messages.get(target=t) for t in Target)
    a_while_ago = timezone.now() - timedelta(seconds=1)
    OutboxMessage.objects.update(next_attempt_at=a_while_ago)
    # Salesforce's message went out just now and waits in the queue; Zuora's never went.
    OutboxMessage.objects.filter(pk=salesforce.pk).update(enqueued_at=timezone.now())
    use_broker(f"redis://127.0.0.1:{free_port()}/0")  # nothing consumes: we only count
    try:
        with override_settings(OUTBOX_REENQUEUE_AFTER=60.0):
            assert outbox_dispatch() == 0, "the broker is down: nothing went"
    finally:
        use_broker(None)
    with override_settings(OUTBOX_REENQUEUE_AFTER=60.0):
        assert outbox_dispatch() == 1  # Zuora's row only (sent eagerly here)
    zuora.refresh_from_db()
    salesforce.refresh_from_db()
    assert salesforce.state == OutboxState.PENDING
    # Once its message is older than OUTBOX_REENQUEUE_AFTER, it is presumed lost.
    OutboxMessage.objects.filter(pk=salesforce.pk).update(
        enqueued_at=timezone.now() - timedelta(seconds=120)
    )
    with override_settings(OUTBOX_REENQUEUE_AFTER=60.0):
        assert outbox_dispatch() == 1
    salesforce.refresh_from_db()
    assert salesforce.state == OutboxState.SUCCEEDED


@pytest.mark.django_db
def test_a_1to1_customer_keeps_the_currency_of_their_account(world: World, fakes: Fakes) -> None:
    org = world.a1.organisation
    org.invoice_owner = "end_customer"
    org.save()
    euro = sellable_offer(org, currency="EUR")
    dollar = sellable_offer(org, currency="USD")
    first = place(world.a1, euro)
    with pytest.raises(ValidationError, match="billed in EUR"):
        place(world.a1, dollar, customer=first.customer)
    # Without 1:1 mapping each subscription has its own account, in its own currency.
    org.one_to_one_account_mapping = False
    org.save()
    assert place(world.a1, dollar, customer=first.customer).currency == "USD"


@pytest.mark.django_db
def test_salesforce_wakes_the_zuora_push_waiting_for_its_account_id(
    world: World, fakes: Fakes
) -> None:
    order = place(world.a1, sellable_offer(world.a1.organisation))
    salesforce, zuora = (order.outbox_messages.get(target=t) for t in Target)
    with override_settings(OUTBOX_CRM_WAIT_DELAY=600.0):
        assert outbox_process(message_id=zuora.pk, worker="w") == "deferred"
    zuora.refresh_from_db()
    assert zuora.next_attempt_at is not None
    assert zuora.next_attempt_at > timezone.now() + timedelta(seconds=500)
    assert outbox_process(message_id=salesforce.pk, worker="w") == "sent"
    zuora.refresh_from_db()
    assert zuora.next_attempt_at is not None
    assert zuora.next_attempt_at <= timezone.now()
    assert outbox_process(message_id=zuora.pk, worker="w") == "sent"
