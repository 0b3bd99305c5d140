"""The fake Zuora's rules and faults, driven through the project's real zeep client."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests

from integrations.errors import IntegrationError
from integrations.fakes.base import RunningFake
from integrations.fakes.zuora import SOAP_PATH, ZuoraFake
from integrations.zuora.client import ZuoraClient, zoql_select

PARTNER = "2c92c0f96a1b2c3d016a1b2c3d4e0101"
PARTNER_USD = "2c92c0f96a1b2c3d016a1b2c3d4e0202"
PLAN = "2c92c0f9518a922b01518da5ceca173b"
CHARGE = "2c92c0f9518a922b01518da5cecb0001"
OTHER_PLAN = "2c92c0f9518a922b01518da5ceca9999"
OTHER_CHARGE = "2c92c0f9518a922b01518da5cecb9999"
WSDL = Path(__file__).resolve().parents[2] / "integrations" / "zuora" / "wsdl" / "zuora.a.82.0.wsdl"
ENVELOPE = (
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:zns="http://api.zuora.com/" xmlns:ons="http://object.api.zuora.com/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<soapenv:Header>{header}</soapenv:Header><soapenv:Body>{body}</soapenv:Body>"
    "</soapenv:Envelope>"
)
SEED = {
    "accounts": [
        {"id": PARTNER, "name": "Partner AG", "currency": "EUR", "account_number": "P-1"},
        {"id": PARTNER_USD, "name": "Partner Inc", "currency": "USD", "account_number": "P-2"},
    ],
    "catalogue": [
        {
            "product_rate_plan_id": PLAN,
            "product_rate_plan_charge_id": CHARGE,
            "price": "49.00",
            "currency": "EUR",
            "period": "Month",
        },
        {
            "product_rate_plan_id": OTHER_PLAN,
            "product_rate_plan_charge_id": OTHER_CHARGE,
            "price": "500.00",
            "currency": "EUR",
            "period": "Annual",
        },
    ],
}


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


def make_client(fake: RunningFake, **overrides: Any) -> ZuoraClient:
    options: dict[str, Any] = {
        "wsdl": WSDL,
        "endpoint": fake.base_url + SOAP_PATH,
        "username": "api@vendor.example",
        "password": "demo-zuora-2026",
        "timeout": 5.0,
        "session_ttl": 600,
        **overrides,
    }
    return ZuoraClient(**options)


@pytest.fixture
def client(fake: RunningFake) -> ZuoraClient:
    return make_client(fake)


def new_account(number: str = "EC-1", **fields: Any) -> dict[str, Any]:
    return {
        "AccountNumber": number,
        "Batch": "Batch1",
        "BillCycleDay": 1,
        "CrmId": "001XX000003DHPh",
        "Currency": "EUR",
        "Name": "End Customer GmbH",
        "ParentId": PARTNER,
        "PaymentTerm": "Net 30",
        **fields,
    }


BILL_TO = {"Country": "Germany", "FirstName": "Eva", "LastName": "Kunde", "WorkEmail": "e@x.de"}


def subscription(name: str | None = "PP-ORD-1", **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "AutoRenew": True,
        "ContractEffectiveDate": date(2026, 12, 1),
        "InitialTerm": 12,
        "RenewalTerm": 12,
        "TermType": "TERMED",
        **fields,
    }
    if name is not None:
        data["Name"] = name
    return data


def subscribe_new(client: ZuoraClient, **overrides: Any) -> Any:
    options: dict[str, Any] = {
        "subscription": subscription(),
        "rate_plan_id": PLAN,
        "charge_id": CHARGE,
        "quantity": 3,
        "generate_invoice": True,
        "account": new_account(),
        "bill_to": BILL_TO,
        **overrides,
    }
    return client.subscribe(**options)


def state(fake: RunningFake) -> dict[str, Any]:
    return fake.service.public_state()


def post_raw(fake: RunningFake, body: str, header: str = "") -> requests.Response:
    return requests.post(
        fake.base_url + SOAP_PATH,
        data=ENVELOPE.format(header=header, body=body).encode(),
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
        timeout=5,
    )


def session_header(fake: RunningFake) -> str:
    login = post_raw(
        fake,
        "<zns:login><zns:username>api@vendor.example</zns:username>"
        "<zns:password>demo-zuora-2026</zns:password></zns:login>",
    )
    assert login.status_code == 200
    session = login.text.split("Session>")[1].rsplit("</", 1)[0]
    return f"<zns:SessionHeader><zns:session>{session}</zns:session></zns:SessionHeader>"


def error_of(call: Any) -> IntegrationError:
    with pytest.raises(IntegrationError) as caught:
        call()
    return caught.value


# --- login and sessions -------------------------------------------------------------------------
def test_wrong_password_is_a_permanent_login_fault(fake: RunningFake) -> None:
    error = error_of(lambda: make_client(fake, password="wrong").query("select Id from Account"))
    assert error.code == "INVALID_VALUE"
    assert "User name and password do not match" in error.message
    assert error.permanent


def test_calls_without_a_session_get_invalid_session_fault(fake: RunningFake) -> None:
    response = post_raw(
        fake, "<zns:query><zns:queryString>select Id from Account</zns:queryString></zns:query>"
    )
    assert response.status_code == 500
    assert "<faultcode>fns:INVALID_SESSION</faultcode>" in response.text
    bogus = "<zns:SessionHeader><zns:session>nope</zns:session></zns:SessionHeader>"
    response = post_raw(
        fake,
        "<zns:query><zns:queryString>select Id from Account</zns:queryString></zns:query>",
        bogus,
    )
    assert "fns:INVALID_SESSION" in response.text


def test_other_paths_are_not_found(fake: RunningFake) -> None:
    assert requests.post(fake.base_url + "/apps/services/a/1.0", timeout=5).status_code == 404
    assert requests.get(fake.base_url + SOAP_PATH, timeout=5).status_code == 405


# --- subscribe ------------------------------------------------------------------------------------
def test_subscribe_new_account_under_partner_with_partner_as_invoice_owner(
    fake: RunningFake, client: ZuoraClient
) -> None:
    result = subscribe_new(client, subscription=subscription(InvoiceOwnerId=PARTNER))

    data = state(fake)
    account = next(a for a in data["accounts"] if a["Id"] == result.account_id)
    assert result.account_number == account["AccountNumber"] == "EC-1"
    assert account["ParentId"] == PARTNER
    assert account["CrmId"] == "001XX000003DHPh"
    assert account["Status"] == "Active"
    (contact,) = [c for c in data["contacts"] if c["AccountId"] == result.account_id]
    assert account["BillToId"] == account["SoldToId"] == contact["Id"]
    assert (contact["FirstName"], contact["LastName"]) == ("Eva", "Kunde")

    (sub,) = data["subscriptions"]
    assert sub["Id"] == result.subscription_id
    assert sub["Name"] == result.subscription_number == "PP-ORD-1"
    assert sub["AccountId"] == result.account_id
    assert sub["InvoiceOwnerId"] == PARTNER
    assert (sub["Status"], sub["Version"], sub["OriginalId"]) == ("Active", 1, sub["Id"])
    assert (sub["TermStartDate"], sub["TermEndDate"]) == ("2026-12-01", "2027-12-01")

    (invoice,) = data["invoices"]
    assert invoice["Id"] == result.invoice_id
    assert invoice["AccountId"] == PARTNER  # the invoice owner, not the subscription owner
    assert invoice["InvoiceNumber"] == "INV00000001"
    assert (invoice["InvoiceDate"], invoice["DueDate"]) == ("2026-12-01", "2026-12-31")
    assert invoice["Amount"] == invoice["Balance"] == "147.00"
    assert invoice["Status"] == "Posted"
    assert "Body" not in invoice
    (item,) = data["invoice_items"]
    assert item["InvoiceId"] == invoice["Id"]
    assert (item["SubscriptionId"], item["SubscriptionNumber"]) == (sub["Id"], "PP-ORD-1")
    assert (item["ChargeAmount"], item["Quantity"], item["UnitPrice"]) == ("147.00", "3", "49.00")
    assert (item["ServiceStartDate"], item["ServiceEndDate"]) == ("2026-12-01", "2026-12-31")
    assert item["ProductRatePlanChargeId"] == CHARGE

    call = [c for c in data["calls"] if c["operation"] == "subscribe"][-1]
    assert call["AccountNumber"] == "EC-1"
    assert call["ParentId"] == PARTNER
    assert call["InvoiceOwnerId"] == PARTNER
    assert call["Name"] == "PP-ORD-1"
    assert call["CrmId"] == "001XX000003DHPh"
    assert (call["GenerateInvoice"], call["ProcessPayments"]) == (True, False)
    assert call["success"] is True


def test_invoice_owner_defaults_to_the_subscription_owner(
    fake: RunningFake, client: ZuoraClient
) -> None:
    result = subscribe_new(client, account=new_account(PaymentTerm="Due Upon Receipt"), quantity=1)
    data = state(fake)
    (sub,) = data["subscriptions"]
    assert sub["InvoiceOwnerId"] == sub["AccountId"] == result.account_id
    (invoice,) = data["invoices"]
    assert invoice["AccountId"] == result.account_id
    assert invoice["DueDate"] == invoice["InvoiceDate"] == "2026-12-01"
    account = next(a for a in data["accounts"] if a["Id"] == result.account_id)
    assert account["Balance"] == "49.00"
    assert [c["InvoiceOwnerId"] for c in data["calls"] if c["operation"] == "subscribe"] == [None]


def test_subscribe_on_existing_account_creates_no_account(
    fake: RunningFake, client: ZuoraClient
) -> None:
    first = subscribe_new(client)
    accounts_before = len(state(fake)["accounts"])
    second = client.subscribe(
        subscription=subscription("PP-ORD-2", TermType="EVERGREEN", InitialTerm=None),
        rate_plan_id=OTHER_PLAN,
        charge_id=OTHER_CHARGE,
        quantity=1,
        generate_invoice=True,
        account_id=first.account_id,
    )
    data = state(fake)
    assert len(data["accounts"]) == accounts_before
    assert (second.account_id, second.account_number) == (first.account_id, "EC-1")
    sub = next(s for s in data["subscriptions"] if s["Id"] == second.subscription_id)
    assert "TermEndDate" not in sub  # evergreen
    item = next(i for i in data["invoice_items"] if i["InvoiceId"] == second.invoice_id)
    assert item["ServiceEndDate"] == "2027-11-30"  # an annual charge bills a year


def test_generate_invoice_false_makes_no_invoice(fake: RunningFake, client: ZuoraClient) -> None:
    result = subscribe_new(client, generate_invoice=False)
    assert result.invoice_id is None
    assert state(fake)["invoices"] == []


def test_absent_subscribe_options_invoice_immediately(fake: RunningFake) -> None:
    header = session_header(fake)
    body = (
        "<zns:subscribe><zns:subscribes>"
        f'<zns:Account xsi:type="ons:Account"><ons:Id>{PARTNER}</ons:Id></zns:Account>'
        '<zns:SubscriptionData><zns:Subscription xsi:type="ons:Subscription">'
        "<ons:ContractEffectiveDate>2026-12-01</ons:ContractEffectiveDate>"
        "<ons:TermType>EVERGREEN</ons:TermType></zns:Subscription>"
        f"<zns:RatePlanData><zns:RatePlan><ons:ProductRatePlanId>{PLAN}</ons:ProductRatePlanId>"
        "</zns:RatePlan><zns:RatePlanChargeData><zns:RatePlanCharge>"
        f"<ons:ProductRatePlanChargeId>{CHARGE}</ons:ProductRatePlanChargeId>"
        "</zns:RatePlanCharge></zns:RatePlanChargeData></zns:RatePlanData>"
        "</zns:SubscriptionData></zns:subscribes></zns:subscribe>"
    )
    response = post_raw(fake, body, header)
    assert response.status_code == 200, response.text
    assert "<ns0:Success>true</ns0:Success>" in response.text
    (sub,) = state(fake)["subscriptions"]
    assert sub["Name"] == "A-S00000001"  # auto-numbered
    (invoice,) = state(fake)["invoices"]
    assert (invoice["AccountId"], invoice["Amount"]) == (PARTNER, "49.00")  # quantity 1


def test_account_number_is_auto_numbered_when_absent(
    fake: RunningFake, client: ZuoraClient
) -> None:
    account = new_account()
    del account["AccountNumber"]
    result = subscribe_new(client, account=account, subscription=subscription(None))
    assert result.account_number == "A00000001"
    assert result.subscription_number == "A-S00000001"


def test_duplicate_account_number_is_refused_and_nothing_is_written(
    fake: RunningFake, client: ZuoraClient
) -> None:
    subscribe_new(client)
    before = state(fake)
    error = error_of(lambda: subscribe_new(client, subscription=subscription("PP-ORD-2")))
    assert (error.code, error.permanent) == ("DUPLICATE_VALUE", True)
    after = state(fake)
    for collection in ("accounts", "contacts", "subscriptions", "invoices"):
        assert after[collection] == before[collection]


def test_duplicate_subscription_name_is_refused(fake: RunningFake, client: ZuoraClient) -> None:
    subscribe_new(client)
    error = error_of(lambda: subscribe_new(client, account=new_account("EC-2")))
    assert error.code == "DUPLICATE_VALUE"
    assert "PP-ORD-1" in error.message
    assert len(state(fake)["subscriptions"]) == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"account": new_account(ParentId="2c92c0f96a1b2c3d016a1b2c3d4effff")}, "parent"),
        (
            {"subscription": subscription(InvoiceOwnerId="2c92c0f96a1b2c3d016a1b2c3d4effff")},
            "invoice owner",
        ),
        (
            {"subscription": subscription(InvoiceOwnerId=PARTNER_USD)},
            "must use the same currency",
        ),
        ({"rate_plan_id": "2c92c0f9518a922b01518da5ceca0000"}, "ProductRatePlanId"),
        ({"charge_id": OTHER_CHARGE}, "ProductRatePlanChargeId"),  # a charge of another plan
        ({"account": new_account(Currency="USD", ParentId=PARTNER_USD)}, "no price in USD"),
        ({"account": new_account(PaymentTerm="Net whenever")}, "payment term"),
        ({"subscription": subscription(InitialTerm=0)}, "greater than zero"),
        ({"subscription": subscription(TermType="FOREVER")}, "TermType"),
    ],
)
def test_subscribe_rules_refuse_invalid_values(
    fake: RunningFake, client: ZuoraClient, overrides: dict[str, Any], message: str
) -> None:
    error = error_of(lambda: subscribe_new(client, **overrides))
    assert (error.code, error.permanent) == ("INVALID_VALUE", True)
    assert message in error.message
    assert state(fake)["subscriptions"] == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"account": {k: v for k, v in new_account().items() if k != "Name"}}, "Name"),
        ({"account": {k: v for k, v in new_account().items() if k != "Currency"}}, "Currency"),
        (
            {"account": {k: v for k, v in new_account().items() if k != "PaymentTerm"}},
            "PaymentTerm",
        ),
        ({"bill_to": {"FirstName": "Eva"}}, "LastName"),
        ({"bill_to": None}, "BillToContact"),
        ({"subscription": {"ContractEffectiveDate": date(2026, 12, 1)}}, "TermType"),
        ({"subscription": {"TermType": "EVERGREEN"}}, "ContractEffectiveDate"),
        ({"subscription": subscription(InitialTerm=None)}, "InitialTerm"),
    ],
)
def test_subscribe_requires_fields(
    fake: RunningFake, client: ZuoraClient, overrides: dict[str, Any], field: str
) -> None:
    overrides = {
        key: (
            {k: v for k, v in value.items() if v is not None} if isinstance(value, dict) else value
        )
        for key, value in overrides.items()
    }
    error = error_of(lambda: subscribe_new(client, **overrides))
    assert error.code == "MISSING_REQUIRED_VALUE"
    assert field in error.message
    assert state(fake)["subscriptions"] == []


def test_malformed_ids_are_refused_by_the_fake_too(fake: RunningFake) -> None:
    # The client never sends one (see test_zuora_client); Zuora's own check is exercised raw.
    header = session_header(fake)
    body = (
        '<zns:create><zns:zObjects xsi:type="ons:Contact">'
        "<ons:AccountId>not-an-id</ons:AccountId><ons:FirstName>A</ons:FirstName>"
        "<ons:LastName>B</ons:LastName></zns:zObjects></zns:create>"
    )
    response = post_raw(fake, body, header)
    assert response.status_code == 200
    assert "<ns0:Code>INVALID_ID</ns0:Code>" in response.text
    assert state(fake)["contacts"] == []


# --- create and update ----------------------------------------------------------------------------
def test_create_account_and_contact_then_update_bill_to(
    fake: RunningFake, client: ZuoraClient
) -> None:
    account_id = client.create(
        "Account",
        {
            "AccountNumber": "EC-9",
            "BillCycleDay": 1,
            "Currency": "EUR",
            "Name": "Draft Kunde",
            "ParentId": PARTNER,
            "PaymentTerm": "Net 14",
            "Status": "Draft",
        },
    )
    contact_id = client.create(
        "Contact", {"AccountId": account_id, "FirstName": "Jo", "LastName": "Doe"}
    )
    client.update("Account", account_id, {"BillToId": contact_id, "CrmId": "001A", "Name": "Neu"})
    (row,) = client.query(
        zoql_select(["Id", "BillToId", "CrmId", "Name", "Status"], "Account", Id=account_id)
    )
    assert row == {
        "Id": account_id,
        "BillToId": contact_id,
        "CrmId": "001A",
        "Name": "Neu",
        "Status": "Draft",
    }
    client.update("Contact", contact_id, {"WorkEmail": "jo@example.com"})
    (contact,) = client.query(zoql_select(["WorkEmail"], "Contact", Id=contact_id))
    assert contact == {"WorkEmail": "jo@example.com"}
    update = next(c for c in state(fake)["calls"] if c["operation"] == "update")
    assert update["objects"][0]["fields"]["CrmId"] == "001A"


def test_create_and_update_rules(fake: RunningFake, client: ZuoraClient) -> None:
    missing_status = error_of(
        lambda: client.create(
            "Account", {"BillCycleDay": 1, "Currency": "EUR", "Name": "X", "PaymentTerm": "Net 30"}
        )
    )
    assert missing_status.code == "MISSING_REQUIRED_VALUE"
    duplicate = error_of(
        lambda: client.create(
            "Account",
            {
                "AccountNumber": "P-1",
                "BillCycleDay": 1,
                "Currency": "EUR",
                "Name": "X",
                "PaymentTerm": "Net 30",
                "Status": "Active",
            },
        )
    )
    assert duplicate.code == "DUPLICATE_VALUE"
    no_account = error_of(
        lambda: client.create(
            "Contact",
            {"AccountId": "2c92c0f96a1b2c3d016a1b2c3d4effff", "FirstName": "A", "LastName": "B"},
        )
    )
    assert no_account.code == "INVALID_VALUE"
    other_contact = client.create(
        "Contact", {"AccountId": PARTNER_USD, "FirstName": "A", "LastName": "B"}
    )
    foreign_bill_to = error_of(
        lambda: client.update("Account", PARTNER, {"BillToId": other_contact})
    )
    assert foreign_bill_to.code == "INVALID_VALUE"
    unknown = error_of(
        lambda: client.update("Account", "2c92c0f96a1b2c3d016a1b2c3d4effff", {"Name": "X"})
    )
    assert unknown.code == "INVALID_ID"
    currency = error_of(lambda: client.update("Account", PARTNER, {"Currency": "USD"}))
    assert currency.code == "INVALID_VALUE"


# --- strict request parsing -----------------------------------------------------------------------
def test_requests_are_parsed_strictly_against_the_wsdl(fake: RunningFake) -> None:
    header = session_header(fake)
    out_of_order = (
        '<zns:create><zns:zObjects xsi:type="ons:Account">'
        "<ons:Name>X</ons:Name><ons:BillCycleDay>1</ons:BillCycleDay>"
        "</zns:zObjects></zns:create>"
    )
    response = post_raw(fake, out_of_order, header)
    assert response.status_code == 500
    assert "<faultcode>fns:INVALID_VALUE</faultcode>" in response.text
    bad_int = (
        '<zns:create><zns:zObjects xsi:type="ons:Account">'
        "<ons:BillCycleDay>first</ons:BillCycleDay></zns:zObjects></zns:create>"
    )
    assert "fns:INVALID_VALUE" in post_raw(fake, bad_int, header).text
    unknown_type = '<zns:create><zns:zObjects xsi:type="ons:Spaceship"/></zns:create>'
    assert "fns:INVALID_TYPE" in post_raw(fake, unknown_type, header).text
    assert "fns:INVALID_VALUE" in post_raw(fake, "<zns:teleport/>", header).text
    assert state(fake)["accounts"] == [
        a for a in state(fake)["accounts"] if a["Id"] in (PARTNER, PARTNER_USD)
    ]


# --- queries --------------------------------------------------------------------------------------
def test_zoql_is_case_insensitive_on_keywords_and_fields_but_not_values(
    client: ZuoraClient,
) -> None:
    rows = client.query("SELECT id, accountnumber, NAME From account WHERE accountNumber = 'P-1'")
    assert rows == [{"Id": PARTNER, "AccountNumber": "P-1", "Name": "Partner AG"}]
    assert client.query("select Id from Account where AccountNumber = 'p-1'") == []
    both = client.query(
        "select Id from Account where Currency = 'EUR' and Name = 'Partner AG' "
        "and Status = 'Active'"
    )
    assert both == [{"Id": PARTNER}]


@pytest.mark.parametrize(
    ("zoql", "code"),
    [
        ("select * from Account", "INVALID_FIELD"),
        ("select Id from Account where Name = 'a' or Name = 'b'", "MALFORMED_QUERY"),
        ("select Id from Account where Name like 'a%'", "MALFORMED_QUERY"),
        ("select Id from Spaceship", "MALFORMED_QUERY"),
        ("select Wingspan from Account", "INVALID_FIELD"),
        ("delete from Account", "MALFORMED_QUERY"),
        ("select Body from Invoice where Status = 'Posted'", "INVALID_VALUE"),
    ],
)
def test_bad_zoql_is_a_permanent_fault(client: ZuoraClient, zoql: str, code: str) -> None:
    error = error_of(lambda: client.query(zoql))
    assert (error.code, error.permanent) == (code, True)


# --- faults ---------------------------------------------------------------------------------------
def add_fault(fake: RunningFake, **rule: Any) -> None:
    response = requests.post(fake.base_url + "/_fake/faults", json=rule, timeout=5)
    assert response.status_code == 201


@pytest.mark.parametrize(
    "code", ["LOCK_COMPETITION", "TEMPORARY_ERROR", "UNKNOWN_ERROR", "SERVER_UNAVAILABLE"]
)
def test_write_faults_are_row_errors_with_nothing_done(
    fake: RunningFake, client: ZuoraClient, code: str
) -> None:
    add_fault(fake, operation="subscribe", fault=code, times=1)
    error = error_of(lambda: subscribe_new(client))
    assert (error.code, error.permanent) == (code, False)
    assert state(fake)["subscriptions"] == []
    assert subscribe_new(client).subscription_number == "PP-ORD-1"  # the rule is used up


def test_read_faults_are_soap_faults(fake: RunningFake, client: ZuoraClient) -> None:
    add_fault(fake, operation="query", fault="TEMPORARY_ERROR", times=1)
    error = error_of(lambda: client.query("select Id from Account"))
    assert (error.code, error.permanent) == ("TEMPORARY_ERROR", False)
    add_fault(fake, operation="query", fault="INVALID_VALUE", times=1)
    assert error_of(lambda: client.query("select Id from Account")).permanent


def test_connection_reset_does_nothing(fake: RunningFake, client: ZuoraClient) -> None:
    add_fault(fake, operation="subscribe", fault="CONNECTION_RESET", times=1)
    error = error_of(lambda: subscribe_new(client))
    assert (error.code, error.permanent) == ("CONNECTION_ERROR", False)
    assert state(fake)["subscriptions"] == []


def test_http_503_without_body(fake: RunningFake, client: ZuoraClient) -> None:
    add_fault(fake, operation="*", fault="HTTP_503", times=1)
    error = error_of(lambda: client.query("select Id from Account"))
    assert (error.code, error.permanent, error.retry_after) == ("HTTP_503", False, None)


def test_latency_rule_slows_calls(fake: RunningFake, client: ZuoraClient) -> None:
    client.query("select Id from Account")  # logs in first
    add_fault(fake, operation="query", latency_ms=300)
    started = time.monotonic()
    client.query("select Id from Account")
    assert time.monotonic() - started >= 0.3


# --- seed, control API and restart ----------------------------------------------------------------
def test_seed_is_an_idempotent_upsert_through_the_control_api(fake: RunningFake) -> None:
    changed = {"accounts": [{**SEED["accounts"][0], "name": "Partner AG (renamed)"}]}
    for _ in range(2):
        assert (
            requests.post(fake.base_url + "/_fake/seed", json=changed, timeout=5).status_code == 201
        )
    data = requests.get(fake.base_url + "/_fake/state", timeout=5).json()
    partners = [a for a in data["accounts"] if a["Id"] == PARTNER]
    assert [(a["Name"], a["AccountNumber"]) for a in partners] == [("Partner AG (renamed)", "P-1")]
    assert len(data["catalogue"]) == 2
    bad = requests.post(
        fake.base_url + "/_fake/seed",
        json={"accounts": [{"id": "x-1", "name": "n", "currency": "EUR"}]},
        timeout=5,
    )
    assert bad.status_code == 400


def test_restart_keeps_state_and_invalidates_sessions(tmp_path: Path) -> None:
    first = RunningFake(ZuoraFake(tmp_path / "zuora.json")).start()
    try:
        first.service.seed(SEED)
        client = make_client(first)
        result = subscribe_new(client)
        port = first.port
    finally:
        first.stop()
    # A stopped RunningFake still answers on connections already open (keep-alive): drop them
    # so the next call reaches the new server, as it would after a real restart.
    client.close()
    second = RunningFake(ZuoraFake(tmp_path / "zuora.json"), port=port).start()
    try:
        # The client still holds the old session: the new fake refuses it, the client logs in
        # again once, transparently.
        found = client.subscription_by_name("PP-ORD-1")
        assert found is not None
        assert found["Id"] == result.subscription_id
        assert client.account_by_number("EC-1") is not None
        assert client.invoice_pdf(str(result.invoice_id)).startswith(b"%PDF")
        logins = [c for c in second.service.public_state()["calls"] if c["operation"] == "login"]
        assert len(logins) == 1
        # Numbering goes on where it stopped.
        again = subscribe_new(client, account=new_account("EC-2"), subscription=subscription(None))
        assert again.subscription_number == "A-S00000001"
        assert second.service.public_state()["invoices"][-1]["InvoiceNumber"] == "INV00000002"
    finally:
        second.stop()
