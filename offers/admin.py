from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from offers.currencies import currency_choices
from offers.models import CheckoutPage, Offer, PricingPage, SalesChannel


class OfferAdminForm(forms.ModelForm):
    class Meta:
        model = Offer
        fields = (
            "code",
            "name",
            "description",
            "label",
            "display_order",
            "channels",
            "eligible_organisations",
            "price",
            "currency",
            "billing_period",
            "term_months",
            "auto_renew",
            "checkout_page",
            "zuora_product_rate_plan_id",
            "zuora_product_rate_plan_charge_id",
            "active_from",
            "active_until",
        )
        widgets = {"channels": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A select of the currencies in use (Babel's CLDR data, named in the admin's language):
        # the column stays a free CharField, so the list's changes need no migration.
        currency = self.fields.get("currency")
        if currency is None:
            return  # a viewer's form: the admin shows every field read-only, none in the form
        choices = currency_choices()
        stored = self.initial.get("currency")
        if stored and stored not in dict(choices):  # a withdrawn currency, kept visible
            choices.insert(0, (stored, stored))
        currency.widget = forms.Select(choices=[("", "---------"), *choices])

    def clean_currency(self) -> str:
        return str(self.cleaned_data["currency"]).strip().upper()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        channels = cleaned.get("channels") or []
        if any(channel.code == SalesChannel.PARTNER for channel in channels):
            # Seed 000: an offer is scoped to partners by its channel *and* eligible partners,
            # and partner offers route to a partner checkout page.
            if not cleaned.get("eligible_organisations"):
                self.add_error(
                    "eligible_organisations",
                    _("A partner-channel offer must name at least one eligible organisation."),
                )
            if not cleaned.get("checkout_page"):
                self.add_error(
                    "checkout_page", _("A partner-channel offer must route to a checkout page.")
                )
        return cleaned


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    form = OfferAdminForm
    list_display = (
        "code",
        "name",
        "label",
        "price",
        "currency",
        "billing_period",
        "term_months",
        "checkout_page",
        "active_from",
        "active_until",
        "display_order",
    )
    list_filter = ("channels", "label", "billing_period", "currency", "checkout_page", "auto_renew")
    search_fields = (
        "code",
        "name",
        "label",
        "zuora_product_rate_plan_id",
        "eligible_organisations__name",
    )
    list_select_related = ("checkout_page",)
    list_editable = ("display_order",)
    autocomplete_fields = ("eligible_organisations", "checkout_page")
    list_per_page = 50
    fieldsets = (
        (None, {"fields": ("code", "name", "description", "label", "display_order")}),
        (_("Who can buy it"), {"fields": ("channels", "eligible_organisations")}),
        (
            _("Price and term"),
            {"fields": ("price", "currency", "billing_period", "term_months", "auto_renew")},
        ),
        (
            _("Checkout and billing"),
            {
                "fields": (
                    "checkout_page",
                    "zuora_product_rate_plan_id",
                    "zuora_product_rate_plan_charge_id",
                )
            },
        ),
        (_("Active window"), {"fields": ("active_from", "active_until")}),
    )


def offer_labels() -> list[str]:
    """The labels offers carry, each once: what a pricing page can show."""
    return list(Offer.objects.order_by("label").values_list("label", flat=True).distinct())


class PricingPageAdminForm(forms.ModelForm):
    """The page's offer label is picked from the labels offers carry: a typed label that no
    offer has would make a page that shows nothing."""

    class Meta:
        model = PricingPage
        fields = ("portal", "label", "slug", "title", "introduction", "is_active", "display_order")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = offer_labels()
        stored = self.initial.get("label")
        if stored and stored not in labels:  # its offers are gone: keep it choosable
            labels.insert(0, stored)
        field = self.fields["label"]
        field.widget = forms.Select(choices=[("", "---------"), *((x, x) for x in labels)])
        field.help_text = _("The page shows the offers with this label.")
        if not labels:
            field.help_text = _("No offer has a label yet: add an offer first.")

    def clean_label(self) -> str:
        label = str(self.cleaned_data["label"])
        if label != self.initial.get("label") and label not in offer_labels():
            raise forms.ValidationError(_("Choose the label of an existing offer."))
        return label


@admin.register(PricingPage)
class PricingPageAdmin(admin.ModelAdmin):
    form = PricingPageAdminForm
    list_display = ("title", "portal", "label", "slug", "is_active", "display_order")
    list_filter = ("portal", "is_active", "label")
    search_fields = ("title", "slug", "label")
    list_select_related = ("portal",)
    prepopulated_fields = {"slug": ("label",)}


@admin.register(CheckoutPage)
class CheckoutPageAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "is_active")
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}


@admin.register(SalesChannel)
class SalesChannelAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
