"""The Salesforce client: its token, its one retry on 401, and how each failure is classified
(transient or permanent) for the outbox, against the fake Salesforce."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from django.test.utils import override_settings

from integrations.errors import IntegrationError
from integrations.fakes.base import RunningFake
from integrations.fakes.salesforce import (
    SalesforceFake,
    new_salesforce_id,
)
from integrations.salesforce.client import SalesforceClient, salesforce_client
from tests.integrations.test_fake_salesforce import ACCOUNT_KEY, CONTACT_KEY, make_client


@pytest.fixture(scope="module")
def served() -> Iterator[RunningFake]:
    # A small page size, so that paging needs a handful of rows rather than 2001.
    running = RunningFake(SalesforceFake(query_batch_size=2)).start()
    yield running
    running.stop()


@pytest.fixture
def fake(served: RunningFake) -> Iterator[RunningFake]:
    served.service.reset()
    yield served
    served.service.reset()


@pytest.fixture
def client(fake: RunningFake) -> SalesforceClient:
    return make_client(fake)


def control(fake: RunningFake, method: str, path: str, json: Any = None) -> Any:
    session = requests.Session()
    session.trust_env = False
    response = session.request(method, f"{fake.base_url}/_fake/{path}", json=json, timeout=5)
    response.raise_for_status()
    return response.json() if response.content else None


def fault(fake: RunningFake, **rule: Any) -> None:
    control(fake, "POST", "faults", rule)


def operations(fake: RunningFake) -> list[tuple[str, int]]:
    return [(c["operation"], c["status"]) for c in control(fake, "GET", "state")["calls"]]


# --- token -------------------------------------------------------------------------------------
def test_token_is_fetched_once_and_reused(fake: RunningFake, client: SalesforceClient) -> None:
    account_id = client.account_upsert(external_id="ec-1", fields={"Name": "Acme"})
    client.account_get(account_id)
    client.query("SELECT Id FROM Account WHERE Portal_Customer_Id__c = 'ec-1'")

    assert [op for op, _ in operations(fake)] == ["token", "upsert", "get", "query"]


def test_an_expired_session_is_renewed_once_and_the_call_retried(
    fake: RunningFake, client: SalesforceClient
) -> None:
    client.account_upsert(external_id="ec-1", fields={"Name": "Acme"})
    fault(fake, operation="upsert", fault="INVALID_SESSION_ID", times=1)

    contact_id = client.contact_upsert(external_id="c-1", fields={"LastName": "Lovelace"})

    assert contact_id.startswith("003")
    assert operations(fake)[2:] == [("upsert", 401), ("token", 200), ("upsert", 201)]


def test_a_session_refused_twice_is_transient_after_one_new_token(
    fake: RunningFake, client: SalesforceClient
) -> None:
    fault(fake, operation="get", fault="INVALID_SESSION_ID", times=2)

    with pytest.raises(IntegrationError) as excinfo:
        client.account_get(new_salesforce_id("001"))

    assert excinfo.value.code == "INVALID_SESSION_ID"
    assert not excinfo.value.permanent
    assert operations(fake) == [("token", 200), ("get", 401), ("token", 200), ("get", 401)]


def test_token_endpoint_failures_are_classified(fake: RunningFake) -> None:
    fault(fake, operation="token", fault="SERVER_UNAVAILABLE", times=1, retry_after=4)
    with pytest.raises(IntegrationError) as excinfo:
        make_client(fake).account_get(new_salesforce_id("001"))
    assert not excinfo.value.permanent
    assert excinfo.value.retry_after == 4.0

    with pytest.raises(IntegrationError) as excinfo:
        make_client(fake, client_id="someone-else").account_get(new_salesforce_id("001"))
    assert excinfo.value.code == "INVALID_CLIENT"
    assert excinfo.value.permanent


def test_an_unreachable_org_is_a_transient_connection_error(fake: RunningFake) -> None:
    port = closed_port()
    dead = make_client(
        fake,
        instance_url=f"http://127.0.0.1:{port}",
        token_url=f"http://127.0.0.1:{port}/services/oauth2/token",
    )
    with pytest.raises(IntegrationError) as excinfo:
        dead.account_get(new_salesforce_id("001"))

    assert excinfo.value.code == "CONNECTION_ERROR"
    assert not excinfo.value.permanent


# --- upsert and timeouts -------------------------------------------------------------------------
def test_upsert_create_then_update_returns_the_same_id(
    fake: RunningFake, client: SalesforceClient
) -> None:
    account_id = client.account_upsert(external_id="ec-1", fields={"Name": "Acme"})
    first = client.contact_upsert(
        external_id="c-1", fields={"LastName": "Lovelace", "AccountId": account_id}
    )
    second = client.contact_upsert(
        external_id="c-1", fields={"LastName": "Lovelace", "Email": "ada@example.com"}
    )

    assert first == second
    [contact] = control(fake, "GET", "state")["contacts"]
    assert contact["Email"] == "ada@example.com"
    assert contact[CONTACT_KEY] == "c-1"


def test_a_timed_out_upsert_that_committed_is_not_duplicated_by_the_retry(
    fake: RunningFake, client: SalesforceClient
) -> None:
    fault(fake, operation="upsert", fault="TIMEOUT_COMMIT", delay_ms=1500, times=1)

    with pytest.raises(IntegrationError) as excinfo:
        client.account_upsert(external_id="ec-1", fields={"Name": "Acme"})
    assert excinfo.value.code == "TIMEOUT"
    assert not excinfo.value.permanent

    account_id = client.account_upsert(external_id="ec-1", fields={"Name": "Acme"})

    accounts = control(fake, "GET", "state")["accounts"]
    assert [a["Id"] for a in accounts] == [account_id]
    assert [s for op, s in operations(fake) if op == "upsert"] == [201, 200]


# --- error classes -------------------------------------------------------------------------------
def test_request_limit_exceeded_backs_off_for_long(
    fake: RunningFake, client: SalesforceClient
) -> None:
    fault(fake, operation="upsert", fault="REQUEST_LIMIT_EXCEEDED")

    with pytest.raises(IntegrationError) as excinfo:
        client.account_upsert(external_id="ec-1", fields={"Name": "Acme"})

    assert excinfo.value.code == "REQUEST_LIMIT_EXCEEDED"
    assert not excinfo.value.permanent
    assert excinfo.value.long_backoff


def test_unable_to_lock_row_is_transient(fake: RunningFake, client: SalesforceClient) -> None:
    fault(fake, operation="upsert", fault="UNABLE_TO_LOCK_ROW", times=1)

    with pytest.raises(IntegrationError) as excinfo:
        client.account_upsert(external_id="ec-1", fields={"Name": "Acme"})

    assert excinfo.value.code == "UNABLE_TO_LOCK_ROW"
    assert not excinfo.value.permanent
    assert not excinfo.value.long_backoff


def test_a_bad_lookup_is_permanent(client: SalesforceClient) -> None:
    with pytest.raises(IntegrationError) as excinfo:
        client.account_upsert(
            external_id="ec-1", fields={"Name": "Acme", "ParentId": new_salesforce_id("001")}
        )

    assert excinfo.value.code == "INVALID_CROSS_REFERENCE_KEY"
    assert excinfo.value.permanent
    assert "ParentId" in excinfo.value.message


@pytest.mark.parametrize(
    ("rule", "code", "retry_after"),
    [
        ({"fault": "HTTP_429", "retry_after": 7}, "TOO_MANY_REQUESTS", 7.0),
        ({"fault": "SERVER_UNAVAILABLE", "retry_after": 3}, "SERVER_UNAVAILABLE", 3.0),
        ({"fault": "SERVER_UNAVAILABLE"}, "SERVER_UNAVAILABLE", None),
    ],
)
def test_rate_limits_and_outages_are_transient_with_the_wait_asked_for(
    fake: RunningFake,
    client: SalesforceClient,
    rule: dict[str, Any],
    code: str,
    retry_after: float | None,
) -> None:
    fault(fake, operation="upsert", **rule)

    with pytest.raises(IntegrationError) as excinfo:
        client.account_upsert(external_id="ec-1", fields={"Name": "Acme"})

    assert excinfo.value.code == code
    assert not excinfo.value.permanent
    assert excinfo.value.retry_after == retry_after


def test_query_follows_next_records_url(fake: RunningFake, client: SalesforceClient) -> None:
    ids = {client.account_upsert(external_id=f"ec-{n}", fields={"Name": "Same"}) for n in range(5)}

    records = client.query("SELECT Id, Name FROM Account WHERE Name = 'Same'")

    assert {r["Id"] for r in records} == ids
    assert [op for op, _ in operations(fake)].count("query") == 3  # pages of 2, 2 and 1


def test_one_client_serves_many_threads_with_one_token(
    fake: RunningFake, client: SalesforceClient
) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(
            pool.map(
                lambda n: client.account_upsert(external_id=f"ec-{n}", fields={"Name": f"A{n}"}),
                range(16),
            )
        )

    assert len(set(ids)) == 16
    assert [op for op, _ in operations(fake)].count("token") == 1


# --- the session ---------------------------------------------------------------------------------
class RecordingAdapter(requests.adapters.BaseAdapter):
    """Answers every request with 200 and remembers the URL and timeout it was sent with."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, Any]] = []

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float | None, float | None] | None = None,
        verify: bool | str = True,
        cert: str | tuple[str, str] | None = None,
        proxies: dict[str, str] | None = None,
    ) -> requests.Response:
        self.sent.append((str(request.url), timeout))
        response = requests.Response()
        response.status_code = 200
        response.url = str(request.url)
        response.request = request
        return response

    def close(self) -> None:
        pass


def recorded(instance_url: str, *urls: str) -> list[tuple[str, Any]]:
    client = SalesforceClient(
        instance_url=instance_url,
        token_url="http://127.0.0.1:1/token",
        client_id="id",
        client_secret="secret",
        api_version="59.0",
        timeout=0.75,
        account_external_id_field=ACCOUNT_KEY,
        contact_external_id_field=CONTACT_KEY,
    )
    adapter = RecordingAdapter()
    client.session.mount("http://", adapter)
    client.session.mount("https://", adapter)
    for url in urls:
        client.session.get(url)
    return adapter.sent


def test_an_http_instance_gets_its_https_urls_back_as_http() -> None:
    sent = recorded(
        "http://127.0.0.1:8102",
        "https://127.0.0.1:8102/services/data/v59.0/sobjects/Account/",
        "https://login.salesforce.com/services/oauth2/token",
    )

    assert sent == [
        ("http://127.0.0.1:8102/services/data/v59.0/sobjects/Account/", 0.75),
        ("https://login.salesforce.com/services/oauth2/token", 0.75),
    ]


def test_an_https_instance_is_left_on_https() -> None:
    sent = recorded(
        "https://acme.my.salesforce.com",
        "https://acme.my.salesforce.com/services/data/v59.0/query/?q=x",
    )

    assert sent == [("https://acme.my.salesforce.com/services/data/v59.0/query/?q=x", 0.75)]


def test_the_environment_proxy_is_ignored(
    fake: RunningFake, client: SalesforceClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Were the environment trusted, every call would go to this dead proxy.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)

    assert client.account_upsert(external_id="ec-1", fields={"Name": "Acme"}).startswith("001")


# --- the per-process client ----------------------------------------------------------------------
def test_salesforce_client_is_shared_and_follows_the_settings() -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        clients = list(pool.map(lambda _: salesforce_client(), range(8)))
    assert all(c is clients[0] for c in clients)

    with override_settings(SALESFORCE_TIMEOUT=1.5, SALESFORCE_INSTANCE_URL="https://x.test"):
        overridden = salesforce_client()
        assert salesforce_client() is overridden
    assert overridden is not clients[0]
    assert overridden.timeout == 1.5
    assert overridden.instance_url == "https://x.test"
    assert salesforce_client().timeout != 1.5


def closed_port() -> int:
    """A loopback port nobody listens on (bound to get a free number, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
