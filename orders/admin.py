"""Django admin for the commerce records. The portal's services write them and admins read them
here; only a customer's own details may be corrected."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from core.admin import ReadOnlyModelAdmin, ReadOnlyTabularInline
from orders.models import Customer, Invoice, InvoiceItem, Order, Schedule, Subscription


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    """Customers are created by the checkout and never added or deleted here."""

    list_display = (
        "company_name",
        "contact_name",
        "email",
        "organisation",
        "country",
        "created_at",
    )
    list_filter = ("organisation__direction", "country")
    search_fields = (
        "company_name",
        "email",
        "last_name",
        "organisation__name",
        "zuora_account_id",
        "salesforce_account_id",
    )
    list_select_related = ("organisation",)
    # The remote ids are written back by the integration workers; an edit here would point the
    # next push at another customer's account.
    readonly_fields = (
        "public_id",
        "organisation",
        "created_by",
        "created_at",
        "zuora_account_id",
        "salesforce_account_id",
        "salesforce_contact_id",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ScheduleInline(ReadOnlyTabularInline):
    model = Schedule
    fields = ("date", "kind", "amount", "currency")
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(ReadOnlyModelAdmin):
    list_display = (
        "number",
        "organisation",
        "customer",
        "offer",
        "quantity",
        "unit_price",
        "currency",
        "created_at",
    )
    list_filter = ("type", "organisation__direction", "currency")
    search_fields = ("customer__company_name", "customer__email", "po_number", "organisation__name")
    list_select_related = ("organisation", "customer", "offer")
    readonly_fields = [f.name for f in Order._meta.fields]


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyModelAdmin):
    list_display = (
        "public_id",
        "organisation",
        "customer",
        "offer",
        "quantity",
        "status",
        "zuora_subscription_number",
        "start_date",
        "term_end_date",
    )
    list_filter = ("status", "organisation__direction")
    search_fields = (
        "customer__company_name",
        "organisation__name",
        "zuora_subscription_number",
        "zuora_subscription_id",
    )
    list_select_related = ("organisation", "customer", "offer")
    # Every field, the Zuora ids written back by the push included.
    readonly_fields = [f.name for f in Subscription._meta.fields]
    inlines = (ScheduleInline,)


class InvoiceItemInline(ReadOnlyTabularInline):
    model = InvoiceItem
    fields = (
        "zuora_id",
        "subscription",
        "customer",
        "amount",
        "quantity",
        "service_start_date",
        "service_end_date",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[InvoiceItem]:
        # Each item names its subscription and customer by their __str__.
        return (
            super()
            .get_queryset(request)
            .select_related("subscription__offer", "subscription__customer", "customer")
        )


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyModelAdmin):
    """Invoices as the last pull from Zuora left them; Zuora is their source, never this admin."""

    list_display = (
        "number",
        "organisation",
        "owner",
        "customer",
        "invoice_date",
        "due_date",
        "amount",
        "balance",
        "currency",
        "status",
        "synced_at",
    )
    list_filter = ("status", "owner", "currency", "organisation__direction")
    search_fields = ("number", "zuora_id", "organisation__name", "customer__company_name")
    list_select_related = ("organisation", "customer")
    readonly_fields = [f.name for f in Invoice._meta.fields]
    inlines = (InvoiceItemInline,)
