"""Push a correction of a customer's details to Salesforce: their Account (name, billing
address) and Contact (names, email, phone, mailing address), by the ids stored on the customer.

Idempotent: both calls *set* values (``PATCH sobjects/X/<id>``), with the customer's values as
stored now, so a call that timed out after Salesforce applied it, retried, writes the same
values again and creates nothing.
"""

from __future__ import annotations

from integrations.models import Target
from integrations.salesforce.client import salesforce_client
from integrations.salesforce.push import account_fields, contact_fields
from integrations.sending import Claim
from integrations.zuora.customer import WaitForFirstPush, first_push_pending, update_customer


def salesforce_customer_update_push(claim: Claim) -> dict[str, str]:
    """Update the customer's Account and Contact. Raises ``WaitForFirstPush`` while the first
    order's push may still make them, ``IntegrationError`` on any fault. A customer whose first
    push failed has nothing to correct yet: its retry upserts the corrected values."""
    customer = update_customer(claim.message)
    if first_push_pending(customer=customer, target=Target.SALESFORCE):
        raise WaitForFirstPush("Waiting for the first order's push to make the Salesforce Account.")
    account_id, contact_id = customer.salesforce_account_id, customer.salesforce_contact_id
    client = salesforce_client()
    if account_id:
        client.record_update("Account", account_id, account_fields(customer))
    if contact_id and account_id:
        client.record_update("Contact", contact_id, contact_fields(customer, account_id=account_id))
    return {"salesforce_account_id": account_id, "salesforce_contact_id": contact_id}
