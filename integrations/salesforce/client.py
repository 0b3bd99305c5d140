"""The Salesforce REST client for the order push; the only module that imports simple-salesforce.

Both writes are upserts on External ID + Unique fields (``PATCH sobjects/X/<field>/<value>``),
so a retry after a timeout that did commit updates the record it made instead of adding a
second one. The client fetches its own OAuth token (client credentials) from a configurable
URL, so the fake Salesforce can serve it too, and refreshes it once on a 401.

simple-salesforce builds every URL as ``https://<host>[:port]`` and passes no timeout, so
requests go through :class:`_SalesforceSession`, which adds the timeout, ignores the
environment (``REQUESTS_CA_BUNDLE`` would override ``verify``) and, for an ``http://``
instance (the loopback fake only), turns the URLs it builds back into ``http://``.

Every failure is an :class:`IntegrationError`; ``permanent`` follows Salesforce's meaning of
the status and ``errorCode`` (see :meth:`SalesforceClient._error`).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from functools import partial
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from django.conf import settings
from requests import PreparedRequest, Response
from simple_salesforce import Salesforce, SFType
from simple_salesforce.exceptions import SalesforceError, SalesforceExpiredSession

from integrations.errors import IntegrationError

logger = logging.getLogger(__name__)


class _SalesforceSession(requests.Session):
    """A session with a timeout on every request and, for a loopback instance, plain HTTP."""

    def __init__(self, *, timeout: float, http_netloc: str | None) -> None:
        super().__init__()
        # This machine (and many CI images) sets REQUESTS_CA_BUNDLE, which would win over
        # `verify`; proxies from the environment must not see the org's traffic either.
        self.trust_env = False
        self.timeout = timeout
        self._https_prefix = f"https://{http_netloc}/" if http_netloc else None
        # The last response per thread: simple-salesforce's exceptions drop the headers, and
        # Retry-After lives there. The client is shared between threads, hence thread-local.
        self._local = threading.local()

    def send(self, request: PreparedRequest, **kwargs: Any) -> Response:
        if self._https_prefix and request.url and request.url.startswith(self._https_prefix):
            request.url = "http://" + request.url.removeprefix("https://")
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        response = super().send(request, **kwargs)
        self._local.response = response
        return response

    def last_response(self) -> Response | None:
        response: Response | None = getattr(self._local, "response", None)
        return response


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: either a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _http_netloc(instance_url: str) -> str | None:
    """``host[:port]`` as simple-salesforce writes it, when the instance is plain HTTP."""
    parts = urlsplit(instance_url)
    if parts.scheme != "http" or not parts.hostname:
        return None
    # simple-salesforce keeps the hostname and a port other than 443 (api.py, v1.11.4+).
    return parts.hostname if parts.port in (None, 443) else f"{parts.hostname}:{parts.port}"


class SalesforceClient:
    """Account and Contact upserts, reads and SOQL against one Salesforce org. Thread-safe."""

    def __init__(
        self,
        *,
        instance_url: str,
        token_url: str,
        client_id: str,
        client_secret: str,
        api_version: str,
        timeout: float,
        account_external_id_field: str,
        contact_external_id_field: str,
    ) -> None:
        self.instance_url = instance_url.rstrip("/")
        self.token_url = token_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.api_version = api_version
        self.timeout = timeout
        self.account_external_id_field = account_external_id_field
        self.contact_external_id_field = contact_external_id_field
        self.session = _SalesforceSession(timeout=timeout, http_netloc=_http_netloc(instance_url))
        # Guards the token: one fetch at a time, so concurrent 401s cost one new token, not many.
        self._lock = threading.Lock()
        self._connected: tuple[Salesforce, str] | None = None

    # --- public API ----------------------------------------------------------------------------
    def account_upsert(self, *, external_id: str, fields: dict[str, Any]) -> str:
        """Create or update the Account whose external-id field holds ``external_id``; its Id."""
        return self._upsert("Account", self.account_external_id_field, external_id, fields)

    def contact_upsert(self, *, external_id: str, fields: dict[str, Any]) -> str:
        """Create or update the Contact whose external-id field holds ``external_id``; its Id."""
        return self._upsert("Contact", self.contact_external_id_field, external_id, fields)

    def record_update(self, sobject: str, record_id: str, fields: dict[str, Any]) -> None:
        """Set ``fields`` of one Account or Contact by its Id (``PATCH sobjects/X/<id>``). It
        sets values, so repeating it (a retry after a timeout) leaves the same record."""

        def call(sf: Salesforce) -> None:
            _sobject(sf, sobject).update(quote(record_id, safe=""), fields)

        self._call(f"{sobject} update", call)

    def account_get(self, account_id: str) -> dict[str, Any]:
        def call(sf: Salesforce) -> dict[str, Any]:
            record: dict[str, Any] = _sobject(sf, "Account").get(quote(account_id, safe=""))
            return record

        return self._call("Account get", call)

    def query(self, soql: str) -> list[dict[str, Any]]:
        """Every record the SOQL query matches, following ``nextRecordsUrl`` page by page."""
        page: dict[str, Any] = self._call("query", lambda sf: sf.query(soql))
        records: list[dict[str, Any]] = list(page["records"])
        while not page.get("done", True):
            next_url = page["nextRecordsUrl"]
            page = self._call("query", partial(_query_more, next_url=next_url))
            records.extend(page["records"])
        return records

    # --- internals -----------------------------------------------------------------------------
    def _upsert(
        self, sobject: str, key_field: str, external_id: str, fields: dict[str, Any]
    ) -> str:
        # The value is a path segment: quote everything, "/" included.
        record_path = f"{key_field}/{quote(external_id, safe='')}"

        def call(sf: Salesforce) -> str:
            sftype = _sobject(sf, sobject)
            response = sftype.upsert(record_path, fields, raw_response=True)
            if response.status_code == 204:
                # API versions before 46.0 answer an update with no body: read the Id back.
                record = sftype.get_by_custom_id(key_field, external_id)
                return str(record["Id"])
            try:
                return str(response.json()["id"])
            except (ValueError, KeyError, TypeError) as exc:
                raise IntegrationError(
                    f"Salesforce {sobject} upsert answered {response.status_code} without an id",
                    code="BAD_RESPONSE",
                    permanent=False,
                ) from exc

        return self._call(f"{sobject} upsert", call)

    def _connection(self, *, stale_token: str | None = None) -> tuple[Salesforce, str]:
        """The connected simple-salesforce object and its token, fetching a token if needed.

        ``stale_token`` is the token a call was refused with: a new one is fetched only if no
        other thread has replaced it meanwhile.
        """
        with self._lock:
            if self._connected is None or self._connected[1] == stale_token:
                token = self._fetch_token()
                # The configured instance, not the token answer's instance_url: a token
                # endpoint cannot redirect the org's data elsewhere, and the fake needs no DNS.
                sf = Salesforce(
                    instance_url=self.instance_url,
                    session_id=token,
                    version=self.api_version,
                    session=self.session,
                    object_pairs_hook=dict,
                )
                self._connected = (sf, token)
            return self._connected

    def _call[T](self, what: str, fn: Callable[[Salesforce], T]) -> T:
        sf, token = self._connection()
        try:
            try:
                return fn(sf)
            except SalesforceExpiredSession:
                # Expired or revoked (or the fake restarted): one new token, one more try. The
                # calls are upserts, reads and queries, so sending one twice is harmless.
                logger.info("Salesforce %s: session refused, fetching a new token", what)
                sf, _ = self._connection(stale_token=token)
                return fn(sf)
        except SalesforceError as exc:
            raise self._error(what, exc) from exc
        except requests.Timeout as exc:
            raise IntegrationError(
                f"Salesforce {what}: no answer within {self.timeout} s",
                code="TIMEOUT",
                permanent=False,
            ) from exc
        except requests.ConnectionError as exc:
            raise IntegrationError(
                f"Salesforce {what}: connection failed ({exc})",
                code="CONNECTION_ERROR",
                permanent=False,
            ) from exc
        except requests.JSONDecodeError as exc:
            # A 2xx that is not JSON comes from something in between (a proxy's page), not
            # Salesforce; asking again may reach it.
            raise IntegrationError(
                f"Salesforce {what}: the answer was not JSON",
                code="BAD_RESPONSE",
                permanent=False,
            ) from exc
        except requests.RequestException as exc:
            raise IntegrationError(
                f"Salesforce {what}: {exc}", code="REQUEST_ERROR", permanent=False
            ) from exc

    def _error(self, what: str, exc: SalesforceError) -> IntegrationError:
        """Salesforce's answer as an IntegrationError; the code is its ``errorCode``."""
        status = exc.status
        content: Any = exc.content
        code: str | None = None
        message = str(content)
        if isinstance(content, list) and content and isinstance(content[0], dict):
            first = content[0]
            code = first.get("errorCode")
            message = str(first.get("message") or message)
            if first.get("fields"):
                message += f" (fields: {', '.join(map(str, first['fields']))})"
        response = self.session.last_response()
        retry_after = None
        if response is not None and response.status_code == status:
            retry_after = _retry_after(response.headers.get("Retry-After"))
        text = f"Salesforce {what}: HTTP {status}: {message}"

        def error(code: str, *, permanent: bool, long_backoff: bool = False) -> IntegrationError:
            return IntegrationError(
                text,
                code=code,
                permanent=permanent,
                retry_after=retry_after,
                long_backoff=long_backoff,
            )

        if status == 300:
            # The external id matches several records: duplicate data a person must merge.
            return error("MORE_THAN_ONE_RECORD", permanent=True)
        if status == 401:
            # Still refused after a fresh token: the org may be in maintenance; try later.
            return error(code or "INVALID_SESSION_ID", permanent=False)
        if status == 403 and code == "REQUEST_LIMIT_EXCEEDED":
            # The org's rolling 24-hour API quota is spent: back off for minutes, not seconds.
            return error(code, permanent=False, long_backoff=True)
        if status == 400 and code == "UNABLE_TO_LOCK_ROW":
            # Another transaction holds the record (often the parent Account): it will pass.
            return error(code, permanent=False)
        if status == 429 or status >= 500:
            return error(code or f"HTTP_{status}", permanent=False)
        # 400 validation (DUPLICATE_VALUE, REQUIRED_FIELD_MISSING, INVALID_CROSS_REFERENCE_KEY,
        # FIELD_CUSTOM_VALIDATION_EXCEPTION, ...), other 403s, 404: the same request fails again.
        return error(code or ("NOT_FOUND" if status == 404 else f"HTTP_{status}"), permanent=True)

    def _fetch_token(self) -> str:
        """A new access token by the OAuth 2.0 client-credentials flow."""
        try:
            response = self.session.post(
                self.token_url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                },
                headers={"Accept": "application/json"},
                timeout=self.timeout,
            )
        except requests.Timeout as exc:
            raise IntegrationError(
                f"Salesforce token: no answer within {self.timeout} s",
                code="TIMEOUT",
                permanent=False,
            ) from exc
        except requests.RequestException as exc:
            raise IntegrationError(
                f"Salesforce token: connection failed ({exc})",
                code="CONNECTION_ERROR",
                permanent=False,
            ) from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        status = response.status_code
        if status == 200 and isinstance(body, dict) and body.get("access_token"):
            return str(body["access_token"])
        error = str(body.get("error") or "") if isinstance(body, dict) else ""
        description = str(body.get("error_description") or "") if isinstance(body, dict) else ""
        text = f"Salesforce token: HTTP {status}: {error} {description}".rstrip()
        if status == 429 or status >= 500 or status == 200:
            retry_after = _retry_after(response.headers.get("Retry-After"))
            raise IntegrationError(
                text,
                code=error.upper() or ("BAD_RESPONSE" if status == 200 else f"HTTP_{status}"),
                permanent=False,
                retry_after=retry_after,
            )
        if error.startswith("invalid_client"):
            # Wrong client id or secret (or the connected app is gone): no retry fixes that.
            raise IntegrationError(text, code="INVALID_CLIENT", permanent=True)
        raise IntegrationError(text, code=error.upper() or f"HTTP_{status}", permanent=True)


def _sobject(sf: Salesforce, name: str) -> SFType:
    # Salesforce.__getattr__ is typed as any of its handlers; Account and Contact are SFTypes.
    handler = getattr(sf, name)
    if not isinstance(handler, SFType):
        raise TypeError(f"{name} is not an sObject handler")
    return handler


def _query_more(sf: Salesforce, *, next_url: str) -> dict[str, Any]:
    page: dict[str, Any] = sf.query_more(next_url, identifier_is_url=True)
    return page


# --- the per-process client ----------------------------------------------------------------------
_cache_lock = threading.Lock()
_cached: tuple[tuple[object, ...], SalesforceClient] | None = None


def salesforce_client() -> SalesforceClient:
    """The process's client for the configured org (one token, one connection pool).

    Keyed by the settings it is built from, so ``override_settings`` in a test gets a fresh
    client and the next test is not served a token from another org.
    """
    global _cached
    kwargs: dict[str, Any] = {
        "instance_url": settings.SALESFORCE_INSTANCE_URL,
        "token_url": settings.SALESFORCE_TOKEN_URL,
        "client_id": settings.SALESFORCE_CLIENT_ID,
        "client_secret": settings.SALESFORCE_CLIENT_SECRET,
        "api_version": settings.SALESFORCE_API_VERSION,
        "timeout": float(settings.SALESFORCE_TIMEOUT),
        "account_external_id_field": settings.SALESFORCE_ACCOUNT_EXTERNAL_ID_FIELD,
        "contact_external_id_field": settings.SALESFORCE_CONTACT_EXTERNAL_ID_FIELD,
    }
    key = tuple(kwargs.values())
    with _cache_lock:
        if _cached is None or _cached[0] != key:
            _cached = (key, SalesforceClient(**kwargs))
        return _cached[1]


def _forget_client_after_fork() -> None:
    # A forked worker (Celery prefork) must not share the parent's sockets or a held lock.
    global _cached, _cache_lock
    _cached = None
    _cache_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_client_after_fork)
