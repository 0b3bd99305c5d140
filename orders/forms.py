from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from core.forms import BootstrapForm
from core.widgets import FastSelect
from orders.models import CUSTOMER_DETAIL_FIELDS, Customer
from orders.rules import MAX_QUANTITY, MIN_QUANTITY, start_date_allowed
from orders.selectors import customer_get_for_partner
from orders.services import CustomerData
from partners.models import PartnerOrganisation

NEW = "new"
EXISTING = "existing"
# A new customer's fields are the ones a correction may change later.
NEW_CUSTOMER_FIELDS = CUSTOMER_DETAIL_FIELDS
REQUIRED_NEW_CUSTOMER_FIELDS = frozenset(NEW_CUSTOMER_FIELDS) - {"address_line2", "region"}
PHONE_CHARS = frozenset("0123456789+-() ./")


def _country_choices() -> list[tuple[str, str]]:
    return [("", "—"), *((code, str(name)) for code, name in countries)]


class CheckoutForm(BootstrapForm):
    """A partner user's order for an end customer (seed 000 step 4b)."""

    customer_mode = forms.ChoiceField(
        label=_("End customer"),
        choices=[(EXISTING, _("An existing customer")), (NEW, _("A new customer"))],
        widget=forms.RadioSelect,
    )
    # A select for the eye, a plain value for validation: ``clean`` accepts any of the
    # partner's customers, including ones the picker's current page does not list.
    # FastSelect: the picker's 50 options and the 250 countries below, rendered in Python
    # rather than one widget template per option (10–12 ms a page for the countries alone).
    existing_customer = forms.CharField(label=_("Customer"), required=False, widget=FastSelect)

    company_name = forms.CharField(label=_("Company name"), max_length=200, required=False)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    address_line1 = forms.CharField(label=_("Address"), max_length=200, required=False)
    address_line2 = forms.CharField(label=_("Address line 2"), max_length=200, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    region = forms.CharField(label=_("State or region"), max_length=100, required=False)
    country = forms.ChoiceField(
        label=_("Country"), choices=_country_choices, required=False, widget=FastSelect
    )

    # The bounds also give the number input its min and max attributes.
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=MIN_QUANTITY,
        max_value=MAX_QUANTITY,
        error_messages={
            "min_value": _("Order at least %(limit_value)s."),
            "max_value": _("At most %(limit_value)s in one order; contact us for more."),
        },
    )
    start_date = forms.DateField(
        label=_("Start date"),
        # <input type="date"> takes ISO dates only, whatever the locale.
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    po_number = forms.CharField(
        label=_("Purchase order number"),
        max_length=50,
        required=False,
        help_text=_("Optional. Shown on the order and passed to billing."),
    )
    accept_terms = forms.BooleanField(
        label=_("I accept the terms on behalf of the customer"),
        error_messages={"required": _("The terms must be accepted to place the order.")},
    )
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        partner: PartnerOrganisation,
        earliest_start: date,
        customer_choices: Sequence[Customer] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.partner = partner
        self.earliest_start = earliest_start
        self.customer: Customer | None = None
        self.set_customer_choices(customer_choices)
        self.fields["start_date"].widget.attrs["min"] = earliest_start.isoformat()

    def set_customer_choices(self, customers: Sequence[Customer]) -> None:
        """The picker's options: a page of the partner's customers, and the chosen customer
        when that page does not list it (a search narrowed it away).

        Any of the partner's customers is accepted (``clean`` looks the posted id up within
        them), so a submitted form needs no page of customers: the view sets them only when it
        shows the form again, and the chosen customer comes from ``clean``'s own lookup.
        """
        self._customer_choices = list(customers)
        choices: list[tuple[str, str]] = [("", str(_("Choose a customer…")))]
        listed = [*self._customer_choices]
        if self.customer is not None and self.customer not in listed:
            listed.append(self.customer)
        choices += [(str(c.public_id), f"{c.company_name} — {c.contact_name}") for c in listed]
        widget = self.fields["existing_customer"].widget
        if isinstance(widget, forms.Select):
            widget.choices = choices

    def _customer(self, public_id: str) -> Customer | None:
        return customer_get_for_partner(partner=self.partner, public_id=public_id)

    def clean_start_date(self) -> date:
        start: date = self.cleaned_data["start_date"]
        if not start_date_allowed(start, earliest=self.earliest_start):
            raise forms.ValidationError(_("The start date must be today or later."))
        return start

    def clean_phone(self) -> str:
        phone = " ".join(self.cleaned_data["phone"].split())
        if phone and (not set(phone) <= PHONE_CHARS or sum(ch.isdigit() for ch in phone) < 6):
            raise forms.ValidationError(_("Enter a phone number such as +44 20 7946 0958."))
        return phone

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        mode = cleaned.get("customer_mode")
        if mode == EXISTING:
            public_id = cleaned.get("existing_customer")
            if not public_id:
                self.add_error("existing_customer", _("Choose the customer this order is for."))
            else:
                self.customer = self._customer(public_id)
                if self.customer is None:
                    self.add_error("existing_customer", _("Choose one of your customers."))
                else:
                    self.set_customer_choices(self._customer_choices)
        elif mode == NEW:
            for name in REQUIRED_NEW_CUSTOMER_FIELDS:
                if not cleaned.get(name) and name not in self.errors:
                    label = self.fields[name].label
                    self.add_error(
                        name, _("%(field)s is required for a new customer.") % {"field": label}
                    )
        return cleaned

    def customer_data(self) -> CustomerData | None:
        if self.cleaned_data.get("customer_mode") != NEW:
            return None
        return CustomerData(**{name: self.cleaned_data[name] for name in NEW_CUSTOMER_FIELDS})
