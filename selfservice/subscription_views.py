"""A subscription's page, and its change and cancel, under /p/<path_name>/subscriptions/<id>/
(every view wrapped by ``portal_view``; the subscription is resolved within the organisation:
another organisation's answers 404 on every one of these URLs).

A change or cancel is an order: it is *pending* until Zuora has it, then applied on its date
(*scheduled* until then); either blocks another change, and the page says so.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.lists import is_htmx
from orders import selectors
from orders.models import Subscription
from orders.rules import MIN_QUANTITY
from orders.subscriptions import (
    ChangeTiming,
    subscription_can_change,
    subscription_cancel,
    subscription_change,
    subscription_change_preview,
)
from portal_access.context import PartnerContext, portal_view
from selfservice.forms import SubscriptionCancelForm, SubscriptionChangeForm


def _subscription(ctx: PartnerContext, subscription_id: uuid.UUID) -> Subscription:
    return selectors.subscription_get_for_partner_or_404(
        partner=ctx.organisation, public_id=subscription_id
    )


def _status(request: HttpRequest, *, blocked: str, form: Any) -> int:
    """409 for a change posted while another is in flight (the page says which), 400 for a form
    that did not validate, else 200."""
    if request.method != "POST":
        return 200
    if blocked:
        return 409
    return 400 if form.errors else 200


def _detail(ctx: PartnerContext, subscription: Subscription) -> HttpResponse:
    return redirect(
        "portal:subscription",
        path_name=ctx.portal.path_name,
        subscription_id=subscription.public_id,
    )


@require_GET
@portal_view
def subscription_detail(
    request: HttpRequest, ctx: PartnerContext, subscription_id: uuid.UUID
) -> HttpResponse:
    """Offer, quantity, price, dates, status, upcoming schedules, and the trail: every order on
    it with who placed it, when, and its sync attempts."""
    subscription = _subscription(ctx, subscription_id)
    return render(
        request,
        "selfservice/subscription_detail.html",
        {
            "ctx": ctx,
            "subscription": subscription,
            "record": selectors.subscription_record(
                partner=ctx.organisation, subscription=subscription, today=timezone.localdate()
            ),
            "blocked": subscription_can_change(subscription=subscription),
        },
    )


def _preview(subscription: Subscription, form: SubscriptionChangeForm) -> Any:
    """The price per period the form's choices would give, or None while they are incomplete."""
    data = form.cleaned_data if form.is_bound and form.is_valid() else None
    if data is None:
        return None
    return subscription_change_preview(
        subscription=subscription,
        offer=data["offer"],
        quantity=data["quantity"],
        timing=ChangeTiming(data["timing"]),
        today=timezone.localdate(),
    )


@require_http_methods(["GET", "POST"])
@portal_view
def subscription_change_view(
    request: HttpRequest, ctx: PartnerContext, subscription_id: uuid.UUID
) -> HttpResponse:
    """Another offer of the same label and/or another quantity, today or at the next billing
    date, with the new price per period shown before confirming."""
    subscription = _subscription(ctx, subscription_id)
    blocked = subscription_can_change(subscription=subscription)
    if request.method == "POST" and not blocked:
        form = SubscriptionChangeForm(request.POST, subscription=subscription)
        if form.is_valid():
            try:
                order = subscription_change(
                    partner=ctx.organisation,
                    actor=ctx.user,
                    subscription=subscription,
                    offer=form.cleaned_data["offer"],
                    quantity=form.cleaned_data["quantity"],
                    timing=ChangeTiming(form.cleaned_data["timing"]),
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("Change %(number)s is placed; billing confirms it shortly.")
                    % {"number": order.number},
                )
                return _detail(ctx, subscription)
    elif request.GET.get("preview"):
        # htmx: the preview for what the form holds so far (never saved).
        form = SubscriptionChangeForm(request.GET, subscription=subscription)
    else:
        form = SubscriptionChangeForm(
            subscription=subscription,
            initial={
                "offer": subscription.offer.code,
                "quantity": max(subscription.quantity, MIN_QUANTITY),
                "timing": ChangeTiming.NEXT_BILLING,
                "idempotency_key": uuid.uuid4(),
            },
        )
    context = {
        "ctx": ctx,
        "subscription": subscription,
        "form": form,
        "blocked": blocked,
        "preview": _preview(subscription, form),
    }
    if is_htmx(request) and request.GET.get("preview"):
        return render(request, "selfservice/partials/change_preview.html", context)
    return render(
        request,
        "selfservice/subscription_change.html",
        context,
        status=_status(request, blocked=blocked, form=form),
    )


@require_http_methods(["GET", "POST"])
@portal_view
def subscription_cancel_view(
    request: HttpRequest, ctx: PartnerContext, subscription_id: uuid.UUID
) -> HttpResponse:
    """Cancel at the end of the term or on a chosen date, with a reason."""
    subscription = _subscription(ctx, subscription_id)
    blocked = subscription_can_change(subscription=subscription)
    form = SubscriptionCancelForm(request.POST or None, initial={"idempotency_key": uuid.uuid4()})
    if request.method == "POST" and not blocked and form.is_valid():
        try:
            order = subscription_cancel(
                partner=ctx.organisation,
                actor=ctx.user,
                subscription=subscription,
                timing=form.cleaned_data["timing"],
                on_date=form.cleaned_data["on_date"],
                reason=form.cleaned_data["reason"],
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Cancellation %(number)s is placed; billing confirms it shortly.")
                % {"number": order.number},
            )
            return _detail(ctx, subscription)
    return render(
        request,
        "selfservice/subscription_cancel.html",
        {"ctx": ctx, "subscription": subscription, "form": form, "blocked": blocked},
        status=_status(request, blocked=blocked, form=form),
    )
