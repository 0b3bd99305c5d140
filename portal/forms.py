"""Form helpers shared by the portal's pages."""

from __future__ import annotations

from typing import Any

from django import forms


class BootstrapFormMixin:
    """Give widgets Bootstrap's classes, and mark fields with errors as invalid."""

    fields: dict[str, forms.Field]
    errors: Any

    def style_widgets(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            if isinstance(
                widget, (forms.RadioSelect, forms.CheckboxInput, forms.CheckboxSelectMultiple)
            ):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def mark_invalid(self) -> None:
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"
