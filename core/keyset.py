"""Keyset paging, for lists whose last page must be as fast as their first (a partner's 100,000
customers, a million invoices).

A page is found by where it starts, not by how many rows come before it: "next" reads the rows
after the last one shown (``(sort key, id) > (…)``, an index condition on the list's
``(organisation, sort key, id)`` index), "previous" the rows before the first one shown, read
backwards, and "last" the list read backwards from its end. No page costs more than its own rows,
however deep it is, and nothing is counted.

The queryset's ``order_by`` (set by the selector: a sort key, then ``id`` in the same direction,
as ``core.filters.StableOrderingFilter`` does) is the key. A cursor is the key of one row, in
the URL as base64 JSON; one that does not decode or does not fit the key's fields is ignored
(the first page), never an error.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import F, Field, Model, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.http import HttpRequest

from core.paging import PAGE_SIZE

AFTER = "after"
BEFORE = "before"
LAST = "last"
# Longer than any key of ours; a longer value is not worth decoding.
_MAX_CURSOR_LENGTH = 1000


@dataclass(frozen=True)
class KeysetPage[M: Model]:
    items: list[M]
    has_previous: bool
    has_next: bool
    previous_cursor: str | None
    next_cursor: str | None
    is_first_page: bool

    keyset = True

    def __iter__(self) -> Any:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def start_index(self) -> int | None:
        """Row numbers are known on the first page only (nothing is counted)."""
        return 1 if self.is_first_page and self.items else None

    @property
    def end_index(self) -> int | None:
        return len(self.items) if self.is_first_page and self.items else None


def _key(queryset: QuerySet[Any]) -> tuple[list[str], bool]:
    """The key's field names and whether it runs descending."""
    ordering = [str(term) for term in queryset.query.order_by]
    if not ordering:
        raise ValueError("A keyset list must be ordered (its selector orders it).")
    descending = {term.startswith("-") for term in ordering}
    if len(descending) != 1:
        raise ValueError(f"A keyset runs in one direction: {ordering}")
    return [term.lstrip("-") for term in ordering], descending.pop()


def _plain(value: object) -> object:
    # Full precision: DjangoJSONEncoder cuts microseconds to milliseconds, and a cursor a
    # fraction before its row would show that row again.
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    return value


def _encode(row: Model, fields: Sequence[str]) -> str:
    values = [_plain(getattr(row, field)) for field in fields]
    raw = json.dumps(values, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(model: type[Model], fields: Sequence[str], cursor: str) -> list[Any] | None:
    if not cursor or len(cursor) > _MAX_CURSOR_LENGTH:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(fields):
            return None
        decoded = []
        for name, value in zip(fields, values, strict=True):
            if value is None or isinstance(value, dict | list):
                return None
            field = model._meta.get_field(name)
            if not isinstance(field, Field):  # a relation's reverse side is no key
                return None
            decoded.append(field.to_python(value))
        return decoded
    except (binascii.Error, UnicodeDecodeError, ValueError, ValidationError, FieldDoesNotExist):
        return None


def keyset_paginate[M: Model](
    request: HttpRequest, queryset: QuerySet[M], *, size: int = PAGE_SIZE
) -> KeysetPage[M]:
    """The page ``?after=``, ``?before=`` or ``?last=1`` asks for (the first page otherwise)."""
    fields, descending = _key(queryset)
    backwards = [f"{field}" if descending else f"-{field}" for field in fields]
    key = Tuple(*(F(field) for field in fields))
    after = _decode(queryset.model, fields, request.GET.get(AFTER, ""))
    before = _decode(queryset.model, fields, request.GET.get(BEFORE, ""))
    # "Further along the list" is a greater key ascending, a smaller one descending.
    further, earlier = (
        (TupleLessThan, TupleGreaterThan)
        if descending
        else (
            TupleGreaterThan,
            TupleLessThan,
        )
    )
    if after is not None:
        rows = list(queryset.filter(further(key, after))[: size + 1])
        items, has_previous, has_next = rows[:size], True, len(rows) > size
    elif (
        before is not None
        and len(
            rows := list(queryset.filter(earlier(key, before)).order_by(*backwards)[: size + 1])
        )
        > size
    ):
        items, has_previous, has_next = rows[:size][::-1], True, True
    elif before is None and request.GET.get(LAST):
        rows = list(queryset.order_by(*backwards)[: size + 1])
        items, has_previous, has_next = rows[:size][::-1], len(rows) > size, False
    else:
        # Also "previous" back to the start: the first page, full, rather than the few rows
        # left before the cursor.
        rows = list(queryset[: size + 1])
        items, has_previous, has_next = rows[:size], False, len(rows) > size
    return KeysetPage(
        items=items,
        has_previous=has_previous,
        has_next=has_next,
        previous_cursor=_encode(items[0], fields) if has_previous and items else None,
        next_cursor=_encode(items[-1], fields) if has_next and items else None,
        is_first_page=not has_previous,
    )
