from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from integrations.models import Target
from offers.models import Offer
from offers.selectors import checkout_get_or_404
from orders import selectors, services
from orders.forms import EXISTING, NEW, CheckoutForm
from orders.models import SubscriptionStatus
from orders.rules import (
    MAX_QUANTITY,
    MIN_QUANTITY,
    OrderSummary,
    earliest_start_date,
    order_summary,
)
from portal_access.context import PartnerContext, portal_view


def _offer_code(request: HttpRequest) -> str:
    return request.GET.get("offer", "")


def _quantity(value: object) -> int:
    """The quantity to price while the user types: anything unusable shows the nearest order."""
    try:
        return max(MIN_QUANTITY, min(int(str(value)), MAX_QUANTITY))
    except ValueError:
        return MIN_QUANTITY


@require_http_methods(["GET", "POST"])
@portal_view
def checkout(request: HttpRequest, ctx: PartnerContext, checkout_slug: str) -> HttpResponse:
    """Order an offer for an end customer; one submit (or many of the same form) = one order."""
    page, offer = checkout_get_or_404(
        partner=ctx.organisation, slug=checkout_slug, offer_code=_offer_code(request)
    )
    # One "today" per request: the date picker's minimum, the default and the form's check.
    earliest_start = earliest_start_date()
    form_kwargs: dict[str, Any] = {"partner": ctx.organisation, "earliest_start": earliest_start}
    if request.method == "POST":
        # No page of customers: a placed order redirects, and ``clean`` finds the posted one.
        form = CheckoutForm(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                order = services.order_place(
                    partner=ctx.organisation,
                    actor=ctx.user,
                    offer=offer,
                    quantity=form.cleaned_data["quantity"],
                    start_date=form.cleaned_data["start_date"],
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    customer=form.customer,
                    customer_data=form.customer_data(),
                    po_number=form.cleaned_data["po_number"],
                )
            except services.DuplicateCustomerError:
                form.add_error(
                    "email",
                    "One of your customers already has this email address: "
                    "choose them under “An existing customer”.",
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return redirect(
                    "portal:order", path_name=ctx.portal.path_name, order_id=order.public_id
                )
    picker = selectors.customer_picker(
        partner=ctx.organisation, query=request.GET.get("customer_q", "")
    )
    # "New order for this customer" (the customer page) chooses the customer up front.
    chosen = selectors.customer_get_for_partner(
        partner=ctx.organisation, public_id=request.GET.get("customer", "")
    )
    if chosen is not None and chosen not in picker.customers:
        picker = selectors.CustomerPage(
            customers=[chosen, *picker.customers], has_more=picker.has_more
        )
    if request.method == "POST":
        form.set_customer_choices(picker.customers)
    else:
        form = CheckoutForm(
            initial={
                "customer_mode": EXISTING if picker.customers else NEW,
                "existing_customer": str(chosen.public_id) if chosen else "",
                "quantity": MIN_QUANTITY,
                "start_date": earliest_start,
                "idempotency_key": uuid.uuid4(),
            },
            customer_choices=picker.customers,
            **form_kwargs,
        )
    # Known before the form is filled in: say so at once rather than after a rejected submit.
    # After a submit the service's refusal is already among the form's errors; shown once.
    currency_problem = services.offer_currency_problem(offer=offer, partner=ctx.organisation)
    return render(
        request,
        "orders/checkout.html",
        {
            "ctx": ctx,
            "currency_problem": currency_problem,
            "show_currency_problem": bool(currency_problem)
            and currency_problem not in [str(error) for error in form.non_field_errors()],
            "page": page,
            "offer": offer,
            "form": form,
            "picker": picker,
            "summary": _summary(offer, form),
            "NEW": NEW,
            "EXISTING": EXISTING,
        },
    )


def _summary(offer: Offer, form: CheckoutForm) -> OrderSummary:
    raw = form.data.get("quantity") if form.is_bound else form.initial.get("quantity")
    return order_summary(offer=offer, quantity=_quantity(raw or MIN_QUANTITY))


@require_GET
@portal_view
def checkout_summary(request: HttpRequest, ctx: PartnerContext, checkout_slug: str) -> HttpResponse:
    """The order summary for a quantity (htmx swaps it in as the quantity changes)."""
    _page, offer = checkout_get_or_404(
        partner=ctx.organisation, slug=checkout_slug, offer_code=_offer_code(request)
    )
    summary = order_summary(
        offer=offer, quantity=_quantity(request.GET.get("quantity", MIN_QUANTITY))
    )
    return render(request, "orders/partials/checkout_summary.html", {"summary": summary})


@require_GET
@portal_view
def checkout_customers(
    request: HttpRequest, ctx: PartnerContext, checkout_slug: str
) -> HttpResponse:
    """The customer picker's options for a search (htmx swaps them into the select)."""
    checkout_get_or_404(
        partner=ctx.organisation, slug=checkout_slug, offer_code=_offer_code(request)
    )
    picker = selectors.customer_picker(
        partner=ctx.organisation, query=request.GET.get("customer_q", "")
    )
    return render(request, "orders/partials/customer_options.html", {"picker": picker})


@require_GET
@portal_view
def order_detail(request: HttpRequest, ctx: PartnerContext, order_id: uuid.UUID) -> HttpResponse:
    """The confirmation: what the order created and where each record is being sent."""
    order = selectors.order_get_for_partner_or_404(partner=ctx.organisation, public_id=order_id)
    outbox = list(order.outbox_messages.all())
    subscription = order.subscription
    if subscription is None:  # the order service names it in the order's transaction
        raise Http404("This order has no subscription.")
    return render(
        request,
        "orders/order_detail.html",
        {
            "ctx": ctx,
            "order": order,
            "subscription": subscription,
            "schedules": list(order.schedules.all()),
            "outbox": outbox,
            # Billing has the subscription once the Zuora push is through.
            "in_billing": subscription.status == SubscriptionStatus.ACTIVE
            or any(m.target == Target.ZUORA and m.is_done for m in outbox),
            "invoices": selectors.invoices_for_subscription(
                partner=ctx.organisation, subscription=subscription
            ),
            "pricing_url": reverse("portal:pricing", kwargs={"path_name": ctx.portal.path_name}),
        },
    )
