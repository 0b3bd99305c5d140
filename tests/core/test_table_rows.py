"""HTML built in Python instead of templates: the list rows (core.lists.table_rows: every value
escaped, the link column linking to the row's page, blanks shown as the column says, one cell per
shown column) and the date range filter (the same inputs as django-filter's templates)."""

from __future__ import annotations

import uuid
from datetime import date
from html.parser import HTMLParser

import django_filters
import pytest
from django.urls import NoReverseMatch

from core.filters import DateRangeWidget, date_range_filter
from core.lists import Column, table_rows, url_for_each
from registrations.models import OpportunityRegistration


def registration(name: str, company: str = "") -> OpportunityRegistration:
    return OpportunityRegistration(public_id=uuid.uuid4(), name=name, company_name=company)


COLUMNS: tuple[Column[OpportunityRegistration], ...] = (
    Column("Name", lambda r: r.name, link=True),
    Column("Company", lambda r: r.company_name, blank="—", cell_class="text-nowrap"),
    Column("Badge", lambda r: r.name, html=lambda r: "<b>fixed</b>", numeric=True),
)


def test_every_value_is_escaped_and_the_link_column_links() -> None:
    row = registration('<script>alert("x")</script>', "A & B")
    html = table_rows(
        [row], COLUMNS, testid="t-row", row_url=lambda r: f"/r/{r.public_id}/?a=1&b=2"
    )
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert f'<a href="/r/{row.public_id}/?a=1&amp;b=2">' in html
    assert '<td class="text-nowrap" data-label="Company">A &amp; B</td>' in html
    assert '<td class="text-end" data-label="Badge"><b>fixed</b></td>' in html
    assert html.startswith('<tr data-testid="t-row">')


def test_an_empty_value_shows_the_columns_blank() -> None:
    html = table_rows([registration("n")], COLUMNS, testid="t-row")
    assert '<td class="text-nowrap" data-label="Company">—</td>' in html
    assert "<a " not in html  # no row_url: no link


def test_each_cell_is_labelled_by_its_column_escaped() -> None:
    # The label a stacked row shows at phone width (static/css/portal.css).
    columns: tuple[Column[OpportunityRegistration], ...] = (
        Column('Name & "title"', lambda r: r.name),
    )
    html = table_rows([registration("n")], columns, testid="t-row")
    assert '<td data-label="Name &amp; &quot;title&quot;">n</td>' in html


def test_one_row_per_item_one_cell_per_column() -> None:
    html = table_rows([registration(str(n)) for n in range(3)], COLUMNS, testid="t-row")
    assert html.count("<tr ") == 3
    assert html.count("<td") == 9
    assert table_rows([], COLUMNS, testid="t-row") == ""


@pytest.mark.urls("portal.urls")
def test_url_for_each_reverses_once_and_fills_in_each_key() -> None:
    url = url_for_each("portal:registration_detail", key="registration_id", path_name="alpha")
    key = uuid.uuid4()
    assert url(key) == f"/p/alpha/registrations/{key}/"
    with pytest.raises(NoReverseMatch):
        url_for_each("portal:registration_detail", key="nope", path_name="alpha")


def _inputs(html: str) -> list[list[tuple[str, str | None]]]:
    found: list[list[tuple[str, str | None]]] = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append(sorted(attrs))

    Parser().feed(html)
    return found


@pytest.mark.parametrize(
    "value", [None, ["2026-01-01", None], [date(2026, 1, 1), date(2026, 2, 1)]]
)
def test_the_date_range_renders_what_django_filters_templates_render(value: object) -> None:
    widget = DateRangeWidget(attrs={"class": "form-control", "aria-label": 'Created "x"'})
    ours = widget.render("created", value, {"id": "id_created"})
    theirs = django_filters.widgets.DateRangeWidget.render(
        widget, "created", value, {"id": "id_created"}
    )
    assert _inputs(ours) == _inputs(theirs)
    assert len(_inputs(ours)) == 2


def test_the_date_ranges_label_names_its_first_box() -> None:
    class Filters(django_filters.FilterSet):
        created = date_range_filter("created_at", "Created")

        class Meta:
            model = OpportunityRegistration
            fields: list[str] = []

    field = Filters(queryset=OpportunityRegistration.objects.none()).form["created"]
    assert field.id_for_label == "id_created_0"
    assert 'id="id_created_0"' in str(field)
