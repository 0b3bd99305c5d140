"""/account/: the end customer's self-service page. A person signed in with email and password
sees, read-only, the subscriptions and invoices of the customer records (at any partner) whose
email is one of their verified addresses, with who sold each and the invoices' PDFs. Invoices a
partner owns list other customers and never show here; another person's invoice answers 404.

Also where a signed-in user without a portal lands (a partner member whose portal is not open
yet is told so).
"""

from __future__ import annotations

import uuid

from allauth.account.models import EmailAddress
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from orders import selectors
from partners.selectors import membership_for_user
from selfservice.files import invoice_pdf_response


def verified_emails(request: HttpRequest) -> list[str]:
    """The signed-in person's verified addresses: only those name their customer records."""
    return list(
        EmailAddress.objects.filter(user_id=request.user.pk, verified=True).values_list(
            "email", flat=True
        )
    )


@require_GET
@login_required
def account(request: HttpRequest) -> HttpResponse:
    emails = verified_emails(request)
    return render(
        request,
        "selfservice/account.html",
        {
            "membership": membership_for_user(user=request.user),
            "subscriptions": selectors.account_subscriptions(emails=emails),
            "invoices": selectors.account_invoices(emails=emails),
            "rows_cap": selectors.ACCOUNT_ROWS,
            "today": timezone.localdate(),
        },
    )


@require_GET
@login_required
def account_invoice_pdf(request: HttpRequest, invoice_id: uuid.UUID) -> HttpResponse:
    invoice = selectors.account_invoice_get_or_404(
        emails=verified_emails(request), public_id=invoice_id
    )
    return invoice_pdf_response(request, invoice, back_url=reverse("account"))
