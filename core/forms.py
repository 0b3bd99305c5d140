"""Form helpers shared by every app's forms."""

from __future__ import annotations

from typing import Any

from django import forms

INVALID = "is-invalid"


class BootstrapForm(forms.Form):
    """Bootstrap's classes on every widget, so templates render fields with one partial; a
    field with an error is marked invalid (red border, ``aria-invalid``), however the error
    was added: by cleaning, or by the view after a service refused the data."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            if isinstance(
                widget, forms.RadioSelect | forms.CheckboxInput | forms.CheckboxSelectMultiple
            ):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        for name in self.errors:
            widget = self.fields[name].widget if name in self.fields else None
            if widget is None:
                continue
            classes = widget.attrs.get("class", "").split()
            if INVALID not in classes:
                widget.attrs["class"] = " ".join([*classes, INVALID])
            widget.attrs["aria-invalid"] = "true"
