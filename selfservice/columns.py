"""The self-service lists' columns, each declared once: the table's header and the CSV's."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from core.formatting import amount, day, money
from core.lists import Column, choice_label, text
from orders.models import Customer, Invoice
from partners.models import InvoiceOwner

CUSTOMER_COLUMNS: tuple[Column[Customer], ...] = (
    Column(_("Account name"), lambda c: c.company_name, sort="company", link=True),
    Column(_("Contact"), lambda c: c.contact_name, sort="contact"),
    Column(_("Email"), lambda c: c.email, sort="email", cell_class="text-break"),
    Column(
        _("Active subscriptions"), lambda c: c.active_subscriptions, numeric=True, sort="active"
    ),
    Column(
        _("Unpaid balance"),
        lambda c: c.unpaid_balance,
        numeric=True,
        sort="unpaid",
        html=lambda c: text(amount(c.unpaid_balance)),
    ),
    # The CSV keeps ISO dates and plain amounts (spreadsheets read those); the table shows them
    # as the reader writes them (core.formatting).
    Column(
        _("Created"),
        lambda c: timezone.localdate(c.created_at).isoformat(),
        sort="created",
        cell_class="text-nowrap",
        html=lambda c: text(day(c.created_at)),
    ),
    Column(_("Phone"), lambda c: c.phone, in_table=False),
    Column(_("City"), lambda c: c.city, in_table=False),
    Column(_("Country"), lambda c: str(c.country), in_table=False),
    Column(_("Customer id"), lambda c: c.public_id, in_table=False),
)


def _customer(invoice: Invoice) -> str:
    # A partner-owned invoice may bill several customers: it names none of them.
    return invoice.customer.company_name if invoice.customer else ""


INVOICE_COLUMNS: tuple[Column[Invoice], ...] = (
    Column(
        _("Invoice date"),
        lambda i: i.invoice_date.isoformat(),
        sort="date",
        key="date",
        html=lambda i: text(day(i.invoice_date)),
    ),
    Column(
        _("Due date"),
        lambda i: i.due_date.isoformat(),
        sort="due",
        key="due",
        html=lambda i: text(day(i.due_date)),
    ),
    Column(_("Number"), lambda i: i.number, sort="number"),
    Column(_("Customer"), _customer, key="customer"),
    Column(_("Amount"), lambda i: i.amount, numeric=True, sort="amount", key="amount"),
    Column(_("Balance"), lambda i: i.balance, numeric=True, sort="balance", key="balance"),
    Column(_("Status"), lambda i: i.status),
    Column(_("Invoice owner"), lambda i: choice_label(InvoiceOwner, i.owner)),
    Column(_("Currency"), lambda i: i.currency, in_table=False),
    Column(_("Customer id"), lambda i: i.customer.public_id if i.customer else "", in_table=False),
)


def balance_badge(invoice: Invoice, *, today: date) -> str:
    """How an invoice stands, in words (the colour only repeats it), as
    selfservice/partials/balance_badge.html draws it on the account page."""
    if invoice.balance <= 0:
        colour, state, word = "success", "paid", gettext_now("Paid")
    elif invoice.due_date < today:
        colour, state, word = "danger", "overdue", gettext_now("Overdue")
    else:
        colour, state, word = "warning", "unpaid", gettext_now("Unpaid")
    return f'<span class="badge text-bg-{colour}" data-balance="{state}">{word}</span>'


def invoice_table_columns(
    *, today: date, customer_url: Callable[[object], str], pdf_url: Callable[[object], str]
) -> tuple[Column[Invoice], ...]:
    """The invoice columns with the page's cells: the customer's link, the balance's badge and
    the PDF link (shown, not exported)."""
    several = text(gettext_now("Several customers"))
    pdf = text(gettext_now("PDF"))

    def customer(i: Invoice) -> str:
        if i.customer is None:
            return f'<span class="text-body-secondary">{several}</span>'
        return f'<a href="{customer_url(i.customer.public_id)}">{text(i.customer.company_name)}</a>'

    cells: dict[str, Callable[[Invoice], str]] = {
        "customer": customer,
        "amount": lambda i: text(money(i.amount, i.currency)),
        "balance": lambda i: (
            f"{text(money(i.balance, i.currency))} {balance_badge(i, today=today)}"
        ),
    }
    nowrap = {"date", "due", "amount", "balance"}
    columns = [
        dataclasses.replace(
            column,
            html=cells.get(column.key, column.html),
            cell_class="text-nowrap" if column.key in nowrap else column.cell_class,
        )
        for column in INVOICE_COLUMNS
    ]
    columns.append(
        Column(
            _("PDF"),
            lambda i: "",
            in_export=False,
            html=lambda i: (
                f'<a href="{pdf_url(i.public_id)}" data-testid="invoice-pdf">{pdf}'
                f'<span class="visually-hidden"> {text(i.number)}</span></a>'
            ),
        )
    )
    return tuple(columns)
