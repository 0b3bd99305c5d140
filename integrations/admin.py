from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from integrations.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Every push to Zuora and Salesforce, with its state, attempts and last error."""

    list_display = (
        "order",
        "organisation",
        "target",
        "state",
        "attempts",
        "next_attempt_at",
        "updated_at",
    )
    list_filter = ("state", "target")
    search_fields = ("organisation__name",)
    list_select_related = ("order", "organisation")
    readonly_fields = (
        "organisation",
        "order",
        "target",
        "state",
        "attempts",
        "last_error",
        "next_attempt_at",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
