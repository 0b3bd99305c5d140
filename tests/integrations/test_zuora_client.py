"""The Zuora client: sessions, timeouts, error classification, id checks, paging, PDFs."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.test import override_settings

from integrations.errors import IntegrationError
from integrations.fakes.base import RunningFake
from integrations.fakes.zuora import SOAP_PATH, ZuoraFake
from integrations.zuora.client import (
    ZuoraClient,
    is_transient,
    validate_zuora_id,
    zoql_literal,
    zoql_select,
    zuora_client,
)
from tests.integrations.test_fake_zuora import (
    PARTNER,
    SEED,
    make_client,
    new_account,
    subscribe_new,
    subscription,
)


@pytest.fixture(scope="module")
def running_fake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningFake]:
    # One server per module (stopping one takes half a second); each test resets it.
    running = RunningFake(ZuoraFake(tmp_path_factory.mktemp("zuora") / "zuora.json")).start()
    yield running
    running.stop()


@pytest.fixture
def fake(running_fake: RunningFake) -> RunningFake:
    running_fake.service.reset()
    running_fake.service.seed(SEED)
    return running_fake


@pytest.fixture
def client(fake: RunningFake) -> ZuoraClient:
    return make_client(fake)


def add_fault(fake: RunningFake, **rule: Any) -> None:
    assert requests.post(fake.base_url + "/_fake/faults", json=rule, timeout=5).status_code == 201


def calls(fake: RunningFake, operation: str) -> list[dict[str, Any]]:
    return [c for c in fake.service.public_state()["calls"] if c["operation"] == operation]


def wire(fake: RunningFake) -> list[tuple[str, bytes, int, bytes]]:
    assert isinstance(fake.service, ZuoraFake)
    return list(fake.service.wire)


def error_of(call: Any) -> IntegrationError:
    with pytest.raises(IntegrationError) as caught:
        call()
    return caught.value


# --- sessions -------------------------------------------------------------------------------------
def test_session_is_cached_between_calls(fake: RunningFake, client: ZuoraClient) -> None:
    client.query("select Id from Account")
    client.account_by_number("P-1")
    assert len(calls(fake, "login")) == 1


def test_session_is_renewed_when_older_than_ttl(fake: RunningFake) -> None:
    client = make_client(fake, session_ttl=0)
    client.query("select Id from Account")
    client.query("select Id from Account")
    assert len(calls(fake, "login")) == 2


def test_invalid_session_renews_once_and_retries(fake: RunningFake, client: ZuoraClient) -> None:
    client.query("select Id from Account")
    add_fault(fake, operation="query", fault="INVALID_SESSION", times=1)
    assert client.account_by_number("P-1") == {
        "Id": PARTNER,
        "AccountNumber": "P-1",
        "Currency": "EUR",
        "Name": "Partner AG",
        "Status": "Active",
    }
    assert len(calls(fake, "login")) == 2


def test_second_invalid_session_is_a_transient_error(
    fake: RunningFake, client: ZuoraClient
) -> None:
    add_fault(fake, operation="query", fault="INVALID_SESSION", times=2)
    error = error_of(lambda: client.query("select Id from Account"))
    assert (error.code, error.permanent) == ("INVALID_SESSION", False)
    assert len(calls(fake, "login")) == 2  # renewed once, not in a loop


# --- transport ------------------------------------------------------------------------------------
def test_timeout_is_transient_and_the_subscription_is_committed(fake: RunningFake) -> None:
    client = make_client(fake, timeout=0.5)
    client.query("select Id from Account")
    add_fault(fake, operation="subscribe", fault="TIMEOUT_COMMIT", delay_ms=1200, times=1)
    error = error_of(lambda: subscribe_new(client))
    assert (error.code, error.permanent) == ("TIMEOUT", False)
    found = client.subscription_by_name("PP-ORD-1")
    assert found is not None
    assert found["Status"] == "Active"


@pytest.mark.parametrize(("retry_after", "expected"), [(7, 7.0), (None, 120.0)])
def test_rate_limit_carries_retry_after(
    fake: RunningFake, client: ZuoraClient, retry_after: int | None, expected: float
) -> None:
    client.query("select Id from Account")
    rule: dict[str, Any] = {"operation": "subscribe", "fault": "REQUEST_EXCEEDED_LIMIT", "times": 1}
    if retry_after is not None:
        rule["retry_after"] = retry_after
    add_fault(fake, **rule)
    error = error_of(lambda: subscribe_new(client))
    assert (error.code, error.permanent, error.retry_after) == (
        "REQUEST_EXCEEDED_LIMIT",
        False,
        expected,
    )
    assert fake.service.public_state()["subscriptions"] == []


def test_refused_connection_is_transient() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nothing listens on that port now.
    client = ZuoraClient(
        wsdl=Path(__file__).resolve().parents[2] / "integrations/zuora/wsdl/zuora.a.82.0.wsdl",
        endpoint=f"http://127.0.0.1:{port}{SOAP_PATH}",
        username="u",
        password="p",
        timeout=1.0,
        session_ttl=600,
    )
    error = error_of(lambda: client.query("select Id from Account"))
    assert (error.code, error.permanent) == ("CONNECTION_ERROR", False)


# --- classification -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "permanent"),
    [
        ("LOCK_COMPETITION", False),
        ("TEMPORARY_ERROR", False),
        ("UNKNOWN_ERROR", False),
        ("SERVER_UNAVAILABLE", False),
        ("REQUEST_EXCEEDED_RATE", False),
        ("TRANSACTION_TIMEOUT", False),
        ("INVALID_VALUE", True),
        ("TRANSACTION_TERMINATED", True),
        ("NO_PERMISSION", True),
        ("API_DISABLED", True),
    ],
)
def test_row_errors_are_classified(
    fake: RunningFake, client: ZuoraClient, code: str, permanent: bool
) -> None:
    add_fault(fake, operation="update", fault=code, times=1)
    error = error_of(lambda: client.update("Account", PARTNER, {"CrmId": "001X"}))
    assert (error.code, error.permanent) == (code, permanent)
    partner = next(a for a in fake.service.public_state()["accounts"] if a["Id"] == PARTNER)
    assert "CrmId" not in partner  # a row error does nothing


def test_transport_codes_are_classified() -> None:
    assert is_transient("HTTP_503")
    assert is_transient("HTTP_429")
    assert not is_transient("HTTP_404")
    assert is_transient("TIMEOUT")
    assert is_transient("CONNECTION_ERROR")
    assert not is_transient("DUPLICATE_VALUE")


# --- ids ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("2c92c0f96a1b2c3d016a1b2c3d4e0101", True),
        ("12345", True),
        ("2c92c0f96a1b2c3d016a1b2c3d4e010", False),  # 31 characters
        ("2c92c0f96a1b2c3d016a1b2c3d4e0101\n", False),
        ("2c92c0f9-a1b2-c3d0-16a1-b2c3d4e0", False),
        ("", False),
        ("abc", False),
    ],
)
def test_validate_zuora_id(value: str, valid: bool) -> None:
    assert validate_zuora_id(value) is valid


@pytest.mark.parametrize(
    "call",
    [
        lambda c: subscribe_new(c, account=new_account(ParentId="partner-1")),
        lambda c: subscribe_new(c, subscription=subscription(InvoiceOwnerId="x" * 31)),
        lambda c: subscribe_new(c, rate_plan_id="plan 1"),
        lambda c: subscribe_new(c, charge_id="charge-1"),
        lambda c: subscribe_new(c, account=None, bill_to=None, account_id="' or 1=1"),
        lambda c: c.update("Account", "nope", {"CrmId": "1"}),
        lambda c: c.update("Account", PARTNER, {"BillToId": "contact-1"}),
        lambda c: c.invoices_for_account("A-1"),
        lambda c: c.invoice_items("INV-1"),
        lambda c: c.invoice_pdf("INV00000001"),
    ],
)
def test_malformed_ids_are_refused_before_sending(
    fake: RunningFake, client: ZuoraClient, call: Any
) -> None:
    error = error_of(lambda: call(client))
    assert (error.code, error.permanent) == ("INVALID_ID", True)
    assert "is not a Zuora id" in error.message
    assert len(wire(fake)) == 0  # not even a login went out


# --- queries --------------------------------------------------------------------------------------
def test_quotes_and_backslashes_are_escaped_in_zoql(fake: RunningFake, client: ZuoraClient) -> None:
    number = "EC-O'Brien\\1"
    result = subscribe_new(client, account=new_account(number, Name="O'Brien \\ Söhne"))
    assert zoql_literal(number) == "'EC-O\\'Brien\\\\1'"
    found = client.account_by_number(number)
    assert found is not None
    assert (found["Id"], found["Name"]) == (result.account_id, "O'Brien \\ Söhne")
    assert client.account_by_number("EC-O'Brien") is None
    assert calls(fake, "query")[-1]["query"].endswith("where AccountNumber = 'EC-O\\'Brien'")


def test_query_follows_query_more(fake: RunningFake) -> None:
    client = make_client(fake, query_batch_size=2)
    for n in range(5):
        client.create("Contact", {"AccountId": PARTNER, "FirstName": f"F{n}", "LastName": "L"})
    rows = client.query(zoql_select(["FirstName"], "Contact", AccountId=PARTNER))
    assert [r["FirstName"] for r in rows] == ["F0", "F1", "F2", "F3", "F4"]
    assert len(calls(fake, "queryMore")) == 2


def test_query_more_with_the_servers_default_batch(tmp_path: Path) -> None:
    running = RunningFake(ZuoraFake(tmp_path / "zuora.json", batch_size=3)).start()
    try:
        running.service.seed(SEED)
        client = make_client(running)
        for n in range(4):
            client.create("Contact", {"AccountId": PARTNER, "FirstName": f"F{n}", "LastName": "L"})
        assert len(client.query("select Id from Contact")) == 4
        assert len(calls(running, "queryMore")) == 1
    finally:
        running.stop()


def test_subscription_by_name_missing_is_none(client: ZuoraClient) -> None:
    assert client.subscription_by_name("PP-NOPE") is None


def test_invoices_items_and_pdf(client: ZuoraClient) -> None:
    result = subscribe_new(client, subscription=subscription(InvoiceOwnerId=PARTNER))
    assert result.invoice_id is not None
    (invoice,) = client.invoices_for_account(PARTNER)
    assert invoice["Id"] == result.invoice_id
    assert set(invoice) == {
        "Id",
        "AccountId",
        "InvoiceNumber",
        "InvoiceDate",
        "DueDate",
        "Amount",
        "Balance",
        "Status",
    }
    (item,) = client.invoice_items(result.invoice_id)
    assert item["SubscriptionNumber"] == "PP-ORD-1"
    assert str(item["ChargeAmount"]) == "147.00"
    pdf = client.invoice_pdf(result.invoice_id)
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 500
    assert client.invoices_for_account(result.account_id) == []


def test_unknown_field_is_refused_before_sending(fake: RunningFake, client: ZuoraClient) -> None:
    error = error_of(lambda: client.update("Account", PARTNER, {"Colour": "blue"}))
    assert (error.code, error.permanent) == ("INVALID_FIELD", True)
    assert len(wire(fake)) == 0


# --- the process-wide client ----------------------------------------------------------------------
def test_zuora_client_is_cached_per_settings() -> None:
    first = zuora_client()
    assert zuora_client() is first
    with override_settings(ZUORA_TIMEOUT=3.0):
        second = zuora_client()
        assert second is not first
        assert zuora_client() is second
    assert zuora_client() is first
