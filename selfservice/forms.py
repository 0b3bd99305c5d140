"""The subscription change and cancel forms. They check what a form can (a choice among the
subscription's offers, the quantity bounds, a date when one is asked for, a reason); the
services in ``orders.subscriptions`` check everything again and say what the form cannot know
(a change already pending, the cancellation window)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapForm
from offers.models import Offer
from orders.models import Subscription
from orders.rules import MAX_QUANTITY, MIN_QUANTITY
from orders.subscriptions import CancelTiming, ChangeTiming, change_offers
from orders.subscriptions.services import MAX_REASON


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
        self.fields["offer"].queryset = change_offers(subscription=subscription)  # type: ignore[attr-defined]


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
