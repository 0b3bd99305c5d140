"""Django admin: the outbox with its attempt log and "Retry now"; invoices, orders and
subscriptions read-only; the remote ids of customers and subscriptions shown, never editable."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from integrations.models import AttemptOutcome, OutboxAttempt, OutboxMessage, OutboxState, Target
from orders.models import Invoice, InvoiceItem, Order
from tests import factories
from tests.world import World

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/integrations/outboxmessage/"


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def order(world: World) -> Order:
    offer = factories.OfferFactory.create(eligible=[world.a1.organisation])
    return factories.place_order(
        organisation=world.a1.organisation, actor=world.a1.member, offer=offer
    )


def zuora_row(order: Order) -> OutboxMessage:
    return OutboxMessage.objects.get(order=order, target=Target.ZUORA)


def fail(message: OutboxMessage) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=OutboxState.FAILED, attempts=5, last_error_code="INVALID_VALUE", last_error="no"
    )


def test_changelist_filters_by_state_target_and_organisation(world: World, order: Order) -> None:
    fail(zuora_row(order))
    client = client_for(world.admin)
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert "INVALID_VALUE" in response.text  # the last error code is a column
    filtered = client.get(
        CHANGELIST,
        {
            "state__exact": "failed",
            "target__exact": "zuora",
            "organisation__id__exact": str(world.a1.organisation.pk),
        },
    )
    assert list(filtered.context["cl"].queryset) == [zuora_row(order)]
    specs = {spec.title for spec in filtered.context["cl"].filter_specs}
    assert {"state", "target", "organisation"} <= {str(title) for title in specs}


def test_change_page_shows_the_attempt_log_and_changes_nothing(world: World, order: Order) -> None:
    message = zuora_row(order)
    fail(message)
    OutboxAttempt.objects.create(
        message=message,
        number=1,
        worker="celery@w1",
        finished_at=timezone.now(),
        outcome=AttemptOutcome.FAILED,
        error_code="INVALID_VALUE",
        error_message="The full fault text",
        remote_ids={"account_id": "8a80abc"},
    )
    client = client_for(world.admin)
    url = f"{CHANGELIST}{message.pk}/change/"
    response = client.get(url)
    assert response.status_code == 200
    assert "The full fault text" in response.text
    assert "8a80abc" in response.text
    assert "celery@w1" in response.text
    assert 'name="state"' not in response.text  # read-only
    assert 'name="attempt_log-0-error_message"' not in response.text
    client.post(url, {"state": "succeeded", "attempts": "0"})
    message.refresh_from_db()
    assert (message.state, message.attempts) == (OutboxState.FAILED, 5)


def test_outbox_rows_cannot_be_added_or_deleted(world: World, order: Order) -> None:
    client = client_for(world.admin)
    assert client.get(f"{CHANGELIST}add/").status_code == 403
    assert client.get(f"{CHANGELIST}{zuora_row(order).pk}/delete/").status_code == 403


def test_retry_now_action_requeues_failed_rows_once(world: World, order: Order) -> None:
    message = zuora_row(order)
    fail(message)
    salesforce = OutboxMessage.objects.get(order=order, target=Target.SALESFORCE)  # pending
    client = client_for(world.admin)
    data = {"action": "retry_now", "_selected_action": [message.pk, salesforce.pk]}
    response = client.post(CHANGELIST, data, follow=True)
    assert "1 row was re-queued." in response.text
    message.refresh_from_db()
    assert (message.state, message.attempts) == (OutboxState.PENDING, 0)
    updated = message.updated_at

    again = client.post(CHANGELIST, data, follow=True)
    assert "0 rows re-queued" in again.text
    message.refresh_from_db()
    assert (message.state, message.updated_at) == (OutboxState.PENDING, updated)


@pytest.fixture
def invoice(world: World, order: Order) -> Invoice:
    subscription = factories.subscription_of(order)
    invoice = Invoice.objects.create(
        organisation=world.a1.organisation,
        zuora_id="2c92inv1",
        zuora_account_id="8a80acct",
        owner="partner",
        number="INV-00000042",
        invoice_date=date(2026, 11, 1),
        due_date=date(2026, 12, 1),
        amount=Decimal("25.00"),
        balance=Decimal("25.00"),
        status="Posted",
        currency="EUR",
        synced_at=timezone.now(),
    )
    InvoiceItem.objects.create(
        organisation=world.a1.organisation,
        invoice=invoice,
        zuora_id="2c92item1",
        subscription=subscription,
        customer=order.customer,
        amount=Decimal("25.00"),
    )
    return invoice


def test_invoices_are_read_only_with_their_items(world: World, invoice: Invoice) -> None:
    client = client_for(world.admin)
    assert "INV-00000042" in client.get("/admin/orders/invoice/").text
    url = f"/admin/orders/invoice/{invoice.pk}/change/"
    response = client.get(url)
    assert response.status_code == 200
    assert "2c92item1" in response.text
    assert 'name="number"' not in response.text
    assert client.post(url, {"number": "changed"}).status_code == 403
    assert client.get("/admin/orders/invoice/add/").status_code == 403
    assert client.get(f"/admin/orders/invoice/{invoice.pk}/delete/").status_code == 403
    invoice.refresh_from_db()
    assert invoice.number == "INV-00000042"


def test_customer_and_subscription_show_remote_ids_read_only(world: World, order: Order) -> None:
    customer = order.customer
    customer.zuora_account_id = "8a80cust"
    customer.salesforce_account_id = "001000000000001"
    customer.salesforce_contact_id = "003000000000001"
    customer.save()
    subscription = factories.subscription_of(order)
    subscription.zuora_subscription_number = "A-S00000007"
    subscription.zuora_subscription_id = "8a80sub"
    subscription.save()
    client = client_for(world.admin)
    text = client.get(f"/admin/orders/customer/{customer.pk}/change/").text
    for value in ("8a80cust", "001000000000001", "003000000000001"):
        assert value in text
    for field in ("zuora_account_id", "salesforce_account_id", "salesforce_contact_id"):
        assert f'name="{field}"' not in text
    text = client.get(f"/admin/orders/subscription/{subscription.pk}/change/").text
    assert "A-S00000007" in text
    assert "8a80sub" in text
    assert 'name="zuora_subscription_number"' not in text


def test_orders_and_subscriptions_are_read_only(world: World, order: Order) -> None:
    client = client_for(world.admin)
    for model, pk in (("order", order.pk), ("subscription", factories.subscription_of(order).pk)):
        url = f"/admin/orders/{model}/{pk}/change/"
        assert client.get(url).status_code == 200, model
        assert client.post(url, {}).status_code == 403, model
        assert client.get(f"/admin/orders/{model}/add/").status_code == 403, model
        assert client.get(f"/admin/orders/{model}/{pk}/delete/").status_code == 403, model
