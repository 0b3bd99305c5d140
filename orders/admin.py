from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from orders.models import Customer, Order, Schedule, Subscription


class ReadOnlyCommerceAdmin(admin.ModelAdmin):
    """Commerce records are written by the portal's services; admins inspect them here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Customer)
class CustomerAdmin(ReadOnlyCommerceAdmin):
    list_display = (
        "company_name",
        "contact_name",
        "email",
        "organisation",
        "country",
        "created_at",
    )
    list_filter = ("organisation__direction", "country")
    search_fields = ("company_name", "email", "last_name", "organisation__name")
    list_select_related = ("organisation",)
    readonly_fields = ("public_id", "organisation", "created_by", "created_at")


class ScheduleInline(admin.TabularInline):
    model = Schedule
    extra = 0
    fields = ("date", "kind", "amount", "currency")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyCommerceAdmin):
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
class SubscriptionAdmin(ReadOnlyCommerceAdmin):
    list_display = (
        "public_id",
        "organisation",
        "customer",
        "offer",
        "quantity",
        "status",
        "start_date",
        "term_end_date",
    )
    list_filter = ("status", "organisation__direction")
    search_fields = ("customer__company_name", "organisation__name")
    list_select_related = ("organisation", "customer", "offer")
    readonly_fields = [f.name for f in Subscription._meta.fields]
    inlines = (ScheduleInline,)
