"""CSV export of the lists (the rows the filters selected, streamed)."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

# A spreadsheet runs a cell starting with one of these as a formula ("CSV injection"): partner
# text reaches agents' spreadsheets, so such cells are quoted.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(
    *,
    filename: str,
    header: list[str],
    rows: QuerySet[Any],
    row: Callable[[Any], Iterable[Any]],
) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(header)
        # iterator(): rows stream from a server-side cursor instead of sitting in memory.
        for obj in rows.iterator(chunk_size=2000):
            yield writer.writerow([_cell(value) for value in row(obj)])

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.csv"'
    return response
