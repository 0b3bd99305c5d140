"""A faithful, stateful fake of Zuora's SOAP API (82.0) for the demo, the tests and benchmarks.

Requests are parsed with zeep's own binding objects against our WSDL, so element order, names
and value types are enforced the way Zuora enforces them; answers are serialised by zeep too
(typed ``records`` with ``xsi:type``), and errors are real SOAP 1.1 Faults with ``fns:<Code>``.
The business rules are the ones the portal relies on: unique account numbers and subscription
names, existing parent and invoice-owner accounts of one currency, a seeded product catalogue,
required fields, ``zns:ID`` patterns, and an invoice (with a PDF) on the invoice owner.
``amend()`` makes a new subscription version per amendment (``zuora_amend.py``).

Sessions, query cursors and the call log live in memory: a restart of the fake logs every
client out, as a restart of Zuora's would. Accounts, subscriptions (every version), their
amendments and invoices are kept in the state file.

Faults (``POST /_fake/faults``; operations login, query, queryMore, create, update, subscribe,
amend or ``*``): ``INVALID_SESSION`` (the presented session is dropped), ``LOCK_COMPETITION``,
``TEMPORARY_ERROR``, ``UNKNOWN_ERROR``, ``SERVER_UNAVAILABLE`` or any other ErrorCode (a
row-level error on writes with nothing done, a Fault on reads), ``REQUEST_EXCEEDED_LIMIT``
(HTTP 429 with ``Retry-After``), ``HTTP_<status>`` (that status, empty body),
``CONNECTION_RESET`` (the connection closes unanswered, nothing done) and ``TIMEOUT_COMMIT``
(done and saved, answered ``delay_ms`` later, 5 s by default).
"""

from __future__ import annotations

import base64
import contextlib
import logging
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from lxml import etree

from integrations.fakes import zuora_amend
from integrations.fakes.base import FakeRequest, FakeResponse, FakeService, FaultRule
from integrations.fakes.zuora_common import CallFault, RowError, new_id, now_text
from integrations.zuora.client import (
    FNS,
    ONS,
    ZNS,
    SoapError,
    SoapLookupError,
    load_wsdl,
    to_plain,
    validate_zuora_id,
)

logger = logging.getLogger(__name__)

SOAP_PATH = "/apps/services/a/82.0"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
DEFAULT_WSDL = Path(__file__).resolve().parent.parent / "zuora" / "wsdl" / "zuora.a.82.0.wsdl"
DEFAULT_USERNAME = "api@vendor.example"
DEFAULT_PASSWORD = "demo-zuora-2026"  # noqa: S105 - the demo tenant's published default

WRITE_OPERATIONS = frozenset({"create", "update", "subscribe", "amend"})
# zObject type -> state collection. Invoice.Body is never stored: it is made when selected.
COLLECTIONS = {
    "Account": "accounts",
    "Amendment": "amendments",
    "Contact": "contacts",
    "Subscription": "subscriptions",
    "RatePlan": "rate_plans",
    "RatePlanCharge": "rate_plan_charges",
    "Invoice": "invoices",
    "InvoiceItem": "invoice_items",
}
MAX_OBJECTS = 50  # per create/update/subscribe call, as Zuora documents
MAX_BATCH = 2000  # records per query batch
MAX_ZOQL = 10_000  # characters
CALL_LOG_SIZE = 1000

FAULT_MESSAGES = {
    "INVALID_SESSION": "Invalid Session",
    "LOCK_COMPETITION": "Operation failed due to a lock competition, please retry later.",
    "TEMPORARY_ERROR": "A temporary error occurred, please retry later.",
    "UNKNOWN_ERROR": "An unexpected error occurred.",
    "SERVER_UNAVAILABLE": "The server is unavailable, please retry later.",
    "REQUEST_EXCEEDED_LIMIT": (
        "The total number of concurrent requests has exceeded the limit allowed by the system. "
        "Please resubmit your request later."
    ),
}
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
_PAYMENT_TERM = re.compile(r"Net (\d{1,3})")
_AUTO_ACCOUNT_NUMBER = re.compile(r"A\d{8,}")
_SELECT = re.compile(
    r"\s*select\s+(?P<fields>.+?)\s+from\s+(?P<object>\w+)(?:\s+where\s+(?P<where>.+?))?\s*",
    re.IGNORECASE | re.DOTALL,
)
_CONDITION = re.compile(r"(?P<field>\w+)\s*=\s*'(?P<value>(?:[^'\\]|\\.)*)'", re.DOTALL)
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)


# --- strict parsing ------------------------------------------------------------------------------
class _ValueErrors(logging.Filter):
    """Turns zeep's "Error during xml -> python translation" log into a parse error.

    zeep logs a value it cannot convert (``<BillCycleDay>x</BillCycleDay>``) and carries on with
    ``None``; Zuora refuses such a request. While a thread parses under :func:`strict_values`,
    those records are collected (and kept out of the log) instead.
    """

    def __init__(self) -> None:
        super().__init__()
        self.local = threading.local()

    def filter(self, record: logging.LogRecord) -> bool:
        errors: list[str] | None = getattr(self.local, "errors", None)
        if errors is None:
            return True
        exc = record.exc_info[1] if record.exc_info else None
        errors.append(str(exc) if exc else record.getMessage())
        return False


_VALUE_ERRORS = _ValueErrors()
logging.getLogger("zeep.xsd.types.simple").addFilter(_VALUE_ERRORS)


@contextlib.contextmanager
def strict_values() -> Iterator[list[str]]:
    previous = getattr(_VALUE_ERRORS.local, "errors", None)
    errors: list[str] = []
    _VALUE_ERRORS.local.errors = errors
    try:
        yield errors
    finally:
        _VALUE_ERRORS.local.errors = previous


def deserialize_strict(message: Any, envelope: etree._Element) -> Any:
    """``message.deserialize(envelope)`` (a zeep SoapMessage), refusing unconvertible values.

    Raises zeep's XMLParseError for an unknown or out-of-order element, its LookupError for an
    unknown ``xsi:type``, and ValueError for a value that does not fit its type.
    """
    with strict_values() as errors:
        result = message.deserialize(envelope)
    if errors:
        raise ValueError("; ".join(errors))
    return result


# --- small helpers -------------------------------------------------------------------------------
def _text(value: Any) -> str:
    """A stored value as its XML text (what ZOQL compares and zeep converts back)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _storable(value: Any) -> Any:
    """A parsed zeep value as JSON: dates and decimals as their XML text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for last in (31, 30, 29, 28):
        with contextlib.suppress(ValueError):
            return date(year, month, min(day.day, last))
    raise ValueError(day)  # pragma: no cover - day 28 exists in every month


def _add_period(day: date, count: int, period: str) -> date:
    match period.lower():
        case "month":
            return _add_months(day, count)
        case "year" | "annual":
            return _add_months(day, 12 * count)
        case "quarter":
            return _add_months(day, 3 * count)
        case "semi-annual":
            return _add_months(day, 6 * count)
        case "week":
            return day + timedelta(weeks=count)
        case "day":
            return day + timedelta(days=count)
    raise RowError("INVALID_VALUE", f"Unknown period type {period!r}.")


def _due_date(invoice_date: date, payment_term: str | None) -> date:
    match = _PAYMENT_TERM.fullmatch(payment_term or "")
    return invoice_date + timedelta(days=int(match.group(1)) if match else 0)


def _valid_payment_term(term: str) -> bool:
    return term == "Due Upon Receipt" or _PAYMENT_TERM.fullmatch(term) is not None


def _latin1(text: Any) -> str:
    # The PDF's core font speaks Latin-1 only; anything else prints as "?".
    return str(text).encode("latin-1", "replace").decode("latin-1")


@dataclass
class _Cursor:
    object_type: str
    fields: list[str]
    rows: list[dict[str, Any]]
    batch: int


class ZuoraFake(FakeService):
    """Zuora's SOAP API at ``/apps/services/a/82.0``; see the module docstring."""

    name = "zuora"

    def __init__(
        self,
        state_path: Path | None = None,
        *,
        wsdl: Path | None = None,
        username: str = DEFAULT_USERNAME,
        password: str = DEFAULT_PASSWORD,
        fault_seed: int | None = None,
        batch_size: int = MAX_BATCH,
        session_timeout: float = 15 * 60,
    ) -> None:
        super().__init__(state_path, fault_seed=fault_seed)
        self._zeep = load_wsdl(wsdl or DEFAULT_WSDL)
        self._operations: dict[str, Any] = dict(self._zeep.service._binding._operations)
        self._types = {name: self._zeep.get_type(f"{{{ONS}}}{name}") for name in COLLECTIONS}
        self._elements = {name: dict(t.elements) for name, t in self._types.items()}
        # ZOQL field names are case-insensitive; answers use the WSDL's capitalisation.
        self._field_names = {
            name: {field.lower(): field for field in elements if field != "fieldsToNull"}
            for name, elements in self._elements.items()
        }
        self.username = username
        self.password = password
        self.batch_size = batch_size
        self.session_timeout = session_timeout
        self._sessions: dict[str, float] = {}  # session -> last use (monotonic)
        self._cursors: dict[str, _Cursor] = {}
        self._calls: deque[dict[str, Any]] = deque(maxlen=CALL_LOG_SIZE)
        # The raw XML of recent exchanges, for the contract tests.
        self.wire: deque[tuple[str, bytes, int, bytes]] = deque(maxlen=200)
        for key, value in self.empty_state().items():
            self.state.setdefault(key, value)

    # --- FakeService ---------------------------------------------------------------------------
    def empty_state(self) -> dict[str, Any]:
        return {
            **{collection: {} for collection in COLLECTIONS.values()},
            "catalogue": {},
            "counters": {"account": 0, "subscription": 0, "invoice": 0, "amendment": 0},
        }

    def reset(self) -> None:
        with self.lock:
            self._sessions.clear()
            self._cursors.clear()
            self._calls.clear()
            self.wire.clear()
        super().reset()

    def seed(self, data: dict[str, Any]) -> None:
        """What a real tenant already holds: accounts (partners) and the product catalogue."""
        with self.lock:
            accounts = self.state["accounts"]
            for item in data.get("accounts") or []:
                account_id = str(item["id"])
                if not validate_zuora_id(account_id):
                    raise ValueError(f"{account_id!r} is not a Zuora id.")
                number = item.get("account_number")
                taken = self._find("Account", "AccountNumber", number) if number else None
                if taken is not None and taken["Id"] != account_id:
                    raise ValueError(f"Account number {number} belongs to {taken['Id']}.")
                record = accounts.get(account_id) or {
                    "Id": account_id,
                    "AccountNumber": number or self._next_number("account", "A{:08d}"),
                    "Balance": "0",
                    "BillCycleDay": 1,
                    "Batch": "Batch1",
                    "AutoPay": False,
                    "CreatedDate": now_text(),
                }
                record.update(
                    {
                        "Name": str(item["name"]),
                        "Currency": str(item["currency"]),
                        "PaymentTerm": str(item.get("payment_term") or "Net 30"),
                        "Status": "Active",
                        "UpdatedDate": now_text(),
                    }
                )
                if number:
                    record["AccountNumber"] = str(number)
                accounts[account_id] = record
            for item in data.get("catalogue") or []:
                plan_id = str(item["product_rate_plan_id"])
                charge_id = str(item["product_rate_plan_charge_id"])
                for value in (plan_id, charge_id):
                    if not validate_zuora_id(value):
                        raise ValueError(f"{value!r} is not a Zuora id.")
                try:
                    price = Decimal(str(item["price"]))
                except InvalidOperation as exc:
                    raise ValueError(f"price {item['price']!r} is not a number.") from exc
                self.state["catalogue"][charge_id] = {
                    "product_rate_plan_id": plan_id,
                    "product_rate_plan_charge_id": charge_id,
                    "price": str(price),
                    "currency": str(item["currency"]),
                    "period": str(item.get("period") or "Month"),
                    "name": str(item.get("name") or "Subscription"),
                }
            self.save()

    def public_state(self) -> dict[str, Any]:
        with self.lock:
            state = {
                collection: [dict(r) for r in self.state[collection].values()]
                for collection in COLLECTIONS.values()
            }
            state["catalogue"] = [dict(c) for c in self.state["catalogue"].values()]
            state["calls"] = [dict(c) for c in self._calls]
            return state

    def handle(self, request: FakeRequest) -> FakeResponse:
        if request.path.rstrip("/") != SOAP_PATH:
            return FakeResponse(status=404, body=b"not found")
        if request.method != "POST":
            return FakeResponse(status=405, body=b"POST only")
        operation = "?"
        try:
            envelope = etree.fromstring(request.body, _XML_PARSER)
            body = envelope.find(f"{{{SOAP_ENV}}}Body")
            if envelope.tag != f"{{{SOAP_ENV}}}Envelope" or body is None or not len(body):
                raise CallFault("INVALID_VALUE", "Not a SOAP 1.1 envelope with a body.")
            qname = etree.QName(body[0])
            operation = qname.localname
            if qname.namespace != ZNS or operation not in self._operations:
                raise CallFault("INVALID_VALUE", f"Unknown operation {qname.text}.")
            response = self._handle_operation(operation, envelope, request)
        except etree.XMLSyntaxError as exc:
            response = self._fault("INVALID_VALUE", f"The request is not well-formed XML: {exc}")
        except CallFault as fault:
            self._log(operation, fault=fault.code)
            response = self._fault(fault.code, fault.message, detail=fault.detail)
        self.wire.append((operation, request.body, response.status, response.body))
        return response

    # --- dispatch ------------------------------------------------------------------------------
    def _handle_operation(
        self, operation: str, envelope: etree._Element, request: FakeRequest
    ) -> FakeResponse:
        latency = self.faults.latency(operation)
        if latency:
            time.sleep(latency)
        rule = self.faults.take(operation)
        if rule is not None:
            early = self._transport_fault(operation, rule, envelope)
            if early is not None:
                return early
        op = self._operations[operation]
        try:
            message = deserialize_strict(op.input, envelope)
        except SoapLookupError as exc:
            raise CallFault("INVALID_TYPE", str(exc), "InvalidTypeFault") from exc
        except (SoapError, ValueError) as exc:
            raise CallFault(
                "INVALID_VALUE", f"Invalid request: {exc}", "InvalidValueFault"
            ) from exc
        # zeep answers {header, body} for an operation with SOAP headers, the body alone else.
        if set(message) == {"header", "body"}:
            header, body = message.header, message.body
        else:
            header, body = None, message
        if operation != "login":
            self._check_session(getattr(header, "SessionHeader", None))
        if rule is not None and rule.fault != "TIMEOUT_COMMIT":
            code = rule.fault
            text = FAULT_MESSAGES.get(code, f"Injected {code}.")
            if operation in WRITE_OPERATIONS:
                self._log(operation, error=code)
                return self._row_errors(operation, body, code, text)
            raise CallFault(code, text)
        handler: Callable[[Any, Any, FakeRequest], FakeResponse] = getattr(self, f"_op_{operation}")
        response = handler(header, body, request)
        if rule is not None:  # TIMEOUT_COMMIT: the work is saved; the answer comes too late
            response.delay = (rule.delay_ms or 5000) / 1000
        return response

    def _transport_fault(
        self, operation: str, rule: FaultRule, envelope: etree._Element
    ) -> FakeResponse | None:
        """Faults decided before the request is read (or instead of reading it)."""
        fault = rule.fault
        if fault == "CONNECTION_RESET":
            self._log(operation, fault=fault)
            return FakeResponse(drop=True)
        status = re.fullmatch(r"HTTP_(\d{3})", fault)
        if status:
            self._log(operation, fault=fault)
            return FakeResponse(status=int(status.group(1)), body=b"")
        if fault == "REQUEST_EXCEEDED_LIMIT":
            self._log(operation, fault=fault)
            return self._fault(
                fault,
                FAULT_MESSAGES[fault],
                status=429,
                headers={"Retry-After": str(rule.retry_after or 120)},
            )
        if fault == "INVALID_SESSION":
            session = envelope.findtext(
                f"{{{SOAP_ENV}}}Header/{{{ZNS}}}SessionHeader/{{{ZNS}}}session"
            )
            with self.lock:
                self._sessions.pop(session or "", None)
            self._log(operation, fault=fault)
            return self._fault(fault, FAULT_MESSAGES[fault])
        return None

    def _check_session(self, header: Any) -> None:
        session = getattr(header, "session", None) if header is not None else None
        with self.lock:
            last_use = self._sessions.get(session or "")
            now = time.monotonic()
            if last_use is None or now - last_use > self.session_timeout:
                self._sessions.pop(session or "", None)
                raise CallFault("INVALID_SESSION", FAULT_MESSAGES["INVALID_SESSION"])
            self._sessions[session or ""] = now

    # --- answers -------------------------------------------------------------------------------
    def _answer(self, operation: str, **parts: Any) -> FakeResponse:
        envelope = self._operations[operation].output.serialize(**parts).content
        return FakeResponse(
            status=200,
            body=etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"),
            headers={"Content-Type": "text/xml;charset=UTF-8"},
        )

    def _fault(
        self,
        code: str,
        message: str,
        *,
        detail: str = "fault",
        status: int = 500,
        headers: dict[str, str] | None = None,
    ) -> FakeResponse:
        soap = f"{{{SOAP_ENV}}}"
        envelope = etree.Element(soap + "Envelope", nsmap={"soapenv": SOAP_ENV})
        body = etree.SubElement(envelope, soap + "Body")
        fault = etree.SubElement(body, soap + "Fault", nsmap={"fns": FNS})
        etree.SubElement(fault, "faultcode").text = f"fns:{code}"
        etree.SubElement(fault, "faultstring").text = message
        detail_node = etree.SubElement(etree.SubElement(fault, "detail"), f"{{{FNS}}}{detail}")
        etree.SubElement(detail_node, f"{{{FNS}}}FaultCode").text = code
        etree.SubElement(detail_node, f"{{{FNS}}}FaultMessage").text = message
        return FakeResponse(
            status=status,
            body=etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"),
            headers={"Content-Type": "text/xml;charset=UTF-8", **(headers or {})},
        )

    def _error(self, code: str, message: str, field: str | None = None) -> Any:
        return self._zeep.get_type(f"{{{ZNS}}}Error")(Code=code, Message=message, Field=field)

    def _row_errors(self, operation: str, body: Any, code: str, message: str) -> FakeResponse:
        """One failed result per object sent, nothing done (Zuora's row-level errors)."""
        errors = [self._error(code, message)]
        if operation == "subscribe":
            result_type, count = "SubscribeResult", len(body.subscribes or [])
        elif operation == "amend":
            result_type, count = "AmendResult", len(body.requests or [])
        else:
            result_type, count = "SaveResult", len(body.zObjects or [])
        make = self._zeep.get_type(f"{{{ZNS}}}{result_type}")
        results = [make(Errors=errors, Success=False) for _ in range(count)]
        if operation == "amend":
            return self._answer(operation, results=results)
        return self._answer(operation, result=results)

    def _log(self, operation: str, **details: Any) -> None:
        with self.lock:
            self._calls.append({"operation": operation, "time": now_text(), **details})

    # --- login ---------------------------------------------------------------------------------
    def _op_login(self, header: Any, body: Any, request: FakeRequest) -> FakeResponse:
        if body.username != self.username or body.password != self.password:
            self._log("login", fault="INVALID_VALUE")
            return self._fault(
                "INVALID_VALUE",
                "Invalid login. User name and password do not match.",
                detail="LoginFault",
            )
        session = secrets.token_urlsafe(48)
        with self.lock:
            self._sessions[session] = time.monotonic()
        self._log("login")
        host = request.headers.get("host", "127.0.0.1")
        result = self._zeep.get_type(f"{{{ZNS}}}LoginResult")(
            Session=session, ServerUrl=f"http://{host}{SOAP_PATH}"
        )
        return self._answer("login", result=result)

    # --- query ---------------------------------------------------------------------------------
    def _op_query(self, header: Any, body: Any, request: FakeRequest) -> FakeResponse:
        zoql = body.queryString or ""
        options = getattr(header, "QueryOptions", None)
        object_type, fields, conditions = self._parse_zoql(zoql)
        case_sensitive = getattr(options, "caseSensitive", None) is not False
        with self.lock:
            rows = [
                dict(record)
                for record in self.state[COLLECTIONS[object_type]].values()
                if all(self._matches(record, f, v, case_sensitive) for f, v in conditions)
            ]
        if "Body" in fields and (object_type != "Invoice" or [f for f, _ in conditions] != ["Id"]):
            raise CallFault(
                "INVALID_VALUE",
                "Invoice.Body can only be queried for one invoice: where Id = '...'.",
                "InvalidValueFault",
            )
        self._log("query", query=zoql, size=len(rows))
        cursor = _Cursor(object_type, fields, rows, self._batch(options, self.batch_size))
        return self._query_answer("query", cursor)

    def _op_queryMore(self, header: Any, body: Any, request: FakeRequest) -> FakeResponse:
        with self.lock:
            cursor = self._cursors.pop(body.queryLocator or "", None)
        if cursor is None:
            raise CallFault(
                "INVALID_VALUE", "Invalid query locator.", detail="InvalidQueryLocatorFault"
            )
        cursor.batch = self._batch(getattr(header, "QueryOptions", None), cursor.batch)
        self._log("queryMore", size=len(cursor.rows))
        return self._query_answer("queryMore", cursor)

    @staticmethod
    def _batch(options: Any, default: int) -> int:
        size = getattr(options, "batchSize", None) if options is not None else None
        return min(size, MAX_BATCH) if size and size > 0 else default

    def _query_answer(self, operation: str, cursor: _Cursor) -> FakeResponse:
        batch, rest = cursor.rows[: cursor.batch], cursor.rows[cursor.batch :]
        locator = None
        if rest:
            locator = secrets.token_hex(16)
            with self.lock:
                self._cursors[locator] = _Cursor(
                    cursor.object_type, cursor.fields, rest, cursor.batch
                )
        records = [self._zobject(cursor.object_type, row, cursor.fields) for row in batch]
        result = self._zeep.get_type(f"{{{ZNS}}}QueryResult")(
            done=locator is None, queryLocator=locator, records=records, size=len(cursor.rows)
        )
        return self._answer(operation, result=result)

    def _parse_zoql(self, zoql: str) -> tuple[str, list[str], list[tuple[str, str]]]:
        if len(zoql) > MAX_ZOQL:
            raise CallFault("MALFORMED_QUERY", "The query is too long.", "MalformedQueryFault")
        match = _SELECT.fullmatch(zoql)
        if match is None:
            raise CallFault(
                "MALFORMED_QUERY",
                f"You have an error in your ZOQL syntax: {zoql}",
                "MalformedQueryFault",
            )
        by_lower = {name.lower(): name for name in COLLECTIONS}
        object_type = by_lower.get(match["object"].lower())
        if object_type is None:
            raise CallFault(
                "MALFORMED_QUERY", f"No such object: {match['object']}", "MalformedQueryFault"
            )
        names = self._field_names[object_type]

        def field(raw: str) -> str:
            name = names.get(raw.strip().lower()) if re.fullmatch(r"\s*\w+\s*", raw) else None
            if name is None:
                raise CallFault(
                    "INVALID_FIELD",
                    f"invalid field for query: {object_type}.{raw.strip()}",
                    "MalformedQueryFault",
                )
            return name

        fields = list(dict.fromkeys(field(raw) for raw in match["fields"].split(",")))
        conditions: list[tuple[str, str]] = []
        where, position = match["where"], 0
        while where is not None:
            condition = _CONDITION.match(where, position)
            if condition is None:
                raise CallFault(
                    "MALFORMED_QUERY",
                    f"You have an error in your ZOQL syntax near: {where[position:]}",
                    "MalformedQueryFault",
                )
            value = re.sub(r"\\(.)", r"\1", condition["value"], flags=re.DOTALL)
            conditions.append((field(condition["field"]), value))
            position = condition.end()
            if position == len(where):
                break
            conjunction = _AND.match(where, position)
            if conjunction is None:
                raise CallFault(
                    "MALFORMED_QUERY",
                    f"Only 'and' of equalities is supported, near: {where[position:]}",
                    "MalformedQueryFault",
                )
            position = conjunction.end()
        return object_type, fields, conditions

    @staticmethod
    def _matches(record: dict[str, Any], field: str, value: str, case_sensitive: bool) -> bool:
        stored = record.get(field)
        if stored is None:
            return False
        if case_sensitive:
            return _text(stored) == value
        return _text(stored).lower() == value.lower()

    def _zobject(self, object_type: str, record: dict[str, Any], fields: list[str]) -> Any:
        elements = self._elements[object_type]
        values: dict[str, Any] = {}
        for name in fields:
            if object_type == "Invoice" and name == "Body":
                values[name] = base64.b64encode(self._invoice_pdf(record)).decode("ascii")
                continue
            stored = record.get(name)
            if stored is not None:
                values[name] = elements[name].type.pythonvalue(_text(stored))
        return self._types[object_type](**values)

    # --- create / update -----------------------------------------------------------------------
    def _given(self, zobject: Any) -> tuple[dict[str, Any], list[str]]:
        """The fields a zObject carries (as JSON values) and its fieldsToNull."""
        plain = to_plain(zobject)
        to_null = [str(name) for name in plain.pop("fieldsToNull", None) or []]
        return {k: _storable(v) for k, v in plain.items() if v is not None}, to_null

    def _save_results(
        self, operation: str, body: Any, write: Callable[[str, dict[str, Any], list[str]], str]
    ) -> FakeResponse:
        objects = list(body.zObjects or [])
        if len(objects) > MAX_OBJECTS:
            raise CallFault("MAX_RECORDS_EXCEEDED", f"At most {MAX_OBJECTS} objects per call.")
        save_result = self._zeep.get_type(f"{{{ZNS}}}SaveResult")
        results, logged = [], []
        with self.lock:
            for zobject in objects:
                object_type = type(zobject).__name__
                values, to_null = self._given(zobject)
                entry: dict[str, Any] = {"type": object_type, "fields": dict(values)}
                try:
                    if object_type not in ("Account", "Contact"):
                        raise RowError(
                            "INVALID_TYPE", f"{operation} is not supported for {object_type}."
                        )
                    self._check_ids(object_type, values)
                    object_id = write(object_type, values, to_null)
                    results.append(save_result(Id=object_id, Success=True))
                    entry.update(Id=object_id, success=True)
                except RowError as error:
                    results.append(
                        save_result(
                            Errors=[self._error(error.code, error.message, error.field)],
                            Success=False,
                        )
                    )
                    entry.update(success=False, error=error.code)
                logged.append(entry)
            self._log(operation, objects=logged)
            self.save()
        return self._answer(operation, result=results)

    def _op_create(self, header: Any, body: Any, request: FakeRequest) -> FakeResponse:
        return self._save_results("create", body, self._create_one)

    def _op_update(self, header: Any, body: Any, request: FakeRequest) -> FakeResponse:
        return self._save_results("update", body, self._update_one)

    def _create_one(self, object_type: str, values: dict[str, Any], to_null: list[str]) -> str:
        if "Id" in values:
            raise RowError("INVALID_VALUE", "Id cannot be set when creating.", "Id")
        if object_type == "Account":
            self._require(values, ("Name", "Currency", "BillCycleDay", "PaymentTerm", "Status"))
            self._check_account(values, None)
            return self._store_account(values, status=str(values["Status"]))
        self._require(values, ("AccountId", "FirstName", "LastName"))
        if values["AccountId"] not in self.state["accounts"]:
            raise RowError("INVALID_VALUE", "The account does not exist.", "AccountId")
        return self._store("Contact", values)

    def _update_one(self, object_type: str, values: dict[str, Any], to_null: list[str]) -> str:
        object_id = values.pop("Id", None)
        if not object_id:
            raise RowError("MISSING_REQUIRED_VALUE", "Id is required to update.", "Id")
        current = self.state[COLLECTIONS[object_type]].get(object_id)
        if current is None:
            raise RowError("INVALID_ID", f"invalid id: {object_id}", "Id")
        names = self._field_names[object_type]
        for raw in to_null:
            if raw.lower() not in names:
                raise RowError("INVALID_FIELD", f"invalid field: {raw}", raw)
        nulled = [names[raw.lower()] for raw in to_null]
        merged = {**current, **values}
        for name in nulled:
            merged.pop(name, None)
        if object_type == "Account":
            self._require(merged, ("Name", "Currency", "BillCycleDay", "PaymentTerm", "Status"))
            if merged["Currency"] != current["Currency"] and current.get("Status") != "Draft":
                raise RowError(
                    "INVALID_VALUE",
                    "Currency can only change while the account is Draft.",
                    "Currency",
                )
            self._check_account(merged, object_id)
        else:
            self._require(merged, ("AccountId", "FirstName", "LastName"))
            if merged["AccountId"] not in self.state["accounts"]:
                raise RowError("INVALID_VALUE", "The account does not exist.", "AccountId")
        merged["UpdatedDate"] = now_text()
        self.state[COLLECTIONS[object_type]][object_id] = merged
        return object_id

    def _check_ids(self, object_type: str, values: dict[str, Any]) -> None:
        elements = self._elements[object_type]
        for name, value in values.items():
            if getattr(elements[name].type, "qname", None) == f"{{{ZNS}}}ID" and not (
                validate_zuora_id(value)
            ):
                raise RowError("INVALID_ID", f"invalid id for {name}: {value}", name)

    @staticmethod
    def _require(values: dict[str, Any], names: tuple[str, ...]) -> None:
        for name in names:
            if values.get(name) in (None, ""):
                raise RowError("MISSING_REQUIRED_VALUE", f"{name} is required.", name)

    def _check_account(self, values: dict[str, Any], account_id: str | None) -> None:
        number = values.get("AccountNumber")
        if number:
            if len(number) > 50:
                raise RowError("INVALID_VALUE", "AccountNumber is at most 50 characters.")
            owner = self._find("Account", "AccountNumber", number)
            if owner is not None and owner["Id"] != account_id:
                raise RowError(
                    "DUPLICATE_VALUE",
                    f"The account number {number} is already used.",
                    "AccountNumber",
                )
            if account_id is None and _AUTO_ACCOUNT_NUMBER.fullmatch(number):
                raise RowError(
                    "INVALID_VALUE",
                    f"The account number {number} is invalid: it uses the auto-number prefix.",
                    "AccountNumber",
                )
        if not re.fullmatch(r"[A-Z]{3}", str(values["Currency"])):
            raise RowError("INVALID_VALUE", f"Invalid currency {values['Currency']}.", "Currency")
        if not 0 <= int(values["BillCycleDay"]) <= 31:
            raise RowError("INVALID_VALUE", "BillCycleDay must be 1 to 31.", "BillCycleDay")
        if not _valid_payment_term(str(values["PaymentTerm"])):
            raise RowError(
                "INVALID_VALUE", f"Invalid payment term {values['PaymentTerm']}.", "PaymentTerm"
            )
        if values.get("Status") not in (None, "Draft", "Active", "Canceled"):
            raise RowError("INVALID_VALUE", f"Invalid status {values['Status']}.", "Status")
        parent = values.get("ParentId")
        if parent is not None and (parent == account_id or parent not in self.state["accounts"]):
            raise RowError("INVALID_VALUE", f"The parent account {parent} is invalid.", "ParentId")
        for name in ("BillToId", "SoldToId"):
            contact_id = values.get(name)
            contact = self.state["contacts"].get(contact_id) if contact_id else None
            if contact_id and (contact is None or contact.get("AccountId") != account_id):
                raise RowError("INVALID_VALUE", f"{name} must be a contact of this account.", name)

    def _find(self, object_type: str, field: str, value: Any) -> dict[str, Any] | None:
        for record in self.state[COLLECTIONS[object_type]].values():
            if record.get(field) == value:
                return dict(record)
        return None

    def _next_number(self, counter: str, pattern: str) -> str:
        self.state["counters"][counter] += 1
        return pattern.format(self.state["counters"][counter])

    def _store(self, object_type: str, values: dict[str, Any]) -> str:
        object_id = new_id()
        now = now_text()
        self.state[COLLECTIONS[object_type]][object_id] = {
            **values,
            "Id": object_id,
            "CreatedDate": now,
            "UpdatedDate": now,
        }
        return object_id

    def _store_account(self, values: dict[str, Any], *, status: str) -> str:
        number = values.get("AccountNumber")
        while not number or self._find("Account", "AccountNumber", number) is not None:
            number = self._next_number("account", "A{:08d}")
        return self._store(
            "Account", {"Balance": "0", **values, "AccountNumber": number, "Status": status}
        )

    # --- subscribe -----------------------------------------------------------------------------
    def _op_subscribe(self, header: Any, body: Any, request: FakeRequest) -> FakeResponse:
        requests = list(body.subscribes or [])
        if len(requests) > MAX_OBJECTS:
            raise CallFault("MAX_RECORDS_EXCEEDED", f"At most {MAX_OBJECTS} subscribes per call.")
        make = self._zeep.get_type(f"{{{ZNS}}}SubscribeResult")
        results = []
        with self.lock:
            for subscribe in requests:
                entry = self._subscribe_summary(subscribe)
                try:
                    outcome = self._subscribe_one(subscribe)
                    results.append(make(**outcome, Success=True))
                    entry.update(success=True, SubscriptionId=outcome["SubscriptionId"])
                except RowError as error:
                    results.append(
                        make(
                            Errors=[self._error(error.code, error.message, error.field)],
                            Success=False,
                        )
                    )
                    entry.update(success=False, error=error.code)
                self._log("subscribe", **entry)
            self.save()
        return self._answer("subscribe", result=results)

    def _subscribe_summary(self, subscribe: Any) -> dict[str, Any]:
        """The key fields of a subscribe for the call log (tests assert on them)."""
        account = self._given(subscribe.Account)[0] if subscribe.Account is not None else {}
        data = subscribe.SubscriptionData
        subscription = (
            self._given(data.Subscription)[0] if data is not None and data.Subscription else {}
        )
        options = subscribe.SubscribeOptions
        charges = [
            self._given(charge.RatePlanCharge)[0]
            for plan in (data.RatePlanData or [] if data is not None else [])
            for charge in plan.RatePlanChargeData or []
            if charge.RatePlanCharge is not None
        ]
        plans = [
            self._given(plan.RatePlan)[0]
            for plan in (data.RatePlanData or [] if data is not None else [])
            if plan.RatePlan is not None
        ]
        return {
            "AccountId": account.get("Id"),
            "AccountNumber": account.get("AccountNumber"),
            "AccountName": account.get("Name"),
            "ParentId": account.get("ParentId"),
            "CrmId": account.get("CrmId"),
            "Currency": account.get("Currency"),
            "BillToContact": (
                self._given(subscribe.BillToContact)[0] if subscribe.BillToContact else None
            ),
            "Name": subscription.get("Name"),
            "InvoiceOwnerId": subscription.get("InvoiceOwnerId"),
            "ContractEffectiveDate": subscription.get("ContractEffectiveDate"),
            "GenerateInvoice": options.GenerateInvoice if options is not None else None,
            "ProcessPayments": options.ProcessPayments if options is not None else None,
            "ProductRatePlanIds": [p.get("ProductRatePlanId") for p in plans],
            "ProductRatePlanChargeIds": [c.get("ProductRatePlanChargeId") for c in charges],
            "Quantities": [c.get("Quantity") for c in charges],
        }

    def _subscribe_one(self, subscribe: Any) -> dict[str, Any]:
        """One SubscribeRequest: every rule checked before anything is written."""
        if subscribe.Account is None:
            raise RowError("MISSING_REQUIRED_VALUE", "Account is required.", "Account")
        account, _ = self._given(subscribe.Account)
        self._check_ids("Account", account)
        new_account = "Id" not in account
        bill_to = sold_to = None
        if new_account:
            self._require(account, ("Name", "Currency", "BillCycleDay", "PaymentTerm"))
            if account.get("Status"):
                raise RowError(
                    "INVALID_VALUE", "Leave Account.Status empty with subscribe().", "Status"
                )
            self._check_account(account, None)
            if subscribe.BillToContact is None:
                raise RowError(
                    "MISSING_REQUIRED_VALUE",
                    "BillToContact is required for a new account.",
                    "BillToContact",
                )
            bill_to, _ = self._given(subscribe.BillToContact)
            sold_to = self._given(subscribe.SoldToContact)[0] if subscribe.SoldToContact else None
            for contact in filter(None, (bill_to, sold_to)):
                contact.pop("AccountId", None)
                self._check_ids("Contact", contact)
                self._require(contact, ("FirstName", "LastName"))
            owner = account
        else:
            found = self.state["accounts"].get(account["Id"])
            if found is None:
                raise RowError("INVALID_VALUE", f"Invalid account id {account['Id']}.", "Id")
            owner = found

        data = subscribe.SubscriptionData
        if data is None or data.Subscription is None:
            raise RowError(
                "MISSING_REQUIRED_VALUE",
                "SubscriptionData.Subscription is required.",
                "Subscription",
            )
        subscription, _ = self._given(data.Subscription)
        self._check_ids("Subscription", subscription)
        self._require(subscription, ("ContractEffectiveDate", "TermType"))
        term_type = subscription["TermType"]
        if term_type not in ("TERMED", "EVERGREEN"):
            raise RowError("INVALID_VALUE", f"Invalid TermType {term_type}.", "TermType")
        if term_type == "TERMED":
            self._require(subscription, ("InitialTerm",))
            if int(subscription["InitialTerm"]) <= 0:
                raise RowError(
                    "INVALID_VALUE", "Initial Term should be greater than zero", "InitialTerm"
                )
        name = subscription.get("Name")
        if name and self._find("Subscription", "Name", name) is not None:
            raise RowError(
                "DUPLICATE_VALUE", f"The subscription name {name} is already used.", "Name"
            )
        invoice_owner = owner
        owner_id = subscription.get("InvoiceOwnerId")
        if owner_id:
            found = self.state["accounts"].get(owner_id)
            if found is None:
                raise RowError(
                    "INVALID_VALUE", f"Invalid invoice owner {owner_id}.", "InvoiceOwnerId"
                )
            invoice_owner = found
        if invoice_owner["Currency"] != owner["Currency"]:
            raise RowError(
                "INVALID_VALUE",
                "The subscription owner accounts and the invoice owner accounts must use the "
                "same currency.",
                "InvoiceOwnerId",
            )
        charges = self._charges(data, invoice_owner["Currency"])

        # --- every rule passed: write ---------------------------------------------------------
        if new_account:
            if bill_to is None:  # pragma: no cover - refused above for a new account
                raise RowError("MISSING_REQUIRED_VALUE", "BillToContact is required.")
            account_id = self._store_account(account, status="Active")
            bill_to_id = self._store("Contact", {**bill_to, "AccountId": account_id})
            sold_to_id = (
                self._store("Contact", {**sold_to, "AccountId": account_id})
                if sold_to
                else bill_to_id
            )
            self.state["accounts"][account_id].update(BillToId=bill_to_id, SoldToId=sold_to_id)
            owner = self.state["accounts"][account_id]
            if not owner_id:
                invoice_owner = owner
        account_id = owner["Id"]
        start = date.fromisoformat(
            subscription.get("TermStartDate") or subscription["ContractEffectiveDate"]
        )
        initial_period = subscription.get("InitialTermPeriodType") or "Month"
        end = (
            _add_period(start, int(subscription["InitialTerm"]), initial_period)
            if term_type == "TERMED"
            else None
        )
        effective = subscription["ContractEffectiveDate"]
        subscription_id = self._store(
            "Subscription",
            {
                "AutoRenew": False,
                "RenewalTerm": 0,
                "RenewalTermPeriodType": "Month",
                "ContractAcceptanceDate": effective,
                "ServiceActivationDate": effective,
                **subscription,
                "Name": name or self._next_number("subscription", "A-S{:08d}"),
                "AccountId": account_id,
                "InvoiceOwnerId": invoice_owner["Id"],
                "InitialTermPeriodType": initial_period,
                "Status": "Active",
                "Version": 1,
                "TermStartDate": start.isoformat(),
                "TermEndDate": end.isoformat() if end else None,
                "SubscriptionStartDate": start.isoformat(),
                "SubscriptionEndDate": end.isoformat() if end else None,
                "CurrentTerm": subscription.get("InitialTerm"),
                "CurrentTermPeriodType": initial_period,
            },
        )
        stored = self.state["subscriptions"][subscription_id]
        stored["OriginalId"] = subscription_id
        for key in [k for k, v in stored.items() if v is None]:
            del stored[key]
        charge_rows = self._store_rate_plans(subscription_id, charges)
        outcome: dict[str, Any] = {
            "AccountId": account_id,
            "AccountNumber": owner["AccountNumber"],
            "SubscriptionId": subscription_id,
            "SubscriptionNumber": stored["Name"],
        }
        options = subscribe.SubscribeOptions
        # Zuora invoices at once unless told otherwise (SubscribeOptions absent included).
        generate = options is None or options.GenerateInvoice is not False
        if generate:
            invoice = self._invoice(
                invoice_owner, stored, charge_rows, date.fromisoformat(effective)
            )
            outcome.update(InvoiceId=invoice["Id"], InvoiceNumber=invoice["InvoiceNumber"])
        return outcome

    def _charges(self, data: Any, currency: str) -> list[tuple[dict[str, Any], Decimal, Any]]:
        """(catalogue entry, quantity, rate-plan-charge fields) per charge, all checked."""
        charges = []
        for plan_data in data.RatePlanData or []:
            plan, _ = self._given(plan_data.RatePlan) if plan_data.RatePlan else ({}, [])
            self._check_ids("RatePlan", plan)
            plan_id = plan.get("ProductRatePlanId")
            if not plan_id:
                raise RowError(
                    "MISSING_REQUIRED_VALUE", "ProductRatePlanId is required.", "ProductRatePlanId"
                )
            if not any(
                c["product_rate_plan_id"] == plan_id for c in self.state["catalogue"].values()
            ):
                raise RowError(
                    "INVALID_VALUE", f"Invalid ProductRatePlanId {plan_id}.", "ProductRatePlanId"
                )
            for charge_data in plan_data.RatePlanChargeData or []:
                charge, _ = (
                    self._given(charge_data.RatePlanCharge)
                    if charge_data.RatePlanCharge is not None
                    else ({}, [])
                )
                self._check_ids("RatePlanCharge", charge)
                charge_id = charge.get("ProductRatePlanChargeId")
                entry = self.state["catalogue"].get(charge_id or "")
                if entry is None or entry["product_rate_plan_id"] != plan_id:
                    raise RowError(
                        "INVALID_VALUE",
                        f"Invalid ProductRatePlanChargeId {charge_id} for plan {plan_id}.",
                        "ProductRatePlanChargeId",
                    )
                if entry["currency"] != currency:
                    raise RowError(
                        "INVALID_VALUE",
                        f"The charge {charge_id} has no price in {currency}.",
                        "ProductRatePlanChargeId",
                    )
                quantity = Decimal(str(charge.get("Quantity", "1")))
                if quantity <= 0:
                    raise RowError("INVALID_VALUE", "Quantity must be positive.", "Quantity")
                charges.append((entry, quantity, charge))
        return charges

    def _store_rate_plans(
        self, subscription_id: str, charges: list[tuple[dict[str, Any], Decimal, Any]]
    ) -> list[dict[str, Any]]:
        plan_ids: dict[str, str] = {}
        rows = []
        for entry, quantity, _charge in charges:
            product_plan = entry["product_rate_plan_id"]
            if product_plan not in plan_ids:
                plan_ids[product_plan] = self._store(
                    "RatePlan",
                    {
                        "Name": entry["name"],
                        "ProductRatePlanId": product_plan,
                        "SubscriptionId": subscription_id,
                    },
                )
            charge_id = self._store(
                "RatePlanCharge",
                {
                    "Name": entry["name"],
                    "ProductRatePlanChargeId": entry["product_rate_plan_charge_id"],
                    "RatePlanId": plan_ids[product_plan],
                    "Quantity": str(quantity),
                    "Price": entry["price"],
                    "BillingPeriod": entry["period"],
                },
            )
            rows.append(self.state["rate_plan_charges"][charge_id])
        return rows

    def _invoice(
        self,
        owner: dict[str, Any],
        subscription: dict[str, Any],
        charges: list[dict[str, Any]],
        invoice_date: date,
    ) -> dict[str, Any]:
        """The first period's invoice on the invoice owner's account, with one item a charge."""
        invoice_id = new_id()
        total = Decimal("0")
        for charge in charges:
            amount = Decimal(charge["Price"]) * Decimal(charge["Quantity"])
            total += amount
            start = date.fromisoformat(subscription["TermStartDate"])
            end = _add_period(start, 1, charge["BillingPeriod"]) - timedelta(days=1)
            self._store(
                "InvoiceItem",
                {
                    "ChargeAmount": str(amount),
                    "ChargeName": charge["Name"],
                    "InvoiceId": invoice_id,
                    "ProductRatePlanChargeId": charge["ProductRatePlanChargeId"],
                    "Quantity": charge["Quantity"],
                    "RatePlanChargeId": charge["Id"],
                    "ServiceEndDate": end.isoformat(),
                    "ServiceStartDate": start.isoformat(),
                    "SubscriptionId": subscription["Id"],
                    "SubscriptionNumber": subscription["Name"],
                    "UnitPrice": charge["Price"],
                },
            )
        now = now_text()
        invoice = {
            "Id": invoice_id,
            "AccountId": owner["Id"],
            "Amount": str(total),
            "Balance": str(total),
            "DueDate": _due_date(invoice_date, owner.get("PaymentTerm")).isoformat(),
            "InvoiceDate": invoice_date.isoformat(),
            "InvoiceNumber": self._next_number("invoice", "INV{:08d}"),
            "Status": "Posted",
            "PostedDate": now,
            "CreatedDate": now,
            "UpdatedDate": now,
        }
        self.state["invoices"][invoice_id] = invoice
        account = self.state["accounts"][owner["Id"]]
        account["Balance"] = str(Decimal(account.get("Balance") or "0") + total)
        account["LastInvoiceDate"] = invoice_date.isoformat()
        return invoice

    def _invoice_pdf(self, invoice: dict[str, Any]) -> bytes:
        """The invoice as a PDF, made when asked for (never kept in the state file)."""
        with self.lock:
            account = dict(self.state["accounts"].get(invoice.get("AccountId"), {}))
            items = [
                dict(item)
                for item in self.state["invoice_items"].values()
                if item.get("InvoiceId") == invoice.get("Id")
            ]
        currency = account.get("Currency", "")
        # Imported here, not at the top: fpdf2 (through fontTools) takes seconds to import, and
        # only a PDF download needs it. Every process that starts the fakes would pay otherwise.
        from fpdf import FPDF

        pdf = FPDF()
        pdf.set_creator("Zuora fake")
        pdf.add_page()
        pdf.set_font("Helvetica", style="B", size=16)
        pdf.cell(
            0,
            10,
            _latin1(f"Invoice {invoice.get('InvoiceNumber', '')}"),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_font("Helvetica", size=11)
        for label, value in (
            ("Bill to", account.get("Name", "")),
            ("Account", account.get("AccountNumber", "")),
            ("Invoice date", invoice.get("InvoiceDate", "")),
            ("Due date", invoice.get("DueDate", "")),
        ):
            pdf.cell(0, 7, _latin1(f"{label}: {value}"), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        for item in items:
            line = (
                f"{item.get('SubscriptionNumber', '')}  {item.get('ChargeName', '')}  "
                f"{item.get('ServiceStartDate', '')} - {item.get('ServiceEndDate', '')}  "
                f"{item.get('Quantity', '')} x {item.get('UnitPrice', '')} = "
                f"{item.get('ChargeAmount', '')} {currency}"
            )
            pdf.cell(0, 7, _latin1(line), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        pdf.set_font("Helvetica", style="B", size=11)
        pdf.cell(0, 7, _latin1(f"Total: {invoice.get('Amount', '')} {currency}"))
        return bytes(pdf.output())

    # --- amend ---------------------------------------------------------------------------------
    def _op_amend(self, header: Any, body: Any, request: FakeRequest) -> FakeResponse:
        # Amendments and the versions they make: integrations/fakes/zuora_amend.py.
        return zuora_amend.amend(self, body)
