"""The customer details form, and the subscription change and cancel forms. The customer form
takes the checkout's new-customer rules (the service checks them again, and the email's
uniqueness).

The subscription change and cancel forms They check what a form can (a choice among the
subscription's offers, the quantity bounds, a date when one is asked for, a reason); the
services in ``orders.subscriptions`` check everything again and say what the form cannot know
(a change already pending, the cancellation window)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from core.forms import BootstrapForm
from offers.models import Offer
from orders.forms import NEW_CUSTOMER_FIELDS, PHONE_CHARS
from orders.models import Customer, Subscription
from orders.rules import MAX_QUANTITY, MIN_QUANTITY
from orders.services import CustomerData
from orders.subscriptions import CancelTiming, ChangeTiming, change_offers
from orders.subscriptions.services import MAX_REASON


def _country_choices() -> list[tuple[str, str]]:
    return [("", "—"), *((code, str(name)) for code, name in countries)]


class CustomerEditForm(BootstrapForm):
    """A customer's contact and billing address, as the checkout asks them of a new customer."""

    company_name = forms.CharField(label=_("Company name"), max_length=200)
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(label=_("Email"))
    phone = forms.CharField(label=_("Phone"), max_length=32)
    address_line1 = forms.CharField(label=_("Address"), max_length=200)
    address_line2 = forms.CharField(label=_("Address line 2"), max_length=200, required=False)
    city = forms.CharField(label=_("City"), max_length=100)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20)
    region = forms.CharField(label=_("State or region"), max_length=100, required=False)
    country = forms.ChoiceField(label=_("Country"), choices=_country_choices)
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    @classmethod
    def initial_for(cls, customer: Customer) -> dict[str, Any]:
        return {name: getattr(customer, name) for name in NEW_CUSTOMER_FIELDS}

    def clean_phone(self) -> str:
        phone = " ".join(self.cleaned_data["phone"].split())
        if not set(phone) <= PHONE_CHARS or sum(ch.isdigit() for ch in phone) < 6:
            raise forms.ValidationError(_("Enter a phone number such as +44 20 7946 0958."))
        return phone

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()

    def customer_data(self) -> CustomerData:
        return CustomerData(**{name: self.cleaned_data[name] for name in NEW_CUSTOMER_FIELDS})


class OfferChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Offer) -> str:
        period = obj.get_billing_period_display().lower()
        return f"{obj.name} ({obj.price} {obj.currency} / {period})"


class SubscriptionChangeForm(BootstrapForm):
    offer = OfferChoiceField(
        label=_("Offer"), queryset=Offer.objects.none(), empty_label=None, to_field_name="code"
    )
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=MIN_QUANTITY,
        max_value=MAX_QUANTITY,
        error_messages={
            "max_value": _("At most %(limit_value)s in one order; contact us for more."),
        },
    )
    timing = forms.ChoiceField(
        label=_("Takes effect"),
        choices=ChangeTiming.choices,
        initial=ChangeTiming.NEXT_BILLING,
        widget=forms.RadioSelect,
    )
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, subscription: Subscription, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The field declared above; its choices are this subscription's offers.
        cast(OfferChoiceField, self.fields["offer"]).queryset = change_offers(
            subscription=subscription
        )


class SubscriptionCancelForm(BootstrapForm):
    timing = forms.ChoiceField(
        label=_("Cancel"),
        choices=CancelTiming.choices,
        initial=CancelTiming.TERM_END,
        widget=forms.RadioSelect,
    )
    on_date = forms.DateField(
        label=_("Cancellation date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Only when cancelling on a date."),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=MAX_REASON, widget=forms.Textarea(attrs={"rows": 3})
    )
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("timing") == CancelTiming.ON_DATE and not cleaned.get("on_date"):
            self.add_error("on_date", _("Choose the date the subscription ends."))
        return cleaned
