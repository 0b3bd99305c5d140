"""A select widget that renders in Python.

Django renders each <option> through a template: about 0.15 ms an option, so the company
filter of a partner with 200 companies cost 30 ms a page, more than the rest of the list page
together (measured with bench/registration_lists.py). This widget builds the same HTML directly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape
from typing import Any

from django import forms
from django.forms.models import ModelChoiceIterator, ModelChoiceIteratorValue
from django.forms.utils import flatatt
from django.utils.choices import CallableChoiceIterator
from django.utils.safestring import SafeString, mark_safe


class ValuesChoiceField(forms.ModelChoiceField):
    """A model choice field whose options FastSelect reads as plain values, not model
    instances: ``label_fields`` are read with the key, ``label_from_values`` words them (a
    partner's 200 companies cost 200 model instances a page otherwise)."""

    label_fields: tuple[str, ...] = ()
    # (key, label) pairs handed in by the selector (a cached list: core.filters'
    # ``BootstrapFilterSet(options=...)``), read instead of the queryset when the select is
    # drawn; the queryset still validates the value asked for.
    options: Callable[[], Sequence[tuple[str, str]]] | None = None

    def label_from_values(self, *values: Any) -> str:
        return " ".join(str(value) for value in values)


class FastSelect(forms.Select):
    def option_attrs(self, value: Any) -> dict[str, str]:
        """Extra attributes of one option (``value`` as the field's choices give it)."""
        return {}

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        selected = {str(v) for v in self.format_value(value)}
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        # The standard library's escape: Django's is wrapped for lazy strings, which costs
        # more than the escaping itself at hundreds of options. Every value is escaped.
        parts = []
        # Most selects add no attributes to their options: skip the call per option.
        plain = type(self).option_attrs is FastSelect.option_attrs
        for option_value, label in self._flat_choices():
            text = str(option_value)
            extra = (
                ""
                if plain
                else "".join(
                    f' {key}="{escape(str(val))}"'
                    for key, val in self.option_attrs(option_value).items()
                )
            )
            mark = " selected" if text in selected else ""
            parts.append(
                f'<option value="{escape(text)}"{mark}{extra}>{escape(str(label))}</option>'
            )
        html = f"<select{flatatt(final_attrs)}>{''.join(parts)}</select>"
        return mark_safe(html)  # noqa: S308  # every value and label is escaped above

    def _flat_choices(self) -> list[tuple[Any, Any]]:
        choices: Any = self.choices
        if isinstance(choices, CallableChoiceIterator):
            # Options handed in by a callable (core.filters.OptionFilter) are (value, label)
            # pairs already: read them without Django's normalising generator around each.
            choices = choices.func()
        if isinstance(choices, ModelChoiceIterator):
            # Django iterates a model choice list with QuerySet.iterator(): on PostgreSQL a
            # server-side cursor, three round trips (DECLARE, FETCH, CLOSE) for a short list.
            # One plain query reads it here instead.
            field = choices.field
            choices = [("", field.empty_label)] if field.empty_label is not None else []
            if isinstance(field, ValuesChoiceField) and field.label_fields:
                rows = choices_values(field)
                return [*choices, *rows]
            objects = list(field.queryset) if field.queryset is not None else []
            choices += [
                (
                    ModelChoiceIteratorValue(field.prepare_value(obj), obj),
                    field.label_from_instance(obj),
                )
                for obj in objects
            ]
        flat: list[tuple[Any, Any]] = []
        for option_value, label in choices:
            if isinstance(label, list | tuple):  # an optgroup: not used by our fields
                flat.extend(label)
            else:
                flat.append(("" if option_value is None else option_value, label))
        return flat


def choices_values(field: ValuesChoiceField) -> list[tuple[str, str]]:
    """The field's options from one values query: (key, label) pairs."""
    if field.options is not None:
        return list(field.options())
    if field.queryset is None:
        return []
    key = field.to_field_name or "pk"
    rows = field.queryset.values_list(key, *field.label_fields)
    return [(str(row[0]), field.label_from_values(*row[1:])) for row in rows]
