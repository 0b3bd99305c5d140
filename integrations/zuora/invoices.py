"""Pull invoices from Zuora into ``orders.Invoice`` (upserted by Zuora id: a pull never
duplicates). After a subscribe the worker pulls the subscription's invoices; a beat job pulls
every organisation's accounts' invoices (and the partner's own, when it owns invoices)."""

from __future__ import annotations

import logging
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.validators import is_zuora_id
from integrations.zuora.client import ZuoraClient
from orders.aggregates import customers_recount, invoice_summaries_move, summary_share
from orders.models import Customer, Invoice, InvoiceItem, Subscription
from partners.models import InvoiceOwner, PartnerOrganisation

logger = logging.getLogger(__name__)


def _date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def _account_ids(partner: PartnerOrganisation) -> list[str]:
    """Every Zuora account whose invoices belong to ``partner``'s pages."""
    accounts: set[str] = set()
    if partner.owns_invoices:
        accounts.add(partner.zuora_account_id)
    accounts.update(
        Customer.objects.filter(organisation=partner)
        .exclude(zuora_account_id="")
        .values_list("zuora_account_id", flat=True)
    )
    accounts.update(
        Subscription.objects.filter(organisation=partner)
        .exclude(zuora_account_id="")
        .values_list("zuora_account_id", flat=True)
    )
    return sorted(a for a in accounts if is_zuora_id(a))


def invoice_upsert(
    *, partner: PartnerOrganisation, record: dict[str, Any], items: list[dict[str, Any]]
) -> Invoice | None:
    """Create or update one invoice and its items; ``None`` if it is not ``partner``'s.

    The invoice's account must be the partner's own or one of its subscriptions' accounts, and
    its items' subscriptions must be the partner's: another tenant's invoice is never attached.
    """
    account_id = record.get("AccountId") or ""
    subscription_ids = {item.get("SubscriptionId") for item in items if item.get("SubscriptionId")}
    subscriptions = {
        sub.zuora_subscription_id: sub
        for sub in Subscription.objects.filter(
            organisation=partner, zuora_subscription_id__in=subscription_ids
        ).select_related("offer")
    }
    own_account = account_id == partner.zuora_account_id
    if not own_account and not (
        Subscription.objects.filter(organisation=partner, zuora_account_id=account_id).exists()
    ):
        logger.warning("Invoice %s: account %s is not %s's", record.get("Id"), account_id, partner)
        return None
    linked = list({sub.pk: sub for sub in subscriptions.values()}.values())
    single = linked[0] if len(linked) == 1 else None
    customers = {sub.customer_id for sub in linked}
    if own_account:
        currency = partner.zuora_account_currency
    else:
        currency = linked[0].offer.currency if linked else ""
    invoice_date = _date(record.get("InvoiceDate")) or timezone.localdate()
    with transaction.atomic():
        existing = Invoice.objects.filter(zuora_id=record["Id"]).first()
        if existing is not None and existing.organisation_id != partner.pk:
            logger.error("Invoice %s belongs to another organisation; not moved", record["Id"])
            return None
        invoice, _created = Invoice.objects.update_or_create(
            zuora_id=record["Id"],
            defaults={
                "organisation": partner,
                "zuora_account_id": account_id,
                "owner": InvoiceOwner.PARTNER if own_account else InvoiceOwner.END_CUSTOMER,
                "number": record.get("InvoiceNumber") or record["Id"],
                "invoice_date": invoice_date,
                "due_date": _date(record.get("DueDate")) or invoice_date,
                "amount": _decimal(record.get("Amount")),
                "balance": _decimal(record.get("Balance")),
                "status": record.get("Status") or "",
                "currency": currency or (existing.currency if existing else ""),
                "customer_id": next(iter(customers)) if len(customers) == 1 else None,
                "subscription": single,
                "synced_at": timezone.now(),
            },
        )
        for item in items:
            sub = subscriptions.get(item.get("SubscriptionId") or "")
            InvoiceItem.objects.update_or_create(
                zuora_id=item["Id"],
                defaults={
                    "organisation": partner,
                    "invoice": invoice,
                    "zuora_subscription_id": item.get("SubscriptionId") or "",
                    "subscription": sub,
                    "customer_id": sub.customer_id if sub else None,
                    "amount": _decimal(item.get("ChargeAmount")),
                    "quantity": item.get("Quantity"),
                    "service_start_date": _date(item.get("ServiceStartDate")),
                    "service_end_date": _date(item.get("ServiceEndDate")),
                },
            )
        # The customers' unpaid balances and the invoice totals, in the transaction that
        # changed what they sum.
        invoice_summaries_move(
            old=summary_share(existing) if existing is not None else None,
            new=summary_share(invoice),
        )
        touched = {invoice.customer_id, existing.customer_id if existing else None}
        customers_recount(customer_ids=[pk for pk in touched if pk is not None])
    return invoice


INVOICE_FIELDS = "Id, AccountId, InvoiceNumber, InvoiceDate, DueDate, Amount, Balance, Status"


def _pull(client: ZuoraClient, partner: PartnerOrganisation, record: dict[str, Any]) -> bool:
    items = client.invoice_items(record["Id"])
    return invoice_upsert(partner=partner, record=record, items=items) is not None


def invoices_pull_for_subscription(
    *, client: ZuoraClient, partner: PartnerOrganisation, zuora_subscription_id: str
) -> int:
    """Pull the invoices that bill ``zuora_subscription_id`` (wherever their owner is)."""
    if not is_zuora_id(zuora_subscription_id):
        return 0
    invoice_ids = {
        item["InvoiceId"]
        for item in client.query(
            f"select Id, InvoiceId from InvoiceItem where SubscriptionId = "  # noqa: S608 - a checked Zuora id
            f"'{zuora_subscription_id}'"
        )
        if item.get("InvoiceId")
    }
    pulled = 0
    for invoice_id in sorted(invoice_ids):
        records = client.query(
            f"select {INVOICE_FIELDS} from Invoice where Id = '{invoice_id}'"  # noqa: S608 - a Zuora id
        )
        for record in records:
            pulled += _pull(client, partner, record)
    return pulled


def invoices_sync(*, client: ZuoraClient, partner: PartnerOrganisation) -> int:
    """Pull every invoice of ``partner``'s accounts; return how many were stored."""
    pulled = 0
    for account_id in _account_ids(partner):
        for record in client.invoices_for_account(account_id):
            pulled += _pull(client, partner, record)
    return pulled


def organisations_to_sync() -> QuerySet[PartnerOrganisation]:
    return PartnerOrganisation.objects.filter(is_active=True).order_by("pk")
