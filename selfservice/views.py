"""A partner organisation's customers and invoices, under /p/<path_name>/ (every view wrapped by
``portal_view``; every read through ``orders.selectors``, scoped to the organisation: another
organisation's customer answers 404 like a missing one)."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.keyset import keyset_paginate
from core.lists import list_response, url_for_each
from orders import selectors
from portal_access.context import PartnerContext, portal_view
from selfservice.columns import CUSTOMER_COLUMNS, invoice_table_columns
from selfservice.files import invoice_pdf_response


@require_GET
@portal_view
def customer_list(request: HttpRequest, ctx: PartnerContext) -> HttpResponseBase:
    """Every customer of the organisation: search, sort on every column, keyset pages (the last
    page as fast as the first), CSV of the filtered rows."""
    detail = url_for_each("portal:customer", key="customer_id", path_name=ctx.portal.path_name)
    return list_response(
        request,
        listing=selectors.customer_list(partner=ctx.organisation, filters=request.GET),
        columns=CUSTOMER_COLUMNS,
        template="selfservice/customer_list.html",
        context={"ctx": ctx},
        export_filename="customers",
        default_sort="company",
        paginate=keyset_paginate,
        row_testid="customer-row",
        row_url=lambda customer: detail(customer.public_id),
    )


@require_GET
@portal_view
def customer_detail(
    request: HttpRequest, ctx: PartnerContext, customer_id: uuid.UUID
) -> HttpResponse:
    """A customer: details (and the sync state of their latest correction), subscriptions with
    their sync state, orders, invoices and the invoice totals per currency."""
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
            "latest_update": selectors.customer_latest_update(
                partner=ctx.organisation, customer=customer
            ),
        },
    )


@require_GET
@portal_view
def invoice_list(request: HttpRequest, ctx: PartnerContext) -> HttpResponseBase:
    """The organisation's invoices: balance (paid, unpaid, overdue), date range, customer and
    owner filters; sorts; keyset pages; totals per currency; CSV; each invoice's PDF."""
    today = timezone.localdate()
    listing = selectors.invoice_list(partner=ctx.organisation, filters=request.GET, today=today)
    portal = {"path_name": ctx.portal.path_name}
    return list_response(
        request,
        listing=listing,
        columns=invoice_table_columns(
            today=today,
            customer_url=url_for_each("portal:customer", key="customer_id", **portal),
            pdf_url=url_for_each("portal:invoice_pdf", key="invoice_id", **portal),
        ),
        template="selfservice/invoice_list.html",
        context={
            "ctx": ctx,
            "today": today,
            "totals": selectors.invoice_totals(partner=ctx.organisation, listing=listing),
            "totals_cap": selectors.TOTALS_CAP,
        },
        export_filename="invoices",
        default_sort="-date",
        paginate=keyset_paginate,
        row_testid="invoice-row",
    )


@require_GET
@portal_view
def invoice_pdf(request: HttpRequest, ctx: PartnerContext, invoice_id: uuid.UUID) -> HttpResponse:
    """The invoice's PDF from Zuora: only the owning organisation's (another's answers 404)."""
    invoice = selectors.invoice_get_for_partner_or_404(
        partner=ctx.organisation, public_id=invoice_id
    )
    back = reverse("portal:invoices", kwargs={"path_name": ctx.portal.path_name})
    return invoice_pdf_response(request, invoice, back_url=back)
