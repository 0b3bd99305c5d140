"""core.lists.header_cells, footer_html and query_url: a list's header row and footer."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict

from core.keyset import KeysetPage
from core.lists import Column, footer_html, header_cells, headers_for, query_url
from core.paging import PAGE_SIZE, Page

COLUMNS = [
    Column(label="Name & title", value=str, sort="name"),
    Column(label="Amount", value=str, sort="amount", numeric=True),
    Column(label="State", value=str),
]


def test_query_url_sets_and_removes_keys_as_querystring_does() -> None:
    query = QueryDict("q=a b&state=x&state=y&page=3")
    assert query_url(query, sort="name", page=None) == "?q=a+b&state=x&state=y&sort=name"
    assert query_url(QueryDict("page=2"), page=None) == "?"


def test_a_sort_link_keeps_the_filters_and_goes_back_to_the_first_page() -> None:
    query = QueryDict("q=<x>&after=abc&sort=-amount")
    html = header_cells(headers_for(COLUMNS, current="-amount"), query)
    assert (
        '<th scope="col"><a href="?q=%3Cx%3E&amp;sort=name" class="link-body-emphasis">'
        "Name &amp; title</a></th>"
    ) in html
    assert (
        '<th scope="col" class="text-end" aria-sort="descending">'
        '<a href="?q=%3Cx%3E&amp;sort=amount" class="link-body-emphasis">Amount'
        ' <span aria-hidden="true">▼</span></a></th>'
    ) in html
    assert html.endswith('<th scope="col">State</th>')
    assert html.count("aria-sort") == 1


def test_a_numbered_footer_says_the_page_and_links_its_neighbours() -> None:
    page = Page(items=list(range(PAGE_SIZE)), number=2, has_next=True)
    html = footer_html(page, QueryDict("q=x&page=2"), exports=True)
    assert f"Rows {PAGE_SIZE + 1}–{2 * PAGE_SIZE}" in html
    assert 'href="?q=x&amp;page=1" hx-get="?q=x&amp;page=1"' in html
    assert 'href="?q=x&amp;page=3"' in html
    assert '<span class="page-link">Page 2</span>' in html
    assert 'href="?q=x&amp;export=csv" data-testid="csv-export">Export CSV</a>' in html


def test_a_keyset_footer_links_first_previous_next_and_last() -> None:
    rows: list[Any] = ["a", "b", "c"]  # the footer reads how many, not what
    page = KeysetPage(
        items=rows,
        has_previous=True,
        has_next=True,
        previous_cursor="p1",
        next_cursor="n1",
        is_first_page=False,
    )
    html = footer_html(page, QueryDict("sort=name&after=c0"), exports=False)
    assert "3 rows" in html
    assert 'href="?sort=name" hx-get="?sort=name" hx-target="#results"' in html
    assert 'href="?sort=name&amp;before=p1"' in html
    assert 'href="?sort=name&amp;after=n1"' in html
    assert 'href="?sort=name&amp;last=1"' in html
    for testid in ("page-first", "page-previous", "page-next", "page-last"):
        assert f'data-testid="{testid}"' in html
    assert "csv-export" not in html


def test_an_empty_list_says_no_rows_and_shows_no_pager() -> None:
    page = Page(items=[], number=1, has_next=False)
    html = footer_html(page, QueryDict(""), exports=False)
    assert '<span class="text-body-secondary" data-testid="result-range">No rows</span>' in html
    assert "pagination" not in html
