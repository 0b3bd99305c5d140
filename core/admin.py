"""Admin base classes for records the portal's services write and admins only read, and a list
filter that names an empty value."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.admin.filters import _ListFilterChoices


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


class ValuesListFilter(admin.AllValuesFieldListFilter):
    """Every value of a text field, like Django's ``AllValuesFieldListFilter``, with the empty
    text listed as "(empty)": Django lists it as a link with no text, which a screen reader
    cannot name (axe-core's "link-name")."""

    def choices(self, changelist: ChangeList) -> Iterator[_ListFilterChoices]:
        for choice in super().choices(changelist):
            if choice["display"] == "":
                choice["display"] = _("(empty)")
            yield choice
