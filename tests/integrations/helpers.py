"""Placing orders and running their pushes in the test process, as a worker would."""

from __future__ import annotations

import time
import uuid
from typing import Any

from django.utils import timezone

from integrations.fake_seed import fakes_seed
from integrations.models import OutboxMessage, OutboxState, Target
from integrations.processing import outbox_process
from offers.models import Offer
from orders.models import Customer, CustomerUpdate, Order
from orders.services import order_place
from partners.models import PartnerOrganisation
from tests import factories
from tests.world import Tenant

DONE = (OutboxState.SUCCEEDED, OutboxState.FAILED)


def sellable_offer(*organisations: PartnerOrganisation, **fields: Any) -> Offer:
    """An offer the organisations may sell, also in the fake Zuora's catalogue."""
    offer = factories.OfferFactory.create(eligible=list(organisations), **fields)
    fakes_seed()
    return offer


def place(
    tenant: Tenant, offer: Offer, *, customer: Customer | None = None, n: int = 1, quantity: int = 3
) -> Order:
    return order_place(
        partner=tenant.organisation,
        actor=tenant.member,
        offer=offer,
        quantity=quantity,
        start_date=timezone.localdate(),
        idempotency_key=uuid.uuid4(),
        customer=customer,
        customer_data=None if customer else factories.new_customer_data(n),
    )


def run_pushes(order: Order | CustomerUpdate, *, timeout: float = 20.0) -> dict[str, OutboxMessage]:
    """Process the order's (or customer update's) outbox rows (Salesforce first, as they are
    enqueued; a change or cancel has a Zuora row only) until each is sent or failed, waiting
    out backoffs like the beat job would."""
    deadline = time.monotonic() + timeout
    rows = (
        OutboxMessage.objects.filter(order=order)
        if isinstance(order, Order)
        else OutboxMessage.objects.filter(customer_update=order)
    )
    while True:
        messages = {m.target: m for m in rows.all()}
        if all(m.state in DONE for m in messages.values()):
            return messages
        if time.monotonic() > deadline:
            raise AssertionError(
                f"pushes not done: {[(m.target, m.state) for m in messages.values()]}"
            )
        for target in (Target.SALESFORCE, Target.ZUORA):
            message = messages.get(target)
            if message is None or message.state in DONE:
                continue
            due = message.next_attempt_at
            if due is not None and due > timezone.now():
                time.sleep(min(0.05, (due - timezone.now()).total_seconds()))
                continue
            outbox_process(message_id=message.pk, worker="test")


def checkout_post(n: int = 1, **overrides: str) -> dict[str, str]:
    """A valid checkout form for a new customer, with a fresh one-time token."""
    data = {
        "customer_mode": "new",
        "company_name": f"Fourth Coffee {n}",
        "first_name": "Fay",
        "last_name": "Fourth",
        "email": f"fay{n}@fourthcoffee.test",
        "phone": "+44 20 7946 0958",
        "address_line1": "4 Bean Street",
        "city": "Leeds",
        "postal_code": "LS1 1AA",
        "country": "GB",
        "quantity": "4",
        "start_date": timezone.localdate().isoformat(),
        "accept_terms": "on",
        "idempotency_key": str(uuid.uuid4()),
    }
    return data | overrides


def assert_synced_once(fakes: Any, order: Order) -> None:
    """Exactly one account, subscription, Salesforce Account and Contact for the order."""
    customer = order.customer
    assert len(zuora_records(fakes, "accounts", AccountNumber=f"EC-{customer.public_id}")) == 1
    assert len(zuora_records(fakes, "subscriptions", Name=f"PP-{order.number}")) == 1
    key = str(customer.public_id)
    assert len(salesforce_records(fakes, "accounts", Portal_Customer_Id__c=key)) == 1
    assert len(salesforce_records(fakes, "contacts", Portal_Contact_Id__c=key)) == 1


def zuora_records(fakes: Any, collection: str, **match: Any) -> list[dict[str, Any]]:
    return [
        r for r in fakes.state("zuora")[collection] if all(r.get(k) == v for k, v in match.items())
    ]


def salesforce_records(fakes: Any, collection: str, **match: Any) -> list[dict[str, Any]]:
    return [
        r
        for r in fakes.state("salesforce")[collection]
        if all(r.get(k) == v for k, v in match.items())
    ]
