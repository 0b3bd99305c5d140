"""core.forms.form_field_html: one field's block, as the forms' templates draw it."""

from __future__ import annotations

from django import forms
from django.test.html import parse_html
from django.utils.safestring import mark_safe

from core.forms import BootstrapForm, form_field_html


class Order(BootstrapForm):
    company = forms.CharField(label="Company & sons", help_text=mark_safe("<b>As invoiced</b>"))
    note = forms.CharField(label="Note", required=False, help_text="Optional <kept as text>")
    terms = forms.BooleanField(label="I accept")


def test_a_required_field_has_its_label_marker_widget_and_help_text() -> None:
    html = form_field_html(Order()["company"])
    assert parse_html(html) == parse_html(
        '<div class="mb-3" id="field-company">'
        '<label class="form-label" for="id_company">Company &amp; sons'
        ' <span class="text-danger" aria-hidden="true">*</span></label>'
        '<input type="text" name="company" class="form-control" required'
        ' aria-describedby="id_company_helptext" id="id_company">'
        '<div class="form-text"><b>As invoiced</b></div></div>'
    )


def test_an_optional_field_has_no_marker_and_its_help_text_is_escaped() -> None:
    html = form_field_html(Order()["note"])
    assert "text-danger" not in html
    assert '<div class="form-text">Optional &lt;kept as text&gt;</div>' in html


def test_a_checkbox_sits_before_its_label_without_a_marker() -> None:
    html = form_field_html(Order()["terms"])
    assert html.startswith('<div class="mb-3 form-check" id="field-terms"><input type="checkbox"')
    assert html.index("<input") < html.index("<label")
    assert '<label class="form-check-label" for="id_terms">I accept</label>' in html
    assert "text-danger" not in html


def test_each_error_is_shown_escaped_and_marked_for_the_field() -> None:
    form = Order({"company": "", "note": "x"})
    assert not form.is_valid()
    form.add_error("note", "Too <short>")
    html = form_field_html(form["note"])
    assert (
        '<div class="invalid-feedback d-block" data-testid="error-note">Too &lt;short&gt;</div>'
        in html
    )
    assert 'aria-invalid="true"' in html
    assert 'data-testid="error-company">This field is required.</div>' in form_field_html(
        form["company"]
    )
