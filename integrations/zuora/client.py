"""The Zuora SOAP client (zeep): the only module in the project that imports zeep.

Every failure leaves this module as an :class:`~integrations.errors.IntegrationError` whose
``permanent`` flag tells the outbox task whether a retry can help. The session from ``login`` is
cached per client and renewed before Zuora's idle timeout would expire it, and once more when
Zuora answers ``INVALID_SESSION`` anyway (a restart on their side, a second login elsewhere).

The fake Zuora server (``integrations/fakes/zuora.py``) and the contract tests reuse zeep's own
(de)serialisers; they get them through :func:`load_wsdl` and the names at the bottom of this
module, so this stays the one place that knows zeep.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
import zeep
import zeep.exceptions
import zeep.helpers
from django.conf import settings
from zeep.transports import Transport

from core.validators import ZUORA_ID_PATTERN
from integrations.errors import IntegrationError

ONS = "http://object.api.zuora.com/"
ZNS = "http://api.zuora.com/"
FNS = "http://fault.api.zuora.com/"
BINDING = f"{{{ZNS}}}SoapBinding"

# zns:ID in the WSDL. zeep does not check XSD patterns, and a real tenant refuses anything else
# with INVALID_ID after the call has cost us a round trip (and, for subscribe, a lock).
_ID_RE = re.compile(ZUORA_ID_PATTERN)
_ID_TYPE = f"{{{ZNS}}}ID"

# Codes worth retrying: Zuora's "retry later" codes, plus ours for the transport (TIMEOUT,
# CONNECTION_ERROR, HTTP_<status>). Everything else is a refusal that repeats on every try.
TRANSIENT_CODES = frozenset(
    {
        "INVALID_SESSION",
        "LOCK_COMPETITION",
        "TEMPORARY_ERROR",
        "REQUEST_EXCEEDED_LIMIT",
        "REQUEST_EXCEEDED_RATE",
        "SERVER_UNAVAILABLE",
        "UNKNOWN_ERROR",
        "TRANSACTION_TIMEOUT",
        "TIMEOUT",
        "CONNECTION_ERROR",
    }
)

ACCOUNT_FIELDS = (
    "Id",
    "AccountNumber",
    "ParentId",
    "CrmId",
    "Currency",
    "Name",
    "Status",
    "BillToId",
    "SoldToId",
)
SUBSCRIPTION_FIELDS = (
    "Id",
    "Name",
    "AccountId",
    "InvoiceOwnerId",
    "Status",
    "Version",
    "ContractEffectiveDate",
    "TermStartDate",
    "TermEndDate",
    "TermType",
)
AMENDMENT_FIELDS = (
    "Id",
    "Name",
    "Type",
    "Status",
    "SubscriptionId",
    "EffectiveDate",
    "ContractEffectiveDate",
    "Code",
)
RATE_PLAN_FIELDS = ("Id", "Name", "ProductRatePlanId", "SubscriptionId", "AmendmentType")
RATE_PLAN_CHARGE_FIELDS = ("Id", "ProductRatePlanChargeId", "RatePlanId", "Quantity", "Price")
INVOICE_FIELDS = (
    "Id",
    "AccountId",
    "InvoiceNumber",
    "InvoiceDate",
    "DueDate",
    "Amount",
    "Balance",
    "Status",
)
INVOICE_ITEM_FIELDS = (
    "Id",
    "InvoiceId",
    "SubscriptionId",
    "SubscriptionNumber",
    "ChargeAmount",
    "Quantity",
    "ServiceStartDate",
    "ServiceEndDate",
)


def validate_zuora_id(value: str) -> bool:
    """True when ``value`` matches the WSDL's ``zns:ID`` pattern as a whole."""
    return isinstance(value, str) and _ID_RE.fullmatch(value) is not None


def zoql_literal(value: str) -> str:
    """``value`` as a quoted ZOQL string: ``'`` and ``\\`` escaped with a backslash."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def zoql_select(fields: tuple[str, ...] | list[str], object_type: str, **where: str) -> str:
    """``select f1, f2 from Object where F = 'v' and ...`` with every value escaped."""
    parts = ["select", ", ".join(fields), "from", object_type]
    conditions = [f"{field} = {zoql_literal(value)}" for field, value in where.items()]
    if conditions:
        parts += ["where", " and ".join(conditions)]
    return " ".join(parts)


def is_transient(code: str) -> bool:
    if code in TRANSIENT_CODES:
        return True
    # HTTP_<status> is ours for an answer without a Fault body: a 5xx or 429 is the far side's
    # trouble; anything else would repeat.
    match = re.fullmatch(r"HTTP_(\d{3})", code)
    if match is None:
        return False
    return match.group(1).startswith("5") or match.group(1) == "429"


@dataclass(frozen=True)
class SubscribeResult:
    account_id: str
    account_number: str
    subscription_id: str
    subscription_number: str
    invoice_id: str | None


@dataclass(frozen=True)
class AmendResult:
    # The subscription version the request's last amendment made (each one makes a version).
    subscription_id: str
    amendment_ids: tuple[str, ...]


def _parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


class _StatusTransport(Transport):
    """zeep's transport, remembering the last answer's HTTP status and ``Retry-After``.

    zeep's ``Fault`` carries no HTTP status, but a 429 REQUEST_EXCEEDED_LIMIT tells us how long
    to wait only in its headers. Kept per thread: one client serves every thread of a worker.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._last = threading.local()

    def post(self, address: str, message: Any, headers: Any) -> requests.Response:
        self._last.status = None
        self._last.retry_after = None
        response: requests.Response = super().post(address, message, headers)
        self._last.status = response.status_code
        self._last.retry_after = _parse_retry_after(response.headers.get("Retry-After"))
        return response

    def last_answer(self) -> tuple[int | None, float | None]:
        return getattr(self._last, "status", None), getattr(self._last, "retry_after", None)


def load_wsdl(wsdl: Path | str, *, transport: Transport | None = None) -> zeep.Client:
    """A zeep client for a WSDL file (ours, a tenant's, or the reference one)."""
    return zeep.Client(str(wsdl), transport=transport)


def to_plain(value: Any) -> Any:
    """A zeep object as plain dicts and lists (``None`` kept)."""
    return zeep.helpers.serialize_object(value, dict)


def _record(value: Any) -> dict[str, Any]:
    """A zObject as a dict of the fields Zuora returned (absent and empty ones left out)."""
    plain = to_plain(value)
    return {k: v for k, v in plain.items() if v is not None and k != "fieldsToNull"}


class ZuoraClient:
    """Zuora's SOAP API as the portal uses it. Thread-safe; build one per process."""

    def __init__(
        self,
        *,
        wsdl: Path | str,
        endpoint: str,
        username: str,
        password: str,
        timeout: float,
        session_ttl: int,
        query_batch_size: int | None = None,
    ) -> None:
        http = requests.Session()
        # The machine's proxy and CA-bundle variables are not meant for Zuora (nor the fake).
        http.trust_env = False
        self._transport = _StatusTransport(session=http, timeout=timeout, operation_timeout=timeout)
        self._zeep = load_wsdl(wsdl, transport=self._transport)
        self._service = self._zeep.create_service(BINDING, endpoint)
        self._username = username
        self._password = password
        self._session_ttl = session_ttl
        # QueryOptions.batchSize; None leaves Zuora's default (2,000 records per batch).
        self._query_batch_size = query_batch_size
        self._session_lock = threading.Lock()
        self._session_id: str | None = None
        self._session_at = 0.0

    def close(self) -> None:
        """Close pooled HTTP connections (the next call opens new ones)."""
        self._transport.session.close()

    # --- session -------------------------------------------------------------------------------
    def _session(self) -> str:
        with self._session_lock:
            fresh = time.monotonic() - self._session_at < self._session_ttl
            if self._session_id is None or not fresh:
                result = self._invoke("login", {}, username=self._username, password=self._password)
                self._session_id = str(result.Session)
                self._session_at = time.monotonic()
            return self._session_id

    def _drop_session(self, session_id: str) -> None:
        with self._session_lock:
            # Another thread may already have logged in again: keep its session.
            if self._session_id == session_id:
                self._session_id = None

    # --- calls ---------------------------------------------------------------------------------
    def _call(self, operation: str, *, query_options: bool = False, **kwargs: Any) -> Any:
        """Call ``operation`` with the session, logging in again once on INVALID_SESSION."""
        for attempt in range(2):
            session_id = self._session()
            headers: dict[str, Any] = {"SessionHeader": {"session": session_id}}
            if query_options and self._query_batch_size is not None:
                headers["QueryOptions"] = {"batchSize": self._query_batch_size}
            try:
                return self._invoke(operation, headers, **kwargs)
            except IntegrationError as exc:
                if exc.code != "INVALID_SESSION" or attempt:
                    raise
                self._drop_session(session_id)
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _invoke(self, operation: str, headers: dict[str, Any], **kwargs: Any) -> Any:
        method = getattr(self._service, operation)
        try:
            return method(**kwargs, _soapheaders=headers or None)
        except zeep.exceptions.Fault as fault:
            raise self._fault_error(operation, fault) from fault
        except zeep.exceptions.TransportError as exc:
            code = f"HTTP_{exc.status_code}"
            _, retry_after = self._transport.last_answer()
            raise IntegrationError(
                f"Zuora {operation}: HTTP {exc.status_code} without a SOAP answer.",
                code=code,
                permanent=not is_transient(code),
                retry_after=retry_after,
            ) from exc
        except requests.Timeout as exc:
            # Before ConnectionError: a ConnectTimeout is both. A timed-out write may still
            # complete at Zuora (subscribe does), so the caller must look before trying again.
            raise IntegrationError(
                f"Zuora {operation} timed out: {exc}", code="TIMEOUT", permanent=False
            ) from exc
        except requests.ConnectionError as exc:
            raise IntegrationError(
                f"Zuora {operation}: connection failed: {exc}",
                code="CONNECTION_ERROR",
                permanent=False,
            ) from exc
        except zeep.exceptions.XMLParseError as exc:
            # The answer does not fit the WSDL: a tenant WSDL out of step with the endpoint's
            # version. Retrying gives the same answer.
            raise IntegrationError(
                f"Zuora {operation}: unexpected answer: {exc}",
                code="UNEXPECTED_RESPONSE",
                permanent=True,
            ) from exc
        except (zeep.exceptions.ValidationError, TypeError) as exc:
            # zeep refused to build the message (an unknown field, a missing required one).
            raise IntegrationError(
                f"Zuora {operation}: cannot build the request: {exc}",
                code="INVALID_FIELD",
                permanent=True,
            ) from exc

    def _fault_error(self, operation: str, fault: zeep.exceptions.Fault) -> IntegrationError:
        status, retry_after = self._transport.last_answer()
        code = (fault.code or "").rpartition(":")[2]
        if not code:
            # A non-200 answer without a Fault body.
            code = f"HTTP_{status}" if status else "UNKNOWN_ERROR"
        if status == 429 and code != "REQUEST_EXCEEDED_LIMIT":
            code = code if is_transient(code) else "HTTP_429"
        return IntegrationError(
            f"Zuora {operation}: {fault.message}",
            code=code,
            permanent=not is_transient(code),
            retry_after=retry_after if code in ("REQUEST_EXCEEDED_LIMIT", "HTTP_429") else None,
        )

    @staticmethod
    def _row_error(operation: str, result: Any) -> IntegrationError:
        errors = list(result.Errors or [])
        first = errors[0] if errors else None
        code = str(first.Code) if first is not None and first.Code else "UNKNOWN_ERROR"
        message = str(first.Message) if first is not None and first.Message else "no message"
        field = f" (field {first.Field})" if first is not None and first.Field else ""
        return IntegrationError(
            f"Zuora {operation}: {message}{field}", code=code, permanent=not is_transient(code)
        )

    # --- building objects ----------------------------------------------------------------------
    def _object(self, object_type: str, fields: Mapping[str, Any], *, what: str) -> Any:
        """A zObject of ``object_type`` from WSDL-named fields, every zns:ID checked first."""
        try:
            zeep_type = self._zeep.get_type(f"{{{ONS}}}{object_type}")
        except zeep.exceptions.LookupError as exc:
            raise IntegrationError(
                f"Zuora has no object type {object_type!r}.", code="INVALID_TYPE", permanent=True
            ) from exc
        elements = dict(zeep_type.elements)
        for name, value in fields.items():
            element = elements.get(name)
            if element is None:
                raise IntegrationError(
                    f"{what}: {object_type} has no field {name!r} in the WSDL.",
                    code="INVALID_FIELD",
                    permanent=True,
                )
            if value is not None and getattr(element.type, "qname", None) == _ID_TYPE:
                self._check_id(f"{what}.{name}", value)
        return zeep_type(**fields)

    @staticmethod
    def _check_id(field: str, value: Any) -> None:
        if not validate_zuora_id(value):
            raise IntegrationError(
                f"{field} {value!r} is not a Zuora id (32 letters and digits, or a number).",
                code="INVALID_ID",
                permanent=True,
            )

    # --- API -----------------------------------------------------------------------------------
    def query(self, zoql: str) -> list[dict[str, Any]]:
        """Every record ``zoql`` selects, following ``queryMore`` batches."""
        result = self._call("query", query_options=True, queryString=zoql)
        records = [_record(r) for r in result.records or []]
        while not result.done:
            result = self._call("queryMore", query_options=True, queryLocator=result.queryLocator)
            records.extend(_record(r) for r in result.records or [])
        return records

    def account_by_number(self, account_number: str) -> dict[str, Any] | None:
        rows = self.query(zoql_select(ACCOUNT_FIELDS, "Account", AccountNumber=account_number))
        return rows[0] if rows else None

    def account_by_id(self, account_id: str) -> dict[str, Any] | None:
        self._check_id("account_id", account_id)
        rows = self.query(zoql_select(ACCOUNT_FIELDS, "Account", Id=account_id))
        return rows[0] if rows else None

    def subscription_by_name(self, name: str) -> dict[str, Any] | None:
        """The latest version of the subscription called ``name`` (amendments add versions)."""
        versions = self.subscription_versions(name)
        return versions[-1] if versions else None

    def subscription_versions(self, name: str) -> list[dict[str, Any]]:
        """Every version of the subscription called ``name``, oldest first."""
        rows = self.query(zoql_select(SUBSCRIPTION_FIELDS, "Subscription", Name=name))
        return sorted(rows, key=lambda row: int(row.get("Version") or 0))

    def amendments_by_name(self, name: str) -> list[dict[str, Any]]:
        """The amendments called ``name`` (each names the subscription version it made)."""
        return self.query(zoql_select(AMENDMENT_FIELDS, "Amendment", Name=name))

    def rate_plans(self, subscription_id: str) -> list[dict[str, Any]]:
        """The rate plans of one subscription version (a removed one too, marked so by its
        ``AmendmentType``)."""
        self._check_id("subscription_id", subscription_id)
        return self.query(zoql_select(RATE_PLAN_FIELDS, "RatePlan", SubscriptionId=subscription_id))

    def rate_plan_charges(self, rate_plan_id: str) -> list[dict[str, Any]]:
        self._check_id("rate_plan_id", rate_plan_id)
        return self.query(
            zoql_select(RATE_PLAN_CHARGE_FIELDS, "RatePlanCharge", RatePlanId=rate_plan_id)
        )

    def create(self, object_type: str, fields: dict[str, Any]) -> str:
        """Create one object; its new Id."""
        zobject = self._object(object_type, fields, what=object_type)
        results = self._call("create", zObjects=[zobject])
        result = results[0]
        if not result.Success:
            raise self._row_error("create", result)
        return str(result.Id)

    def update(
        self,
        object_type: str,
        object_id: str,
        fields: dict[str, Any],
        *,
        to_null: list[str] | tuple[str, ...] = (),
    ) -> None:
        """Set ``fields`` of one object, and empty the fields named in ``to_null`` (Zuora
        ignores an empty value: a field is cleared only through ``fieldsToNull``)."""
        self._check_id(f"{object_type}.Id", object_id)
        values: dict[str, Any] = {**fields, "Id": object_id}
        if to_null:
            values["fieldsToNull"] = list(to_null)
        zobject = self._object(object_type, values, what=object_type)
        results = self._call("update", zObjects=[zobject])
        if not results[0].Success:
            raise self._row_error("update", results[0])

    def subscribe(
        self,
        *,
        subscription: dict[str, Any],
        rate_plan_id: str,
        charge_id: str,
        quantity: int,
        generate_invoice: bool,
        account: dict[str, Any] | None = None,
        account_id: str | None = None,
        bill_to: dict[str, Any] | None = None,
    ) -> SubscribeResult:
        """One subscription, on a new account (``account`` + ``bill_to``) or an existing one.

        Payments are never processed here: partners are invoiced, not charged. A timeout
        (``TIMEOUT``) does not mean nothing happened: Zuora finishes a subscribe it has started,
        so the caller looks the subscription up by name before trying again.
        """
        if (account is None) == (account_id is None):
            raise ValueError("Pass either account (a new account) or account_id.")
        request: dict[str, Any] = {}
        if account_id is not None:
            self._check_id("account_id", account_id)
            request["Account"] = self._object("Account", {"Id": account_id}, what="Account")
        elif account is not None:
            request["Account"] = self._object("Account", account, what="Account")
            if bill_to is not None:
                request["BillToContact"] = self._object("Contact", bill_to, what="BillToContact")
        self._check_id("rate_plan_id", rate_plan_id)
        self._check_id("charge_id", charge_id)
        request["SubscribeOptions"] = {
            "GenerateInvoice": generate_invoice,
            "ProcessPayments": False,
        }
        request["SubscriptionData"] = {
            "Subscription": self._object("Subscription", subscription, what="Subscription"),
            "RatePlanData": [
                {
                    "RatePlan": self._object(
                        "RatePlan", {"ProductRatePlanId": rate_plan_id}, what="RatePlan"
                    ),
                    "RatePlanChargeData": [
                        {
                            "RatePlanCharge": self._object(
                                "RatePlanCharge",
                                {"ProductRatePlanChargeId": charge_id, "Quantity": quantity},
                                what="RatePlanCharge",
                            )
                        }
                    ],
                }
            ],
        }
        results = self._call("subscribe", subscribes=[request])
        result = results[0]
        if not result.Success:
            raise self._row_error("subscribe", result)
        return SubscribeResult(
            account_id=str(result.AccountId),
            account_number=str(result.AccountNumber),
            subscription_id=str(result.SubscriptionId),
            subscription_number=str(result.SubscriptionNumber),
            invoice_id=str(result.InvoiceId) if result.InvoiceId else None,
        )

    def amend(
        self, *, amendments: list[dict[str, Any]], generate_invoice: bool = False
    ) -> AmendResult:
        """One AmendRequest: ``amendments`` (WSDL-named Amendment fields; ``RatePlanData`` as
        ``{"RatePlan": {...}, "RatePlanChargeData": [{...RatePlanCharge fields...}]}``) applied
        in order, all or none. Payments are never processed here.

        A timeout (``TIMEOUT``) does not mean nothing happened: Zuora finishes an amend it has
        started, so the caller looks its amendments up by name before trying again.
        """
        objects = []
        for given in amendments:
            fields = dict(given)
            plan_data = fields.pop("RatePlanData", None)
            if plan_data is not None:
                fields["RatePlanData"] = self._rate_plan_data(plan_data)
            objects.append(self._object("Amendment", fields, what="Amendment"))
        request = {
            "Amendments": objects,
            "AmendOptions": {"GenerateInvoice": generate_invoice, "ProcessPayments": False},
        }
        results = self._call("amend", requests=[request])
        result = results[0]
        if not result.Success:
            raise self._row_error("amend", result)
        return AmendResult(
            subscription_id=str(result.SubscriptionId),
            amendment_ids=tuple(str(i) for i in result.AmendmentIds or []),
        )

    def _rate_plan_data(self, data: Mapping[str, Any]) -> Any:
        plan = self._object("RatePlan", data.get("RatePlan") or {}, what="RatePlan")
        charge_data = self._zeep.get_type(f"{{{ZNS}}}RatePlanChargeData")
        charges = [
            charge_data(
                RatePlanCharge=self._object("RatePlanCharge", charge, what="RatePlanCharge")
            )
            for charge in data.get("RatePlanChargeData") or []
        ]
        plan_data = self._zeep.get_type(f"{{{ZNS}}}RatePlanData")
        return plan_data(RatePlan=plan, RatePlanChargeData=charges)

    def invoices_for_account(self, account_id: str) -> list[dict[str, Any]]:
        self._check_id("account_id", account_id)
        return self.query(zoql_select(INVOICE_FIELDS, "Invoice", AccountId=account_id))

    def invoice_items(self, invoice_id: str) -> list[dict[str, Any]]:
        self._check_id("invoice_id", invoice_id)
        return self.query(zoql_select(INVOICE_ITEM_FIELDS, "InvoiceItem", InvoiceId=invoice_id))

    def invoice_pdf(self, invoice_id: str) -> bytes:
        """The invoice's PDF (Zuora returns it base64-encoded in ``Invoice.Body``)."""
        self._check_id("invoice_id", invoice_id)
        rows = self.query(zoql_select(["Body"], "Invoice", Id=invoice_id))
        body = rows[0].get("Body") if rows else None
        if not body:
            raise IntegrationError(
                f"Zuora has no invoice {invoice_id} (or no PDF for it).",
                code="INVALID_ID",
                permanent=True,
            )
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise IntegrationError(
                f"Invoice {invoice_id}: the PDF body is not base64.",
                code="UNEXPECTED_RESPONSE",
                permanent=True,
            ) from exc


_clients: dict[tuple[Any, ...], ZuoraClient] = {}
_clients_lock = threading.Lock()


def zuora_client(*, timeout: float | None = None) -> ZuoraClient:
    """The process's client for the current settings (a new one when the settings change);
    ``timeout`` replaces ``ZUORA_TIMEOUT`` (a page waits less than a worker)."""
    key = (
        str(settings.ZUORA_WSDL),
        settings.ZUORA_ENDPOINT,
        settings.ZUORA_USERNAME,
        settings.ZUORA_PASSWORD,
        float(settings.ZUORA_TIMEOUT if timeout is None else timeout),
        int(settings.ZUORA_SESSION_TTL),
    )
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = ZuoraClient(
                wsdl=key[0],
                endpoint=key[1],
                username=key[2],
                password=key[3],
                timeout=key[4],
                session_ttl=key[5],
            )
            _clients[key] = client
        return client


# For the fake server and the contract tests (see the module docstring).
SoapError = zeep.exceptions.Error
SoapXMLParseError = zeep.exceptions.XMLParseError
SoapLookupError = zeep.exceptions.LookupError
SoapClient = zeep.Client
