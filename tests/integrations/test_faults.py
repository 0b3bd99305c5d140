"""Real APIs fail in ordinary ways; every transient fault recovers to exactly one account and
one subscription, every permanent fault ends failed and visible, nothing is adopted or doubled."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.test.utils import override_settings
from django.utils import timezone

from integrations.fakes.server import Fakes
from integrations.models import AttemptOutcome, OutboxMessage, OutboxState, Target
from integrations.processing import outbox_process
from integrations.sending import outbox_retry_now
from integrations.zuora.client import zuora_client
from orders.models import Order
from partners.models import PartnerOrganisation
from tests import factories
from tests.integrations.helpers import (
    assert_synced_once,
    place,
    run_pushes,
    sellable_offer,
    zuora_records,
)
from tests.world import World

pytestmark = pytest.mark.django_db


def order_for(world: World) -> Order:
    return place(world.a1, sellable_offer(world.a1.organisation))


def codes(message: OutboxMessage) -> list[str]:
    return [a.error_code for a in message.attempt_log.order_by("number") if a.error_code]


@pytest.mark.parametrize(
    ("operation", "rule"),
    [
        ("subscribe", {"fault": "LOCK_COMPETITION", "times": 2}),
        ("subscribe", {"fault": "TEMPORARY_ERROR", "times": 2}),
        ("subscribe", {"fault": "UNKNOWN_ERROR", "times": 1}),
        ("subscribe", {"fault": "REQUEST_EXCEEDED_LIMIT", "times": 1, "retry_after": 1}),
        ("query", {"fault": "HTTP_503", "times": 2}),
        ("subscribe", {"fault": "CONNECTION_RESET", "times": 1}),
        ("*", {"fault": "INVALID_SESSION", "times": 3}),
    ],
)
def test_transient_zuora_fault_recovers_to_one_account_and_subscription(
    world: World, fakes: Fakes, operation: str, rule: dict[str, Any]
) -> None:
    order = order_for(world)
    fakes.faults("zuora", {"operation": operation, **rule})
    messages = run_pushes(order)
    zuora = messages[Target.ZUORA]
    assert zuora.state == OutboxState.SUCCEEDED
    assert_synced_once(fakes, order)
    if rule["fault"] != "INVALID_SESSION":
        assert codes(zuora), "the faults are in the attempt log"


@pytest.mark.parametrize(
    "rule",
    [
        {"operation": "upsert", "fault": "UNABLE_TO_LOCK_ROW", "times": 2},
        {"operation": "upsert", "fault": "SERVER_UNAVAILABLE", "times": 1},
        {"operation": "upsert", "fault": "HTTP_429", "times": 1, "retry_after": 1},
        {"operation": "upsert", "fault": "CONNECTION_RESET", "times": 1},
        {"operation": "*", "fault": "INVALID_SESSION_ID", "times": 1},
        {"operation": "token", "fault": "SERVER_UNAVAILABLE", "times": 1},
    ],
)
def test_transient_salesforce_fault_recovers_to_one_account_and_contact(
    world: World, fakes: Fakes, rule: dict[str, Any]
) -> None:
    order = order_for(world)
    fakes.faults("salesforce", rule)
    messages = run_pushes(order)
    assert messages[Target.SALESFORCE].state == OutboxState.SUCCEEDED
    assert_synced_once(fakes, order)


def test_retry_after_is_honoured_on_the_schedule(world: World, fakes: Fakes) -> None:
    order = order_for(world)
    outbox_process(message_id=order.outbox_messages.get(target=Target.SALESFORCE).pk, worker="t")
    fakes.faults(
        "zuora",
        {
            "operation": "subscribe",
            "fault": "REQUEST_EXCEEDED_LIMIT",
            "times": 1,
            "retry_after": 120,
        },
    )
    zuora = order.outbox_messages.get(target=Target.ZUORA)
    before = timezone.now()
    with override_settings(OUTBOX_RETRY_AFTER_CAP=600.0):
        assert outbox_process(message_id=zuora.pk, worker="t") == "retry"
    zuora.refresh_from_db()
    assert zuora.state == OutboxState.RETRYING
    assert zuora.last_error_code == "REQUEST_EXCEEDED_LIMIT"
    assert zuora.next_attempt_at is not None
    assert zuora.next_attempt_at >= before + timedelta(seconds=119)


def test_salesforce_quota_exhaustion_backs_off_for_minutes(world: World, fakes: Fakes) -> None:
    order = order_for(world)
    fakes.faults("salesforce", {"operation": "upsert", "fault": "REQUEST_LIMIT_EXCEEDED"})
    message = order.outbox_messages.get(target=Target.SALESFORCE)
    before = timezone.now()
    assert outbox_process(message_id=message.pk, worker="t") == "retry"
    message.refresh_from_db()
    assert message.state == OutboxState.RETRYING
    assert message.last_error_code == "REQUEST_LIMIT_EXCEEDED"
    # OUTBOX_LONG_BACKOFF (600 s in the tests' settings): checked on the schedule, not waited.
    assert message.next_attempt_at is not None
    assert message.next_attempt_at >= before + timedelta(seconds=599)


def test_permanent_zuora_fault_fails_visibly_and_retry_now_recovers_once(
    world: World, fakes: Fakes
) -> None:
    order = order_for(world)
    fakes.faults("zuora", {"operation": "subscribe", "fault": "INVALID_VALUE", "times": 1})
    messages = run_pushes(order)
    zuora = messages[Target.ZUORA]
    assert zuora.state == OutboxState.FAILED
    assert zuora.last_error_code == "INVALID_VALUE"
    assert zuora.last_error
    assert zuora.attempt_log.get().outcome == AttemptOutcome.FAILED
    assert not zuora_records(fakes, "subscriptions", Name=f"PP-{order.number}")

    # "Retry now" twice: one re-queue; the push then makes exactly one subscription.
    assert outbox_retry_now(message_ids=[zuora.pk]) == [zuora.pk]
    assert outbox_retry_now(message_ids=[zuora.pk]) == []
    run_pushes(order)
    assert_synced_once(fakes, order)
    # Pressing it on a sent row changes nothing either.
    assert outbox_retry_now(message_ids=[zuora.pk]) == []
    assert len(zuora_records(fakes, "subscriptions", Name=f"PP-{order.number}")) == 1


def test_permanent_salesforce_fault_fails_visibly(world: World, fakes: Fakes) -> None:
    order = order_for(world)
    fakes.faults(
        "salesforce", {"operation": "upsert", "fault": "FIELD_CUSTOM_VALIDATION_EXCEPTION"}
    )
    messages = run_pushes(order)
    salesforce = messages[Target.SALESFORCE]
    assert salesforce.state == OutboxState.FAILED
    assert salesforce.last_error_code == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    # Zuora waited a bounded number of times for the CrmId, then went ahead without it.
    zuora = messages[Target.ZUORA]
    assert zuora.state == OutboxState.SUCCEEDED
    [account] = zuora_records(fakes, "accounts", AccountNumber=f"EC-{order.customer.public_id}")
    assert not account.get("CrmId")


def test_invalid_zuora_id_fails_before_any_call(world: World, fakes: Fakes) -> None:
    order = order_for(world)
    # A row that bypassed validation (the admin refuses it): the push refuses to send it.
    PartnerOrganisation.objects.filter(pk=world.a1.organisation.pk).update(
        zuora_account_id="A00000101"
    )
    messages = run_pushes(order)
    zuora = messages[Target.ZUORA]
    assert zuora.state == OutboxState.FAILED
    assert zuora.last_error_code == "INVALID_ID"
    assert "A00000101" in zuora.last_error
    assert not [c for c in fakes.state("zuora")["calls"] if c["operation"] == "subscribe"]


@override_settings(ZUORA_TIMEOUT=0.5)
def test_a_timed_out_subscribe_that_committed_is_not_made_twice(world: World, fakes: Fakes) -> None:
    order = order_for(world)
    fakes.faults(
        "zuora", {"operation": "subscribe", "fault": "TIMEOUT_COMMIT", "delay_ms": 1500, "times": 1}
    )
    messages = run_pushes(order)
    zuora = messages[Target.ZUORA]
    assert zuora.state == OutboxState.SUCCEEDED
    assert codes(zuora)[0] == "TIMEOUT"
    assert_synced_once(fakes, order)
    subscribes = [c for c in fakes.state("zuora")["calls"] if c["operation"] == "subscribe"]
    assert len(subscribes) == 1, "the retry found the subscription instead of subscribing again"
    factories.subscription_of(order).refresh_from_db()
    [found] = zuora_records(fakes, "subscriptions", Name=f"PP-{order.number}")
    assert factories.subscription_of(order).zuora_subscription_id == found["Id"]


@override_settings(SALESFORCE_TIMEOUT=0.5)
def test_a_timed_out_upsert_that_committed_is_not_made_twice(world: World, fakes: Fakes) -> None:
    order = order_for(world)
    fakes.faults(
        "salesforce",
        {"operation": "upsert", "fault": "TIMEOUT_COMMIT", "delay_ms": 1500, "times": 1},
    )
    messages = run_pushes(order)
    assert messages[Target.SALESFORCE].state == OutboxState.SUCCEEDED
    assert_synced_once(fakes, order)


def test_an_account_number_under_another_parent_is_never_adopted(
    world: World, fakes: Fakes
) -> None:
    order = order_for(world)
    other = world.a2.organisation
    fakes_accounts = {
        "accounts": [{"id": other.zuora_account_id, "name": other.name, "currency": "EUR"}]
    }
    fakes.seed("zuora", fakes_accounts)
    zuora_client().create(
        "Account",
        {
            "AccountNumber": f"EC-{order.customer.public_id}",
            "BillCycleDay": 1,
            "Currency": "EUR",
            "Name": "Somebody else",
            "ParentId": other.zuora_account_id,
            "PaymentTerm": "Net 30",
            "Status": "Draft",
        },
    )
    messages = run_pushes(order)
    zuora = messages[Target.ZUORA]
    assert zuora.state == OutboxState.FAILED
    assert zuora.last_error_code == "ACCOUNT_NOT_OURS"
    assert not zuora_records(fakes, "subscriptions", Name=f"PP-{order.number}")


def test_crm_id_is_set_once_salesforce_succeeds_after_zuora_went_ahead(
    world: World, fakes: Fakes
) -> None:
    order = order_for(world)
    salesforce = order.outbox_messages.get(target=Target.SALESFORCE)
    zuora = order.outbox_messages.get(target=Target.ZUORA)
    # Salesforce is slow to come: Zuora waits its bounded number of times, then goes ahead.
    fakes.faults("salesforce", {"operation": "upsert", "fault": "UNABLE_TO_LOCK_ROW", "times": 1})
    assert outbox_process(message_id=salesforce.pk, worker="t") == "retry"
    outcomes = []
    while (outcome := _process_when_due(zuora)) != "sent":
        outcomes.append(outcome)
    assert outcomes.count("deferred") == 2  # OUTBOX_CRM_WAITS in the tests' settings
    [account] = zuora_records(fakes, "accounts", AccountNumber=f"EC-{order.customer.public_id}")
    assert not account.get("CrmId")
    # Salesforce succeeds: the Zuora row is sent once more, and sets the CrmId by an update.
    messages = run_pushes(order)
    assert messages[Target.ZUORA].state == OutboxState.SUCCEEDED
    order.customer.refresh_from_db()
    [account] = zuora_records(fakes, "accounts", AccountNumber=f"EC-{order.customer.public_id}")
    assert account["CrmId"] == order.customer.salesforce_account_id
    assert_synced_once(fakes, order)


def _process_when_due(message: OutboxMessage) -> str:
    message.refresh_from_db()
    if message.next_attempt_at and message.next_attempt_at > timezone.now():
        time.sleep((message.next_attempt_at - timezone.now()).total_seconds())
    return outbox_process(message_id=message.pk, worker="t")
