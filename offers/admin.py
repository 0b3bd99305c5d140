from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

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


@admin.register(PricingPage)
class PricingPageAdmin(admin.ModelAdmin):
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
