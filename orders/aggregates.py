"""What the self-service lists show and sort by without counting: each customer's active
subscriptions and unpaid balance, stored on the customer, and each organisation's invoice totals
per owner, payment state, currency and month (``InvoiceSummary``).

``customers_recount`` recomputes them from the subscriptions and invoices. Every write that
changes either calls it in its own transaction (the Zuora push that activates a subscription,
the subscription services, the invoice sync), so the stored figures never lag what they count.
Each recount reads one customer's rows through the (customer, …) foreign-key indexes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from orders.models import (
    Customer,
    Invoice,
    InvoiceSummary,
    PaymentState,
    Subscription,
    SubscriptionStatus,
)


def customers_recount(*, customer_ids: Iterable[int]) -> None:
    """Recount the active subscriptions and unpaid balance of these customers.

    The unpaid balance is the balance of the invoices that bill this customer alone (a
    partner-owned invoice that covers several customers belongs to none of them).
    """
    ids = sorted(set(customer_ids))
    if not ids:
        return
    active = (
        Subscription.objects.filter(customer=OuterRef("pk"), status=SubscriptionStatus.ACTIVE)
        .order_by()
        .values("customer")
        .annotate(n=Count("pk"))
        .values("n")
    )
    unpaid = (
        Invoice.objects.filter(customer=OuterRef("pk"), balance__gt=0)
        .order_by()
        .values("customer")
        .annotate(total=Sum("balance"))
        .values("total")
    )
    Customer.objects.filter(pk__in=ids).update(
        active_subscriptions=Coalesce(Subquery(active, output_field=IntegerField()), Value(0)),
        unpaid_balance=Coalesce(
            Subquery(unpaid, output_field=DecimalField(max_digits=14, decimal_places=2)),
            Value(Decimal(0)),
        ),
    )


# ------------------------------------------------------------------------------------------------
# The invoices list's totals
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SummaryShare:
    """What one invoice adds to its row of ``InvoiceSummary``."""

    organisation_id: int
    owner: str
    payment_state: str
    currency: str
    month: date
    amount: Decimal
    balance: Decimal


def payment_state_of(balance: Decimal) -> str:
    return PaymentState.UNPAID if balance > 0 else PaymentState.PAID


def summary_share(invoice: Invoice) -> SummaryShare:
    return SummaryShare(
        organisation_id=invoice.organisation_id,
        owner=invoice.owner,
        payment_state=payment_state_of(invoice.balance),
        currency=invoice.currency,
        month=invoice.invoice_date.replace(day=1),
        amount=invoice.amount,
        balance=invoice.balance,
    )


def _add(share: SummaryShare, sign: int) -> None:
    row, _created = InvoiceSummary.objects.get_or_create(
        organisation_id=share.organisation_id,
        owner=share.owner,
        payment_state=share.payment_state,
        currency=share.currency,
        month=share.month,
    )
    # One UPDATE with the arithmetic in SQL: two syncs of the same organisation add up.
    InvoiceSummary.objects.filter(pk=row.pk).update(
        count=F("count") + sign,
        amount=F("amount") + sign * share.amount,
        balance=F("balance") + sign * share.balance,
    )


def invoice_summaries_move(*, old: SummaryShare | None, new: SummaryShare | None) -> None:
    """Move one invoice's share from its old summary row to its new one (a new invoice has no
    old share; an unchanged one moves nothing). Call it in the invoice's transaction."""
    if old == new:
        return
    if old is not None:
        _add(old, -1)
    if new is not None:
        _add(new, +1)
