"""Paging without counting, for lists that may hold a million rows.

An exact COUNT(*) over a big partner costs 74-88 ms, and even a count capped at 10,000 must
find 10,000 matches: for a free-text term that is most of the partner's rows
(PERFORMANCE.md, bench/results/registrations.md). So a page reads one row more than it shows
to know whether a next page exists, and never counts. Offsets stop at ``MAX_PAGE``: deep
offsets grow without bound, and past a few thousand rows filters narrow faster than paging.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

PAGE_SIZE = 25
MAX_PAGE = 200


@dataclass(frozen=True)
class Page:
    items: list[Any]
    number: int
    has_next: bool

    def __iter__(self) -> Any:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1 if self.items else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE + len(self.items)


def page_number(request: HttpRequest) -> int:
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


def paginate(request: HttpRequest, queryset: QuerySet[Any]) -> Page:
    number = page_number(request)
    offset = (number - 1) * PAGE_SIZE
    rows = list(queryset[offset : offset + PAGE_SIZE + 1])
    return Page(
        items=rows[:PAGE_SIZE],
        number=number,
        has_next=len(rows) > PAGE_SIZE and number < MAX_PAGE,
    )
