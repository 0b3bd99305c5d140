"""A subscription's change (another offer of its label, another quantity) and cancel.

The life of a change or cancel order:

1. ``subscription_change`` / ``subscription_cancel`` (``services.py``) write the order, re-plan
   the schedules and write one Zuora outbox row, in one transaction with the subscription row
   locked. The subscription itself does not change yet: the order is *pending*.
2. The Zuora push amends the subscription (Zuora makes a new version of it) and calls
   ``subscription_amendment_synced`` (``apply.py``): the new version is stored, and an order
   effective today or earlier is applied at once; a later one is *scheduled* for its date.
3. ``subscription_changes_apply_due`` (a beat job) applies the scheduled ones when their date
   has come: ``order_apply`` sets the offer and quantity, or cancels the subscription.

An order not applied yet blocks every other change or cancel of its subscription
(``rules.py``: what may change, when, and at what price), so at most one is ever in flight per
subscription and Zuora's versions are made in the portal's order.
"""

from __future__ import annotations

from orders.subscriptions.apply import (
    order_apply,
    subscription_amendment_synced,
    subscription_changes_apply_due,
)
from orders.subscriptions.rules import (
    CancelTiming,
    ChangePreview,
    ChangeTiming,
    cancellation_refusal,
    change_effective_date,
    change_offers,
    change_order_synced,
    subscription_blocking_order,
    subscription_can_change,
    subscription_change_preview,
)
from orders.subscriptions.services import subscription_cancel, subscription_change

__all__ = [
    "CancelTiming",
    "ChangePreview",
    "ChangeTiming",
    "cancellation_refusal",
    "change_effective_date",
    "change_offers",
    "change_order_synced",
    "order_apply",
    "subscription_amendment_synced",
    "subscription_blocking_order",
    "subscription_can_change",
    "subscription_cancel",
    "subscription_change",
    "subscription_change_preview",
    "subscription_changes_apply_due",
]
