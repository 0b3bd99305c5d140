"""Correcting a customer's contact and billing address, under
/p/<path_name>/customers/<id>/edit/ (wrapped by ``portal_view``; the customer is resolved within
the organisation: another organisation's answers 404)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from orders import selectors
from orders.services import DuplicateCustomerError, customer_update
from portal_access.context import PartnerContext, portal_view
from selfservice.forms import CustomerEditForm


@require_http_methods(["GET", "POST"])
@portal_view
def customer_edit(
    request: HttpRequest, ctx: PartnerContext, customer_id: uuid.UUID
) -> HttpResponse:
    """The customer's details in a form; saved, the correction goes to Zuora and Salesforce
    through the outbox and the customer page shows its sync state. A refused submit answers
    400 with what was typed kept."""
    customer = selectors.customer_get_for_partner_or_404(
        partner=ctx.organisation, public_id=customer_id
    )
    if request.method == "POST":
        form = CustomerEditForm(request.POST)
        if form.is_valid():
            try:
                customer_update(
                    partner=ctx.organisation,
                    actor=ctx.user,
                    customer=customer,
                    data=form.customer_data(),
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
            except DuplicateCustomerError:
                form.add_error("email", _("Another of your customers has this email address."))
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request, _("The details are saved; billing and the CRM are updated shortly.")
                )
                return redirect(
                    "portal:customer", path_name=ctx.portal.path_name, customer_id=customer_id
                )
    else:
        form = CustomerEditForm(
            initial={**CustomerEditForm.initial_for(customer), "idempotency_key": uuid.uuid4()}
        )
    return render(
        request,
        "selfservice/customer_edit.html",
        {"ctx": ctx, "customer": customer, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )
