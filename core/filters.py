"""What every list's filters share (django-filter): Bootstrap classes and fast selects, a stable
sort, date ranges, free-text search, and choice lists handed in by the selector.

A FilterSet here never reads the request: the selector that runs it passes the tenant's rows and
the querysets its choice lists may offer, so a filter cannot widen what the tenant sees.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from html import escape
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.forms.utils import flatatt
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django_filters.widgets import BaseCSVWidget

from core.widgets import FastSelect, ValuesChoiceField


class CSVFastSelect(BaseCSVWidget, FastSelect):
    """django-filter's CSV select (``OrderingFilter``'s widget) with ``FastSelect``'s options."""


class StableOrderingFilter(django_filters.OrderingFilter):
    """Sorts, then breaks ties by id so that pages never repeat or skip a row."""

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if not value:
            return qs
        ordering = [self.get_ordering_value(param) for param in value]
        tie = "-id" if ordering[0].startswith("-") else "id"
        return qs.order_by(*ordering, tie)


class DateRangeWidget(django_filters.widgets.DateRangeWidget):
    """Two date pickers, rendered in Python (the same HTML as django-filter's templates, a
    template per box and one for the pair, at a tenth of their cost)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"type": "date", **(attrs or {})})

    def id_for_label(self, id_: str) -> str:
        # The filter's visible label names the first box (each box's aria-label says which end
        # it is); Django's MultiWidget returns "" here, which leaves the label naming nothing.
        return f"{id_}_0" if id_ else ""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        boxes = []
        for box in self.get_context(name, value, attrs)["widget"]["subwidgets"]:
            shown = "" if box["value"] is None else f' value="{escape(str(box["value"]))}"'
            boxes.append(
                f'<input type="{escape(box["type"])}" name="{escape(box["name"])}"{shown}'
                f"{flatatt(box['attrs'])}>"
            )
        return mark_safe("-".join(boxes))  # noqa: S308  # every value is escaped above


def date_range_filter(
    field_name: str, label: str | Promise
) -> django_filters.DateFromToRangeFilter:
    """From–to on a date or datetime field, with the browser's date pickers."""
    return django_filters.DateFromToRangeFilter(
        field_name=field_name, label=label, widget=DateRangeWidget
    )


class SearchFilter(django_filters.CharFilter):
    """Free text: rows where any of ``fields`` contains the term (case-insensitive).

    Each list backs its fields with pg_trgm GIN indexes on ``UPPER(field)``, so a term that
    matches nothing costs no more than one that matches.
    """

    def __init__(self, *, fields: tuple[str, ...], **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Search"))
        super().__init__(**kwargs)
        self.search_fields = fields

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        term = (value or "").strip()
        if not term:
            return qs
        match = Q()
        for field in self.search_fields:
            match |= Q(**{f"{field}__icontains": term})
        return qs.filter(match)


type Options = Callable[[], Sequence[tuple[str, str]]]


class OptionFilter(django_filters.CharFilter):
    """A value picked from a select whose options the selector hands in (``options`` of
    ``BootstrapFilterSet``: a callable, read only when the form is drawn, so the htmx fragment
    and the CSV never run it). The rows are already scoped: a value outside the options
    selects nothing rather than anything the tenant may not see."""

    def __init__(self, *, empty_label: str | Promise, **kwargs: Any) -> None:
        super().__init__(widget=FastSelect, **kwargs)
        self.empty_label = empty_label


class BootstrapFilterSet(django_filters.FilterSet):
    """Bootstrap's small controls, selects rendered in Python, and choice lists from the caller.

    ``choices`` maps a ``ModelChoiceFilter``'s name to the queryset its options (and the values
    it accepts) come from: the selector builds them from what the tenant may see. ``options``
    maps an ``OptionFilter``'s name to the (value, label) pairs its select offers, or a
    ``ValuesChoiceField``'s to the (key, label) pairs drawn instead of reading its queryset.
    """

    def __init__(
        self,
        data: Mapping[str, Any] | None,
        *,
        queryset: QuerySet[Any],
        choices: Mapping[str, QuerySet[Any]] | None = None,
        options: Mapping[str, Options] | None = None,
    ) -> None:
        super().__init__(data or None, queryset=queryset)
        for name, models in (choices or {}).items():
            self.filters[name].queryset = models
        for name, read in (options or {}).items():
            field = self.form.fields[name]
            if isinstance(field, ValuesChoiceField):
                # A model choice: the options drawn from ``read``, the value checked against
                # the queryset handed in ``choices``.
                field.options = read
                continue
            empty = self.filters[name].empty_label
            # A callable: Django's select reads it only when it renders.
            field.widget.choices = _with_empty(empty, read)
        for field in self.form.fields.values():
            if type(field.widget) is forms.Select:
                # Rendered in Python: Django's per-option templates cost ~0.15 ms an option.
                field.widget = FastSelect(attrs=field.widget.attrs, choices=field.widget.choices)
            elif isinstance(field.widget, BaseCSVWidget) and isinstance(field.widget, forms.Select):
                # The sort select (django-filter's CSV select: one value, or a text box for
                # several), its options rendered in Python as well.
                field.widget = CSVFastSelect(attrs=field.widget.attrs, choices=field.widget.choices)
            widget = field.widget
            if isinstance(widget, forms.MultiWidget):
                # The label names the first box; each box says which end of the range it is.
                ends = (_("from"), _("to"))
                for end, sub in zip(ends, widget.widgets, strict=False):
                    sub.attrs["class"] = "form-control form-control-sm"
                    sub.attrs["aria-label"] = f"{field.label} ({end})"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select form-select-sm"
            else:
                widget.attrs["class"] = "form-control form-control-sm"


def filter_fields_html(form: forms.Form) -> SafeString:
    """The filter form's fields, each in its grid cell with its label and errors, built in
    Python (the same HTML as a template loop over the bound fields, at a fraction of its cost:
    the loop, ``BoundField.as_widget`` and its ``required`` probe, which reads every option of
    a select, cost ~2 ms a list page). ``q`` is the search box."""
    cells = []
    for field in form:
        widget = field.field.widget
        width = (
            "col-md-6 col-lg-4" if isinstance(widget, forms.MultiWidget) else "col-sm-6 col-lg-3"
        )
        id_ = escape(field.id_for_label or "")
        errors = field.errors
        if field.name == "q":
            value = escape(str(field.value() or ""))
            control = (
                f'<input type="search" name="q" id="{id_}" value="{value}"'
                ' class="form-control form-control-sm">'
            )
        else:
            if field.help_text:  # Django's path adds the aria-describedby that names it
                rendered = field.as_widget()
            else:
                attrs: dict[str, Any] = {"id": field.auto_id} if field.auto_id else {}
                if field.field.required:
                    attrs["required"] = True
                if field.field.disabled:
                    attrs["disabled"] = True
                if errors:
                    attrs["aria-invalid"] = "true"
                    if field.auto_id:
                        attrs["aria-describedby"] = f"{field.auto_id}_error"
                rendered = widget.render(field.html_name, field.value(), attrs, form.renderer)
            control = f'<div class="d-flex gap-1 align-items-center filter-range">{rendered}</div>'
        shown = "".join(
            f'<div class="invalid-feedback d-block">{escape(str(e))}</div>' for e in errors
        )
        if shown and field.auto_id:  # what the control's aria-describedby names
            shown = f'<div id="{escape(field.auto_id)}_error">{shown}</div>'
        cells.append(
            f'<div class="{width}"><label class="form-label small mb-1" for="{id_}">'
            f"{escape(str(field.label))}</label>{control}{shown}</div>"
        )
    return mark_safe("".join(cells))  # noqa: S308  # every value, label and error is escaped


def _with_empty(empty: str | Promise, read: Options) -> Callable[[], list[tuple[str, Any]]]:
    """The options after the empty one, read once: Django's select iterates its choices
    twice when it renders (``use_required_attribute`` peeks at the first)."""
    read_once: list[list[tuple[str, Any]]] = []

    def options() -> list[tuple[str, Any]]:
        if not read_once:
            read_once.append([("", empty), *read()])
        return read_once[0]

    return options
