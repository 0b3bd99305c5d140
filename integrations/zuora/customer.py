"""Push a correction of a customer's details to Zuora: the name of each of the customer's Zuora
accounts, and their bill-to (and sold-to) contacts.

Idempotent: every call *sets* values (an ``update``, never a create), and the values are the
customer's as stored now, so a call that timed out after Zuora applied it, retried, writes the
same values again and makes nothing new; and two corrections pushed out of order still leave
Zuora with the latest.
"""

from __future__ import annotations

from typing import Any

from django_countries import countries

from integrations.errors import IntegrationError, PushWait
from integrations.models import OutboxMessage, OutboxState, Target
from integrations.sending import Claim
from integrations.zuora.client import zuora_client
from orders.models import Customer, OrderType, Subscription

# Contact fields Zuora takes empty (cleared with fieldsToNull when the correction empties them).
_OPTIONAL_CONTACT_FIELDS = ("Address2", "State")


class WaitForFirstPush(PushWait):
    """The customer's Zuora account (or Salesforce Account) is still being made by the push of
    their first order: the correction waits for it."""


def first_push_pending(*, customer: Customer, target: str) -> bool:
    """Whether a new order of ``customer`` is still on its way to ``target`` (not sent, not
    failed): the records a correction updates may yet appear."""
    return (
        OutboxMessage.objects.filter(
            order__customer=customer, order__type=OrderType.NEW, target=target
        )
        .exclude(state__in=[OutboxState.SUCCEEDED, OutboxState.FAILED])
        .exists()
    )


def contact_fields(customer: Customer) -> tuple[dict[str, Any], list[str]]:
    """The bill-to contact's fields for ``customer``, and the optional ones to clear."""
    fields = {
        "Address1": customer.address_line1,
        "Address2": customer.address_line2,
        "City": customer.city,
        "Country": str(countries.name(customer.country)),
        "FirstName": customer.first_name,
        "LastName": customer.last_name,
        "PostalCode": customer.postal_code,
        "State": customer.region,
        "WorkEmail": customer.email,
        "WorkPhone": customer.phone,
    }
    to_null = [name for name in _OPTIONAL_CONTACT_FIELDS if not fields[name]]
    return {k: v for k, v in fields.items() if k not in to_null}, to_null


def update_customer(message: OutboxMessage) -> Customer:
    """The customer a customer update's row corrects, as stored now (with its organisation)."""
    update = message.customer_update
    if update is None:
        raise ValueError(f"Outbox message {message.pk} is not a customer update's.")
    return Customer.objects.select_related("organisation").get(pk=update.customer_id)


def customer_account_ids(customer: Customer) -> list[str]:
    """The customer's Zuora accounts: its own (1:1 mapping) and each subscription's (the same
    one with 1:1 mapping, one per subscription without)."""
    ids = {customer.zuora_account_id} if customer.zuora_account_id else set()
    ids |= set(
        Subscription.objects.filter(customer=customer)
        .exclude(zuora_account_id="")
        .values_list("zuora_account_id", flat=True)
    )
    return sorted(ids)


def zuora_customer_update_push(claim: Claim) -> dict[str, str]:
    """Set ``Name`` on each of the customer's Zuora accounts and the contact fields on their
    bill-to and sold-to contacts. Raises ``WaitForFirstPush`` while a first order's push may
    still make an account, ``IntegrationError`` on any fault.

    A subscription whose push failed has no account to correct: when that push is retried it
    makes the account from the customer's details as they are then, corrected ones included.
    """
    customer = update_customer(claim.message)
    partner = customer.organisation
    if first_push_pending(customer=customer, target=Target.ZUORA):
        raise WaitForFirstPush("Waiting for the first order's push to make the Zuora account.")
    account_ids = customer_account_ids(customer)
    if not account_ids:
        return {}
    client = zuora_client()
    fields, to_null = contact_fields(customer)
    contacts: list[str] = []
    for account_id in account_ids:
        account = client.account_by_id(account_id)
        if account is None:
            raise IntegrationError(
                f"Zuora account {account_id} stored for {customer.company_name} does not exist.",
                code="INVALID_ID",
                permanent=True,
            )
        if account.get("ParentId") != partner.zuora_account_id:
            raise IntegrationError(
                f"Zuora account {account_id} is not under this partner's account "
                f"{partner.zuora_account_id}; it is left as it is.",
                code="ACCOUNT_NOT_OURS",
                permanent=True,
            )
        client.update("Account", account_id, {"Name": customer.company_name})
        for contact_id in dict.fromkeys(
            c for c in (account.get("BillToId"), account.get("SoldToId")) if c
        ):
            client.update("Contact", contact_id, fields, to_null=to_null)
            contacts.append(contact_id)
    return {"zuora_account_ids": ",".join(account_ids), "zuora_contact_ids": ",".join(contacts)}
