"""What the fake Zuora's modules share: its two kinds of refusal, its ids and its clock."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


class RowError(Exception):
    """A refused object in a write call (``Errors`` in its result, ``Success=false``)."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class CallFault(Exception):
    """A refused call: nothing is processed, the answer is a SOAP Fault ``fns:<code>``."""

    def __init__(self, code: str, message: str, detail: str = "fault") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail


def new_id() -> str:
    return uuid.uuid4().hex  # 32 hex characters, like Zuora's ids


def now_text() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()
