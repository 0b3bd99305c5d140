"""Push a new order to Zuora: the end customer's account under the partner's parent account, and
the subscription with the invoice owner the partner organisation is configured for.

Idempotent at every step: keys come from public ids and the order number (never from
auto-increment ids alone), and every create is preceded by a query, because Zuora documents that
a subscribe() that timed out on our side still completes on theirs. A record found by a query
must be ours (the expected parent, the expected account), or the row fails permanently: we never
adopt another customer's record.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from core.validators import is_zuora_id
from integrations.errors import IntegrationError, PushWait
from integrations.models import OutboxMessage, OutboxState, Target
from integrations.sending import Claim
from integrations.zuora.client import SubscribeResult, ZuoraClient, zuora_client
from integrations.zuora.customer import contact_fields
from integrations.zuora.invoices import invoices_pull_for_subscription
from orders.aggregates import customers_recount
from orders.models import Customer, Order, Subscription, SubscriptionStatus
from partners.models import PartnerOrganisation

logger = logging.getLogger(__name__)


class WaitForSalesforce(PushWait):
    """The Salesforce Account id (the account's CrmId) is not known yet: try again shortly."""


def account_number(*, order: Order, subscription: Subscription) -> str:
    """``EC-`` + the customer's public id (1:1 mapping: one account per end customer, reused by
    later orders) or the subscription's (one account per subscription)."""
    if order.organisation.one_to_one_account_mapping:
        return f"EC-{order.customer.public_id}"
    return f"EC-{subscription.public_id}"


def subscription_name(order: Order) -> str:
    return f"{settings.ZUORA_NAME_PREFIX}{order.number}"


def permanent_error(code: str, message: str) -> IntegrationError:
    return IntegrationError(message, code=code, permanent=True)


def check_ids(order: Order) -> None:
    """Refuse, before any call, ids a real tenant would refuse (zeep does not check patterns):
    the organisation's account and the order's offer's rate plan and charge."""
    values = {
        "the organisation's Zuora account id": order.organisation.zuora_account_id,
        "the offer's Zuora product rate plan id": order.offer.zuora_product_rate_plan_id,
        "the offer's Zuora product rate plan charge id": (
            order.offer.zuora_product_rate_plan_charge_id
        ),
    }
    for label, value in values.items():
        if not is_zuora_id(value):
            raise permanent_error(
                "INVALID_ID",
                f"{label[0].upper()}{label[1:]} “{value}” is not a Zuora id (32 letters and "
                "digits, or a number). Correct it in the admin, then retry.",
            )


def _new_account(
    customer: Customer, *, number: str, partner: PartnerOrganisation, crm_id: str, currency: str
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "AccountNumber": number,
        "AutoPay": False,
        "Batch": settings.ZUORA_BATCH,
        "BillCycleDay": settings.ZUORA_BILL_CYCLE_DAY,
        "Currency": currency,
        "Name": customer.company_name,
        "ParentId": partner.zuora_account_id,
        "PaymentTerm": settings.ZUORA_PAYMENT_TERM,
    }
    if crm_id:
        fields["CrmId"] = crm_id
    return fields


def _bill_to(customer: Customer) -> dict[str, Any]:
    # The same fields a correction sends (zuora/customer.py); a new contact just omits the
    # empty optional ones instead of clearing them.
    fields, _cleared = contact_fields(customer)
    return fields


def _subscription_fields(order: Order, subscription: Subscription) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "AutoRenew": subscription.auto_renew,
        "ContractAcceptanceDate": subscription.start_date,
        "ContractEffectiveDate": subscription.start_date,
        "InitialTerm": order.term_months,
        "InitialTermPeriodType": "Month",
        "Name": subscription_name(order),
        "RenewalTerm": order.term_months,
        "RenewalTermPeriodType": "Month",
        "ServiceActivationDate": subscription.start_date,
        "TermStartDate": subscription.start_date,
        "TermType": "TERMED",
    }
    if order.organisation.owns_invoices:
        # The partner receives the invoices; omitted, the end customer (the owner) does.
        fields["InvoiceOwnerId"] = order.organisation.zuora_account_id
    return fields


def _salesforce_settled(message: OutboxMessage) -> bool:
    """Whether Salesforce is done with this order (sent or failed): waiting cannot help."""
    pending = OutboxMessage.objects.filter(
        order_id=message.order_pk, target=Target.SALESFORCE
    ).exclude(state__in=[OutboxState.SUCCEEDED, OutboxState.FAILED])
    return not pending.exists()


def _find_account(
    client: ZuoraClient, *, number: str, partner: PartnerOrganisation
) -> dict[str, Any] | None:
    account = client.account_by_number(number)
    if account is not None and account.get("ParentId") != partner.zuora_account_id:
        raise permanent_error(
            "ACCOUNT_NOT_OURS",
            f"Zuora account {number} ({account.get('Id')}) exists under parent "
            f"{account.get('ParentId') or 'none'}, not under this partner's account "
            f"{partner.zuora_account_id}. It is not used; resolve the clash in Zuora.",
        )
    return account


def _find_subscription(
    client: ZuoraClient, *, name: str, account: dict[str, Any] | None
) -> dict[str, Any] | None:
    found = client.subscription_by_name(name)
    if found is None:
        return None
    if account is None or found.get("AccountId") != account.get("Id"):
        raise permanent_error(
            "SUBSCRIPTION_NOT_OURS",
            f"A Zuora subscription named {name} ({found.get('Id')}) already exists under "
            f"account {found.get('AccountId')}, not this customer's. It is not used; another "
            "environment may share this tenant with the same ZUORA_NAME_PREFIX.",
        )
    return found


def zuora_push(claim: Claim) -> dict[str, str]:
    """Find or create the end customer's account, find or make the subscription, store the ids
    back and pull the invoice. Raises ``WaitForSalesforce`` while the CrmId is worth waiting
    for, ``IntegrationError`` on any fault."""
    message = claim.message
    order = Order.objects.select_related("organisation", "customer", "offer", "subscription").get(
        pk=message.order_pk
    )
    subscription = order.subscription
    if subscription is None:
        raise permanent_error("NO_SUBSCRIPTION", f"{order.number} names no subscription.")
    partner = order.organisation
    customer = order.customer
    check_ids(order)
    crm_id = customer.salesforce_account_id
    if (
        not crm_id
        and message.waits < settings.OUTBOX_CRM_WAITS
        and not _salesforce_settled(message)
    ):
        raise WaitForSalesforce("Waiting for the Salesforce Account id (the account's CrmId).")

    client = zuora_client()
    number = account_number(order=order, subscription=subscription)
    name = subscription_name(order)
    account = _find_account(client, number=number, partner=partner)
    if account is not None and crm_id and account.get("CrmId") != crm_id:
        client.update("Account", account["Id"], {"CrmId": crm_id})
    found = _find_subscription(client, name=name, account=account)
    if found is not None:
        result = SubscribeResult(
            account_id=found["AccountId"],
            account_number=number,
            subscription_id=found["Id"],
            subscription_number=found.get("Name") or name,
            invoice_id=None,
        )
    else:
        common: dict[str, Any] = {
            "subscription": _subscription_fields(order, subscription),
            "rate_plan_id": order.offer.zuora_product_rate_plan_id,
            "charge_id": order.offer.zuora_product_rate_plan_charge_id,
            "quantity": order.quantity,
            "generate_invoice": settings.ZUORA_GENERATE_INVOICE,
        }
        if account is not None:
            result = client.subscribe(account_id=account["Id"], **common)
        else:
            result = client.subscribe(
                account=_new_account(
                    customer, number=number, partner=partner, crm_id=crm_id, currency=order.currency
                ),
                bill_to=_bill_to(customer),
                **common,
            )

    # Salesforce may have answered while we worked: set the CrmId now rather than later.
    latest_crm = Customer.objects.filter(pk=customer.pk).values_list(
        "salesforce_account_id", flat=True
    )[0]
    if (
        latest_crm
        and latest_crm != crm_id
        and (account is None or account.get("CrmId") != latest_crm)
    ):
        client.update("Account", result.account_id, {"CrmId": latest_crm})
        crm_id = latest_crm

    # A subscription is made as version 1; one found may have been amended since.
    version = int(found.get("Version") or 1) if found is not None else 1
    with transaction.atomic():
        stored = Subscription.objects.filter(pk=subscription.pk)
        stored.update(
            zuora_account_id=result.account_id,
            zuora_subscription_number=result.subscription_number,
        )
        # This push may run again later (to set the CrmId): it never moves the subscription
        # back from a version a change made, nor back to active once cancelled.
        stored.filter(Q(zuora_version__isnull=True) | Q(zuora_version__lte=version)).update(
            zuora_subscription_id=result.subscription_id, zuora_version=version
        )
        stored.filter(status=SubscriptionStatus.PENDING).update(status=SubscriptionStatus.ACTIVE)
        if partner.one_to_one_account_mapping:
            Customer.objects.filter(pk=customer.pk).update(zuora_account_id=result.account_id)
        customers_recount(customer_ids=[customer.pk])

    try:
        invoices_pull_for_subscription(
            client=client, partner=partner, zuora_subscription_id=result.subscription_id
        )
    except IntegrationError as exc:
        # The subscription is made and stored; the invoice sync (beat) brings the invoice.
        logger.warning("Order %s: its invoices are not pulled yet: %s", order.number, exc)
    return {
        "zuora_account_id": result.account_id,
        "zuora_account_number": number,
        "zuora_subscription_id": result.subscription_id,
        "zuora_subscription_number": result.subscription_number,
        "crm_id": crm_id,
    }
