"""The form renderer: Django's widget templates, the common ones written in Python.

Django renders every widget through a template (``input.html`` including ``attrs.html``, and a
template per ``<option>``): about 0.5 ms a field on this machine, so the checkout's twenty fields
cost more than everything else on the page (the form GET went from 31 to 22 ms in process when
they were drawn here; closing note of 2026-12-03). The widgets
here are drawn by Python functions that write exactly what Django's own templates write (a test
renders each widget both ways and compares the strings); every other template (radio lists,
multi-widgets, Django's form layouts, anything a project overrides) still goes through the
template engine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from html import escape
from pathlib import Path
from typing import Any

import django.forms
from django.forms.renderers import DjangoTemplates
from django.utils.functional import Promise, cached_property
from django.utils.safestring import SafeString, mark_safe

_WIDGETS = "django/forms/widgets/"


def html_text(value: Any) -> str:
    """``{{ value }}`` under autoescape (Django's ``conditional_escape``): safe strings as they
    are, anything else escaped, with the standard library's escape (the same characters). Also
    ``{{ value|stringformat:'s' }}``, which is ``str`` and keeps a safe string safe."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return escape(str(value))


def _attrs(attrs: Mapping[str, Any]) -> str:
    """``attrs.html``: ``True`` as a bare attribute, ``False`` left out."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {html_text(name)}")
        else:
            parts.append(f' {html_text(name)}="{html_text(value)}"')
    return "".join(parts)


def _input(widget: Mapping[str, Any]) -> str:
    value = widget["value"]
    shown = f' value="{html_text(value)}"' if value is not None else ""
    return (
        f'<input type="{html_text(widget["type"])}" name="{html_text(widget["name"])}"{shown}'
        f"{_attrs(widget['attrs'])}>"
    )


def _textarea(widget: Mapping[str, Any]) -> str:
    value = widget["value"]
    return (
        f'<textarea name="{html_text(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{html_text(value) if value else ''}</textarea>"
    )


def _option(option: Mapping[str, Any]) -> str:
    return (
        f'<option value="{html_text(option["value"])}"{_attrs(option["attrs"])}>'
        f"{html_text(option['label'])}</option>\n"
    )


def _select(widget: Mapping[str, Any]) -> str:
    parts = [f'<select name="{html_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{html_text(group_name)}">')
        for option in group_choices:
            if option["template_name"] != f"{_WIDGETS}select_option.html":
                raise _Unhandled
            parts.append(f"\n  {_option(option)}")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class _Unhandled(Exception):
    """A widget context this module does not draw: the template engine renders it."""


_DRAWN: dict[str, Callable[[Mapping[str, Any]], str]] = {
    f"{_WIDGETS}{name}.html": _input
    for name in (
        "input",
        "text",
        "email",
        "number",
        "url",
        "password",
        "hidden",
        "date",
        "datetime",
        "time",
        "search",
        "tel",
        "color",
        "checkbox",
    )
}
_DRAWN[f"{_WIDGETS}textarea.html"] = _textarea
_DRAWN[f"{_WIDGETS}select.html"] = _select


_DJANGO_TEMPLATES = Path(django.forms.__file__).parent / "templates"


class WidgetRenderer(DjangoTemplates):
    """``FORM_RENDERER``: the widgets of ``_DRAWN`` in Python, the rest through templates.

    A widget template that an installed app overrides is left to the template engine: only the
    names that still resolve to Django's own files are drawn here.
    """

    @cached_property
    def drawn(self) -> dict[str, Callable[[Mapping[str, Any]], str]]:
        return {
            name: draw
            for name, draw in _DRAWN.items()
            if Path(self.get_template(name).origin.name).is_relative_to(_DJANGO_TEMPLATES)
        }

    def render(
        self, template_name: str, context: dict[str, Any], request: Any = None
    ) -> SafeString | str:
        draw = self.drawn.get(template_name)
        if draw is not None and "widget" in context:
            try:
                html = draw(context["widget"])
            except _Unhandled:
                pass
            else:
                return mark_safe(html)  # noqa: S308  # every value and name is escaped above
        return super().render(template_name, context, request)
