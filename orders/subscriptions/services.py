"""Placing a change or cancel order: validated again, written in one transaction with the
subscription row locked, its schedules re-planned and its Zuora outbox row written."""

from __future__ import annotations

import uuid
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from integrations.outbox import outbox_enqueue
from offers.models import Offer
from orders.models import Order, OrderType, Schedule, ScheduleKind, Subscription
from orders.rules import MAX_QUANTITY, MIN_QUANTITY, total_per_period
from orders.subscriptions.rules import (
    CancelTiming,
    ChangeTiming,
    billing_cycle,
    cancellation_refusal,
    change_effective_date,
    change_offers,
    change_unit_price,
    current_terms,
    subscription_can_change,
)
from partners.models import PartnerOrganisation

MAX_REASON = 500


def _order_for_key(
    *,
    partner: PartnerOrganisation,
    subscription: Subscription,
    order_type: OrderType,
    idempotency_key: uuid.UUID,
) -> Order | None:
    order = Order.objects.filter(idempotency_key=idempotency_key).first()
    if order is None:
        return None
    # A key is a random UUID minted for one form: one of another tenant, another subscription
    # or another kind of order is never legitimate.
    if (order.organisation_id, order.subscription_id, order.type) != (
        partner.pk,
        subscription.pk,
        order_type,
    ):
        raise ValidationError(gettext("This form is not valid any more. Please start again."))
    return order


def _lock(partner: PartnerOrganisation, subscription: Subscription) -> Subscription:
    """The subscription's row, locked until the transaction ends, and checked changeable.

    The lock makes the blocking check and the order's insert one step: a second change of the
    same subscription waits here, then finds the first one's order and is refused.
    """
    if subscription.organisation_id != partner.pk:
        raise ValidationError(gettext("This subscription does not belong to your organisation."))
    locked = (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("offer", "organisation")
        .get(pk=subscription.pk)
    )
    problem = subscription_can_change(subscription=locked)
    if problem:
        raise ValidationError(problem)
    return locked


def _supersede(subscription: Subscription, order: Order, *, on_or_after: date) -> None:
    """Mark the current schedules from ``on_or_after`` on as replaced by ``order``: kept as
    history (the uniqueness of a kind and date holds among current schedules only)."""
    subscription.schedules.filter(superseded_by__isnull=True, date__gte=on_or_after).update(
        superseded_by=order
    )


def subscription_change(
    *,
    partner: PartnerOrganisation,
    actor: User,
    subscription: Subscription,
    offer: Offer,
    quantity: int,
    timing: ChangeTiming,
    idempotency_key: uuid.UUID,
) -> Order:
    """Change ``subscription`` to ``offer`` × ``quantity``, from today or its next billing date.

    Invariants:
    - the subscription is ``partner``'s, active, with no change or cancel in flight;
      ``offer`` is one of ``change_offers``; the quantity keeps ``orders.rules``; something
      changes; otherwise ``ValidationError``;
    - one transaction writes the order, supersedes the schedules from the effective date on,
      plans the new ones (the cycle's billing dates from then to the term end at the new total,
      and the renewal or end) and writes one Zuora outbox row;
    - the same ``idempotency_key`` never makes two orders: a repeated or concurrent submit of
      the form returns the first order;
    - the subscription's offer and quantity change only when the order is applied.
    """
    existing = _order_for_key(
        partner=partner,
        subscription=subscription,
        order_type=OrderType.CHANGE,
        idempotency_key=idempotency_key,
    )
    if existing is not None:
        return existing
    try:
        timing = ChangeTiming(timing)
    except ValueError:
        raise ValidationError(gettext("Choose when the change takes effect.")) from None
    if not MIN_QUANTITY <= quantity <= MAX_QUANTITY:
        raise ValidationError(
            gettext("The quantity must be between %(min)d and %(max)d.")
            % {"min": MIN_QUANTITY, "max": MAX_QUANTITY}
        )
    try:
        return _change_create(
            partner=partner,
            actor=actor,
            subscription=subscription,
            offer=offer,
            quantity=quantity,
            timing=timing,
            idempotency_key=idempotency_key,
        )
    except (IntegrityError, ValidationError):
        # The same form submitted twice at once: the loser either hit the key's unique index
        # or, having waited for the winner's lock, found the winner's order blocking it.
        existing = _order_for_key(
            partner=partner,
            subscription=subscription,
            order_type=OrderType.CHANGE,
            idempotency_key=idempotency_key,
        )
        if existing is not None:
            return existing
        raise


@transaction.atomic
def _change_create(
    *,
    partner: PartnerOrganisation,
    actor: User,
    subscription: Subscription,
    offer: Offer,
    quantity: int,
    timing: ChangeTiming,
    idempotency_key: uuid.UUID,
) -> Order:
    locked = _lock(partner, subscription)
    if not change_offers(subscription=locked).filter(pk=offer.pk).exists():
        raise ValidationError(
            gettext(
                "This offer is not available for this subscription: choose one of its plan's "
                "offers in %(currency)s."
            )
            % {"currency": locked.offer.currency}
        )
    if offer.pk == locked.offer_id and quantity == locked.quantity:
        raise ValidationError(gettext("Nothing would change: choose another offer or quantity."))
    today = timezone.localdate()
    effective = change_effective_date(subscription=locked, timing=timing, today=today)
    if effective < today:
        raise ValidationError(
            gettext("This subscription has no billing date ahead: change it from today.")
        )
    unit_price = change_unit_price(locked, offer, terms=current_terms(locked))
    order = Order.objects.create(
        organisation=partner,
        type=OrderType.CHANGE,
        customer_id=locked.customer_id,
        offer=offer,
        placed_by=actor,
        quantity=quantity,
        unit_price=unit_price,
        currency=offer.currency,
        billing_period=offer.billing_period,
        term_months=offer.term_months,
        po_number="",
        subscription=locked,
        previous_offer_id=locked.offer_id,
        previous_quantity=locked.quantity,
        effective_date=effective,
        terms_accepted_at=timezone.now(),
        idempotency_key=idempotency_key,
    )
    _supersede(locked, order, on_or_after=effective)
    total = total_per_period(unit_price=unit_price, quantity=quantity)
    schedules = [
        Schedule(
            organisation=partner,
            subscription=locked,
            order=order,
            kind=ScheduleKind.BILLING,
            date=day,
            amount=total,
            currency=offer.currency,
        )
        for day in billing_cycle(locked, period_months=offer.period.months)
        if day >= effective
    ]
    schedules.append(
        Schedule(
            organisation=partner,
            subscription=locked,
            order=order,
            kind=ScheduleKind.RENEWAL if locked.auto_renew else ScheduleKind.END,
            date=locked.term_end_date,
        )
    )
    Schedule.objects.bulk_create(schedules)
    outbox_enqueue(order=order)
    return order


def subscription_cancel(
    *,
    partner: PartnerOrganisation,
    actor: User,
    subscription: Subscription,
    timing: CancelTiming,
    on_date: date | None,
    reason: str,
    idempotency_key: uuid.UUID,
) -> Order:
    """Cancel ``subscription`` at its term end or on ``on_date``, for ``reason``.

    Invariants: as for ``subscription_change`` (the tenant's active subscription with nothing
    in flight, one transaction, one Zuora outbox row, the key's first order returned); the date
    keeps ``cancellation_refusal``; a reason of at most 500 characters is required. Schedules
    from the cancel date on are superseded by one cancellation schedule on that date; the
    subscription is cancelled only when the order is applied.
    """
    existing = _order_for_key(
        partner=partner,
        subscription=subscription,
        order_type=OrderType.CANCEL,
        idempotency_key=idempotency_key,
    )
    if existing is not None:
        return existing
    try:
        timing = CancelTiming(timing)
    except ValueError:
        raise ValidationError(gettext("Choose when the subscription ends.")) from None
    if timing == CancelTiming.ON_DATE and on_date is None:
        raise ValidationError(gettext("Choose the cancellation date."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(gettext("Say why the subscription is cancelled."))
    if len(reason) > MAX_REASON:
        raise ValidationError(
            gettext("The reason can be at most %(max)d characters long.") % {"max": MAX_REASON}
        )
    try:
        return _cancel_create(
            partner=partner,
            actor=actor,
            subscription=subscription,
            on_date=on_date if timing == CancelTiming.ON_DATE else None,
            reason=reason,
            idempotency_key=idempotency_key,
        )
    except (IntegrityError, ValidationError):
        existing = _order_for_key(
            partner=partner,
            subscription=subscription,
            order_type=OrderType.CANCEL,
            idempotency_key=idempotency_key,
        )
        if existing is not None:
            return existing
        raise


@transaction.atomic
def _cancel_create(
    *,
    partner: PartnerOrganisation,
    actor: User,
    subscription: Subscription,
    on_date: date | None,
    reason: str,
    idempotency_key: uuid.UUID,
) -> Order:
    locked = _lock(partner, subscription)
    cancel_date = on_date or locked.term_end_date  # none: at the end of the term
    refusal = cancellation_refusal(
        subscription=locked, on_date=cancel_date, today=timezone.localdate()
    )
    if refusal:
        raise ValidationError(refusal)
    # The order repeats the terms the subscription is billed at (a cancel changes no price).
    terms = current_terms(locked)
    order = Order.objects.create(
        organisation=partner,
        type=OrderType.CANCEL,
        customer_id=locked.customer_id,
        offer_id=locked.offer_id,
        placed_by=actor,
        quantity=locked.quantity,
        unit_price=terms.unit_price if terms else locked.offer.price,
        currency=terms.currency if terms else locked.offer.currency,
        billing_period=terms.billing_period if terms else locked.offer.billing_period,
        term_months=terms.term_months if terms else locked.offer.term_months,
        po_number="",
        subscription=locked,
        previous_offer_id=locked.offer_id,
        previous_quantity=locked.quantity,
        effective_date=cancel_date,
        cancel_reason=reason,
        terms_accepted_at=timezone.now(),
        idempotency_key=idempotency_key,
    )
    _supersede(locked, order, on_or_after=cancel_date)
    Schedule.objects.create(
        organisation=partner,
        subscription=locked,
        order=order,
        kind=ScheduleKind.CANCELLATION,
        date=cancel_date,
    )
    outbox_enqueue(order=order)
    return order
