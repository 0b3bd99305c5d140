"""The fake Salesforce keeps Salesforce's rules and answers, as the real simple-salesforce sees
them through our client (and, for the wire details, as plain HTTP sees them)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from integrations.errors import IntegrationError
from integrations.fakes.base import FakeRequest, RunningFake
from integrations.fakes.salesforce import (
    CALL_LOG_SIZE,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    SalesforceFake,
    new_salesforce_id,
    parse_soql,
    salesforce_id,
)
from integrations.salesforce.client import SalesforceClient

ACCOUNT_KEY = "Portal_Customer_Id__c"
CONTACT_KEY = "Portal_Contact_Id__c"
PARTNER_ID = "0015g00000PARTN"  # a 15-character id; the fake stores its 18-char form


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningFake]:
    # One server for the module (stopping one costs half a second); each test starts empty.
    running = RunningFake(SalesforceFake(tmp_path_factory.mktemp("sf") / "salesforce.json"))
    yield running.start()
    running.stop()


@pytest.fixture
def fake(served: RunningFake) -> Iterator[RunningFake]:
    served.service.reset()
    yield served
    served.service.reset()


def make_client(fake: RunningFake, **overrides: Any) -> SalesforceClient:
    options: dict[str, Any] = {
        "instance_url": fake.base_url,
        "token_url": f"{fake.base_url}/services/oauth2/token",
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
        "api_version": "59.0",
        "timeout": 0.5,
        "account_external_id_field": ACCOUNT_KEY,
        "contact_external_id_field": CONTACT_KEY,
        **overrides,
    }
    return SalesforceClient(**options)


@pytest.fixture
def client(fake: RunningFake) -> SalesforceClient:
    return make_client(fake)


def http() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    return session


def control(fake: RunningFake, method: str, path: str, json: Any = None) -> Any:
    response = http().request(method, f"{fake.base_url}/_fake/{path}", json=json, timeout=5)
    response.raise_for_status()
    return response.json() if response.content else None


def token(fake: RunningFake) -> str:
    response = http().post(
        f"{fake.base_url}/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET,
        },
        timeout=5,
    )
    assert response.status_code == 200
    access_token: str = response.json()["access_token"]
    return access_token


def api(
    fake: RunningFake, method: str, path: str, *, bearer: str, version: str = "59.0", **kw: Any
) -> requests.Response:
    return http().request(
        method,
        f"{fake.base_url}/services/data/v{version}/{path}",
        headers={"Authorization": f"Bearer {bearer}"},
        timeout=5,
        **kw,
    )


def calls(fake: RunningFake, operation: str | None = None) -> list[dict[str, Any]]:
    log: list[dict[str, Any]] = control(fake, "GET", "state")["calls"]
    return [c for c in log if operation is None or c["operation"] == operation]


def salesforce_error(excinfo: pytest.ExceptionInfo[IntegrationError]) -> tuple[int, Any]:
    """The HTTP status and body simple-salesforce saw, from the error our client chained."""
    cause: Any = excinfo.value.__cause__
    return cause.status, cause.content


# --- token ---------------------------------------------------------------------------------------
def test_token_answers_like_salesforce_and_signs_the_identity(fake: RunningFake) -> None:
    response = http().post(
        f"{fake.base_url}/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET,
        },
        timeout=5,
    )

    body = response.json()
    assert response.status_code == 200
    assert body["instance_url"] == fake.base_url
    assert body["token_type"] == "Bearer"
    assert body["access_token"]
    expected = hmac.new(
        DEFAULT_CLIENT_SECRET.encode(), (body["id"] + body["issued_at"]).encode(), hashlib.sha256
    ).digest()
    assert base64.b64decode(body["signature"]) == expected


def test_wrong_client_secret_is_invalid_client(fake: RunningFake) -> None:
    response = http().post(
        f"{fake.base_url}/services/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": "portal-demo", "client_secret": "x"},
        timeout=5,
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_client",
        "error_description": "invalid client credentials",
    }
    with pytest.raises(IntegrationError) as excinfo:
        make_client(fake, client_secret="wrong").account_get(new_salesforce_id("001"))
    assert excinfo.value.code == "INVALID_CLIENT"
    assert excinfo.value.permanent


def test_data_api_refuses_a_missing_or_unknown_token(fake: RunningFake) -> None:
    response = api(fake, "GET", f"sobjects/Account/{new_salesforce_id('001')}", bearer="nope")

    assert response.status_code == 401
    assert response.json()[0]["errorCode"] == "INVALID_SESSION_ID"
    assert response.json()[0]["message"] == "Session expired or invalid"


# --- create, upsert, get -------------------------------------------------------------------------
def test_create_answers_201_with_location_and_accepts_the_trailing_slash(
    fake: RunningFake,
) -> None:
    bearer = token(fake)

    response = api(fake, "POST", "sobjects/Account/", bearer=bearer, json={"Name": "Acme"})

    body = response.json()
    assert response.status_code == 201
    assert body["success"] is True
    assert body["errors"] == []
    assert len(body["id"]) == 18
    assert body["id"].startswith("001")
    assert body["id"] == salesforce_id(body["id"][:15])
    assert response.headers["Location"] == f"/services/data/v59.0/sobjects/Account/{body['id']}"
    assert response.headers["Sforce-Limit-Info"] == "api-usage=1/15000"


def test_upsert_inserts_with_201_then_updates_with_200_and_the_same_id(
    fake: RunningFake, client: SalesforceClient
) -> None:
    first = client.account_upsert(external_id="ec-1", fields={"Name": "Acme", "Phone": "1"})
    second = client.account_upsert(external_id="ec-1", fields={"Name": "Acme Ltd"})

    assert first == second
    assert first.startswith("001")
    assert len(first) == 18
    assert [c["status"] for c in calls(fake, "upsert")] == [201, 200]
    [account] = control(fake, "GET", "state")["accounts"]
    assert account["Name"] == "Acme Ltd"
    assert account["Phone"] == "1"
    assert account[ACCOUNT_KEY] == "ec-1"
    assert client.account_get(first)["attributes"] == {
        "type": "Account",
        "url": f"/services/data/v59.0/sobjects/Account/{first}",
    }


def test_upsert_before_api_46_answers_an_update_with_204(fake: RunningFake) -> None:
    old = make_client(fake, api_version="45.0")

    created = old.account_upsert(external_id="ec-1", fields={"Name": "Acme"})
    updated = old.account_upsert(external_id="ec-1", fields={"Name": "Acme Ltd"})

    assert created == updated
    assert [(c["operation"], c["status"]) for c in calls(fake) if c["operation"] != "token"] == [
        ("upsert", 201),
        ("upsert", 204),
        ("get", 200),  # the client reads the id back by external id
    ]


def test_account_needs_a_name_and_contact_a_last_name(client: SalesforceClient) -> None:
    with pytest.raises(IntegrationError) as excinfo:
        client.account_upsert(external_id="ec-1", fields={"Phone": "1"})
    assert salesforce_error(excinfo) == (
        400,
        [
            {
                "message": "Required fields are missing: [Name]",
                "errorCode": "REQUIRED_FIELD_MISSING",
                "fields": ["Name"],
            }
        ],
    )
    assert excinfo.value.permanent

    with pytest.raises(IntegrationError) as excinfo:
        client.contact_upsert(external_id="c-1", fields={"FirstName": "Ada", "LastName": ""})
    assert excinfo.value.code == "REQUIRED_FIELD_MISSING"
    assert salesforce_error(excinfo)[1][0]["fields"] == ["LastName"]


def test_an_upsert_key_is_unique_from_then_on(fake: RunningFake, client: SalesforceClient) -> None:
    account_id = client.account_upsert(external_id="ec-1", fields={"Name": "Acme"})
    bearer = token(fake)

    created = api(
        fake, "POST", "sobjects/Account/", bearer=bearer, json={"Name": "B", ACCOUNT_KEY: "EC-1"}
    )
    other = api(fake, "POST", "sobjects/Account/", bearer=bearer, json={"Name": "C"}).json()["id"]
    updated = api(
        fake, "PATCH", f"sobjects/Account/{other}", bearer=bearer, json={ACCOUNT_KEY: "ec-1"}
    )

    for response in (created, updated):
        assert response.status_code == 400
        assert response.json() == [
            {
                "message": f"duplicate value found: {ACCOUNT_KEY} duplicates value on record "
                f"with id: {account_id}",
                "errorCode": "DUPLICATE_VALUE",
                "fields": [],
            }
        ]
    assert len(control(fake, "GET", "state")["accounts"]) == 2


def test_an_external_id_held_by_several_records_is_300(fake: RunningFake) -> None:
    bearer = token(fake)
    for name in ("A", "B"):
        # Written before the field was used as a key, so nothing made it unique yet.
        response = api(
            fake,
            "POST",
            "sobjects/Account/",
            bearer=bearer,
            json={"Name": name, "Legacy__c": "L-1"},
        )
        assert response.status_code == 201
    legacy = make_client(fake, account_external_id_field="Legacy__c")

    with pytest.raises(IntegrationError) as excinfo:
        legacy.account_upsert(external_id="L-1", fields={"Name": "C"})

    status, content = salesforce_error(excinfo)
    assert status == 300
    assert len(content) == 2
    assert all(url.startswith("/services/data/v59.0/sobjects/Account/001") for url in content)
    assert excinfo.value.code == "MORE_THAN_ONE_RECORD"
    assert excinfo.value.permanent


def test_lookups_must_name_an_existing_account(fake: RunningFake, client: SalesforceClient) -> None:
    control(fake, "POST", "seed", {"accounts": [{"id": PARTNER_ID, "name": "Northwind"}]})
    partner_id = salesforce_id(PARTNER_ID)

    with pytest.raises(IntegrationError) as excinfo:
        client.account_upsert(
            external_id="ec-1", fields={"Name": "Acme", "ParentId": new_salesforce_id("001")}
        )
    assert excinfo.value.code == "INVALID_CROSS_REFERENCE_KEY"
    assert salesforce_error(excinfo)[1][0]["fields"] == ["ParentId"]

    account_id = client.account_upsert(
        external_id="ec-1", fields={"Name": "Acme", "ParentId": PARTNER_ID}
    )
    assert client.account_get(account_id)["ParentId"] == partner_id

    with pytest.raises(IntegrationError) as excinfo:
        client.contact_upsert(
            external_id="c-1",
            fields={"LastName": "Lovelace", "AccountId": new_salesforce_id("003")},
        )
    assert excinfo.value.code == "INVALID_CROSS_REFERENCE_KEY"
    contact_id = client.contact_upsert(
        external_id="c-1", fields={"LastName": "Lovelace", "AccountId": account_id}
    )
    assert contact_id.startswith("003")
    [contact] = control(fake, "GET", "state")["contacts"]
    assert contact["AccountId"] == account_id


def test_a_missing_record_is_404_not_found(client: SalesforceClient) -> None:
    with pytest.raises(IntegrationError) as excinfo:
        client.account_get(new_salesforce_id("001"))

    assert salesforce_error(excinfo) == (
        404,
        [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}],
    )
    assert excinfo.value.code == "NOT_FOUND"
    assert excinfo.value.permanent


def test_get_by_external_id(fake: RunningFake, client: SalesforceClient) -> None:
    account_id = client.account_upsert(external_id="ec/1 x", fields={"Name": "Acme"})
    bearer = token(fake)

    found = api(fake, "GET", f"sobjects/Account/{ACCOUNT_KEY}/ec%2F1%20x", bearer=bearer)
    missing = api(fake, "GET", f"sobjects/Account/{ACCOUNT_KEY}/nope", bearer=bearer)

    assert found.status_code == 200
    assert found.json()["Id"] == account_id
    assert missing.status_code == 404


# --- SOQL ----------------------------------------------------------------------------------------
def test_query_matches_case_insensitively_and_unescapes_quotes(client: SalesforceClient) -> None:
    account_id = client.account_upsert(external_id="EC-1", fields={"Name": "O'Brien \\ Sons"})
    client.account_upsert(external_id="EC-2", fields={"Name": "Other"})

    records = client.query(
        "select id, NAME from account where portal_customer_id__c = 'ec-1' "
        "and Name = 'O\\'Brien \\\\ Sons'"
    )

    assert [(r["Id"], r["Name"]) for r in records] == [(account_id, "O'Brien \\ Sons")]


@pytest.mark.parametrize(
    "soql",
    [
        "SELECT FROM Account",
        "SELECT Id FROM Account WHERE Name = 'a' OR Name = 'b'",
        "SELECT Id FROM Account WHERE Name = 'unterminated",
        "DELETE FROM Account",
    ],
)
def test_query_outside_the_supported_grammar_is_malformed(
    client: SalesforceClient, soql: str
) -> None:
    with pytest.raises(IntegrationError) as excinfo:
        client.query(soql)

    assert excinfo.value.code == "MALFORMED_QUERY"
    assert excinfo.value.permanent
    assert salesforce_error(excinfo)[0] == 400


def test_query_pages_beyond_2000_rows(fake: RunningFake, client: SalesforceClient) -> None:
    ids = [new_salesforce_id("001") for _ in range(2001)]
    control(fake, "POST", "seed", {"accounts": [{"id": i, "name": "Same"} for i in ids]})

    records = client.query("SELECT Id FROM Account WHERE Name = 'same'")

    assert sorted(r["Id"] for r in records) == sorted(ids)
    assert len(calls(fake, "query")) == 2


def test_soql_parser_reads_values_and_limit() -> None:
    parsed = parse_soql("SELECT Id FROM Contact WHERE Email = null AND Age__c = 3 LIMIT 5")

    assert parsed.sobject == "Contact"
    assert parsed.conditions == [("Email", "=", None), ("Age__c", "=", 3)]
    assert parsed.limit == 5


# --- seed, state, restart ------------------------------------------------------------------------
def test_seed_is_idempotent(fake: RunningFake) -> None:
    seed = {"accounts": [{"id": PARTNER_ID, "name": "Northwind Resellers"}]}
    control(fake, "POST", "seed", seed)
    control(fake, "POST", "seed", seed)

    accounts = control(fake, "GET", "state")["accounts"]
    assert [(a["Id"], a["Name"]) for a in accounts] == [
        (salesforce_id(PARTNER_ID), "Northwind Resellers")
    ]


def test_a_seeded_id_is_kept_as_given_and_found_by_its_15_characters(
    fake: RunningFake, client: SalesforceClient
) -> None:
    given = "001AB00000PARTNXYZ"  # a suffix that is not the computed one
    control(fake, "POST", "seed", {"accounts": [{"id": given, "name": "Northwind"}]})

    account_id = client.account_upsert(
        external_id="ec-1", fields={"Name": "Acme", "ParentId": given[:15]}
    )

    assert client.account_get(account_id)["ParentId"] == given
    assert client.account_get(given)["Name"] == "Northwind"


def test_the_call_log_holds_the_fields_sent_and_is_bounded() -> None:
    service = SalesforceFake()  # in-process: a thousand calls without sockets
    form = (
        f"grant_type=client_credentials&client_id={DEFAULT_CLIENT_ID}"
        f"&client_secret={DEFAULT_CLIENT_SECRET}"
    )
    answer = service.handle(
        FakeRequest("POST", "/services/oauth2/token", {}, {"host": "sf.test"}, form.encode())
    )
    headers = {"authorization": f"Bearer {json.loads(answer.body)['access_token']}"}
    for n in range(CALL_LOG_SIZE + 5):
        body = json.dumps({"Name": f"Account {n}"}).encode()
        path = f"/services/data/v59.0/sobjects/Account/{ACCOUNT_KEY}/ec-{n}"
        assert service.handle(FakeRequest("PATCH", path, {}, headers, body)).status == 201

    log = service.public_state()["calls"]
    assert len(log) == CALL_LOG_SIZE
    assert log[-1]["operation"] == "upsert"
    assert log[-1]["object"] == "Account"
    assert log[-1]["external_id_field"] == ACCOUNT_KEY
    assert log[-1]["external_id"] == f"ec-{CALL_LOG_SIZE + 4}"
    assert log[-1]["fields"] == {"Name": f"Account {CALL_LOG_SIZE + 4}"}
    assert "client_secret" not in json.dumps(log)
    assert len(service.public_state()["accounts"]) == CALL_LOG_SIZE + 5


def test_a_restart_keeps_the_records_but_not_the_sessions(tmp_path: Path) -> None:
    state = tmp_path / "salesforce.json"
    first = RunningFake(SalesforceFake(state)).start()
    port = first.port
    client = make_client(first)
    account_id = client.account_upsert(external_id="ec-1", fields={"Name": "Acme"})
    first.stop()
    # RunningFake.stop() leaves open keep-alive connections served by the old handler threads;
    # a real restart drops them, so drop the client's pooled ones as the dead process would.
    client.session.close()

    second = RunningFake(SalesforceFake(state), port=port).start()
    try:
        # The client's token died with the first process: it gets a 401, re-tokens, retries.
        again = client.account_upsert(external_id="ec-1", fields={"Name": "Acme Ltd"})
        log = calls(second)
    finally:
        second.stop()

    assert again == account_id
    assert [(c["operation"], c["status"]) for c in log][-3:] == [
        ("upsert", 401),
        ("token", 200),
        ("upsert", 200),
    ]


def test_reset_empties_the_state(fake: RunningFake, client: SalesforceClient) -> None:
    client.account_upsert(external_id="ec-1", fields={"Name": "Acme"})

    control(fake, "POST", "reset")

    state = control(fake, "GET", "state")
    assert state["accounts"] == []
    assert state["calls"] == []


# --- faults --------------------------------------------------------------------------------------
def test_a_fault_can_target_one_sobject(fake: RunningFake, client: SalesforceClient) -> None:
    control(
        fake,
        "POST",
        "faults",
        {"operation": "upsert", "sobject": "Contact", "fault": "UNABLE_TO_LOCK_ROW", "times": 1},
    )

    account_id = client.account_upsert(external_id="ec-1", fields={"Name": "Acme"})
    with pytest.raises(IntegrationError) as excinfo:
        client.contact_upsert(external_id="c-1", fields={"LastName": "L", "AccountId": account_id})
    contact_id = client.contact_upsert(
        external_id="c-1", fields={"LastName": "L", "AccountId": account_id}
    )

    assert salesforce_error(excinfo) == (
        400,
        [
            {
                "message": "unable to obtain exclusive access to this record",
                "errorCode": "UNABLE_TO_LOCK_ROW",
                "fields": [],
            }
        ],
    )
    assert contact_id.startswith("003")
    assert [c["fault"] for c in calls(fake, "upsert")] == [None, "UNABLE_TO_LOCK_ROW", None]


def test_invalid_session_fault_really_invalidates_the_token(fake: RunningFake) -> None:
    bearer = token(fake)
    control(fake, "POST", "faults", {"operation": "get", "fault": "INVALID_SESSION_ID", "times": 1})
    path = f"sobjects/Account/{new_salesforce_id('001')}"

    faulted = api(fake, "GET", path, bearer=bearer)
    after = api(fake, "GET", path, bearer=bearer)
    fresh = api(fake, "GET", path, bearer=token(fake))

    assert faulted.status_code == 401
    assert after.status_code == 401  # the rule was used up; the token stays dead
    assert after.json()[0]["errorCode"] == "INVALID_SESSION_ID"
    assert fresh.status_code == 404


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        ("REQUEST_LIMIT_EXCEEDED", 403, "REQUEST_LIMIT_EXCEEDED"),
        ("SERVER_UNAVAILABLE", 503, "SERVER_UNAVAILABLE"),
        ("HTTP_429", 429, "TOO_MANY_REQUESTS"),
        ("FIELD_CUSTOM_VALIDATION_EXCEPTION", 400, "FIELD_CUSTOM_VALIDATION_EXCEPTION"),
    ],
)
def test_injected_faults_answer_with_salesforce_statuses(
    fake: RunningFake, fault: str, status: int, code: str
) -> None:
    control(fake, "POST", "faults", {"operation": "create", "fault": fault, "retry_after": 9})
    bearer = token(fake)

    response = api(fake, "POST", "sobjects/Account/", bearer=bearer, json={"Name": "Acme"})

    assert response.status_code == status
    assert response.json()[0]["errorCode"] == code
    if status in (429, 503):
        assert response.headers["Retry-After"] == "9"
    assert control(fake, "GET", "state")["accounts"] == []


def test_connection_reset_answers_nothing_and_does_nothing(
    fake: RunningFake, client: SalesforceClient
) -> None:
    control(fake, "POST", "faults", {"operation": "upsert", "fault": "CONNECTION_RESET"})

    with pytest.raises(IntegrationError) as excinfo:
        client.account_upsert(external_id="ec-1", fields={"Name": "Acme"})

    assert excinfo.value.code == "CONNECTION_ERROR"
    assert not excinfo.value.permanent
    assert control(fake, "GET", "state")["accounts"] == []
