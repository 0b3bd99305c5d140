"""List pages, written once: a selector hands over the filtered rows and the filter form
(``Filtered``), the list declares its columns once (``Column``: the table's header and the CSV's),
and ``list_response`` turns them into the full page, the htmx fragment or the streamed CSV.

Every list page shares the filter form partial (``partials/list_filters.html``), the header
cells (``header_cells``) and the footer (``footer_html``: the row range, the pager and the export
link), the last two built in Python.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import Any

from django import forms
from django.db.models import Choices, Model, QuerySet
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponseRedirect, QueryDict, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from core.keyset import KeysetPage
from core.paging import Page, paginate

# A spreadsheet runs a cell starting with one of these as a formula ("CSV injection"): partner
# text reaches agents' spreadsheets, so such cells are quoted.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

EXPORT_PARAMETER = "export"
EXPORT_CSV = "csv"


# How a list pages: by page number (``core.paging``, capped) or by key (``core.keyset``).
type Paginator = Callable[[HttpRequest, QuerySet[Any]], Page | KeysetPage[Any]]


def is_htmx(request: HttpRequest) -> bool:
    """Did htmx send this request (django-htmx's middleware sets ``request.htmx``)?"""
    return bool(getattr(request, "htmx", False))


@dataclass(frozen=True)
class Filtered[M: Model]:
    """What a list selector returns: the rows its filters selected, and the bound filter form
    the page renders (with its errors: an invalid filter selects nothing)."""

    rows: QuerySet[M]
    form: forms.Form

    @property
    def errors(self) -> ErrorDict:
        return self.form.errors


@dataclass(frozen=True)
class Column[M: Model]:
    """One column of a list: its header, its cell in the table and in the CSV export.

    ``in_table=False``: the column is exported but not shown (the page shows the row's key
    facts; the export carries what people work with in a spreadsheet).
    """

    label: str | Promise
    value: Callable[[M], object]
    in_table: bool = True
    numeric: bool = False  # right-aligned in the table
    # The list's ``sort`` value that orders by this column (its header then sorts the table).
    sort: str = ""
    # The table cell's content as HTML, every value in it escaped (a badge, say); by default
    # the escaped ``value``, or ``blank`` when that is empty.
    html: Callable[[M], str] | None = None
    blank: str = ""
    # The cell links to the row's own page (``list_response``'s ``row_url``).
    link: bool = False
    # HTML after the cell's content and its link (a marker next to a linked name), escaped.
    after: Callable[[M], str] | None = None
    cell_class: str = ""  # the table cell's classes besides the numeric alignment
    # ``in_export=False``: shown, not exported (a link to the row's file, say).
    in_export: bool = True
    # A stable name for code that picks a column out (the label is translated).
    key: str = ""
    # The relations ``value`` reads that the page's query does not join: an export-only column
    # (the contact, the agent) joins them in the export's query only, not on every page.
    related: tuple[str, ...] = ()


@lru_cache(maxsize=64)
def _choice_labels(choices: type[Choices], language: str | None) -> dict[object, str]:
    return {value: str(label) for value, label in choices.choices}


def choice_label(choices: type[Choices], value: object) -> str:
    """A choice's label in the active language, worded once per language: Django's
    ``get_FOO_display`` rebuilds the field's choice map and translates on every call."""
    return _choice_labels(choices, get_language()).get(value, str(value))


def text(value: object) -> str:
    """A value as escaped HTML text (the standard library's escape: Django's ``escape`` is
    wrapped for lazy strings, which costs more than the escaping at hundreds of cells)."""
    return escape("" if value is None else str(value))


def url_for_each(viewname: str, *, key: str, **kwargs: object) -> Callable[[object], str]:
    """The URL of each row's page, reversed once for the page instead of once a row.

    ``key`` names the URL's row argument (a uuid or an int path converter); a marker of its
    kind is reversed in its place and each row's key is put where it stands.
    """
    for marker in _URL_MARKERS:
        try:
            url = reverse(viewname, kwargs={**kwargs, key: marker})
        except NoReverseMatch:
            continue
        head, _, tail = url.partition(str(marker))
        return lambda row_key: f"{head}{row_key}{tail}"
    raise NoReverseMatch(f"{viewname} takes neither a uuid nor an int as {key}")


_URL_MARKERS = (uuid.UUID("f0e1d2c3-b4a5-4697-8899-aabbccddeeff"), 987654321012345)


def table_rows[M: Model](
    rows: Iterable[M],
    columns: Sequence[Column[M]],
    *,
    testid: str,
    row_url: Callable[[M], str] | None = None,
) -> SafeString:
    """The table's rows as HTML, built in Python: the template language costs about 0.4 ms a
    row on these pages (a ``{% url %}``, an ``{% include %}`` and date filters per row), this
    a few microseconds (bench/results/pages-profile.md)."""
    cells = []
    for column in columns:
        classes = " ".join(filter(None, ("text-end" if column.numeric else "", column.cell_class)))
        # At phone width each row stacks, every cell labelled by its column (static/css/portal.css).
        label = f' data-label="{text(column.label)}"'
        cells.append((column, f'<td class="{classes}"{label}>' if classes else f"<td{label}>"))
    lines = []
    for row in rows:
        parts = [f'<tr data-testid="{testid}">']
        for column, opening in cells:
            if column.html is not None:
                content = column.html(row)
            else:
                value = column.value(row)
                content = text(value) if value not in (None, "") else column.blank
            if column.link and row_url is not None:
                content = f'<a href="{escape(row_url(row))}">{content}</a>'
            if column.after is not None:
                content += column.after(row)
            parts.append(f"{opening}{content}</td>")
        parts.append("</tr>")
        lines.append("".join(parts))
    return mark_safe("\n".join(lines))  # noqa: S308  # every value is escaped above


@dataclass(frozen=True)
class Header:
    """A table header cell: its column, how the table is sorted by it (``aria-sort``: only
    the sorted column has one) and the ``sort`` value a click on it asks for."""

    column: Column[Any]
    aria_sort: str = ""
    next_sort: str = ""


def headers_for(columns: Sequence[Column[Any]], *, current: str) -> list[Header]:
    headers = []
    for column in columns:
        if not column.sort:
            headers.append(Header(column=column))
        elif current == column.sort:
            headers.append(Header(column, aria_sort="ascending", next_sort=f"-{column.sort}"))
        elif current == f"-{column.sort}":
            headers.append(Header(column, aria_sort="descending", next_sort=column.sort))
        else:
            headers.append(Header(column, next_sort=column.sort))
    return headers


def query_url(query: QueryDict, **changes: object) -> str:
    """The address's query with ``changes`` made (a ``None`` removes its key): what Django's
    ``{% querystring %}`` writes, without a template tag per link."""
    params = query.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    return f"?{params.urlencode()}" if params else "?"


_SORT_MARKS = {
    "ascending": ' <span aria-hidden="true">▲</span>',
    "descending": ' <span aria-hidden="true">▼</span>',
}


def header_cells(headers: Sequence[Header], query: QueryDict) -> SafeString:
    """The table's header cells: each sortable column's label links to the list sorted by it
    (the filters kept, back to the first page), the sorted one carries ``aria-sort``."""
    cells = []
    for header in headers:
        column = header.column
        opening = '<th scope="col"'
        if column.numeric:
            opening += ' class="text-end"'
        if header.aria_sort:
            opening += f' aria-sort="{header.aria_sort}"'
        label = text(column.label)
        if header.next_sort:
            url = query_url(
                query, sort=header.next_sort, page=None, after=None, before=None, last=None
            )
            mark = _SORT_MARKS.get(header.aria_sort, "")
            label = f'<a href="{escape(url)}" class="link-body-emphasis">{label}{mark}</a>'
        cells.append(f"{opening}>{label}</th>")
    return mark_safe("".join(cells))  # noqa: S308  # every label and address is escaped above


def _page_link(url: str, label: str, testid: str = "") -> str:
    marker = f' data-testid="{testid}"' if testid else ""
    href = escape(url)
    return (
        f'<li class="page-item"><a class="page-link" href="{href}" hx-get="{href}"'
        f' hx-target="#results" hx-swap="outerHTML" hx-push-url="true"{marker}>'
        f"{text(label)}</a></li>"
    )


def footer_html(page: Page | KeysetPage[Any], query: QueryDict, *, exports: bool) -> SafeString:
    """A list's footer: the row range, the pager and (when the list exports) the CSV link.

    Paging links keep the filters; htmx swaps only the results. Nothing is counted: a numbered
    list says which page it shows (``core.paging``), a keyset list links the first, previous,
    next and last pages (``core.keyset``).
    """
    if not page.items:
        shown = gettext("No rows")
    elif page.start_index:
        shown = gettext("Rows %(start)s–%(end)s") % {
            "start": page.start_index,
            "end": page.end_index,
        }
    else:
        count = len(page.items)
        shown = ngettext("%(n)s row", "%(n)s rows", count) % {"n": count}
    parts = [
        '<div class="d-flex justify-content-between align-items-center mt-2 small">'
        f'<span class="text-body-secondary" data-testid="result-range">{text(shown)}</span>'
    ]
    if page.has_other_pages:
        links = []
        if isinstance(page, KeysetPage):
            unkeyed = {"after": None, "before": None, "last": None}
            if page.has_previous:
                first = query_url(query, page=None, **unkeyed)
                links.append(_page_link(first, gettext("First"), "page-first"))
                if page.previous_cursor:
                    previous = query_url(query, **{**unkeyed, "before": page.previous_cursor})
                    links.append(_page_link(previous, gettext("Previous"), "page-previous"))
            if page.has_next:
                if page.next_cursor:
                    following = query_url(query, **{**unkeyed, "after": page.next_cursor})
                    links.append(_page_link(following, gettext("Next"), "page-next"))
                last = query_url(query, **{**unkeyed, "last": 1})
                links.append(_page_link(last, gettext("Last"), "page-last"))
        else:
            if page.has_previous:
                previous = query_url(query, page=page.previous_page_number)
                links.append(_page_link(previous, gettext("Previous")))
            number = gettext("Page %(number)s") % {"number": page.number}
            links.append(
                f'<li class="page-item disabled"><span class="page-link">{text(number)}</span></li>'
            )
            if page.has_next:
                following = query_url(query, page=page.next_page_number)
                links.append(_page_link(following, gettext("Next")))
        parts.append(
            f'<nav aria-label="{text(gettext("Pages"))}">'
            f'<ul class="pagination pagination-sm mb-0">{"".join(links)}</ul></nav>'
        )
    parts.append("</div>")
    if exports:
        csv_url = query_url(query, export=EXPORT_CSV, page=None, after=None, before=None, last=None)
        parts.append(
            f'<a class="btn btn-link btn-sm px-0" href="{escape(csv_url)}"'
            f' data-testid="csv-export">{text(gettext("Export CSV"))}</a>'
        )
    return mark_safe("".join(parts))  # noqa: S308  # every label and address is escaped above


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response[M: Model](
    *, filename: str, columns: Sequence[Column[M]], rows: QuerySet[M]
) -> StreamingHttpResponse:
    """The rows as a CSV download, streamed from a server-side cursor (constant memory),
    joined with the relations the columns read (``Column.related``)."""
    writer = csv.writer(_Echo())
    related = sorted({path for column in columns for path in column.related})
    if related:
        rows = rows.select_related(*related)

    def lines() -> Iterator[str]:
        yield writer.writerow([str(column.label) for column in columns])
        for row in rows.iterator(chunk_size=2000):
            yield writer.writerow([_cell(column.value(row)) for column in columns])

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.csv"'
    return response


def without_unset_filters(request: HttpRequest) -> HttpResponseRedirect | None:
    """The list's own address without the filters left empty, when a request carries some.

    js/lists.js leaves unset filters out of the requests htmx makes and of the form's own
    submit; a browser without script submits every field of the form ("?q=&state=&company=").
    Redirected once, the address people share or bookmark says only what the list shows.
    """
    if not any(value == "" for _, values in request.GET.lists() for value in values):
        return None
    kept = QueryDict(mutable=True)
    for name, values in request.GET.lists():
        kept.setlist(name, [value for value in values if value != ""])
    query = kept.urlencode()
    return HttpResponseRedirect(f"{request.path}?{query}" if query else request.path)


def list_response[M: Model](
    request: HttpRequest,
    *,
    listing: Filtered[M],
    columns: Sequence[Column[M]],
    template: str,
    context: Mapping[str, Any],
    export_filename: str | None = None,
    paginate: Paginator = paginate,
    default_sort: str = "",
    row_testid: str = "",
    row_url: Callable[[M], str] | None = None,
) -> HttpResponseBase:
    """A list page: the full page, only its ``results`` partial for htmx, or (with
    ``?export=csv`` and an ``export_filename``) every filtered row as CSV. ``paginate`` is
    ``core.paging.paginate`` (numbered pages) or ``core.keyset.keyset_paginate``;
    ``default_sort`` is the ``sort`` value the list is in when none is asked for (its header
    says so).

    The template shows the table's header cells (``header_cells``, built from ``columns``) and
    its footer (``footer``: the pager, and the export link when the list exports), and includes
    the shared filter partial. With a ``row_testid`` the rows come built (``table_rows``:
    ``rows`` in the context), each marked with it, the ``link`` column linking to
    ``row_url(row)``. An address with filters left
    empty is redirected to the same one without them (``without_unset_filters``).
    """
    if not is_htmx(request) and (redirect := without_unset_filters(request)) is not None:
        return redirect
    if export_filename is not None and request.GET.get(EXPORT_PARAMETER) == EXPORT_CSV:
        exported = [column for column in columns if column.in_export]
        return csv_response(filename=export_filename, columns=exported, rows=listing.rows)
    shown = [column for column in columns if column.in_table]
    page = paginate(request, listing.rows)
    headers = headers_for(shown, current=request.GET.get("sort") or default_sort)
    page_context = {
        **context,
        "filter": listing,
        "page": page,
        "columns": shown,
        "headers": headers,
        "header_cells": header_cells(headers, request.GET),
        "footer": footer_html(page, request.GET, exports=export_filename is not None),
    }
    if row_testid:
        page_context["rows"] = table_rows(page, shown, testid=row_testid, row_url=row_url)
    return render(request, f"{template}#results" if is_htmx(request) else template, page_context)
