"""Admin base classes for records the portal's services write and admins only read."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """No add, change or delete: staff with the view permission read the rows, nothing more.

    For records whose every write goes through a service (its invariants, its audit row);
    list the model's non-editable fields in ``readonly_fields`` to show them too.
    """

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyTabularInline(admin.TabularInline):
    """The inline counterpart of ``ReadOnlyModelAdmin``: the rows are shown, never edited.

    Set ``readonly_fields = fields``: a non-editable field in ``fields`` must be read-only.
    """

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
