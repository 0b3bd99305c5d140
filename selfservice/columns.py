"""The self-service lists' columns, each declared once: the table's header and the CSV's."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.lists import Column
from orders.models import Customer, Invoice

CUSTOMER_COLUMNS: tuple[Column[Customer], ...] = (
    Column(_("Account name"), lambda c: c.company_name, sort="company"),
    Column(_("Contact"), lambda c: c.contact_name, sort="contact"),
    Column(_("Email"), lambda c: c.email, sort="email"),
    Column(
        _("Active subscriptions"), lambda c: c.active_subscriptions, numeric=True, sort="active"
    ),
    Column(_("Unpaid balance"), lambda c: c.unpaid_balance, numeric=True, sort="unpaid"),
    Column(
        _("Created"), lambda c: timezone.localtime(c.created_at).date().isoformat(), sort="created"
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
    Column(_("Invoice date"), lambda i: i.invoice_date.isoformat(), sort="date"),
    Column(_("Due date"), lambda i: i.due_date.isoformat(), sort="due"),
    Column(_("Number"), lambda i: i.number, sort="number"),
    Column(_("Customer"), _customer),
    Column(_("Amount"), lambda i: i.amount, numeric=True, sort="amount"),
    Column(_("Balance"), lambda i: i.balance, numeric=True, sort="balance"),
    Column(_("Status"), lambda i: i.status),
    Column(_("Invoice owner"), lambda i: i.get_owner_display()),
    Column(_("Currency"), lambda i: i.currency, in_table=False),
    Column(_("Customer id"), lambda i: i.customer.public_id if i.customer else "", in_table=False),
)
