"""A correction of a customer's details reaches Zuora (every account of the customer and its
bill-to contact) and Salesforce (the Account and Contact), through the outbox, with the real
clients against the fakes over HTTP."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test.utils import override_settings

from integrations.fakes.server import Fakes
from integrations.models import OutboxMessage, OutboxState, Target
from integrations.processing import outbox_process
from orders.models import Customer, CustomerUpdate, Order, Subscription
from orders.services import CustomerData, customer_update
from tests.integrations.helpers import (
    assert_synced_once,
    place,
    run_pushes,
    salesforce_records,
    sellable_offer,
    zuora_records,
)
from tests.world import World

pytestmark = pytest.mark.django_db

CORRECTED = {
    "company_name": "Renamed Ltd",
    "first_name": "Robin",
    "last_name": "Renamed",
    "email": "robin@renamed.test",
    "phone": "+44 161 496 0000",
    "address_line1": "9 New Road",
    "address_line2": "",
    "city": "Manchester",
    "postal_code": "M1 1AA",
    "region": "Greater Manchester",
    "country": "IE",
}


def correct(world: World, customer: Customer, **changes: str) -> CustomerUpdate:
    data = CustomerData(**{**CORRECTED, **changes})
    return customer_update(
        partner=world.a1.organisation,
        actor=world.a1.member,
        customer=customer,
        data=data,
        idempotency_key=uuid.uuid4(),
    )


def pushed_order(world: World) -> Order:
    order = place(world.a1, sellable_offer(world.a1.organisation))
    messages = run_pushes(order)
    assert all(m.state == OutboxState.SUCCEEDED for m in messages.values())
    order.customer.refresh_from_db()
    return order


def zuora_contact(fakes: Fakes, contact_id: str) -> dict[str, Any]:
    [contact] = zuora_records(fakes, "contacts", Id=contact_id)
    return contact


def assert_zuora_corrected(fakes: Fakes, account: dict[str, Any]) -> None:
    assert account["Name"] == "Renamed Ltd"
    contact = zuora_contact(fakes, account["BillToId"])
    assert (contact["FirstName"], contact["LastName"]) == ("Robin", "Renamed")
    assert (contact["WorkEmail"], contact["WorkPhone"]) == (
        "robin@renamed.test",
        "+44 161 496 0000",
    )
    assert (contact["Address1"], contact["City"], contact["PostalCode"]) == (
        "9 New Road",
        "Manchester",
        "M1 1AA",
    )
    assert (contact["State"], contact["Country"]) == ("Greater Manchester", "Ireland")
    assert not contact.get("Address2"), "an emptied field is cleared (fieldsToNull)"


def assert_salesforce_corrected(fakes: Fakes, customer: Customer) -> None:
    [account] = salesforce_records(fakes, "accounts", Id=customer.salesforce_account_id)
    assert account["Name"] == "Renamed Ltd"
    assert (account["BillingStreet"], account["BillingCity"], account["BillingCountry"]) == (
        "9 New Road",
        "Manchester",
        "Ireland",
    )
    [contact] = salesforce_records(fakes, "contacts", Id=customer.salesforce_contact_id)
    assert (contact["FirstName"], contact["LastName"], contact["Email"], contact["Phone"]) == (
        "Robin",
        "Renamed",
        "robin@renamed.test",
        "+44 161 496 0000",
    )


def test_correction_reaches_the_zuora_account_and_contact_and_salesforce(
    world: World, fakes: Fakes
) -> None:
    order = pushed_order(world)
    customer = order.customer
    # An address line 2 to clear.
    customer.address_line2 = "Floor 2"
    customer.save()
    update = correct(world, customer, address_line2="")
    messages = run_pushes(update)
    assert {t: m.state for t, m in messages.items()} == {
        Target.SALESFORCE: OutboxState.SUCCEEDED,
        Target.ZUORA: OutboxState.SUCCEEDED,
    }
    [account] = zuora_records(fakes, "accounts", Id=customer.zuora_account_id)
    assert_zuora_corrected(fakes, account)
    assert_salesforce_corrected(fakes, customer)
    assert_synced_once(fakes, order)
    assert len(fakes.state("zuora")["contacts"]) == 1
    assert len(fakes.state("salesforce")["contacts"]) == 1


def test_without_1to1_mapping_every_subscriptions_account_is_corrected(
    world: World, fakes: Fakes
) -> None:
    org = world.a1.organisation
    org.one_to_one_account_mapping = False
    org.save()
    offer = sellable_offer(org)
    first = place(world.a1, offer)
    run_pushes(first)
    second = place(world.a1, offer, customer=first.customer)
    run_pushes(second)
    customer = first.customer
    customer.refresh_from_db()
    account_ids = set(
        Subscription.objects.filter(customer=customer).values_list("zuora_account_id", flat=True)
    )
    assert len(account_ids) == 2
    messages = run_pushes(correct(world, customer))
    assert messages[Target.ZUORA].state == OutboxState.SUCCEEDED
    for account_id in account_ids:
        [account] = zuora_records(fakes, "accounts", Id=account_id)
        assert_zuora_corrected(fakes, account)
    assert_salesforce_corrected(fakes, customer)


def test_a_correction_waits_for_the_first_push_to_make_the_accounts(
    world: World, fakes: Fakes
) -> None:
    order = place(world.a1, sellable_offer(world.a1.organisation))
    update = correct(world, order.customer)
    for message in OutboxMessage.objects.filter(customer_update=update):
        assert outbox_process(message_id=message.pk, worker="t") == "deferred"
    number = f"EC-{order.customer.public_id}"
    assert not zuora_records(fakes, "accounts", AccountNumber=number)
    run_pushes(order)
    messages = run_pushes(update)
    assert all(m.state == OutboxState.SUCCEEDED for m in messages.values())
    assert all(m.waits >= 1 for m in messages.values())
    customer = order.customer
    customer.refresh_from_db()
    [account] = zuora_records(fakes, "accounts", Id=customer.zuora_account_id)
    assert_zuora_corrected(fakes, account)
    assert_salesforce_corrected(fakes, customer)
    assert_synced_once(fakes, order)


@override_settings(ZUORA_TIMEOUT=0.5, SALESFORCE_TIMEOUT=0.5)
def test_an_update_that_applied_then_timed_out_is_retried_harmlessly(
    world: World, fakes: Fakes
) -> None:
    order = pushed_order(world)
    customer = order.customer
    update = correct(world, customer)
    fakes.faults(
        "zuora", {"operation": "update", "fault": "TIMEOUT_COMMIT", "delay_ms": 1500, "times": 1}
    )
    fakes.faults(
        "salesforce",
        {"operation": "update", "fault": "TIMEOUT_COMMIT", "delay_ms": 1500, "times": 1},
    )
    messages = run_pushes(update)
    for message in messages.values():
        assert message.state == OutboxState.SUCCEEDED
        first = message.attempt_log.order_by("number").first()
        assert first is not None
        assert first.error_code == "TIMEOUT"
    [account] = zuora_records(fakes, "accounts", Id=customer.zuora_account_id)
    assert_zuora_corrected(fakes, account)
    assert_salesforce_corrected(fakes, customer)
    assert_synced_once(fakes, order)
    assert len(fakes.state("zuora")["contacts"]) == 1
    assert len(fakes.state("salesforce")["contacts"]) == 1


def test_a_transient_fault_is_retried_once_and_recovers(world: World, fakes: Fakes) -> None:
    order = pushed_order(world)
    update = correct(world, order.customer)
    fakes.faults("zuora", {"operation": "update", "fault": "LOCK_COMPETITION", "times": 1})
    fakes.faults("salesforce", {"operation": "update", "fault": "UNABLE_TO_LOCK_ROW", "times": 1})
    messages = run_pushes(update)
    for message in messages.values():
        assert message.state == OutboxState.SUCCEEDED
        assert message.attempts == 2
    customer = order.customer
    [account] = zuora_records(fakes, "accounts", Id=customer.zuora_account_id)
    assert_zuora_corrected(fakes, account)
    assert_salesforce_corrected(fakes, customer)


def test_a_refused_value_fails_the_row_visibly(world: World, fakes: Fakes) -> None:
    order = pushed_order(world)
    update = correct(world, order.customer)
    fakes.faults(
        "salesforce", {"operation": "update", "fault": "FIELD_CUSTOM_VALIDATION_EXCEPTION"}
    )
    messages = run_pushes(update)
    salesforce = messages[Target.SALESFORCE]
    assert salesforce.state == OutboxState.FAILED
    assert salesforce.last_error_code == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    assert messages[Target.ZUORA].state == OutboxState.SUCCEEDED
