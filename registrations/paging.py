"""Offset paging with a capped count, for lists that may hold a million rows.

An exact COUNT(*) over a big partner costs 74-88 ms and deep OFFSETs grow without bound
(PERFORMANCE.md). Counting stops at ``COUNT_CAP`` ("10,000+") and paging stops there too: past
that, filters narrow the list faster than paging does.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PAGE_SIZE = 25
COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if isinstance(queryset, QuerySet):
            # SELECT COUNT(*) FROM (SELECT ... LIMIT 10001): reads at most 10,001 index entries.
            return queryset.order_by().values("pk")[: COUNT_CAP + 1].count()
        return min(len(queryset), COUNT_CAP + 1)

    @property
    def cap(self) -> int:
        return COUNT_CAP

    @property
    def is_capped(self) -> bool:
        return self.count > COUNT_CAP

    @cached_property
    def num_pages(self) -> int:
        return max(1, -(-min(self.count, COUNT_CAP) // self.per_page))


def paginate(request: HttpRequest, queryset: QuerySet[Any]) -> Page:
    return CappedPaginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
