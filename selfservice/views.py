"""A partner organisation's customers, under /p/<path_name>/ (every view wrapped by
``portal_view``; every read through ``orders.selectors``, scoped to the organisation: another
organisation's customer answers 404 like a missing one)."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.keyset import keyset_paginate
from core.lists import list_response
from orders import selectors
from portal_access.context import PartnerContext, portal_view
from selfservice.columns import CUSTOMER_COLUMNS


@require_GET
@portal_view
def customer_list(request: HttpRequest, ctx: PartnerContext) -> HttpResponseBase:
    """Every customer of the organisation: search, sort on every column, keyset pages (the last
    page as fast as the first), CSV of the filtered rows."""
    return list_response(
        request,
        listing=selectors.customer_list(partner=ctx.organisation, filters=request.GET),
        columns=CUSTOMER_COLUMNS,
        template="selfservice/customer_list.html",
        context={"ctx": ctx},
        export_filename="customers",
        paginate=keyset_paginate,
    )


@require_GET
@portal_view
def customer_detail(
    request: HttpRequest, ctx: PartnerContext, customer_id: uuid.UUID
) -> HttpResponse:
    """A customer: details, subscriptions with their sync state, orders, invoices and the
    invoice totals per currency."""
    customer = selectors.customer_get_for_partner_or_404(
        partner=ctx.organisation, public_id=customer_id
    )
    return render(
        request,
        "selfservice/customer_detail.html",
        {
            "ctx": ctx,
            "customer": customer,
            "record": selectors.customer_record(partner=ctx.organisation, customer=customer),
        },
    )
