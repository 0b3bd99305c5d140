"""The partner's order page: where each record is being sent, in words a partner can act on (never
the vendor's error text), the Zuora subscription number and the subscription's invoices."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from integrations.models import OutboxMessage, OutboxState, Target
from orders.models import Invoice, InvoiceItem, Order, SubscriptionStatus
from partners.models import PartnerOrganisation
from tests import factories
from tests.world import Tenant, World

pytestmark = pytest.mark.django_db


def place(tenant: Tenant) -> Order:
    offer = factories.OfferFactory.create(eligible=[tenant.organisation])
    return factories.place_order(organisation=tenant.organisation, actor=tenant.member, offer=offer)


@pytest.fixture
def order(world: World) -> Order:
    return place(world.a1)


@pytest.fixture
def client_a1(world: World) -> Client:
    client = Client()
    client.force_login(world.a1.member)
    return client


def url(order: Order) -> str:
    return f"/p/alpha/orders/{order.public_id}/"


def set_state(order: Order, target: str, state: str, **fields: Any) -> None:
    OutboxMessage.objects.filter(order=order, target=target).update(state=state, **fields)


def sync_item(text: str, target: str) -> str:
    match = re.search(rf'<li [^>]*data-target="{target}".*?</li>', text, re.S)
    assert match, target
    return match.group(0)


def test_new_order_is_waiting_to_be_sent(client_a1: Client, order: Order) -> None:
    text = client_a1.get(url(order)).text
    for target in (Target.SALESFORCE, Target.ZUORA):
        assert "Waiting to be sent" in sync_item(text, target)
    assert "Billing confirms the subscription once the order reaches Zuora." in text
    assert 'data-testid="invoices"' not in text


def test_sending_is_shown(client_a1: Client, order: Order) -> None:
    set_state(order, Target.ZUORA, OutboxState.IN_PROGRESS)
    assert "Sending" in sync_item(client_a1.get(url(order)).text, Target.ZUORA)


def test_retrying_shows_the_next_attempt_time(client_a1: Client, order: Order) -> None:
    next_at = timezone.localtime().replace(hour=14, minute=5, second=0, microsecond=0)
    set_state(order, Target.ZUORA, OutboxState.RETRYING, next_attempt_at=next_at, attempts=2)
    item = sync_item(client_a1.get(url(order)).text, Target.ZUORA)
    assert "Retrying" in item
    assert f'next attempt at <time datetime="{next_at.isoformat()}">14:05</time>' in item


def test_retrying_on_another_day_shows_the_date(client_a1: Client, order: Order) -> None:
    next_at = timezone.localtime().replace(hour=9, minute=30) + timedelta(days=2)
    set_state(order, Target.ZUORA, OutboxState.RETRYING, next_attempt_at=next_at)
    item = sync_item(client_a1.get(url(order)).text, Target.ZUORA)
    assert "next attempt on <time datetime=" in item
    assert next_at.strftime("%-d %b %Y, 09:30") in item


def test_failed_says_the_vendor_is_on_it_and_never_the_error(
    client_a1: Client, order: Order
) -> None:
    set_state(
        order,
        Target.SALESFORCE,
        OutboxState.FAILED,
        last_error_code="FIELD_CUSTOM_VALIDATION_EXCEPTION",
        last_error="Traceback: secret internal detail at sf.example/services",
    )
    text = client_a1.get(url(order)).text
    item = sync_item(text, Target.SALESFORCE)
    assert "Failed" in item
    assert "The vendor's team has been notified and will resolve it." in item
    assert "FIELD_CUSTOM_VALIDATION_EXCEPTION" not in text
    assert "secret internal detail" not in text


def test_sent_to_zuora_shows_when_the_number_and_active_billing(
    client_a1: Client, order: Order
) -> None:
    sent_at = timezone.localtime().replace(microsecond=0) - timedelta(minutes=3)
    set_state(order, Target.ZUORA, OutboxState.SUCCEEDED, sent_at=sent_at)
    subscription = factories.subscription_of(order)
    subscription.status = SubscriptionStatus.ACTIVE
    subscription.zuora_subscription_number = "A-S00000123"
    subscription.save()
    text = client_a1.get(url(order)).text
    item = sync_item(text, Target.ZUORA)
    assert "Sent" in item
    assert f'Sent on <time datetime="{sent_at.isoformat()}">' in item
    assert '<dd class="col-7" data-testid="subscription-number">A-S00000123</dd>' in text
    assert "The subscription is active in billing." in text
    assert "Billing confirms the subscription" not in text
    # Salesforce still waiting: its own state, unaffected.
    assert "Waiting to be sent" in sync_item(text, Target.SALESFORCE)


def test_states_are_words_not_only_colours(client_a1: Client, order: Order) -> None:
    set_state(order, Target.ZUORA, OutboxState.FAILED)
    set_state(order, Target.SALESFORCE, OutboxState.SUCCEEDED, sent_at=timezone.now())
    text = client_a1.get(url(order)).text
    assert re.search(r'class="badge text-bg-danger">Failed<', sync_item(text, Target.ZUORA))
    assert re.search(r'class="badge text-bg-success">Sent<', sync_item(text, Target.SALESFORCE))


def invoice_for(
    organisation: PartnerOrganisation, number: str, *, n: int, **fields: Any
) -> Invoice:
    return Invoice.objects.create(
        organisation=organisation,
        zuora_id=f"2c92inv{number}",
        zuora_account_id="8a80acct",
        owner="partner",
        number=number,
        invoice_date=date(2026, 11, n),
        due_date=date(2026, 12, n),
        amount=Decimal("25.00"),
        balance=Decimal("10.00"),
        status="Posted",
        currency="EUR",
        synced_at=timezone.now(),
        **fields,
    )


def in_zuora(order: Order) -> None:
    """The subscription as the Zuora push leaves it (invoices are pulled only after that)."""
    subscription = factories.subscription_of(order)
    subscription.zuora_subscription_id = f"8a80sub{order.pk}"
    subscription.status = SubscriptionStatus.ACTIVE
    subscription.save()


def test_invoices_of_the_subscription_are_listed(
    client_a1: Client, world: World, order: Order
) -> None:
    in_zuora(order)
    subscription = factories.subscription_of(order)
    organisation = world.a1.organisation
    invoice_for(organisation, "INV-1", n=1, subscription=subscription, customer=order.customer)
    # A partner-owned invoice covering several customers: linked through its item.
    shared = invoice_for(organisation, "INV-2", n=2)
    InvoiceItem.objects.create(
        organisation=organisation,
        invoice=shared,
        zuora_id="item-2",
        subscription=subscription,
        amount=Decimal("25.00"),
    )
    other_order = place(world.a1)
    invoice_for(organisation, "INV-OTHER", n=3, subscription=factories.subscription_of(other_order))
    text = client_a1.get(url(order)).text
    table = re.search(r'<table [^>]*data-testid="invoices".*?</table>', text, re.S)
    assert table
    rows = re.findall(r'<tr data-testid="invoice">.*?</tr>', table.group(0), re.S)
    numbers = [re.findall(r"<td>(INV-[^<]+)</td>", row) for row in rows]
    assert numbers == [["INV-2"], ["INV-1"]]
    assert "2 Nov 2026" in rows[0]
    assert "€25.00" in rows[0]
    assert "€10.00" in rows[0]
    assert "Posted" in rows[0]
    assert "INV-OTHER" not in text


def test_another_organisations_invoice_is_not_listed(
    client_a1: Client, world: World, order: Order
) -> None:
    # Not reachable through the UI, but the page must not trust a link: scoped to the partner.
    in_zuora(order)
    stray = invoice_for(world.a2.organisation, "INV-A2", n=4)
    InvoiceItem.objects.create(
        organisation=world.a2.organisation,
        invoice=stray,
        zuora_id="item-a2",
        subscription=factories.subscription_of(order),
        amount=Decimal("1.00"),
    )
    assert "INV-A2" not in client_a1.get(url(order)).text


# The session and portal context, the order with its schedules and outbox rows, the invoices:
# the same whatever the number of rows.
ORDER_PAGE_QUERIES = 10


@pytest.mark.parametrize("invoices", [0, 1, 8])
def test_queries_do_not_grow_with_invoices(
    client_a1: Client,
    world: World,
    order: Order,
    invoices: int,
    django_assert_max_num_queries: Any,
) -> None:
    in_zuora(order)
    for n in range(1, invoices + 1):
        invoice_for(
            world.a1.organisation, f"INV-{n}", n=n, subscription=factories.subscription_of(order)
        )
    set_state(order, Target.ZUORA, OutboxState.RETRYING, next_attempt_at=timezone.now())
    client_a1.get(url(order))  # warm the session
    with django_assert_max_num_queries(ORDER_PAGE_QUERIES):
        response = client_a1.get(url(order))
    assert response.text.count('data-testid="invoice"') == invoices
    assert response.text.count('data-testid="sync-state"') == 2
