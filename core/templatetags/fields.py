"""``{% form_field form.name %}``: one form field with its label, help text and errors."""

from __future__ import annotations

from django import forms, template
from django.utils.safestring import SafeString

from core.forms import form_field_html

register = template.Library()


@register.simple_tag
def form_field(field: forms.BoundField) -> SafeString:
    """The field's block (``core.forms.form_field_html``)."""
    return form_field_html(field)
