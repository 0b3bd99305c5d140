"""What a subscription may become, when, and at what price; what stops it changing.

Read by the change and cancel pages (the lead's) and checked again by ``services.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q, QuerySet, TextChoices
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from integrations.models import OutboxMessage, OutboxState, Target
from offers.models import Offer
from offers.selectors import offers_for_partner
from orders.models import Order, OrderType, Schedule, ScheduleKind, Subscription, SubscriptionStatus
from orders.rules import order_summary, total_per_period
from orders.schedules import add_months

CHANGE_TYPES = (OrderType.CHANGE, OrderType.CANCEL)


class ChangeTiming(TextChoices):
    TODAY = "today", _("Today")
    NEXT_BILLING = "next_billing", _("At the next billing date")


class CancelTiming(TextChoices):
    TERM_END = "term_end", _("At the end of the term")
    ON_DATE = "on_date", _("On a date")


@dataclass(frozen=True)
class ChangePreview:
    """What the subscription would cost per billing period after the change, and from when."""

    offer: Offer
    quantity: int
    unit_price: Decimal
    total_per_period: Decimal
    currency: str
    # The offer's billing period as people read it ("Month", "Year").
    billing_period: str
    effective_date: date
    current_total_per_period: Decimal


def change_offers(*, subscription: Subscription) -> QuerySet[Offer]:
    """The offers ``subscription`` may move to: its label's (upgrades and downgrades of each
    other) in its currency that its organisation may sell, and its own offer (a change of
    quantity only) even once that offer has left the catalogue."""
    current = subscription.offer
    sellable = offers_for_partner(partner=subscription.organisation).filter(
        label=current.label, currency=current.currency
    )
    return Offer.objects.filter(Q(pk__in=sellable.values("pk")) | Q(pk=current.pk)).order_by(
        "display_order", "name"
    )


def change_effective_date(*, subscription: Subscription, timing: ChangeTiming, today: date) -> date:
    """``today``, or the subscription's next billing date after today (its term end when no
    billing is left in the term)."""
    if ChangeTiming(timing) == ChangeTiming.TODAY:
        return today
    next_billing = (
        Schedule.objects.filter(
            subscription=subscription,
            kind=ScheduleKind.BILLING,
            superseded_by__isnull=True,
            date__gt=today,
        )
        .order_by("date")
        .values_list("date", flat=True)
        .first()
    )
    return next_billing or subscription.term_end_date


def billing_cycle(subscription: Subscription, *, period_months: int) -> list[date]:
    """The billing dates of the subscription's term: one a period from its start date.

    A change keeps the cycle (Zuora keeps the bill cycle day and prorates a change made between
    two billing dates), so the first billing at a new price is the next date of the cycle.
    """
    days: list[date] = []
    while (day := add_months(subscription.start_date, len(days) * period_months)) < (
        subscription.term_end_date
    ):
        days.append(day)
    return days


def current_terms(subscription: Subscription) -> Order | None:
    """The order whose price the subscription is billed at now: its new order, or the last
    change applied since."""
    return (
        Order.objects.filter(subscription=subscription)
        .filter(Q(type=OrderType.NEW) | Q(type=OrderType.CHANGE, applied_at__isnull=False))
        .order_by("-created_at", "-id")
        .first()
    )


def change_unit_price(subscription: Subscription, offer: Offer, *, terms: Order | None) -> Decimal:
    """The unit price after a change to ``offer``: the current one for a change of quantity
    (Zuora keeps a charge's price when only its quantity changes), the catalogue's for another
    offer (added as a new product)."""
    if offer.pk == subscription.offer_id and terms is not None:
        return terms.unit_price
    return order_summary(offer=offer, quantity=1).unit_price


def subscription_change_preview(
    *,
    subscription: Subscription,
    offer: Offer,
    quantity: int,
    timing: ChangeTiming,
    today: date,
) -> ChangePreview:
    terms = current_terms(subscription)
    unit_price = change_unit_price(subscription, offer, terms=terms)
    current_unit = terms.unit_price if terms is not None else subscription.offer.price
    return ChangePreview(
        offer=offer,
        quantity=quantity,
        unit_price=unit_price,
        total_per_period=total_per_period(unit_price=unit_price, quantity=quantity),
        currency=offer.currency,
        billing_period=offer.get_billing_period_display(),
        effective_date=change_effective_date(subscription=subscription, timing=timing, today=today),
        current_total_per_period=total_per_period(
            unit_price=current_unit, quantity=subscription.quantity
        ),
    )


def subscription_blocking_order(*, subscription: Subscription) -> Order | None:
    """The change or cancel not applied yet: pending (its Zuora push has not succeeded) or
    scheduled (synced, effective later). At most one exists; it blocks any other change."""
    # Served by the (subscription, -created_at) index.
    return (
        Order.objects.filter(
            subscription=subscription, type__in=CHANGE_TYPES, applied_at__isnull=True
        )
        .order_by("created_at", "id")
        .first()
    )


def change_order_synced(*, order: Order) -> bool:
    """Whether Zuora has the change or cancel (its outbox row was sent)."""
    return OutboxMessage.objects.filter(
        order=order, target=Target.ZUORA, state=OutboxState.SUCCEEDED
    ).exists()


def _blocking_reason(order: Order) -> str:
    when = order.effective_date
    values = {"number": order.number, "date": date_format(when) if when else ""}
    if change_order_synced(order=order):
        if order.type == OrderType.CANCEL:
            text = gettext(
                "The subscription is cancelled as of %(date)s (%(number)s). It cannot change "
                "before then."
            )
        else:
            text = gettext(
                "A change is scheduled for %(date)s (%(number)s). The subscription can change "
                "again once it has taken effect."
            )
    elif order.type == OrderType.CANCEL:
        text = gettext(
            "A cancellation (%(number)s) is waiting for billing to confirm it. The subscription "
            "cannot change meanwhile."
        )
    else:
        text = gettext(
            "A change (%(number)s) is waiting for billing to confirm it. The subscription can "
            "change again once it has taken effect."
        )
    return text % values


def subscription_can_change(*, subscription: Subscription) -> str:
    """ "" when ``subscription`` may be changed or cancelled now, else why not."""
    if subscription.status == SubscriptionStatus.CANCELLED:
        return gettext("This subscription is cancelled: it cannot change any more.")
    if subscription.status != SubscriptionStatus.ACTIVE:
        return gettext(
            "This subscription is not active yet: it can change once billing has confirmed it."
        )
    blocking = subscription_blocking_order(subscription=subscription)
    return "" if blocking is None else _blocking_reason(blocking)


def cancellation_refusal(*, subscription: Subscription, on_date: date, today: date) -> str:
    """ "" when ``subscription`` may be cancelled on ``on_date`` (asked ``today``), else why not.

    An offer with a cancellation window of N days refuses every cancel asked in the last N days
    of the term: the term then runs to its end (and renews, if it does).
    """
    term_end = subscription.term_end_date
    if on_date < today:
        return gettext("The cancellation date cannot be in the past.")
    if on_date > term_end:
        return gettext("The cancellation date cannot be after the end of the term (%(date)s).") % {
            "date": date_format(term_end)
        }
    window = subscription.offer.cancellation_window_days
    if window and today >= term_end - timedelta(days=window):
        return ngettext(
            "%(offer)s cannot be cancelled in the last %(days)d day of its term, and this term "
            "ends on %(date)s.",
            "%(offer)s cannot be cancelled in the last %(days)d days of its term, and this term "
            "ends on %(date)s.",
            window,
        ) % {"offer": subscription.offer.name, "days": window, "date": date_format(term_end)}
    return ""
