"""core.renderers.WidgetRenderer writes exactly what Django's widget templates write."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.template import engines
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from core.renderers import WidgetRenderer

COUNTRIES = [("", "Choose…"), ("GB", "United Kingdom"), ("FR", "France & <Overseas>")]
GROUPED = [
    ("Europe", [("GB", "United Kingdom"), ("FR", "France")]),
    ("Americas", [("US", "United States")]),
    ("XX", "Nowhere"),
]


class EveryWidget(forms.Form):
    name = forms.CharField(max_length=40, help_text="Your name")
    email = forms.EmailField(label=gettext_lazy("Email"))
    seats = forms.IntegerField(min_value=0, required=False)
    starts = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)
    secret = forms.CharField(widget=forms.PasswordInput, required=False)
    token = forms.CharField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    agree = forms.BooleanField(required=False)
    country = forms.ChoiceField(choices=COUNTRIES)
    region = forms.ChoiceField(choices=GROUPED, required=False)
    tags = forms.MultipleChoiceField(choices=COUNTRIES[1:], required=False)
    site = forms.URLField(required=False, disabled=True)
    search = forms.CharField(
        widget=forms.TextInput(attrs={"type": "search", "aria-label": gettext_lazy("Search")}),
        required=False,
    )


BOUND_CASES: list[dict[str, Any]] = [
    {},
    {
        "name": 'O\'Brien & "Sons" <b>',
        "email": "not an email",
        "seats": "0",
        "starts": "2026-12-03",
        "secret": "s3cr&t",
        "token": "abc",
        "note": "line one\nline <two>",
        "agree": "on",
        "country": "FR",
        "region": "US",
        "tags": ["GB", "FR"],
        "search": "a&b",
    },
    {"name": "", "country": "nowhere", "agree": "", "note": "", "seats": "-3"},
]


def assert_drawn_as_django_draws(form: forms.Form) -> None:
    """Every field of ``form``: the widget renderer's HTML is exactly Django's templates' (the
    form keeps the widget renderer after)."""
    for bound in form:
        form.renderer = DjangoTemplates()
        expected = str(bound.as_widget(widget=None, attrs=None))
        form.renderer = WidgetRenderer()
        drawn = str(bound.as_widget(widget=None, attrs=None))
        assert drawn == expected, bound.name


@pytest.mark.parametrize("data", BOUND_CASES, ids=["unbound", "filled", "invalid"])
def test_every_widget_is_drawn_as_djangos_templates_draw_it(data: dict[str, Any]) -> None:
    form = EveryWidget(data or None, initial={"seats": 2, "starts": datetime.date(2026, 1, 5)})
    if data:
        form.is_valid()
    assert_drawn_as_django_draws(form)


def test_safe_values_and_labels_are_not_escaped_twice() -> None:
    class Safe(forms.Form):
        pick = forms.ChoiceField(choices=[("a", mark_safe("<b>Bold</b>")), ("b", "<i>")])
        text = forms.CharField(initial=mark_safe("&amp; kept"))

    form = Safe()
    assert_drawn_as_django_draws(form)
    assert '<option value="a"><b>Bold</b></option>' in str(form["pick"])
    assert "&lt;i&gt;" in str(form["pick"])
    assert 'value="&amp; kept"' in str(form["text"])


def test_widgets_without_a_python_drawing_still_go_through_their_templates() -> None:
    class Radios(forms.Form):
        size = forms.ChoiceField(choices=[("s", "Small"), ("l", "Large")], widget=forms.RadioSelect)
        when = forms.SplitDateTimeField()

    form = Radios()
    assert_drawn_as_django_draws(form)
    assert 'type="radio"' in str(form["size"])


def test_a_widget_template_an_app_overrides_is_left_to_the_template_engine(
    tmp_path: Path,
) -> None:
    overridden = tmp_path / "django" / "forms" / "widgets"
    overridden.mkdir(parents=True)
    (overridden / "text.html").write_text('<input class="overridden" name="{{ widget.name }}">')

    class Overriding(WidgetRenderer):
        @property
        def engine(self) -> Any:
            return engines["django"].__class__(
                {
                    "APP_DIRS": False,
                    "DIRS": [tmp_path, Path(forms.__file__).parent / "templates"],
                    "NAME": "overriding",
                    "OPTIONS": {},
                }
            )

    renderer = Overriding()
    assert "django/forms/widgets/text.html" not in renderer.drawn
    assert "django/forms/widgets/email.html" in renderer.drawn

    class One(forms.Form):
        name = forms.CharField()

    form = One(renderer=renderer)
    assert str(form["name"]) == '<input class="overridden" name="name">'


def test_the_project_renders_forms_with_the_widget_renderer() -> None:
    renderer = get_default_renderer()
    assert isinstance(renderer, WidgetRenderer)
    assert set(renderer.drawn) >= {
        "django/forms/widgets/text.html",
        "django/forms/widgets/select.html",
        "django/forms/widgets/textarea.html",
        "django/forms/widgets/checkbox.html",
    }
