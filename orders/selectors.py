"""Reads of the orders domain, always scoped to one partner organisation."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Lower
from django.http import Http404

from core.lists import Filtered
from orders.filters import BalanceState, CustomerFilter, InvoiceFilter
from orders.models import (
    Customer,
    CustomerUpdate,
    Invoice,
    InvoiceItem,
    InvoiceSummary,
    Order,
    Schedule,
    Subscription,
)
from orders.subscriptions.rules import (
    change_order_synced,
    current_terms,
    subscription_blocking_order,
)
from partners.models import InvoiceOwner, PartnerOrganisation
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


# ------------------------------------------------------------------------------------------------
# The customers list and page
# ------------------------------------------------------------------------------------------------
def customer_list(
    *, partner: PartnerOrganisation, filters: Mapping[str, Any] | None
) -> Filtered[Customer]:
    """Every customer of the organisation (members and supervisors alike), searched and sorted;
    by account name unless a sort is asked for."""
    customers = scope_to_partner(Customer.objects.all(), partner=partner).order_by(
        "company_name", "id"
    )
    filterset = CustomerFilter(filters, queryset=customers)
    return Filtered(rows=filterset.qs, form=filterset.form)


def customer_exists_for_partner(*, partner: PartnerOrganisation) -> bool:
    """Has the organisation any customer at all (the list's empty state says which it is)?"""
    return scope_to_partner(Customer.objects.all(), partner=partner).exists()


def customer_get_for_partner_or_404(*, partner: PartnerOrganisation, public_id: object) -> Customer:
    return get_for_partner_or_404(Customer.objects.all(), partner=partner, public_id=public_id)


def customer_latest_update(
    *, partner: PartnerOrganisation, customer: Customer
) -> CustomerUpdate | None:
    """The customer's newest correction of its details, with its outbox rows (the customer
    page shows their sync state per system)."""
    return (
        CustomerUpdate.objects.filter(organisation=partner, customer=customer)
        .prefetch_related("outbox_messages")
        .order_by("-created_at", "-id")
        .first()
    )


# The customer page shows this many of the newest orders and invoices, with a link to the rest.
CUSTOMER_PAGE_ROWS = 20


@dataclass(frozen=True)
class CurrencyTotals:
    currency: str
    invoiced: Decimal
    outstanding: Decimal

    @property
    def paid(self) -> Decimal:
        return self.invoiced - self.outstanding


@dataclass(frozen=True)
class CustomerRecord:
    """What the customer page shows: the subscriptions (each with its orders, newest first, and
    their outbox rows), the newest orders and invoices, and the invoice totals per currency."""

    subscriptions: list[Subscription]
    orders: list[Order]
    more_orders: bool
    invoices: list[Invoice]
    more_invoices: bool
    totals: list[CurrencyTotals]


def customer_record(*, partner: PartnerOrganisation, customer: Customer) -> CustomerRecord:
    """Seven queries, whatever the customer's history: subscriptions, their orders and outbox
    rows; the newest orders and their outbox rows; the newest invoices; the totals."""
    trail = Order.objects.order_by("-created_at", "-id").prefetch_related("outbox_messages")
    subscriptions = list(
        scope_to_partner(Subscription.objects.filter(customer=customer), partner=partner)
        .select_related("offer")
        .prefetch_related(Prefetch("orders", queryset=trail))
        .order_by("-start_date", "-id")
    )
    orders = list(
        scope_to_partner(Order.objects.filter(customer=customer), partner=partner)
        .select_related("offer", "placed_by")
        .prefetch_related("outbox_messages")
        .order_by("-created_at", "-id")[: CUSTOMER_PAGE_ROWS + 1]
    )
    billed = InvoiceItem.objects.filter(customer=customer).values("invoice_id")
    invoices = list(
        scope_to_partner(
            Invoice.objects.filter(Q(customer=customer) | Q(pk__in=billed)), partner=partner
        ).order_by("-invoice_date", "-id")[: CUSTOMER_PAGE_ROWS + 1]
    )
    totals = [
        CurrencyTotals(
            currency=row["currency"], invoiced=row["invoiced"], outstanding=row["outstanding"]
        )
        for row in scope_to_partner(Invoice.objects.filter(customer=customer), partner=partner)
        .order_by("currency")
        .values("currency")
        .annotate(invoiced=Sum("amount"), outstanding=Sum("balance"))
    ]
    return CustomerRecord(
        subscriptions=subscriptions,
        orders=orders[:CUSTOMER_PAGE_ROWS],
        more_orders=len(orders) > CUSTOMER_PAGE_ROWS,
        invoices=invoices[:CUSTOMER_PAGE_ROWS],
        more_invoices=len(invoices) > CUSTOMER_PAGE_ROWS,
        totals=totals,
    )


# ------------------------------------------------------------------------------------------------
# The invoices list
# ------------------------------------------------------------------------------------------------
def _customer_choices(
    *, partner: PartnerOrganisation, filters: Mapping[str, Any] | None
) -> QuerySet[Customer]:
    """The invoices list's customer filter offers (and accepts) only the customer asked for."""
    customers = scope_to_partner(Customer.objects.all(), partner=partner)
    wanted = (filters or {}).get("customer") or ""
    try:
        return customers.filter(public_id=uuid.UUID(str(wanted)))
    except ValueError:
        return customers.none()


def invoice_list(
    *, partner: PartnerOrganisation, filters: Mapping[str, Any] | None, today: date
) -> Filtered[Invoice]:
    """The organisation's invoices (every owner), filtered, newest first unless sorted."""
    invoices = (
        scope_to_partner(Invoice.objects.all(), partner=partner)
        .select_related("customer")
        .order_by("-invoice_date", "-id")
    )
    filterset = InvoiceFilter(
        filters,
        queryset=invoices,
        choices={"customer": _customer_choices(partner=partner, filters=filters)},
        today=today,
    )
    return Filtered(rows=filterset.qs, form=filterset.form)


def invoice_get_for_partner_or_404(*, partner: PartnerOrganisation, public_id: object) -> Invoice:
    return get_for_partner_or_404(Invoice.objects.all(), partner=partner, public_id=public_id)


# Filters the summary rows cannot answer show totals only below this many matching invoices:
# summing 10,000 rows costs a few milliseconds, a million a second.
TOTALS_CAP = 10_000


@dataclass(frozen=True)
class CurrencyCount:
    currency: str
    count: int
    amount: Decimal
    balance: Decimal


@dataclass(frozen=True)
class InvoiceTotals:
    """The totals of the listed invoices per currency, or ``None`` when the filters select too
    many for an exact sum that the summary cannot give."""

    per_currency: list[CurrencyCount] | None
    from_summary: bool


def _summary_answers(form: Any) -> bool:
    """The summary is kept per owner and paid/unpaid: it answers those filters alone (and no
    filter at all: an unbound form)."""
    if not form.is_bound:
        return True
    if not form.is_valid():
        return False
    data = form.cleaned_data
    dates = data.get("issued")
    return (
        data.get("state") in ("", None, BalanceState.PAID, BalanceState.UNPAID)
        and data.get("customer") is None
        and not (dates and (dates.start or dates.stop))
    )


def invoice_totals(*, partner: PartnerOrganisation, listing: Filtered[Invoice]) -> InvoiceTotals:
    form = listing.form
    if _summary_answers(form):
        rows = scope_to_partner(InvoiceSummary.objects.all(), partner=partner)
        data = form.cleaned_data if form.is_bound else {}
        if owner := data.get("owner"):
            rows = rows.filter(owner=owner)
        if state := data.get("state"):
            rows = rows.filter(payment_state=state)
        totals = (
            rows.order_by("currency")
            .values("currency")
            .annotate(n=Sum("count"), amount=Sum("amount"), balance=Sum("balance"))
        )
        return InvoiceTotals(
            per_currency=[
                CurrencyCount(row["currency"], row["n"], row["amount"], row["balance"])
                for row in totals
                if row["n"]
            ],
            from_summary=True,
        )
    matching = listing.rows.order_by()
    if matching.values("pk")[: TOTALS_CAP + 1].count() > TOTALS_CAP:
        return InvoiceTotals(per_currency=None, from_summary=False)
    sums = (
        matching.values("currency")
        .annotate(n=Count("pk"), amount=Sum("amount"), balance=Sum("balance"))
        .order_by("currency")
    )
    return InvoiceTotals(
        per_currency=[
            CurrencyCount(row["currency"], row["n"], row["amount"], row["balance"]) for row in sums
        ],
        from_summary=False,
    )


# ------------------------------------------------------------------------------------------------
# The end customer's own records (/account/)
# ------------------------------------------------------------------------------------------------
# An end customer has a few records with each partner; past this many the page says so.
ACCOUNT_ROWS = 100


def _own_customers(*, emails: Iterable[str]) -> QuerySet[Customer]:
    """The customer records, at any partner, of these (verified) addresses. Customers' emails
    are stored lower-case; the (lower(email)) index finds them."""
    wanted = sorted({email.strip().lower() for email in emails if email})
    return Customer.objects.alias(email_lower=Lower("email")).filter(email_lower__in=wanted)


def account_subscriptions(*, emails: Iterable[str]) -> list[Subscription]:
    """The person's subscriptions with every partner, newest first, with who sold each."""
    return list(
        Subscription.objects.filter(customer__in=_own_customers(emails=emails))
        .select_related("offer", "organisation", "customer")
        .order_by("-start_date", "-id")[:ACCOUNT_ROWS]
    )


def _own_invoices(*, emails: Iterable[str]) -> QuerySet[Invoice]:
    # An invoice the partner owns lists other customers: it is the partner's, never shown here.
    return Invoice.objects.filter(
        customer__in=_own_customers(emails=emails), owner=InvoiceOwner.END_CUSTOMER
    )


def account_invoices(*, emails: Iterable[str]) -> list[Invoice]:
    return list(
        _own_invoices(emails=emails)
        .select_related("organisation")
        .order_by("-invoice_date", "-id")[:ACCOUNT_ROWS]
    )


def account_invoice_get_or_404(*, emails: Iterable[str], public_id: uuid.UUID) -> Invoice:
    """One of the person's own invoices; anybody else's (and a partner-owned one) is 404."""
    try:
        return _own_invoices(emails=emails).get(public_id=public_id)
    except (Invoice.DoesNotExist, ValidationError) as exc:
        raise Http404("No such invoice.") from exc


# ------------------------------------------------------------------------------------------------
# A subscription's page
# ------------------------------------------------------------------------------------------------
def subscription_get_for_partner_or_404(
    *, partner: PartnerOrganisation, public_id: uuid.UUID
) -> Subscription:
    return get_for_partner_or_404(
        Subscription.objects.select_related("offer", "customer"),
        partner=partner,
        public_id=public_id,
    )


# The page lists this many of the schedules ahead.
UPCOMING_ROWS = 12


@dataclass(frozen=True)
class SubscriptionRecord:
    """The subscription page's reads: its trail (every order on it, newest first, with its
    outbox rows), the schedules ahead, the order whose price it is billed at, and the change or
    cancel not applied yet, if any (pending until Zuora has it, then scheduled)."""

    trail: list[Order]
    upcoming: list[Schedule]
    terms: Order | None
    blocking: Order | None
    blocking_synced: bool

    @property
    def total(self) -> Decimal | None:
        return self.terms.total_per_period if self.terms else None


def subscription_record(
    *, partner: PartnerOrganisation, subscription: Subscription, today: date
) -> SubscriptionRecord:
    """Six queries whatever its history: the trail (with placed-by and offers) and its outbox
    rows, the schedules ahead, and the current terms and the blocking order as
    ``orders.subscriptions`` decides them."""
    trail = list(
        scope_to_partner(Order.objects.filter(subscription=subscription), partner=partner)
        .select_related("placed_by", "offer", "previous_offer")
        .prefetch_related("outbox_messages")
        .order_by("-created_at", "-id")
    )
    upcoming = list(
        scope_to_partner(
            Schedule.objects.filter(
                subscription=subscription, superseded_by__isnull=True, date__gte=today
            ),
            partner=partner,
        ).order_by("date", "id")[:UPCOMING_ROWS]
    )
    blocking = subscription_blocking_order(subscription=subscription)
    synced = blocking is not None and change_order_synced(order=blocking)
    terms = current_terms(subscription)
    return SubscriptionRecord(
        trail=trail, upcoming=upcoming, terms=terms, blocking=blocking, blocking_synced=synced
    )
