"""What the customers list shows and sorts by without counting: each customer's active
subscriptions and unpaid balance, stored on the customer.

``customers_recount`` recomputes them from the subscriptions and invoices. Every write that
changes either calls it in its own transaction (the Zuora push that activates a subscription,
the subscription services, the invoice sync), so the stored figures never lag what they count.
Each recount reads one customer's rows through the (customer, …) foreign-key indexes.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Count, DecimalField, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from orders.models import Customer, Invoice, Subscription, SubscriptionStatus


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
