"""An order reaches Zuora and Salesforce for each organisation setting: what the fakes hold,
field by field, and what the portal stores back. The real clients talk to the fakes over HTTP."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test.utils import override_settings

from integrations.fakes.server import Fakes
from integrations.models import AttemptOutcome, OutboxState, Target
from integrations.zuora.client import zuora_client
from integrations.zuora.invoices import invoices_sync
from orders.models import Invoice, InvoiceItem, SubscriptionStatus
from partners.models import InvoiceOwner
from tests import factories
from tests.integrations.helpers import (
    place,
    run_pushes,
    salesforce_records,
    sellable_offer,
    zuora_records,
)
from tests.world import World

pytestmark = pytest.mark.django_db

# A valid 18-character id (its last three characters are the checksum of the first 15).
PARTNER_SF_ID = "001AB00000PARTNYA5"


def configure(world: World, *, owner: str, one_to_one: bool, salesforce: bool) -> None:
    org = world.a1.organisation
    org.invoice_owner = owner
    org.one_to_one_account_mapping = one_to_one
    org.salesforce_account_id = PARTNER_SF_ID if salesforce else ""
    org.save()


def test_partner_owns_invoices_with_1to1_mapping_and_salesforce_parent(
    world: World, fakes: Fakes
) -> None:
    configure(world, owner=InvoiceOwner.PARTNER, one_to_one=True, salesforce=True)
    org = world.a1.organisation
    offer = sellable_offer(org, price=Decimal("30.00"))
    order = place(world.a1, offer, quantity=3)
    messages = run_pushes(order)
    assert {t: m.state for t, m in messages.items()} == {
        Target.SALESFORCE: OutboxState.SUCCEEDED,
        Target.ZUORA: OutboxState.SUCCEEDED,
    }
    customer = order.customer
    customer.refresh_from_db()
    external_id = str(customer.public_id)

    # Salesforce: the end customer's Account under the partner's, and its Contact.
    [sf_account] = salesforce_records(fakes, "accounts", Portal_Customer_Id__c=external_id)
    assert sf_account["Name"] == customer.company_name
    assert sf_account["ParentId"] == PARTNER_SF_ID
    assert sf_account["BillingCity"] == "London"
    [sf_contact] = salesforce_records(fakes, "contacts", Portal_Contact_Id__c=external_id)
    assert (sf_contact["FirstName"], sf_contact["LastName"], sf_contact["Email"]) == (
        customer.first_name,
        customer.last_name,
        customer.email,
    )
    assert sf_contact["AccountId"] == sf_account["Id"]
    assert (customer.salesforce_account_id, customer.salesforce_contact_id) == (
        sf_account["Id"],
        sf_contact["Id"],
    )

    # Zuora: the end customer's account under the partner's, with the CrmId; the subscription
    # with the partner as invoice owner; the invoice on the partner's account.
    [account] = zuora_records(fakes, "accounts", AccountNumber=f"EC-{customer.public_id}")
    assert account["ParentId"] == org.zuora_account_id
    assert account["CrmId"] == sf_account["Id"]
    assert (account["Currency"], account["Name"]) == ("EUR", customer.company_name)
    assert account["PaymentTerm"] == "Net 30"
    [subscription_z] = zuora_records(fakes, "subscriptions", Name=f"PP-{order.number}")
    assert subscription_z["AccountId"] == account["Id"]
    assert subscription_z["InvoiceOwnerId"] == org.zuora_account_id
    assert int(subscription_z["InitialTerm"]) == offer.term_months
    [bill_to] = zuora_records(fakes, "contacts", AccountId=account["Id"])
    assert (bill_to["FirstName"], bill_to["WorkEmail"]) == (customer.first_name, customer.email)

    assert customer.zuora_account_id == account["Id"]
    subscription = factories.subscription_of(order)
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE
    assert subscription.zuora_account_id == account["Id"]
    assert subscription.zuora_subscription_id == subscription_z["Id"]

    [invoice] = Invoice.objects.all()
    assert invoice.organisation == org
    assert invoice.owner == InvoiceOwner.PARTNER
    assert invoice.zuora_account_id == org.zuora_account_id
    assert invoice.amount == order.total_per_period == Decimal("90.00")
    assert invoice.currency == "EUR"
    assert (invoice.customer, invoice.subscription) == (customer, subscription)
    [item] = InvoiceItem.objects.all()
    assert (item.subscription, item.customer, item.amount) == (
        subscription,
        customer,
        Decimal("90.00"),
    )
    # The customers list's figures were kept in the same transactions.
    customer.refresh_from_db()
    assert customer.active_subscriptions == 1
    assert customer.unpaid_balance == invoice.balance
    assert invoice.balance > 0

    # Every attempt is logged with what it found or made.
    zuora_attempt = messages[Target.ZUORA].attempt_log.get(outcome=AttemptOutcome.SUCCEEDED)
    assert zuora_attempt.remote_ids["zuora_subscription_id"] == subscription_z["Id"]

    # A second order for the same customer reuses their account (1:1 mapping).
    second = place(world.a1, offer, customer=customer, quantity=1)
    run_pushes(second)
    assert len(zuora_records(fakes, "accounts", AccountNumber=f"EC-{customer.public_id}")) == 1
    [second_z] = zuora_records(fakes, "subscriptions", Name=f"PP-{second.number}")
    assert second_z["AccountId"] == account["Id"]
    # The partner's invoice for the second order covers one subscription too.
    assert Invoice.objects.count() == 2


def test_end_customer_owns_invoices_without_1to1_mapping_or_salesforce_parent(
    world: World, fakes: Fakes
) -> None:
    configure(world, owner=InvoiceOwner.END_CUSTOMER, one_to_one=False, salesforce=False)
    org = world.a1.organisation
    offer = sellable_offer(org, price=Decimal("12.50"))
    first = place(world.a1, offer, quantity=2)
    run_pushes(first)
    second = place(world.a1, offer, customer=first.customer, quantity=4)
    run_pushes(second)
    customer = first.customer
    customer.refresh_from_db()

    [sf_account] = salesforce_records(
        fakes, "accounts", Portal_Customer_Id__c=str(customer.public_id)
    )
    assert sf_account.get("ParentId") in (None, "")

    # One Zuora account per subscription, each under the partner's, each owning its invoices.
    for order in (first, second):
        subscription = factories.subscription_of(order)
        subscription.refresh_from_db()
        [account] = zuora_records(fakes, "accounts", AccountNumber=f"EC-{subscription.public_id}")
        assert account["ParentId"] == org.zuora_account_id
        assert account["CrmId"] == sf_account["Id"]
        [subscription_z] = zuora_records(fakes, "subscriptions", Name=f"PP-{order.number}")
        assert subscription_z["AccountId"] == account["Id"]
        assert subscription_z.get("InvoiceOwnerId") in (None, account["Id"])
        invoice = Invoice.objects.get(subscription=subscription)
        assert invoice.owner == InvoiceOwner.END_CUSTOMER
        assert invoice.zuora_account_id == account["Id"]
        assert invoice.amount == order.total_per_period
        assert invoice.customer == customer
    assert not zuora_records(fakes, "accounts", AccountNumber=f"EC-{customer.public_id}")
    # Without 1:1 mapping the customer has no account of its own.
    assert customer.zuora_account_id == ""
    calls = [c for c in fakes.state("zuora")["calls"] if c["operation"] == "subscribe"]
    assert len(calls) == 2


def test_partner_owns_invoices_without_1to1_mapping(world: World, fakes: Fakes) -> None:
    configure(world, owner=InvoiceOwner.PARTNER, one_to_one=False, salesforce=True)
    org = world.a1.organisation
    offer = sellable_offer(org)
    order = place(world.a1, offer)
    run_pushes(order)
    subscription = factories.subscription_of(order)
    [account] = zuora_records(fakes, "accounts", AccountNumber=f"EC-{subscription.public_id}")
    [subscription_z] = zuora_records(fakes, "subscriptions", Name=f"PP-{order.number}")
    assert subscription_z["InvoiceOwnerId"] == org.zuora_account_id
    assert account["ParentId"] == org.zuora_account_id
    assert Invoice.objects.get().owner == InvoiceOwner.PARTNER


def test_end_customer_owns_invoices_with_1to1_mapping(world: World, fakes: Fakes) -> None:
    configure(world, owner=InvoiceOwner.END_CUSTOMER, one_to_one=True, salesforce=False)
    offer = sellable_offer(world.a1.organisation)
    order = place(world.a1, offer)
    run_pushes(order)
    customer = order.customer
    customer.refresh_from_db()
    [account] = zuora_records(fakes, "accounts", AccountNumber=f"EC-{customer.public_id}")
    assert customer.zuora_account_id == account["Id"]
    invoice = Invoice.objects.get()
    assert (invoice.owner, invoice.zuora_account_id) == (InvoiceOwner.END_CUSTOMER, account["Id"])


def test_invoice_sync_pulls_every_account_and_never_duplicates(world: World, fakes: Fakes) -> None:
    configure(world, owner=InvoiceOwner.END_CUSTOMER, one_to_one=True, salesforce=False)
    org = world.a1.organisation
    offer = sellable_offer(org)
    orders = [place(world.a1, offer, n=n) for n in (1, 2)]
    for order in orders:
        run_pushes(order)
    pulled = {i.zuora_id: (i.amount, i.customer_id) for i in Invoice.objects.all()}
    assert len(pulled) == 2
    Invoice.objects.all().delete()  # as if the pull after subscribe had failed

    assert invoices_sync(client=zuora_client(), partner=org) == 2
    assert invoices_sync(client=zuora_client(), partner=org) == 2  # an upsert: no duplicates
    assert {i.zuora_id: (i.amount, i.customer_id) for i in Invoice.objects.all()} == pulled
    assert InvoiceItem.objects.count() == 2
    # Another organisation's sync brings none of these.
    assert invoices_sync(client=zuora_client(), partner=world.a2.organisation) == 0


# The fake makes its first PDF only after importing fpdf2, which takes seconds on a busy machine.
@override_settings(ZUORA_TIMEOUT=30.0)
def test_the_invoice_pdf_comes_from_zuora(world: World, fakes: Fakes) -> None:
    offer = sellable_offer(world.a1.organisation)
    order = place(world.a1, offer)
    run_pushes(order)
    invoice = Invoice.objects.get()
    assert zuora_client().invoice_pdf(invoice.zuora_id).startswith(b"%PDF")
