"""After the Zuora push: storing the version an amendment made, and applying a change or
cancel to the subscription on its effective date (at once, or by the beat job later)."""

from __future__ import annotations

import logging
from datetime import date

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from integrations.models import OutboxMessage, OutboxState, Target
from orders.aggregates import customers_recount
from orders.models import Order, OrderType, Subscription, SubscriptionStatus
from orders.subscriptions.rules import CHANGE_TYPES

logger = logging.getLogger(__name__)


def _check_change_order(order: Order) -> tuple[int, date]:
    if order.type not in CHANGE_TYPES or order.subscription_id is None:
        raise ValueError(f"{order.number} is not a change or cancel.")
    if order.effective_date is None:  # pragma: no cover - a check constraint forbids it
        raise ValueError(f"{order.number} has no effective date.")
    return order.subscription_id, order.effective_date


@transaction.atomic
def subscription_amendment_synced(
    *, order: Order, zuora_subscription_id: str, zuora_version: int | None, today: date
) -> None:
    """Zuora has the change or cancel: store the subscription version it made (and, for a
    cancel, the date the subscription ends) and apply the order now if it takes effect by
    ``today``; a later one is applied by the beat job on its date.

    Called by the Zuora push, in its transaction. Safe to call again for the same order (a push
    retried after this committed): the stored version never goes back, applying twice is a
    no-op.
    """
    subscription_id, effective = _check_change_order(order)
    subscription = Subscription.objects.select_for_update().get(pk=subscription_id)
    fields = []
    if (
        zuora_version is None
        or subscription.zuora_version is None
        or zuora_version >= subscription.zuora_version
    ):
        subscription.zuora_subscription_id = zuora_subscription_id
        fields.append("zuora_subscription_id")
        if zuora_version is not None:
            subscription.zuora_version = zuora_version
            fields.append("zuora_version")
    if order.type == OrderType.CANCEL:
        subscription.cancellation_date = effective
        fields.append("cancellation_date")
    if fields:
        subscription.save(update_fields=fields)
    if effective <= today:
        order_apply(order=order, today=today)


@transaction.atomic
def order_apply(*, order: Order, today: date | None = None) -> bool:
    """Make a synced change or cancel true of its subscription, on or after its effective date:
    the order's offer and quantity, or the subscription cancelled as of that date. Returns
    whether this call applied it (``False``: it had been applied before).

    The order's row is locked, so the push and the beat job never both apply it; the customer's
    count of active subscriptions is kept in the same transaction.
    """
    today = today or timezone.localdate()
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.applied_at is not None:
        return False
    subscription_id, effective = _check_change_order(locked)
    if effective > today:
        raise ValueError(f"{locked.number} takes effect on {effective}, not before.")
    subscription = Subscription.objects.select_for_update().get(pk=subscription_id)
    if locked.type == OrderType.CHANGE:
        subscription.offer_id = locked.offer_id
        subscription.quantity = locked.quantity
        subscription.save(update_fields=["offer", "quantity"])
    else:
        subscription.cancellation_date = effective
        subscription.status = SubscriptionStatus.CANCELLED
        subscription.save(update_fields=["cancellation_date", "status"])
    locked.applied_at = order.applied_at = timezone.now()
    locked.save(update_fields=["applied_at"])
    customers_recount(customer_ids=[subscription.customer_id])
    return True


def subscription_changes_apply_due(*, today: date) -> int:
    """Apply every synced change and cancel whose effective date has come; how many were.

    The beat job's work, safe to run at any time and as often as wanted. Each order is applied
    in its own transaction: one that fails (logged) does not hold back the others, and the next
    run tries it again.
    """
    synced = OutboxMessage.objects.filter(
        order=OuterRef("pk"), target=Target.ZUORA, state=OutboxState.SUCCEEDED
    )
    # Served by the partial index of changes not applied yet (order_change_unapplied).
    due = (
        Order.objects.filter(
            type__in=CHANGE_TYPES, applied_at__isnull=True, effective_date__lte=today
        )
        .filter(Exists(synced))
        .order_by("effective_date", "created_at", "id")
    )
    applied = 0
    for order in list(due):
        try:
            applied += order_apply(order=order, today=today)
        except Exception:
            logger.exception("Could not apply %s; the next run tries again.", order.number)
    return applied
