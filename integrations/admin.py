from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import ReadOnlyTabularInline
from integrations.models import OutboxAttempt, OutboxMessage
from integrations.sending import outbox_retry_now


class OutboxAttemptInline(ReadOnlyTabularInline):
    """The attempt log: written by the workers only, so it is read here, never edited."""

    model = OutboxAttempt
    fields = (
        "number",
        "worker",
        "started_at",
        "finished_at",
        "outcome",
        "error_code",
        "error_message",
        "remote_ids",
    )
    readonly_fields = fields
    ordering = ("number",)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Every push to Zuora and Salesforce, with its state, attempts and last error.

    Rows change only through the outbox's state machine (``integrations.sending``): every field
    is read-only, and "Retry now" is the one way to act on a row.
    """

    list_display = (
        "subject",
        "organisation",
        "target",
        "state",
        "attempts",
        "last_error_code",
        "next_attempt_at",
        "updated_at",
    )
    list_filter = ("state", "target", "organisation")
    search_fields = ("organisation__name",)
    list_select_related = ("order", "customer_update", "organisation")
    readonly_fields = (
        "organisation",
        "order",
        "customer_update",
        "target",
        "state",
        "attempts",
        "waits",
        "last_error_code",
        "last_error",
        "next_attempt_at",
        "claimed_at",
        "claimed_by",
        "sent_at",
        "created_at",
        "updated_at",
    )
    inlines = (OutboxAttemptInline,)
    actions = ("retry_now",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Retry now"), permissions=["change"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        # The service picks the failed and retrying rows itself: the others are left alone.
        n = len(outbox_retry_now(message_ids=list(queryset.values_list("pk", flat=True))))
        if n:
            text = ngettext("%(n)d row was re-queued.", "%(n)d rows were re-queued.", n) % {"n": n}
            self.message_user(request, text, messages.SUCCESS)
        else:
            self.message_user(
                request, _("0 rows re-queued: none was failed or retrying."), messages.INFO
            )
