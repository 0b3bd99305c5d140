"""Our WSDL, our client's requests and the fake's answers against Zuora's real 82.0 WSDL.

The reference WSDL is Zuora's (kept outside the repository); ``ZUORA_REFERENCE_WSDL`` points
at it. Without it these tests fail: a contract that cannot be checked is not a pass.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests
from lxml import etree

from integrations.errors import IntegrationError
from integrations.fakes.base import RunningFake
from integrations.fakes.zuora import SOAP_ENV, ZuoraFake, deserialize_strict
from integrations.zuora.client import FNS, ONS, ZNS, load_wsdl, zoql_select
from tests.integrations.test_fake_zuora import (
    PARTNER,
    SEED,
    make_client,
    subscribe_new,
    subscription,
)

REPO = Path(__file__).resolve().parents[2]
OURS = REPO / "integrations" / "zuora" / "wsdl" / "zuora.a.82.0.wsdl"
XS = "http://www.w3.org/2001/XMLSchema"
WSDL = "http://schemas.xmlsoap.org/wsdl/"
SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"
OPERATIONS = {"login", "query", "queryMore", "create", "update", "subscribe", "amend"}


def reference_path(value: str | None = None) -> Path:
    raw = value if value is not None else os.environ.get("ZUORA_REFERENCE_WSDL")
    path = (
        Path(raw) if raw else REPO.parent / "shared" / "contracts" / "zuora" / "zuora.a.82.0.wsdl"
    )
    if not path.is_absolute():
        path = REPO / path
    if not path.is_file():
        pytest.fail(f"The reference Zuora WSDL is missing at {path} (set ZUORA_REFERENCE_WSDL).")
    return path


@pytest.fixture(scope="module")
def reference() -> Path:
    return reference_path()


def parse(path: Path) -> etree._Element:
    parser = etree.XMLParser(remove_comments=True, resolve_entities=False, no_network=True)
    return etree.parse(str(path), parser).getroot()


def schemas(root: etree._Element) -> dict[str, etree._Element]:
    return {s.get("targetNamespace"): s for s in root.iterfind(f"{{{WSDL}}}types/{{{XS}}}schema")}


def resolve(node: etree._Element, qname: str | None) -> str | None:
    """A ``prefix:name`` attribute as ``{namespace}name`` (unprefixed: XML Schema's)."""
    if qname is None:
        return None
    prefix, _, local = qname.rpartition(":")
    return f"{{{node.nsmap.get(prefix or None)}}}{local}"


def declarations(schema: etree._Element) -> dict[tuple[str, str], etree._Element]:
    return {
        (etree.QName(child).localname, child.get("name")): child
        for child in schema
        if child.get("name")
    }


def sequence(node: etree._Element) -> list[tuple[Any, ...]]:
    out = []
    for element in node.iter(f"{{{XS}}}element"):
        out.append(
            (
                element.get("name"),
                resolve(element, element.get("type")),
                element.get("minOccurs", "1"),
                element.get("maxOccurs", "1"),
                element.get("nillable", "false"),
            )
        )
    return out


def test_missing_reference_wsdl_fails_rather_than_skips(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match="reference Zuora WSDL is missing"):
        reference_path(str(tmp_path / "absent.wsdl"))


def test_namespaces_and_style_match(reference: Path) -> None:
    ours, real = parse(OURS), parse(reference)
    assert ours.get("targetNamespace") == real.get("targetNamespace") == ZNS
    for prefix, namespace in (("ons", ONS), ("zns", ZNS), ("fns", FNS)):
        assert ours.nsmap[prefix] == real.nsmap[prefix] == namespace
    assert set(schemas(ours)) == set(schemas(real)) == {ONS, ZNS, FNS}
    binding = ours.find(f"{{{WSDL}}}binding")
    assert binding is not None
    soap_binding = binding.find(f"{{{SOAP}}}binding")
    assert soap_binding is not None
    assert soap_binding.get("style") == "document"
    assert soap_binding.get("transport") == "http://schemas.xmlsoap.org/soap/http"
    for op in binding.iterfind(f"{{{WSDL}}}operation"):
        action = op.find(f"{{{SOAP}}}operation")
        assert action is not None
        assert action.get("soapAction") == ""
        assert {b.get("use") for b in op.iter(f"{{{SOAP}}}body")} == {"literal"}
    address = ours.find(f"{{{WSDL}}}service/{{{WSDL}}}port/{{{SOAP}}}address")
    assert address is not None
    assert address.get("location") == "http://127.0.0.1:8101/apps/services/a/82.0"


def test_every_declared_element_exists_in_the_reference_in_order(reference: Path) -> None:
    ours, real = schemas(parse(OURS)), schemas(parse(reference))
    checked = 0
    for namespace, schema in ours.items():
        real_declarations = declarations(real[namespace])
        for key, node in declarations(schema).items():
            assert key in real_declarations, f"{key} in {namespace} is not Zuora's"
            real_node = real_declarations[key]
            ours_base = [resolve(e, e.get("base")) for e in node.iter(f"{{{XS}}}extension")]
            real_base = [resolve(e, e.get("base")) for e in real_node.iter(f"{{{XS}}}extension")]
            assert ours_base == real_base, key
            if key[0] == "element" and node.get("type"):
                assert resolve(node, node.get("type")) == resolve(real_node, real_node.get("type"))
            our_fields, real_fields = sequence(node), sequence(real_node)
            # A subsequence: every field Zuora's, with its type and occurrence, in Zuora's order.
            positions = []
            for field in our_fields:
                assert field in real_fields, f"{key}: {field} differs from Zuora's"
                positions.append(real_fields.index(field))
            assert positions == sorted(positions), f"{key}: fields out of Zuora's order"
            for facet in ("enumeration", "pattern"):
                ours_values = {f.get("value") for f in node.iter(f"{{{XS}}}{facet}")}
                real_values = {f.get("value") for f in real_node.iter(f"{{{XS}}}{facet}")}
                assert ours_values <= real_values, f"{key}: {facet} {ours_values - real_values}"
            checked += 1
    assert checked > 40
    account = declarations(ours[ONS])[("complexType", "Account")]
    names = [f[0] for f in sequence(account)]
    for name in ("AccountNumber", "AutoPay", "Balance", "Batch", "BillCycleDay", "BillToId"):
        assert name in names
    assert names.index("ParentId") < names.index("PaymentTerm") < names.index("SoldToId")


def test_operations_messages_and_headers_match(reference: Path) -> None:
    ours, real = parse(OURS), parse(reference)

    def operations(root: etree._Element) -> dict[str, Any]:
        binding = root.find(f"{{{WSDL}}}binding")
        port_type = root.find(f"{{{WSDL}}}portType")
        assert binding is not None
        assert port_type is not None
        result = {}
        for op in binding.iterfind(f"{{{WSDL}}}operation"):
            abstract = port_type.find(f"{{{WSDL}}}operation[@name='{op.get('name')}']")
            assert abstract is not None
            headers = [(h.get("message"), h.get("part")) for h in op.iter(f"{{{SOAP}}}header")]
            faults = sorted(f.get("name") for f in op.iterfind(f"{{{WSDL}}}fault"))
            messages = [
                (etree.QName(m).localname, m.get("message"))
                for m in abstract
                if etree.QName(m).localname in ("input", "output", "fault")
            ]
            result[op.get("name")] = (headers, faults, messages)
        return result

    def messages(root: etree._Element) -> dict[str, list[tuple[str | None, str | None]]]:
        return {
            m.get("name"): [(p.get("name"), p.get("element")) for p in m]
            for m in root.iterfind(f"{{{WSDL}}}message")
        }

    ours_ops, real_ops = operations(ours), operations(real)
    assert set(ours_ops) == OPERATIONS
    for name, value in ours_ops.items():
        assert value == real_ops[name], name
    real_messages = messages(real)
    for name, parts in messages(ours).items():
        assert parts == real_messages[name], name


# --- the wire ------------------------------------------------------------------------------------
@pytest.fixture
def exchanges(tmp_path: Path) -> Iterator[list[tuple[str, bytes, int, bytes]]]:
    running = RunningFake(ZuoraFake(tmp_path / "zuora.json", batch_size=1)).start()
    try:
        running.service.seed(SEED)
        client = make_client(running)
        result = subscribe_new(client, subscription=subscription(InvoiceOwnerId=PARTNER))
        subscribe_new(
            client,
            account=None,
            bill_to=None,
            account_id=result.account_id,
            subscription=subscription("PP-ORD-2"),
            generate_invoice=False,
        )
        contact = client.create(
            "Contact", {"AccountId": result.account_id, "FirstName": "A", "LastName": "B"}
        )
        client.update("Account", result.account_id, {"CrmId": "001B", "BillToId": contact})
        client.query(
            zoql_select(["Id", "Name", "Version"], "Subscription", AccountId=result.account_id)
        )
        [plan] = client.rate_plans(result.subscription_id)
        [charge] = client.rate_plan_charges(plan["Id"])
        when = date(2027, 1, 1)
        update = {
            "ContractEffectiveDate": when,
            "CustomerAcceptanceDate": when,
            "EffectiveDate": when,
            "Name": "PP-ORD-3",
            "RatePlanData": {
                "RatePlan": {"AmendmentSubscriptionRatePlanId": plan["Id"]},
                "RatePlanChargeData": [
                    {"ProductRatePlanChargeId": charge["ProductRatePlanChargeId"], "Quantity": 5}
                ],
            },
            "ServiceActivationDate": when,
            "SubscriptionId": result.subscription_id,
            "Type": "UpdateProduct",
        }
        amended = client.amend(amendments=[update])
        cancel = {"ContractEffectiveDate": when, "EffectiveDate": when, "Name": "PP-ORD-4"}
        client.amend(
            amendments=[
                {**cancel, "SubscriptionId": amended.subscription_id, "Type": "Cancellation"}
            ]
        )
        client.amendments_by_name("PP-ORD-3")
        with pytest.raises(IntegrationError, match="INVALID_VALUE"):
            client.amend(amendments=[update])  # not the latest version any more
        client.invoice_pdf(str(result.invoice_id))
        client.invoice_items(str(result.invoice_id))
        requests.post(
            running.base_url + "/_fake/faults",
            json={"operation": "query", "fault": "INVALID_SESSION", "times": 1},
            timeout=5,
        )
        client.account_by_number("EC-1")  # a Fault, then a new login
        with pytest.raises(IntegrationError, match="INVALID_VALUE"):
            make_client(running, password="wrong").query("select Id from Account")
        with pytest.raises(IntegrationError, match="DUPLICATE_VALUE"):
            subscribe_new(client)
        assert isinstance(running.service, ZuoraFake)
        yield list(running.service.wire)
    finally:
        running.stop()


def test_every_exchange_parses_with_the_reference_wsdl(
    reference: Path, exchanges: list[tuple[str, bytes, int, bytes]]
) -> None:
    zeep_client = load_wsdl(reference)
    binding = zeep_client.service._binding
    seen: set[str] = set()
    faults: set[str] = set()
    for operation, request, status, response in exchanges:
        op = binding._operations[operation]
        deserialize_strict(op.input, etree.fromstring(request))
        envelope = etree.fromstring(response)
        fault = envelope.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
        if fault is None:
            assert status == 200
            deserialize_strict(op.output, envelope)
        else:
            assert status == 500
            code = fault.findtext("faultcode")
            assert code is not None
            assert code.startswith("fns:")
            detail = fault.find("detail")
            assert detail is not None
            (child,) = list(detail)
            element = zeep_client.get_element(child.tag)
            parsed = element.parse(child, zeep_client.wsdl.types)
            assert parsed.FaultCode == code.removeprefix("fns:")
            faults.add(etree.QName(child).localname)
        seen.add(operation)
    assert seen >= {"login", "query", "queryMore", "create", "update", "subscribe", "amend"}
    assert faults >= {"LoginFault", "fault"}
