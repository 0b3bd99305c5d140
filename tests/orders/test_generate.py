"""``orders_generate`` at a tiny scale: the rows it COPYs, the stored figures it computes in SQL
afterwards (each customer's active subscriptions and unpaid balance, the invoice summaries)
agree with what the rows say, the indexes it dropped are back, and it refuses a second run."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from orders.management.commands.orders_generate import TABLES
from orders.models import (
    Customer,
    Invoice,
    InvoiceItem,
    InvoiceSummary,
    Subscription,
    SubscriptionStatus,
)
from partners.models import PartnerOrganisation
from tests import factories
from tests.world import World

pytestmark = pytest.mark.django_db

TINY = {
    "organisations": 5,
    "invoices": 1_300,
    "big_customers": 60,
    "big_invoices": 600,
    "small_invoices": 100,
}


def _indexes() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [list(TABLES)]
        )
        return set(cursor.fetchall())


def _generate(world: World) -> str:
    factories.OfferFactory.create(eligible=[world.a1.organisation])
    out = StringIO()
    call_command(
        "orders_generate",
        big=world.a1.organisation.name,
        small=world.b1.organisation.name,
        stdout=out,
        **TINY,
    )
    return out.getvalue()


def test_generates_the_rows_with_their_figures_and_summaries(world: World) -> None:
    before = _indexes()
    output = _generate(world)

    assert "generate and COPY the rows:" in output  # each step says how long it took
    assert _indexes() == before  # every index and constraint rebuilt as it was
    big, small = world.a1.organisation, world.b1.organisation
    assert Invoice.objects.count() == TINY["invoices"]
    assert Invoice.objects.filter(organisation=big).count() == TINY["big_invoices"]
    assert Customer.objects.filter(organisation=big).count() == TINY["big_customers"]
    assert Invoice.objects.filter(organisation=small).count() == TINY["small_invoices"]
    assert (
        PartnerOrganisation.objects.filter(invoices__isnull=False).distinct().count()
        == TINY["organisations"]
    )
    # Subscriptions and items in proportion; the mix the pages filter on.
    assert TINY["big_customers"] <= Subscription.objects.filter(organisation=big).count()
    assert InvoiceItem.objects.count() > Invoice.objects.count()
    assert set(Invoice.objects.values_list("owner", flat=True)) == {"partner", "end_customer"}
    assert Invoice.objects.values("currency").distinct().count() >= 3
    assert Invoice.objects.filter(balance=0).exists()
    today = timezone.localdate()
    assert Invoice.objects.filter(balance__gt=0, due_date__gte=today).exists()  # unpaid
    assert Invoice.objects.filter(balance__gt=0, due_date__lt=today).exists()  # overdue
    assert Invoice.objects.filter(customer__isnull=True).exists()  # several customers
    # Each invoice is the sum of its items.
    sums = InvoiceItem.objects.values("invoice_id").annotate(total=Sum("amount"))
    amounts = dict(Invoice.objects.values_list("id", "amount"))
    assert {row["invoice_id"]: row["total"] for row in sums} == amounts

    # The stored figures are what the rows say.
    active = Counter(
        Subscription.objects.filter(status=SubscriptionStatus.ACTIVE).values_list(
            "customer_id", flat=True
        )
    )
    unpaid: dict[int, Decimal] = {}
    for customer_id, balance in Invoice.objects.filter(
        balance__gt=0, customer__isnull=False
    ).values_list("customer_id", "balance"):
        unpaid[customer_id] = unpaid.get(customer_id, Decimal(0)) + balance
    for customer_id, subscriptions, balance in Customer.objects.values_list(
        "id", "active_subscriptions", "unpaid_balance"
    ):
        assert subscriptions == active.get(customer_id, 0)
        assert balance == unpaid.get(customer_id, Decimal(0))
    assert Customer.objects.filter(unpaid_balance__gt=0).exists()

    expected: dict[tuple[object, ...], tuple[int, Decimal, Decimal]] = {}
    for invoice in Invoice.objects.all():
        key = (
            invoice.organisation_id,
            invoice.owner,
            "unpaid" if invoice.balance > 0 else "paid",
            invoice.currency,
            invoice.invoice_date.replace(day=1),
        )
        n, amount, balance = expected.get(key, (0, Decimal(0), Decimal(0)))
        expected[key] = (n + 1, amount + invoice.amount, balance + invoice.balance)
    summaries = {
        (s.organisation_id, s.owner, s.payment_state, s.currency, s.month): (
            s.count,
            s.amount,
            s.balance,
        )
        for s in InvoiceSummary.objects.all()
    }
    assert summaries == expected


def test_refuses_a_second_run(world: World) -> None:
    _generate(world)
    with pytest.raises(CommandError, match="once per database"):
        _generate(world)
