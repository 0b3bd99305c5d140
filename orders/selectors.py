"""Reads of the orders domain, always scoped to one partner organisation."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from orders.models import Customer, Order
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


def order_get_for_partner_or_404(*, partner: PartnerOrganisation, public_id: object) -> Order:
    return get_for_partner_or_404(
        Order.objects.select_related(
            "customer", "offer", "placed_by", "subscription"
        ).prefetch_related("subscription__schedules", "outbox_messages"),
        partner=partner,
        public_id=public_id,
    )
