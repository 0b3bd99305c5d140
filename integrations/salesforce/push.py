"""Push an order's end customer to Salesforce: their Account and Contact, upserted by external
id (our customer's public id), so a retry after any fault updates what an earlier try made."""

from __future__ import annotations

from django.db import transaction
from django_countries import countries

from integrations.models import OutboxMessage, OutboxState, Target
from integrations.salesforce.client import salesforce_client
from integrations.sending import Claim, outbox_reopen, outbox_wake
from orders.models import Customer


def _street(customer: Customer) -> str:
    return "\n".join(line for line in (customer.address_line1, customer.address_line2) if line)


def account_fields(customer: Customer) -> dict[str, str]:
    fields = {
        "Name": customer.company_name,
        "Phone": customer.phone,
        "BillingStreet": _street(customer),
        "BillingCity": customer.city,
        "BillingPostalCode": customer.postal_code,
        "BillingState": customer.region,
        "BillingCountry": str(countries.name(customer.country)),
    }
    partner_account = customer.organisation.salesforce_account_id
    if partner_account:
        # The partner's own Account is the parent of its end customers' (seed 000).
        fields["ParentId"] = partner_account
    return fields


def contact_fields(customer: Customer, *, account_id: str) -> dict[str, str]:
    return {
        "FirstName": customer.first_name,
        "LastName": customer.last_name,
        "Email": customer.email,
        "Phone": customer.phone,
        "AccountId": account_id,
        "MailingStreet": _street(customer),
        "MailingCity": customer.city,
        "MailingPostalCode": customer.postal_code,
        "MailingState": customer.region,
        "MailingCountry": str(countries.name(customer.country)),
    }


def salesforce_push(claim: Claim) -> dict[str, str]:
    """Upsert the customer's Account (ParentId = the partner's, when set) and Contact, store
    both ids on the customer, and have Zuora's CrmId set if the Zuora push went ahead without
    it."""
    message = claim.message
    customer = Customer.objects.select_related("organisation").get(orders__pk=message.order_pk)
    client = salesforce_client()
    external_id = str(customer.public_id)
    account_id = client.account_upsert(external_id=external_id, fields=account_fields(customer))
    contact_id = client.contact_upsert(
        external_id=external_id, fields=contact_fields(customer, account_id=account_id)
    )
    with transaction.atomic():
        Customer.objects.filter(pk=customer.pk).update(
            salesforce_account_id=account_id, salesforce_contact_id=contact_id
        )
        _relink_zuora(message, account_id=account_id)
    return {"salesforce_account_id": account_id, "salesforce_contact_id": contact_id}


def _relink_zuora(message: OutboxMessage, *, account_id: str) -> None:
    """Hand the Salesforce Account id to the order's Zuora push.

    A Zuora push waiting for it (deferred) is woken now rather than at the end of its wait. One
    that went ahead without it (it waits a bounded number of times) is sent once more: the
    retry finds the account and sets its CrmId.
    """
    zuora = (
        OutboxMessage.objects.filter(order_id=message.order_pk, target=Target.ZUORA)
        .prefetch_related("attempt_log")
        .first()
    )
    if zuora is None:
        return
    if zuora.state == OutboxState.PENDING and zuora.waits:
        outbox_wake(message_id=zuora.pk)
        return
    if zuora.state != OutboxState.SUCCEEDED:
        return
    sent = [a for a in zuora.attempt_log.all() if a.remote_ids.get("zuora_account_id")]
    if sent and sent[-1].remote_ids.get("crm_id") != account_id:
        outbox_reopen(message_id=zuora.pk)
