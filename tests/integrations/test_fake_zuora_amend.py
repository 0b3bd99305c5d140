"""The fake Zuora's amend(): a new subscription version per amendment, Zuora's refusals, and
the fault injection, driven through the project's real zeep client over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import requests

from integrations.errors import IntegrationError
from integrations.fakes.base import RunningFake
from integrations.fakes.zuora import ZuoraFake
from integrations.zuora.client import ZuoraClient, zoql_select
from tests.integrations.test_fake_zuora import (
    CHARGE,
    OTHER_CHARGE,
    OTHER_PLAN,
    PLAN,
    SEED,
    make_client,
    post_raw,
    session_header,
    subscribe_new,
    subscription,
)

START = date(2026, 12, 1)  # the ContractEffectiveDate of test_fake_zuora.subscription()
LATER = date(2027, 2, 1)


@pytest.fixture(scope="module")
def running_fake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningFake]:
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


@pytest.fixture
def subscribed(client: ZuoraClient) -> dict[str, Any]:
    """A subscription (version 1) of PLAN × 3 and its rate plan and charge, as queried."""
    result = subscribe_new(client)
    [plan] = client.rate_plans(result.subscription_id)
    [charge] = client.rate_plan_charges(plan["Id"])
    return {"id": result.subscription_id, "plan": plan, "charge": charge}


def state(fake: RunningFake) -> dict[str, Any]:
    return fake.service.public_state()


def dates(day: date) -> dict[str, date]:
    return {
        "ContractEffectiveDate": day,
        "CustomerAcceptanceDate": day,
        "EffectiveDate": day,
        "ServiceActivationDate": day,
    }


def update_quantity(subscription: dict[str, Any], quantity: int, **fields: Any) -> dict[str, Any]:
    return {
        **dates(LATER),
        "Name": "PP-ORD-9",
        "RatePlanData": {
            "RatePlan": {"AmendmentSubscriptionRatePlanId": subscription["plan"]["Id"]},
            "RatePlanChargeData": [{"ProductRatePlanChargeId": CHARGE, "Quantity": quantity}],
        },
        "SubscriptionId": subscription["id"],
        "Type": "UpdateProduct",
        **fields,
    }


def error_of(call: Any) -> IntegrationError:
    with pytest.raises(IntegrationError) as caught:
        call()
    return caught.value


def test_update_product_makes_a_new_version_with_the_new_quantity(
    fake: RunningFake, client: ZuoraClient, subscribed: dict[str, Any]
) -> None:
    result = client.amend(amendments=[update_quantity(subscribed, 7)])
    versions = client.subscription_versions("PP-ORD-1")
    assert [(v["Version"], v["Status"]) for v in versions] == [(1, "Expired"), (2, "Active")]
    latest = versions[-1]
    assert latest["Id"] == result.subscription_id != subscribed["id"]
    assert client.subscription_by_name("PP-ORD-1") == latest
    [plan] = client.rate_plans(latest["Id"])
    assert (plan["ProductRatePlanId"], plan["AmendmentType"]) == (PLAN, "UpdateProduct")
    [charge] = client.rate_plan_charges(plan["Id"])
    assert (charge["ProductRatePlanChargeId"], charge["Quantity"]) == (CHARGE, 7)
    assert charge["Price"] == subscribed["charge"]["Price"]  # the charge keeps its price
    # The first version is as it was.
    [old_charge] = client.rate_plan_charges(subscribed["plan"]["Id"])
    assert old_charge["Quantity"] == 3
    [amendment] = client.amendments_by_name("PP-ORD-9")
    assert amendment["Id"] == result.amendment_ids[0]
    assert (amendment["Type"], amendment["Status"], amendment["SubscriptionId"]) == (
        "UpdateProduct",
        "Completed",
        latest["Id"],
    )
    assert amendment["EffectiveDate"] == LATER
    assert amendment["Code"] == "A-AM00000001"
    stored = next(s for s in state(fake)["subscriptions"] if s["Id"] == latest["Id"])
    assert stored["PreviousSubscriptionId"] == subscribed["id"]
    assert stored["OriginalId"] == subscribed["id"]
    [call] = [c for c in state(fake)["calls"] if c["operation"] == "amend"]
    assert (call["success"], call["Types"], call["Quantities"]) == (True, ["UpdateProduct"], ["7"])


def test_another_product_is_a_remove_and_a_new_product_in_one_request(
    client: ZuoraClient, subscribed: dict[str, Any]
) -> None:
    remove = {
        **dates(LATER),
        "Name": "PP-ORD-10",
        "RatePlanData": {"RatePlan": {"AmendmentSubscriptionRatePlanId": subscribed["plan"]["Id"]}},
        "SubscriptionId": subscribed["id"],
        "Type": "RemoveProduct",
    }
    add = {
        **dates(LATER),
        "Name": "PP-ORD-10",
        "RatePlanData": {
            "RatePlan": {"ProductRatePlanId": OTHER_PLAN},
            "RatePlanChargeData": [{"ProductRatePlanChargeId": OTHER_CHARGE, "Quantity": 2}],
        },
        "SubscriptionId": subscribed["id"],
        "Type": "NewProduct",
    }
    result = client.amend(amendments=[remove, add])
    assert len(result.amendment_ids) == 2
    versions = client.subscription_versions("PP-ORD-1")
    assert [(v["Version"], v["Status"]) for v in versions] == [
        (1, "Expired"),
        (2, "Expired"),
        (3, "Active"),
    ]
    assert versions[-1]["Id"] == result.subscription_id
    plans = {p["ProductRatePlanId"]: p for p in client.rate_plans(result.subscription_id)}
    assert plans[PLAN]["AmendmentType"] == "RemoveProduct"  # kept, marked, as Zuora shows it
    assert plans[OTHER_PLAN]["AmendmentType"] == "NewProduct"
    [charge] = client.rate_plan_charges(plans[OTHER_PLAN]["Id"])
    assert (charge["ProductRatePlanChargeId"], charge["Quantity"]) == (OTHER_CHARGE, 2)
    amendments = {a["Type"]: a for a in client.amendments_by_name("PP-ORD-10")}
    assert amendments["RemoveProduct"]["SubscriptionId"] == versions[1]["Id"]
    assert amendments["NewProduct"]["SubscriptionId"] == versions[2]["Id"]


def test_a_cancellation_version_is_cancelled_on_its_date(
    client: ZuoraClient, subscribed: dict[str, Any]
) -> None:
    cancel = {
        **dates(LATER),
        "Name": "PP-ORD-11",
        "SubscriptionId": subscribed["id"],
        "Type": "Cancellation",
    }
    result = client.amend(amendments=[cancel])
    latest = client.subscription_by_name("PP-ORD-1")
    assert latest is not None
    assert (latest["Id"], latest["Version"], latest["Status"]) == (
        result.subscription_id,
        2,
        "Cancelled",
    )
    rows = client.query(
        zoql_select(["CancelledDate", "SubscriptionEndDate"], "Subscription", Id=latest["Id"])
    )
    assert (rows[0]["CancelledDate"], rows[0]["SubscriptionEndDate"]) == (LATER, LATER)
    # A cancelled subscription cannot be amended again.
    again = error_of(lambda: client.amend(amendments=[{**cancel, "SubscriptionId": latest["Id"]}]))
    assert (again.code, again.permanent) == ("INVALID_VALUE", True)
    assert "cancelled" in again.message


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"Name": None}, "MISSING_REQUIRED_VALUE", "Name"),
        ({"ContractEffectiveDate": None}, "MISSING_REQUIRED_VALUE", "ContractEffectiveDate"),
        ({"Type": "Renewal"}, "INVALID_VALUE", "Type"),
        ({"Type": "Upgrade"}, "INVALID_VALUE", "Type"),
        ({"SubscriptionId": "9" * 32}, "INVALID_ID", "SubscriptionId"),
        ({"ContractEffectiveDate": date(2026, 11, 30)}, "INVALID_VALUE", "ContractEffectiveDate"),
        ({"ContractEffectiveDate": date(2028, 1, 1)}, "INVALID_VALUE", "ContractEffectiveDate"),
    ],
)
def test_refused_amendments_change_nothing(
    fake: RunningFake,
    client: ZuoraClient,
    subscribed: dict[str, Any],
    change: dict[str, Any],
    code: str,
    field: str,
) -> None:
    amendment = {
        k: v for k, v in {**update_quantity(subscribed, 5), **change}.items() if v is not None
    }
    error = error_of(lambda: client.amend(amendments=[amendment]))
    assert (error.code, error.permanent) == (code, True)
    assert f"(field {field})" in error.message
    assert len(state(fake)["subscriptions"]) == 1
    assert state(fake)["amendments"] == []


def test_rate_plan_and_charge_ids_must_be_the_subscriptions(
    fake: RunningFake, client: ZuoraClient, subscribed: dict[str, Any]
) -> None:
    account = client.account_by_number("EC-1")
    assert account is not None
    other = subscribe_new(
        client,
        account=None,
        bill_to=None,
        account_id=account["Id"],
        subscription=subscription("PP-ORD-2"),
    )
    [their_plan] = client.rate_plans(other.subscription_id)
    foreign_plan = update_quantity(subscribed, 5)
    foreign_plan["RatePlanData"]["RatePlan"] = {"AmendmentSubscriptionRatePlanId": their_plan["Id"]}
    error = error_of(lambda: client.amend(amendments=[foreign_plan]))
    assert error.code == "INVALID_VALUE"
    assert "not a rate plan of subscription" in error.message
    assert "(field AmendmentSubscriptionRatePlanId)" in error.message
    foreign_charge = update_quantity(subscribed, 5)
    foreign_charge["RatePlanData"]["RatePlanChargeData"] = [
        {"ProductRatePlanChargeId": OTHER_CHARGE, "Quantity": 5}
    ]
    error = error_of(lambda: client.amend(amendments=[foreign_charge]))
    assert "not a charge of the rate plan" in error.message
    zero = update_quantity(subscribed, 0)
    assert "Quantity must be positive" in error_of(lambda: client.amend(amendments=[zero])).message
    assert len(state(fake)["subscriptions"]) == 2
    assert state(fake)["amendments"] == []


def test_only_the_latest_version_can_be_amended_and_requests_are_all_or_nothing(
    fake: RunningFake, client: ZuoraClient, subscribed: dict[str, Any]
) -> None:
    client.amend(amendments=[update_quantity(subscribed, 4)])
    stale = error_of(lambda: client.amend(amendments=[update_quantity(subscribed, 6)]))
    assert stale.code == "INVALID_VALUE"
    assert "only the latest version can be amended" in stale.message
    latest = client.subscription_by_name("PP-ORD-1")
    assert latest is not None
    [plan] = client.rate_plans(latest["Id"])
    good = update_quantity({"id": latest["Id"], "plan": plan}, 8, Name="PP-ORD-12")
    bad = {**good, "RatePlanData": {"RatePlan": {"AmendmentSubscriptionRatePlanId": "1" * 32}}}
    error = error_of(lambda: client.amend(amendments=[good, bad]))
    assert error.code == "INVALID_VALUE"
    assert len(state(fake)["subscriptions"]) == 2, "the first amendment was not kept either"
    assert client.amendments_by_name("PP-ORD-12") == []
    mixed = {**good, "SubscriptionId": subscribed["id"]}
    assert "same subscription" in error_of(lambda: client.amend(amendments=[good, mixed])).message


def test_invoicing_at_amend_is_refused_not_faked(
    client: ZuoraClient, subscribed: dict[str, Any]
) -> None:
    error = error_of(
        lambda: client.amend(amendments=[update_quantity(subscribed, 5)], generate_invoice=True)
    )
    assert (error.code, error.permanent) == ("INVALID_VALUE", True)
    assert "does not invoice" in error.message


def test_an_empty_request_is_a_row_error(fake: RunningFake) -> None:
    response = post_raw(fake, "<zns:amend><zns:requests/></zns:amend>", session_header(fake))
    assert response.status_code == 200
    assert "MISSING_REQUIRED_VALUE" in response.text
    assert "Success>false<" in response.text


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        ({"fault": "LOCK_COMPETITION"}, "LOCK_COMPETITION"),
        ({"fault": "HTTP_503"}, "HTTP_503"),
        ({"fault": "REQUEST_EXCEEDED_LIMIT", "retry_after": 7}, "REQUEST_EXCEEDED_LIMIT"),
        ({"fault": "CONNECTION_RESET"}, "CONNECTION_ERROR"),
    ],
)
def test_injected_faults_on_amend_change_nothing(
    fake: RunningFake,
    client: ZuoraClient,
    subscribed: dict[str, Any],
    rule: dict[str, Any],
    code: str,
) -> None:
    requests.post(
        fake.base_url + "/_fake/faults", json={"operation": "amend", "times": 1, **rule}, timeout=5
    )
    error = error_of(lambda: client.amend(amendments=[update_quantity(subscribed, 5)]))
    assert (error.code, error.permanent) == (code, False)
    assert len(state(fake)["subscriptions"]) == 1
    client.amend(amendments=[update_quantity(subscribed, 5)])  # the rule is used up
    assert len(state(fake)["subscriptions"]) == 2


def test_a_timed_out_amend_is_applied_all_the_same(
    fake: RunningFake, subscribed: dict[str, Any]
) -> None:
    slow = make_client(fake, timeout=0.5)
    requests.post(
        fake.base_url + "/_fake/faults",
        json={"operation": "amend", "fault": "TIMEOUT_COMMIT", "delay_ms": 1500, "times": 1},
        timeout=5,
    )
    error = error_of(lambda: slow.amend(amendments=[update_quantity(subscribed, 5)]))
    assert (error.code, error.permanent) == ("TIMEOUT", False)
    # Zuora finished it: the amendment and its version are there to be found by name.
    [amendment] = slow.amendments_by_name("PP-ORD-9")
    latest = slow.subscription_by_name("PP-ORD-1")
    assert latest is not None
    assert (latest["Version"], amendment["SubscriptionId"]) == (2, latest["Id"])
