"""An invoice's PDF, fetched from Zuora when asked for (never stored), for the partner's and the
end customer's pages alike."""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from integrations.errors import IntegrationError
from integrations.zuora.client import zuora_client
from orders.models import Invoice

logger = logging.getLogger(__name__)

# Zuora invoice numbers are like INV00001234; anything else is left out of the file name.
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def invoice_pdf_response(request: HttpRequest, invoice: Invoice, *, back_url: str) -> HttpResponse:
    """The PDF as a download; if Zuora cannot be reached in ``ZUORA_PAGE_TIMEOUT`` seconds, or
    has no PDF, a page that says so (503), with the way back."""
    try:
        pdf = zuora_client(timeout=settings.ZUORA_PAGE_TIMEOUT).invoice_pdf(invoice.zuora_id)
    except IntegrationError as exc:
        logger.warning("Invoice %s: no PDF from Zuora (%s: %s)", invoice.pk, exc.code, exc)
        return render(
            request,
            "selfservice/invoice_unavailable.html",
            {"invoice": invoice, "back_url": back_url},
            status=503,
        )
    name = _UNSAFE.sub("-", invoice.number).strip("-") or "invoice"
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
