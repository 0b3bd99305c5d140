"""A stateful fake of the Salesforce REST API, as far as the portal's order push uses it.

It serves the OAuth client-credentials token endpoint and, under ``/services/data/vNN.N/``,
sObject create / get / update / delete, upsert by external id and a small SOQL subset, with
Salesforce's status codes and JSON error arrays (``[{"message", "errorCode", "fields"}]``), so
the real simple-salesforce library runs against it unchanged (bar the ``https://`` it
hard-codes, which our client rewrites for loopback URLs).

Rules it enforces, because the push depends on them: Account needs ``Name`` and Contact
``LastName``; a ``__c`` field used as an upsert key is an External ID + Unique field from then
on; ``ParentId`` and a Contact's ``AccountId`` must name an existing Account. Unknown fields
are stored as sent. Tokens live in memory only, so a restarted fake answers 401 to old tokens
and the client has to fetch a new one, as after a real session expiry.

Fault names (``POST /_fake/faults``; operations ``token``, ``query``, ``get``, ``create``,
``upsert``, ``update``, ``delete``; ``"sobject": "Contact"`` narrows a rule to one object):
``INVALID_SESSION_ID`` (401; the token presented stops working), ``UNABLE_TO_LOCK_ROW``
(400), ``REQUEST_LIMIT_EXCEEDED`` (403), ``SERVER_UNAVAILABLE`` (503, ``Retry-After`` from
``retry_after``), ``HTTP_429`` (429 + ``Retry-After``), ``CONNECTION_RESET`` (the connection
closes unanswered, nothing done), ``TIMEOUT_COMMIT`` (done and saved, answered ``delay_ms``
later, 5 s by default); any other name is a 400 with that ``errorCode``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import string
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

from integrations.fakes.base import FakeRequest, FakeResponse, FakeService, FaultRegistry, FaultRule

DEFAULT_CLIENT_ID = "portal-demo"
DEFAULT_CLIENT_SECRET = "demo-salesforce-2026"  # noqa: S105 - the demo fake's published secret

API_LIMIT = 15000
CALL_LOG_SIZE = 1000
QUERY_BATCH_SIZE = 2000
# Query cursors are held in memory; a client that never reads the rest must not pile them up.
MAX_OPEN_CURSORS = 50
# The fake org's ids, as the token response's identity URL shows them.
ORG_ID = "00D5g000004FAKEEAW"
USER_ID = "0055g00000FAKE1AAA"

_ALNUM = string.ascii_letters + string.digits
_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID_RE = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")


@dataclass(frozen=True)
class _SObject:
    name: str
    key: str  # the state's key
    prefix: str
    required: tuple[str, ...]
    # Lookup fields to Account, with the relationship name that takes an external-id reference.
    lookups: dict[str, str] = field(default_factory=dict)


SOBJECTS = {
    "account": _SObject("Account", "accounts", "001", ("Name",), {"ParentId": "Parent"}),
    "contact": _SObject("Contact", "contacts", "003", ("LastName",), {"AccountId": "Account"}),
}
# Field names Salesforce spells one way whatever the request's case; stored and shown so.
STANDARD_FIELDS = {
    name.casefold(): name
    for name in (
        "Id",
        "Name",
        "ParentId",
        "AccountId",
        "FirstName",
        "LastName",
        "Email",
        "Phone",
        "CreatedDate",
        "LastModifiedDate",
        "SystemModstamp",
    )
}
READ_ONLY_FIELDS = {"CreatedDate", "LastModifiedDate", "SystemModstamp"}


def salesforce_id(id15: str) -> str:
    """The 18-character form of a 15-character id (the case-safe suffix Salesforce appends)."""
    suffix = ""
    for chunk in range(3):
        bits = 0
        for position, char in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << position
        suffix += _SUFFIX_ALPHABET[bits]
    return id15 + suffix


def new_salesforce_id(prefix: str) -> str:
    """A fresh 18-character id: key prefix, pod "5g0", nine random characters, suffix."""
    return salesforce_id(prefix + "5g0" + "".join(secrets.choice(_ALNUM) for _ in range(9)))


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _error(status: int, code: str, message: str, fields: list[str] | None = None) -> FakeResponse:
    return FakeResponse.json(
        [{"message": message, "errorCode": code, "fields": fields or []}], status
    )


def _not_found(message: str = "The requested resource does not exist") -> FakeResponse:
    return FakeResponse.json([{"errorCode": "NOT_FOUND", "message": message}], 404)


class _ValidationError(Exception):
    def __init__(self, response: FakeResponse) -> None:
        super().__init__(response.status)
        self.response = response


class SObjectFaultRegistry(FaultRegistry):
    """The shared fault registry, plus a rule's optional ``sobject`` narrowing it to one object.

    A Contact-only rule must not be used up by the Account call that comes first in a push,
    so the object is part of the match, not checked after the rule was taken.
    """

    def applies(self, rule: FaultRule, operation: str, **scope: str | None) -> bool:
        wanted = rule.extra.get("sobject")
        sobject = scope.get("sobject")
        if wanted is not None and (sobject is None or str(wanted).casefold() != sobject.casefold()):
            return False
        return rule.matches(operation)


@dataclass
class _Route:
    operation: str
    sobject: _SObject | None
    run: Callable[[], FakeResponse]
    mutates: bool = False
    external_field: str | None = None
    external_id: str | None = None
    record_id: str | None = None


class SalesforceFake(FakeService):
    """Salesforce REST for Accounts and Contacts; see the module docstring for the rules."""

    name = "salesforce"

    def __init__(
        self,
        state_path: Path | None = None,
        *,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        query_batch_size: int = QUERY_BATCH_SIZE,
        fault_seed: int | None = None,
    ) -> None:
        super().__init__(state_path, fault_seed=fault_seed)
        # A state file from an older fake may lack a key; start those empty.
        self.state = {**self.empty_state(), **self.state}
        self.faults: SObjectFaultRegistry = SObjectFaultRegistry(seed=fault_seed)
        self.client_id = client_id
        self.client_secret = client_secret
        self.query_batch_size = query_batch_size
        # In memory on purpose: a restart invalidates every session, as an expiry would.
        self._tokens: set[str] = set()
        # Open query cursors: the rows of the whole result and the page size.
        self._cursors: OrderedDict[str, tuple[list[dict[str, Any]], int]] = OrderedDict()

    # --- state ---------------------------------------------------------------------------------
    def empty_state(self) -> dict[str, Any]:
        return {
            "accounts": {},
            "contacts": {},
            "external_id_fields": {"Account": [], "Contact": []},
            "api_usage": 0,
            "calls": [],
        }

    def public_state(self) -> dict[str, Any]:
        with self.lock:
            state = super().public_state()
        return {
            "accounts": list(state["accounts"].values()),
            "contacts": list(state["contacts"].values()),
            "external_id_fields": state["external_id_fields"],
            "api_usage": state["api_usage"],
            "calls": state["calls"],
        }

    def seed(self, data: dict[str, Any]) -> None:
        """Accounts a real org already holds (the partners' own): ``{"accounts": [{"id",
        "name", "fields"?}]}``, and optionally ``{"external_id_fields": {"Account": [...]}}``.
        Seeding the same id again updates it, so seeding is idempotent."""
        accounts = data.get("accounts") or []
        if not isinstance(accounts, list):
            raise ValueError("accounts is a list of {id, name}.")
        with self.lock:
            for item in accounts:
                record_id = str(item["id"])
                if not _ID_RE.fullmatch(record_id) or not record_id.startswith("001"):
                    raise ValueError(f"{record_id!r} is not an Account id (001 + 12 or 15 chars).")
                if len(record_id) == 15:
                    record_id = salesforce_id(record_id)
                record = self.state["accounts"].setdefault(
                    record_id, {"Id": record_id, "CreatedDate": _now()}
                )
                record.update(item.get("fields") or {})
                record["Name"] = str(item["name"])
                record["LastModifiedDate"] = record["SystemModstamp"] = _now()
            for sobject, names in (data.get("external_id_fields") or {}).items():
                for name in names:
                    self._register_external_field(SOBJECTS[sobject.casefold()], str(name))
            self.save()

    # --- dispatch ------------------------------------------------------------------------------
    def handle(self, request: FakeRequest) -> FakeResponse:
        response = self._dispatch(request)
        with self.lock:
            usage = self.state["api_usage"]
        response.headers["Sforce-Limit-Info"] = f"api-usage={usage}/{API_LIMIT}"
        return response

    def _dispatch(self, request: FakeRequest) -> FakeResponse:
        if request.path.rstrip("/") == "/services/oauth2/token":
            return self._token(request)
        match = re.fullmatch(r"/services/data/v(\d+\.\d)(/.*)?", request.path)
        if match is None:
            return _not_found()
        version = match.group(1)
        route = self._route(request, version, match.group(2) or "/")
        if isinstance(route, FakeResponse):
            return route
        sobject_name = route.sobject.name if route.sobject else None
        if wait := self.faults.latency(route.operation, sobject=sobject_name):
            time.sleep(wait)
        token = self._bearer(request)
        if token is None or token not in self._tokens:
            return self._logged(
                route,
                request,
                _error(401, "INVALID_SESSION_ID", "Session expired or invalid"),
            )
        with self.lock:
            self.state["api_usage"] += 1
        rule = self.faults.take(route.operation, sobject=sobject_name)
        if rule is not None and rule.fault != "TIMEOUT_COMMIT":
            if rule.fault == "INVALID_SESSION_ID":
                self._tokens.discard(token)
            return self._logged(route, request, self._fault_response(rule), fault=rule.fault)
        with self.lock:
            try:
                response = route.run()
            except _ValidationError as exc:
                response = exc.response
            self._log_call(route, request, response, fault=rule.fault if rule else None)
            if route.mutates and response.status < 300:
                self.save()
        if rule is not None:  # TIMEOUT_COMMIT: the work is saved; the answer comes too late.
            response.delay = (rule.delay_ms or 5000) / 1000
        return response

    def _route(self, request: FakeRequest, version: str, rest: str) -> _Route | FakeResponse:
        segments = [unquote(part) for part in rest.strip("/").split("/")] if rest != "/" else []
        method = request.method
        if segments[:1] == ["query"] and method == "GET":
            if len(segments) == 1:
                soql = (request.query.get("q") or [""])[0]
                batch = self._batch_size(request)
                return _Route("query", None, lambda: self._query(soql, version, batch))
            if len(segments) == 2:
                cursor = segments[1]
                return _Route("query", None, lambda: self._query_more(cursor, version))
        if segments[:1] != ["sobjects"] or len(segments) < 2 or len(segments) > 4:
            return _not_found()
        sobject = SOBJECTS.get(segments[1].casefold())
        if sobject is None:
            return _not_found()
        if len(segments) == 2:
            if method == "POST":
                return _Route(
                    "create",
                    sobject,
                    lambda: self._create(sobject, self._body(request), version),
                    mutates=True,
                )
            return _method_not_allowed(method, "POST")
        if len(segments) == 3:
            record_id = segments[2]
            if method == "GET":
                return _Route(
                    "get",
                    sobject,
                    lambda: self._get(sobject, record_id, version),
                    record_id=record_id,
                )
            if method == "PATCH":
                return _Route(
                    "update",
                    sobject,
                    lambda: self._update(sobject, record_id, self._body(request)),
                    mutates=True,
                    record_id=record_id,
                )
            if method == "DELETE":
                return _Route(
                    "delete",
                    sobject,
                    lambda: self._delete(sobject, record_id),
                    mutates=True,
                    record_id=record_id,
                )
            return _method_not_allowed(method, "GET,PATCH,DELETE")
        key_field, value = segments[2], segments[3]
        if method == "GET":
            return _Route(
                "get",
                sobject,
                lambda: self._get_by_external_id(sobject, key_field, value, version),
                external_field=key_field,
                external_id=value,
            )
        if method == "PATCH":
            return _Route(
                "upsert",
                sobject,
                lambda: self._upsert(sobject, key_field, value, self._body(request), version),
                mutates=True,
                external_field=key_field,
                external_id=value,
            )
        return _method_not_allowed(method, "GET,PATCH")

    @staticmethod
    def _bearer(request: FakeRequest) -> str | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        # Salesforce takes the older "OAuth <token>" form too.
        return token.strip() if scheme.lower() in ("bearer", "oauth") and token else None

    def _batch_size(self, request: FakeRequest) -> int:
        options = request.headers.get("sforce-query-options", "")
        match = re.search(r"batchSize=(\d+)", options)
        if match:
            return max(200, min(2000, int(match.group(1))))
        return self.query_batch_size

    @staticmethod
    def _body(request: FakeRequest) -> dict[str, Any]:
        try:
            data = request.json()
        except ValueError as exc:
            raise _ValidationError(
                _error(400, "JSON_PARSER_ERROR", f"Unexpected character in the body: {exc}")
            ) from exc
        if not isinstance(data, dict):
            raise _ValidationError(
                _error(400, "JSON_PARSER_ERROR", "The body must be a JSON object.")
            )
        return data

    @staticmethod
    def _fault_response(rule: FaultRule) -> FakeResponse:
        if rule.fault == "CONNECTION_RESET":
            return FakeResponse(drop=True)
        if rule.fault == "INVALID_SESSION_ID":
            return _error(401, "INVALID_SESSION_ID", "Session expired or invalid")
        if rule.fault == "UNABLE_TO_LOCK_ROW":
            return _error(
                400, "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record"
            )
        if rule.fault == "REQUEST_LIMIT_EXCEEDED":
            return _error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        if rule.fault == "SERVER_UNAVAILABLE":
            response = _error(503, "SERVER_UNAVAILABLE", "Server temporarily unavailable")
            if rule.retry_after is not None:
                response.headers["Retry-After"] = str(rule.retry_after)
            return response
        if rule.fault == "HTTP_429":
            response = _error(429, "TOO_MANY_REQUESTS", "Too many requests, try again later")
            response.headers["Retry-After"] = str(rule.retry_after if rule.retry_after else 30)
            return response
        return _error(400, rule.fault, f"{rule.fault} (injected by the fake)")

    # --- call log ------------------------------------------------------------------------------
    def _logged(
        self, route: _Route, request: FakeRequest, response: FakeResponse, fault: str | None = None
    ) -> FakeResponse:
        with self.lock:
            self._log_call(route, request, response, fault=fault)
        return response

    def _log_call(
        self,
        route: _Route,
        request: FakeRequest,
        response: FakeResponse,
        fault: str | None,
        sent: dict[str, Any] | None = None,
    ) -> None:
        fields: Any = sent
        if sent is None and request.method in ("POST", "PATCH"):
            try:
                fields = request.json()
            except ValueError:
                fields = request.body.decode(errors="replace")
        calls = self.state["calls"]
        calls.append(
            {
                "at": _now(),
                "operation": route.operation,
                "object": route.sobject.name if route.sobject else None,
                "external_id_field": route.external_field,
                "external_id": route.external_id,
                "record_id": route.record_id,
                "query": request.query["q"][0] if request.query.get("q") else None,
                "fields": fields,
                "status": 0 if response.drop else response.status,
                "fault": fault,
            }
        )
        # Bounded so that saving after every call stays cheap over thousands of calls.
        del calls[:-CALL_LOG_SIZE]

    # --- token ---------------------------------------------------------------------------------
    def _token(self, request: FakeRequest) -> FakeResponse:
        if request.method != "POST":
            return _method_not_allowed(request.method, "POST")
        if wait := self.faults.latency("token"):
            time.sleep(wait)
        rule = self.faults.take("token")
        form = {k: v[0] for k, v in parse_qs(request.body.decode(errors="replace")).items()}
        response = self._token_answer(request, form, rule)
        route = _Route("token", None, lambda: response)
        # Logged without the secret: tests count token fetches, nobody needs the credentials.
        sent = {"grant_type": form.get("grant_type"), "client_id": form.get("client_id")}
        with self.lock:
            self._log_call(route, request, response, fault=rule.fault if rule else None, sent=sent)
        return response

    def _token_answer(
        self, request: FakeRequest, form: dict[str, str], rule: FaultRule | None
    ) -> FakeResponse:
        if rule is not None and rule.fault != "TIMEOUT_COMMIT":
            if rule.fault in ("CONNECTION_RESET", "SERVER_UNAVAILABLE", "HTTP_429"):
                return self._fault_response(rule)
            return FakeResponse.json(
                {"error": rule.fault.lower(), "error_description": "injected by the fake"}, 400
            )
        if form.get("grant_type") != "client_credentials":
            return FakeResponse.json(
                {
                    "error": "unsupported_grant_type",
                    "error_description": "grant type not supported",
                },
                400,
            )
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        basic = request.headers.get("authorization", "")
        if basic.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(basic[6:]).decode()
            except ValueError:
                decoded = ""
            client_id, _, client_secret = decoded.partition(":")
        if not (
            client_id
            and client_secret
            and hmac.compare_digest(client_id.encode(), self.client_id.encode())
            and hmac.compare_digest(client_secret.encode(), self.client_secret.encode())
        ):
            return FakeResponse.json(
                {"error": "invalid_client", "error_description": "invalid client credentials"}, 400
            )
        token = f"{ORG_ID[:15]}!{secrets.token_urlsafe(72)}"
        self._tokens.add(token)
        instance_url = f"http://{request.headers.get('host', '127.0.0.1')}"
        identity = f"{instance_url}/id/{ORG_ID}/{USER_ID}"
        issued_at = str(int(time.time() * 1000))
        # Salesforce signs identity URL + issued_at with the client secret (HMAC-SHA256).
        signature = hmac.new(
            self.client_secret.encode(), (identity + issued_at).encode(), hashlib.sha256
        ).digest()
        response = FakeResponse.json(
            {
                "access_token": token,
                "instance_url": instance_url,
                "id": identity,
                "token_type": "Bearer",
                "issued_at": issued_at,
                "signature": base64.b64encode(signature).decode(),
                "scope": "api",
            }
        )
        if rule is not None:
            response.delay = (rule.delay_ms or 5000) / 1000
        return response

    # --- records -------------------------------------------------------------------------------
    def _records(self, sobject: _SObject) -> dict[str, dict[str, Any]]:
        records: dict[str, dict[str, Any]] = self.state[sobject.key]
        return records

    def _find(self, sobject: _SObject, record_id: str) -> dict[str, Any] | None:
        if not _ID_RE.fullmatch(record_id) or not record_id.startswith(sobject.prefix):
            return None
        records = self._records(sobject)
        if record_id in records:
            return records[record_id]
        # The first 15 characters are the id; the 3-character suffix only makes it case-safe
        # (and a seeded id may carry a suffix of its own).
        key = record_id[:15]
        return records.get(salesforce_id(key)) or next(
            (record for known, record in records.items() if known[:15] == key), None
        )

    def _external_fields(self, sobject: _SObject) -> list[str]:
        names: list[str] = self.state["external_id_fields"].setdefault(sobject.name, [])
        return names

    def _register_external_field(self, sobject: _SObject, name: str) -> str:
        names = self._external_fields(sobject)
        for known in names:
            if known.casefold() == name.casefold():
                return known
        names.append(name)
        return name

    def _matching(self, sobject: _SObject, name: str, value: str) -> list[dict[str, Any]]:
        # External ids match case-insensitively, as Salesforce's default for unique text fields.
        wanted = value.casefold()
        found = []
        for record in self._records(sobject).values():
            current = _field_value(record, name)
            if current is not None and str(current).casefold() == wanted:
                found.append(record)
        return found

    def _canonical(self, sobject: _SObject, name: str, record: dict[str, Any] | None) -> str:
        folded = name.casefold()
        if folded in STANDARD_FIELDS:
            return STANDARD_FIELDS[folded]
        for known in self._external_fields(sobject):
            if known.casefold() == folded:
                return known
        for known in record or {}:
            if known.casefold() == folded:
                return known
        return name

    def _prepare(
        self, sobject: _SObject, data: dict[str, Any], record: dict[str, Any] | None
    ) -> dict[str, Any]:
        """The fields to write, canonically named, with lookups resolved and checked."""
        relationships = {rel.casefold(): lookup for lookup, rel in sobject.lookups.items()}
        fields: dict[str, Any] = {}
        for name, value in data.items():
            canonical = self._canonical(sobject, name, record)
            if isinstance(value, dict) and name.casefold() in relationships:
                # "Parent": {"Portal_Customer_Id__c": "P-1"} names the Account by external id.
                canonical, value = relationships[name.casefold()], self._resolve_reference(value)
            if canonical == "Id":
                raise _ValidationError(
                    _error(
                        400,
                        "INVALID_FIELD",
                        "The Id field should not be specified in the sobject data.",
                    )
                )
            if canonical in READ_ONLY_FIELDS:
                raise _ValidationError(
                    _error(
                        400,
                        "INVALID_FIELD_FOR_INSERT_UPDATE",
                        f"Unable to create/update fields: {canonical}. Please check the security "
                        "settings of this field and verify that it is read/write for your profile "
                        "or permission set.",
                        [canonical],
                    )
                )
            fields[canonical] = value
        for lookup in sobject.lookups:
            target = fields.get(lookup)
            if target in (None, ""):
                continue
            account = self._find(SOBJECTS["account"], str(target))
            if account is None:
                # A lookup to a record that is not there (or not an Account): Salesforce's answer.
                raise _ValidationError(
                    _error(
                        400,
                        "INVALID_CROSS_REFERENCE_KEY",
                        f"invalid cross reference id: {target}",
                        [lookup],
                    )
                )
            if record is not None and account["Id"] == record["Id"]:
                raise _ValidationError(
                    _error(
                        400,
                        "FIELD_INTEGRITY_EXCEPTION",
                        "Parent Account: id value of incorrect type (the record itself)",
                        [lookup],
                    )
                )
            fields[lookup] = account["Id"]
        return fields

    def _resolve_reference(self, reference: dict[str, Any]) -> str:
        """``"Parent": {"Portal_Customer_Id__c": "P-1"}``: an Account named by an external id."""
        items = [(k, v) for k, v in reference.items() if k != "attributes"]
        if len(items) != 1:
            raise _ValidationError(
                _error(400, "INVALID_FIELD", "A foreign key reference names exactly one field.")
            )
        name, value = items[0]
        account = SOBJECTS["account"]
        matches = self._matching(account, name, str(value))
        if len(matches) != 1:
            raise _ValidationError(
                _error(
                    400,
                    "INVALID_FIELD",
                    f"Foreign key external ID: {value} not found for field {name} in entity "
                    "Account",
                )
            )
        record_id: str = matches[0]["Id"]
        return record_id

    def _check(self, sobject: _SObject, merged: dict[str, Any], exclude_id: str | None) -> None:
        missing = [name for name in sobject.required if merged.get(name) in (None, "")]
        if missing:
            raise _ValidationError(
                _error(
                    400,
                    "REQUIRED_FIELD_MISSING",
                    f"Required fields are missing: [{', '.join(missing)}]",
                    missing,
                )
            )
        for name in self._external_fields(sobject):
            value = _field_value(merged, name)
            if value in (None, ""):
                continue
            for other in self._matching(sobject, name, str(value)):
                if other["Id"] != exclude_id:
                    raise _ValidationError(
                        _error(
                            400,
                            "DUPLICATE_VALUE",
                            f"duplicate value found: {name} duplicates value on record with id: "
                            f"{other['Id']}",
                        )
                    )

    def _insert(self, sobject: _SObject, fields: dict[str, Any]) -> dict[str, Any]:
        self._check(sobject, fields, exclude_id=None)
        records = self._records(sobject)
        record_id = new_salesforce_id(sobject.prefix)
        while record_id in records:
            record_id = new_salesforce_id(sobject.prefix)
        now = _now()
        record = {"Id": record_id, **fields, "CreatedDate": now}
        record["LastModifiedDate"] = record["SystemModstamp"] = now
        records[record_id] = record
        return record

    def _apply(self, sobject: _SObject, record: dict[str, Any], fields: dict[str, Any]) -> None:
        merged = {**record, **fields}
        self._check(sobject, merged, exclude_id=record["Id"])
        record.update(fields)
        record["LastModifiedDate"] = record["SystemModstamp"] = _now()

    @staticmethod
    def _url(sobject: _SObject, version: str, record_id: str) -> str:
        return f"/services/data/v{version}/sobjects/{sobject.name}/{record_id}"

    def _out(self, sobject: _SObject, version: str, record: dict[str, Any]) -> dict[str, Any]:
        return {
            "attributes": {"type": sobject.name, "url": self._url(sobject, version, record["Id"])},
            **record,
        }

    # --- operations ----------------------------------------------------------------------------
    def _create(self, sobject: _SObject, data: dict[str, Any], version: str) -> FakeResponse:
        record = self._insert(sobject, self._prepare(sobject, data, None))
        return FakeResponse.json(
            {"id": record["Id"], "success": True, "errors": []},
            201,
            {"Location": self._url(sobject, version, record["Id"])},
        )

    def _get(self, sobject: _SObject, record_id: str, version: str) -> FakeResponse:
        record = self._find(sobject, record_id)
        if record is None:
            return _not_found()
        return FakeResponse.json(self._out(sobject, version, record))

    def _update(self, sobject: _SObject, record_id: str, data: dict[str, Any]) -> FakeResponse:
        record = self._find(sobject, record_id)
        if record is None:
            return _not_found()
        self._apply(sobject, record, self._prepare(sobject, data, record))
        return FakeResponse(status=204)

    def _delete(self, sobject: _SObject, record_id: str) -> FakeResponse:
        record = self._find(sobject, record_id)
        if record is None:
            return _not_found()
        del self._records(sobject)[record["Id"]]
        return FakeResponse(status=204)

    def _key_field(self, sobject: _SObject, key_field: str) -> str:
        if key_field.casefold() == "id":
            return "Id"
        if not key_field.endswith("__c"):
            raise _ValidationError(
                _not_found(
                    f"Provided external ID field does not exist or is not accessible: {key_field}"
                )
            )
        return self._register_external_field(sobject, key_field)

    def _by_external_id(
        self, sobject: _SObject, key_field: str, value: str, version: str
    ) -> list[dict[str, Any]]:
        if key_field == "Id":
            record = self._find(sobject, value)
            return [record] if record else []
        matches = self._matching(sobject, key_field, value)
        if len(matches) > 1:
            # Several records hold the value (written before the field was made unique).
            raise _ValidationError(
                FakeResponse.json([self._url(sobject, version, r["Id"]) for r in matches], 300)
            )
        return matches

    def _get_by_external_id(
        self, sobject: _SObject, key_field: str, value: str, version: str
    ) -> FakeResponse:
        key_field = self._key_field(sobject, key_field)
        matches = self._by_external_id(sobject, key_field, value, version)
        if not matches:
            return _not_found()
        return FakeResponse.json(self._out(sobject, version, matches[0]))

    def _upsert(
        self, sobject: _SObject, key_field: str, value: str, data: dict[str, Any], version: str
    ) -> FakeResponse:
        key_field = self._key_field(sobject, key_field)
        matches = self._by_external_id(sobject, key_field, value, version)
        record = matches[0] if matches else None
        fields = self._prepare(sobject, data, record)
        sent_key = fields.get(key_field)
        if sent_key is not None and str(sent_key).casefold() != value.casefold():
            raise _ValidationError(
                _error(
                    400,
                    "INVALID_FIELD",
                    f"The body's {key_field} differs from the one in the URL.",
                    [key_field],
                )
            )
        # The "created" flag exists from API 46.0; older versions answer an update with 204.
        modern = float(version) >= 46.0
        if record is None:
            if key_field == "Id":
                return _not_found()
            record = self._insert(sobject, {**fields, key_field: value})
            body: dict[str, Any] = {"id": record["Id"], "success": True, "errors": []}
            if modern:
                body["created"] = True
            return FakeResponse.json(
                body, 201, {"Location": self._url(sobject, version, record["Id"])}
            )
        self._apply(sobject, record, fields)
        if not modern:
            return FakeResponse(status=204)
        return FakeResponse.json(
            {"id": record["Id"], "success": True, "errors": [], "created": False}, 200
        )

    def _query(self, soql: str, version: str, batch_size: int) -> FakeResponse:
        try:
            parsed = parse_soql(soql)
        except ValueError as exc:  # SoqlError, or a LIMIT that is not a whole number
            return _error(400, "MALFORMED_QUERY", str(exc))
        sobject = SOBJECTS.get(parsed.sobject.casefold())
        if sobject is None:
            return _error(
                400,
                "INVALID_TYPE",
                f"sObject type '{parsed.sobject}' is not supported.",
            )
        records = list(self._records(sobject).values())
        # Results spell each field as the org does, whatever case the query used.
        canonical = {}
        for name in parsed.fields:
            spelled = self._canonical(sobject, name, None)
            if spelled == name:
                folded = name.casefold()
                spelled = next((k for r in records for k in r if k.casefold() == folded), name)
            canonical[name] = spelled
        selected = [
            record
            for record in records
            if all(
                _compare(_field_value(record, name), op, value)
                for name, op, value in parsed.conditions
            )
        ]
        if parsed.limit is not None:
            selected = selected[: parsed.limit]
        rows = [
            {
                "attributes": {
                    "type": sobject.name,
                    "url": self._url(sobject, version, record["Id"]),
                },
                **{canonical[name]: _field_value(record, name) for name in parsed.fields},
            }
            for record in selected
        ]
        return self._page(rows, version, batch_size, cursor=None, offset=0)

    def _page(
        self,
        rows: list[dict[str, Any]],
        version: str,
        batch_size: int,
        cursor: str | None,
        offset: int,
    ) -> FakeResponse:
        page = rows[offset : offset + batch_size]
        body: dict[str, Any] = {"totalSize": len(rows), "done": True, "records": page}
        if offset + batch_size < len(rows):
            if cursor is None:
                cursor = "01g5g0" + "".join(secrets.choice(_ALNUM) for _ in range(12))
                self._cursors[cursor] = (rows, batch_size)
                while len(self._cursors) > MAX_OPEN_CURSORS:
                    self._cursors.popitem(last=False)
            body["done"] = False
            body["nextRecordsUrl"] = (
                f"/services/data/v{version}/query/{cursor}-{offset + batch_size}"
            )
        return FakeResponse.json(body)

    def _query_more(self, locator: str, version: str) -> FakeResponse:
        cursor, _, offset = locator.rpartition("-")
        entry = self._cursors.get(cursor)
        if entry is None or not offset.isdigit():
            return _error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        rows, batch_size = entry
        return self._page(rows, version, batch_size, cursor=cursor, offset=int(offset))


def _method_not_allowed(method: str, allowed: str) -> FakeResponse:
    return _error(
        405, "METHOD_NOT_ALLOWED", f"HTTP Method '{method}' not allowed. Allowed are {allowed}"
    )


def _field_value(record: dict[str, Any], name: str) -> Any:
    """A field's value by case-insensitive name (SOQL and the REST API ignore case)."""
    if name in record:
        return record[name]
    folded = name.casefold()
    for key, value in record.items():
        if key.casefold() == folded:
            return value
    return None


def _compare(current: Any, op: str, value: Any) -> bool:
    if isinstance(value, str) and isinstance(current, str):
        # SOQL's = on text ignores case.
        equal = current.casefold() == value.casefold()
    elif isinstance(value, str) and current is not None:
        equal = str(current).casefold() == value.casefold()
    else:
        equal = current == value
    return equal if op == "=" else not equal


# --- SOQL ----------------------------------------------------------------------------------------
class SoqlError(ValueError):
    pass


@dataclass
class Soql:
    fields: list[str]
    sobject: str
    conditions: list[tuple[str, str, Any]]
    limit: int | None


_TOKEN_RE = re.compile(
    r"""\s*(?:
        (?P<string>'(?:\\.|[^'\\])*')
      | (?P<op>!=|=|,)
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "'": "'", '"': '"', "\\": "\\"}


def _unescape(literal: str) -> str:
    out, chars = [], iter(literal[1:-1])
    for char in chars:
        if char == "\\":
            escaped = next(chars)
            if escaped not in _ESCAPES:
                raise SoqlError(f"Invalid string literal: bad escape \\{escaped}")
            out.append(_ESCAPES[escaped])
        else:
            out.append(char)
    return "".join(out)


def _tokens(soql: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    soql = soql.rstrip()
    while position < len(soql):
        match = _TOKEN_RE.match(soql, position)
        if match is None or match.end() == position:
            raise SoqlError(f"unexpected token at position {position}: {soql[position:][:20]!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def parse_soql(soql: str) -> Soql:
    """``SELECT f1, f2 FROM Object [WHERE f = 'v' [AND ...]] [LIMIT n]``: what the push needs.

    Keywords and field names are case-insensitive; values are strings (with SOQL's backslash
    escapes), numbers, ``true``/``false`` or ``null``. Anything else is a ``SoqlError``.
    """
    tokens = _tokens(soql)
    position = 0

    def peek() -> tuple[str, str]:
        return tokens[position] if position < len(tokens) else ("end", "")

    def take(kind: str, keyword: str | None = None) -> str:
        nonlocal position
        token_kind, text = peek()
        if token_kind != kind or (keyword is not None and text.upper() != keyword):
            expected = keyword or kind
            raise SoqlError(f"unexpected token: '{text or 'end of query'}', expecting {expected}")
        position += 1
        return text

    take("word", "SELECT")
    fields = [take("word")]
    while peek() == ("op", ","):
        take("op")
        fields.append(take("word"))
    take("word", "FROM")
    sobject = take("word")
    conditions: list[tuple[str, str, Any]] = []
    if peek()[0] == "word" and peek()[1].upper() == "WHERE":
        take("word")
        while True:
            name = take("word")
            op = take("op")
            if op == ",":
                raise SoqlError("unexpected token: ','")
            kind, text = peek()
            value: Any
            if kind == "string":
                value = _unescape(text)
            elif kind == "number":
                value = float(text) if "." in text else int(text)
            elif kind == "word" and text.lower() in ("null", "true", "false"):
                value = {"null": None, "true": True, "false": False}[text.lower()]
            else:
                raise SoqlError(f"unexpected token: '{text or 'end of query'}', expecting a value")
            position += 1
            conditions.append((name, op, value))
            if peek()[0] == "word" and peek()[1].upper() == "AND":
                take("word")
                continue
            break
    limit = None
    if peek()[0] == "word" and peek()[1].upper() == "LIMIT":
        take("word")
        limit = int(take("number"))
    if position != len(tokens):
        raise SoqlError(f"unexpected token: '{peek()[1]}'")
    lowered = {f.casefold() for f in fields}
    if len(lowered) != len(fields):
        raise SoqlError("duplicate field selected")
    return Soql(fields=fields, sobject=sobject, conditions=conditions, limit=limit)
