"""Reads of the orders domain, always scoped to one partner organisation."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q

from orders.models import Customer, Invoice, InvoiceItem, Order, Subscription
from partners.models import PartnerOrganisation
from partners.scoping import get_for_partner_or_404, scope_to_partner

PICKER_SIZE = 50


@dataclass(frozen=True)
class CustomerPage:
    customers: list[Customer]
    has_more: bool


def customer_picker(*, partner: PartnerOrganisation, query: str = "") -> CustomerPage:
    """A page of the partner's customers for the checkout's picker, optionally searched.

    Only one page is ever loaded (the picker is searched, not scrolled), so its cost does not
    grow with the partner's number of customers.
    """
    customers = scope_to_partner(Customer.objects.all(), partner=partner)
    query = query.strip()
    if query:
        customers = customers.filter(
            Q(company_name__icontains=query)
            | Q(email__icontains=query)
            | Q(last_name__icontains=query)
        )
    rows = list(customers.order_by("company_name", "id")[: PICKER_SIZE + 1])
    return CustomerPage(customers=rows[:PICKER_SIZE], has_more=len(rows) > PICKER_SIZE)


def customer_get_for_partner(*, partner: PartnerOrganisation, public_id: str) -> Customer | None:
    """The partner's customer with ``public_id``, or None: missing, another organisation's and
    malformed ids look alike (a form names the customer; it gets "choose one of yours")."""
    customers = scope_to_partner(Customer.objects.all(), partner=partner)
    try:
        return customers.filter(public_id=public_id).first()
    except ValidationError:  # not a UUID
        return None


def order_get_for_partner_or_404(*, partner: PartnerOrganisation, public_id: object) -> Order:
    return get_for_partner_or_404(
        Order.objects.select_related(
            "customer", "offer", "placed_by", "subscription"
        ).prefetch_related("schedules", "outbox_messages"),
        partner=partner,
        public_id=public_id,
    )


def invoices_for_subscription(
    *, partner: PartnerOrganisation, subscription: Subscription
) -> list[Invoice]:
    """The invoices billing ``subscription``: those Zuora linked to it whole, and those with an
    item for it (an invoice the partner owns covers many subscriptions). One query, and none
    before Zuora has the subscription: the invoice pull links invoices by its Zuora id only."""
    if not subscription.zuora_subscription_id:
        return []
    billed = InvoiceItem.objects.filter(subscription=subscription).values("invoice_id")
    invoices = Invoice.objects.filter(Q(subscription=subscription) | Q(pk__in=billed))
    return list(scope_to_partner(invoices, partner=partner).order_by("-invoice_date", "-id"))
