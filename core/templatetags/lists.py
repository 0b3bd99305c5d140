"""Template tags of the shared list pages."""

from __future__ import annotations

from django import forms, template
from django.utils.safestring import SafeString

from core.filters import filter_fields_html

register = template.Library()


@register.simple_tag
def filter_fields(form: forms.Form) -> SafeString:
    """A list's filter fields (``core.filters.filter_fields_html``)."""
    return filter_fields_html(form)
