"""Cache entries that a change makes stale at once: generations.

An entry is stored with the generations it was computed under (random tokens kept in the cache);
whoever changes what it was computed from renews one of them (``generation_renew``), and the
next read computes it again. A reader takes the generations *before* it computes, so a change
that commits while it reads the old rows leaves its entry stamped with the old token: never
served. The renewal happens when the change is made (the rest of its transaction reads the new
value) and again once the transaction commits (a reader on another connection may have stored
the old rows in between).

One round trip a read (the entry and its generations in one ``get_many``); a change to the
rows behind the ORM's back (a bulk ``update()``, SQL by hand) is seen when the entry expires.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any, cast

from django.core.cache import cache
from django.db import transaction

GENERATION_TIMEOUT = 7 * 24 * 3600  # a lost generation only costs one computation


def generation_renew(key: str) -> None:
    """Make every entry computed under generation ``key`` stale: now, and at commit."""

    def renew() -> None:
        cache.set(key, uuid.uuid4().hex, timeout=GENERATION_TIMEOUT)

    renew()
    transaction.on_commit(renew)


def cached_under[T](
    key: str, generations: Sequence[str], compute: Callable[[], T], *, timeout: int
) -> T:
    """The entry ``key`` if it was computed under the current ``generations``, else
    ``compute()``, stored for ``timeout`` seconds under them."""
    found: dict[str, Any] = cache.get_many([key, *generations])
    current = tuple(found.get(generation) for generation in generations)
    if None in current:
        for generation in generations:
            cache.add(generation, uuid.uuid4().hex, timeout=GENERATION_TIMEOUT)
        again = cache.get_many(list(generations))
        current = tuple(again.get(generation) for generation in generations)
    entry = found.get(key)
    if entry is not None and entry[0] == current:
        return cast(T, entry[1])
    value = compute()
    if None not in current:
        cache.set(key, (current, value), timeout=timeout)
    return value
