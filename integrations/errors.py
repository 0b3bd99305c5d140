"""The one error type the Zuora and Salesforce clients raise; the outbox task decides from it."""

from __future__ import annotations


class IntegrationError(Exception):
    """A call to an external system failed.

    ``permanent`` says whether trying again can help: a permanent error (a refused value, a
    record that belongs to someone else) fails the outbox row for a person to look at; a
    transient one (an expired session, lock competition, a rate limit, a timeout, a 5xx) is
    retried with backoff. ``retry_after`` is the wait in seconds the far side asked for, when
    it said so (Zuora's ``Retry-After`` on a 429); ``code`` is the system's own error code
    (``LOCK_COMPETITION``, ``UNABLE_TO_LOCK_ROW``, ``TIMEOUT``, ...), or ours in capitals.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str,
        permanent: bool,
        retry_after: float | None = None,
        long_backoff: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.permanent = permanent
        self.retry_after = retry_after
        # Quota exhaustion (Salesforce REQUEST_LIMIT_EXCEEDED): back off for minutes, not seconds.
        self.long_backoff = long_backoff

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class PushWait(Exception):
    """A push cannot go ahead yet (the record it needs is still being made by another push):
    the row is put back without counting a try, and comes again shortly."""
