"""``amend()`` in the fake Zuora: each amendment makes a new version of the subscription.

Zuora's rules (docs.zuora.com: SOAP API, amend(); the Amendment object), as the fake enforces
them:

- an AmendRequest holds 1 to 10 Amendments, all naming one subscription (the latest version's
  Id), applied in the order given; if one is refused the whole request is, and nothing of it
  is kept (each request of a call stands alone);
- every Amendment needs Name, Type, SubscriptionId and ContractEffectiveDate, inside the
  subscription's current term; a Cancellation also needs its EffectiveDate there;
- only the latest version of a subscription can be amended, and not a cancelled one;
- UpdateProduct and RemoveProduct name one of that version's rate plans
  (``RatePlan.AmendmentSubscriptionRatePlanId``); UpdateProduct's charges name that plan's
  ``ProductRatePlanChargeId`` with a positive Quantity; NewProduct names a plan and charges of
  the catalogue in the subscription's currency.

Each amendment makes a version: a new Id, the same Name, Version + 1, PreviousSubscriptionId
the version before (now Expired); its RatePlans and RatePlanCharges are copies with new ids and
the change applied. A removed plan stays in the version marked ``AmendmentType`` RemoveProduct
(its charges end on the effective date), as Zuora shows it. A Cancellation's version is
Cancelled, with CancelledDate and SubscriptionEndDate. Amendment records (Code ``A-AM…``;
Status Completed when the contract, service activation and customer acceptance dates are all
given, else PendingActivation or PendingAcceptance) can be queried; their SubscriptionId is the
version the amendment made.

Not modelled (refused, so nothing passes silently): invoicing or payment at amend
(``AmendOptions.GenerateInvoice``/``ProcessPayments`` true), preview mode, and the other
amendment types (TermsAndConditions, Renewal, OwnerTransfer, SuspendSubscription,
ResumeSubscription).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace
from typing import Any, Protocol

from integrations.fakes.base import FakeResponse
from integrations.fakes.zuora_common import CallFault, RowError, now_text
from integrations.zuora.client import ZNS

MAX_REQUESTS = 50  # AmendRequests per call (the WSDL's maxOccurs)
MAX_AMENDMENTS = 10  # per AmendRequest, WSDL 69.0 and later
SUPPORTED = ("NewProduct", "UpdateProduct", "RemoveProduct", "Cancellation")
NOT_MODELLED = (
    "TermsAndConditions",
    "Renewal",
    "OwnerTransfer",
    "SuspendSubscription",
    "ResumeSubscription",
)
REQUIRED = ("Name", "Type", "SubscriptionId", "ContractEffectiveDate")
# What one request may change; restored as they were when the request is refused.
TOUCHED = ("subscriptions", "rate_plans", "rate_plan_charges", "amendments", "counters")
_RECORD_KEYS = ("Id", "CreatedDate", "UpdatedDate")


class ZuoraHost(Protocol):
    """What amend() uses of the fake (``integrations.fakes.zuora.ZuoraFake``)."""

    @property
    def lock(self) -> Any: ...

    @property
    def state(self) -> dict[str, Any]: ...

    @property
    def _zeep(self) -> Any: ...

    def save(self) -> None: ...

    def _given(self, zobject: Any) -> tuple[dict[str, Any], list[str]]: ...

    def _store(self, object_type: str, values: dict[str, Any]) -> str: ...

    def _require(self, values: dict[str, Any], names: tuple[str, ...]) -> None: ...

    def _check_ids(self, object_type: str, values: dict[str, Any]) -> None: ...

    def _charges(self, data: Any, currency: str) -> list[tuple[dict[str, Any], Decimal, Any]]: ...

    def _store_rate_plans(
        self, subscription_id: str, charges: list[tuple[dict[str, Any], Decimal, Any]]
    ) -> list[dict[str, Any]]: ...

    def _next_number(self, counter: str, pattern: str) -> str: ...

    def _error(self, code: str, message: str, field: str | None = None) -> Any: ...

    def _answer(self, operation: str, **parts: Any) -> FakeResponse: ...

    def _log(self, operation: str, **details: Any) -> None: ...


@dataclass
class _Amended:
    subscription_id: str
    amendment_ids: list[str]


def amend(fake: ZuoraHost, body: Any) -> FakeResponse:
    """Answer an ``amend`` call: one AmendResult per AmendRequest."""
    requests = list(body.requests or [])
    if len(requests) > MAX_REQUESTS:
        raise CallFault("MAX_RECORDS_EXCEEDED", f"At most {MAX_REQUESTS} requests per call.")
    make = fake._zeep.get_type(f"{{{ZNS}}}AmendResult")
    results = []
    with fake.lock:
        # A state file written before amendments were supported has no such counter.
        fake.state["counters"].setdefault("amendment", 0)
        for given in requests:
            # An empty <requests/> element parses as None: a request with nothing in it.
            request = given or SimpleNamespace(
                Amendments=None, AmendOptions=None, PreviewOptions=None
            )
            entry = _summary(fake, request)
            before = {key: copy.deepcopy(fake.state[key]) for key in TOUCHED}
            try:
                done = _amend_request(fake, request)
            except RowError as error:
                fake.state.update(before)  # all or nothing, as Zuora does
                results.append(
                    make(
                        Errors=[fake._error(error.code, error.message, error.field)],
                        Success=False,
                    )
                )
                entry.update(success=False, error=error.code)
            else:
                results.append(
                    make(
                        AmendmentIds=done.amendment_ids,
                        SubscriptionId=done.subscription_id,
                        Success=True,
                    )
                )
                entry.update(
                    success=True,
                    AmendmentIds=done.amendment_ids,
                    NewSubscriptionId=done.subscription_id,
                )
            fake._log("amend", **entry)
        fake.save()
    return fake._answer("amend", results=results)


def _summary(fake: ZuoraHost, request: Any) -> dict[str, Any]:
    """The key fields of an AmendRequest for the call log (tests assert on them)."""
    amendments = [fake._given(a)[0] for a in request.Amendments or []]
    quantities = []
    for amendment in request.Amendments or []:
        data = amendment.RatePlanData
        for charge in (data.RatePlanChargeData or []) if data is not None else []:
            if charge.RatePlanCharge is not None:
                quantities.append(fake._given(charge.RatePlanCharge)[0].get("Quantity"))
    return {
        "SubscriptionId": next((a.get("SubscriptionId") for a in amendments), None),
        "Names": [a.get("Name") for a in amendments],
        "Types": [a.get("Type") for a in amendments],
        "EffectiveDates": [a.get("EffectiveDate") for a in amendments],
        "ContractEffectiveDates": [a.get("ContractEffectiveDate") for a in amendments],
        "Quantities": quantities,
    }


def _amend_request(fake: ZuoraHost, request: Any) -> _Amended:
    amendments = list(request.Amendments or [])
    if not amendments:
        raise RowError(
            "MISSING_REQUIRED_VALUE", "An AmendRequest needs an Amendment.", "Amendments"
        )
    if len(amendments) > MAX_AMENDMENTS:
        raise RowError(
            "INVALID_VALUE", f"At most {MAX_AMENDMENTS} amendments in one request.", "Amendments"
        )
    _check_options(request)
    fields = []
    for amendment in amendments:
        values, _ = fake._given(amendment)
        values.pop("RatePlanData", None)  # read from the zeep object, typed
        fake._require(values, REQUIRED)
        fake._check_ids("Amendment", values)
        fields.append(values)
    subscription_ids = {values["SubscriptionId"] for values in fields}
    if len(subscription_ids) > 1:
        raise RowError(
            "INVALID_VALUE",
            "All the amendments of one request must name the same subscription.",
            "SubscriptionId",
        )
    [subscription_id] = subscription_ids
    version = fake.state["subscriptions"].get(subscription_id)
    if version is None:
        raise RowError(
            "INVALID_ID", f"invalid subscription id: {subscription_id}", "SubscriptionId"
        )
    latest = max(
        (s for s in fake.state["subscriptions"].values() if s.get("Name") == version.get("Name")),
        key=lambda s: int(s.get("Version") or 0),
    )
    if latest["Id"] != subscription_id:
        raise RowError(
            "INVALID_VALUE",
            f"The subscription {subscription_id} is version {version.get('Version')}, not the "
            f"latest ({latest.get('Version')}): only the latest version can be amended.",
            "SubscriptionId",
        )
    done = _Amended(subscription_id=subscription_id, amendment_ids=[])
    for amendment, values in zip(amendments, fields, strict=True):
        current = fake.state["subscriptions"][done.subscription_id]
        done.subscription_id, amendment_id = _apply(fake, current, amendment, values)
        done.amendment_ids.append(amendment_id)
    return done


def _check_options(request: Any) -> None:
    options = request.AmendOptions
    if options is not None and (options.GenerateInvoice or options.ProcessPayments):
        raise RowError(
            "INVALID_VALUE",
            "This fake does not invoice or collect at amend(): set GenerateInvoice and "
            "ProcessPayments to false (the next bill run invoices the change).",
            "GenerateInvoice",
        )
    preview = request.PreviewOptions
    if preview is not None and preview.EnablePreviewMode:
        raise RowError(
            "INVALID_VALUE", "Preview mode is not supported by this fake.", "PreviewOptions"
        )


def _day(values: dict[str, Any], name: str) -> date:
    try:
        return date.fromisoformat(str(values[name])[:10])
    except (KeyError, ValueError) as exc:
        raise RowError("INVALID_VALUE", f"{name} is not a date.", name) from exc


def _in_term(version: dict[str, Any], values: dict[str, Any], name: str) -> date:
    day = _day(values, name)
    start = _day(version, "TermStartDate")
    end = _day(version, "TermEndDate") if version.get("TermEndDate") else None
    if day < start or (end is not None and day > end):
        raise RowError(
            "INVALID_VALUE",
            f"The {name} {day} is outside the subscription's current term "
            f"({start} to {end or 'evergreen'}).",
            name,
        )
    return day


def _apply(
    fake: ZuoraHost, version: dict[str, Any], amendment: Any, values: dict[str, Any]
) -> tuple[str, str]:
    """One amendment on ``version`` (the latest): the new version's Id and the amendment's."""
    kind = values["Type"]
    if kind in NOT_MODELLED:
        raise RowError(
            "INVALID_VALUE", f"{kind} amendments are not supported by this fake.", "Type"
        )
    if kind not in SUPPORTED:
        raise RowError("INVALID_VALUE", f"Invalid amendment type {kind}.", "Type")
    if version.get("Status") == "Cancelled":
        raise RowError(
            "INVALID_VALUE", "A cancelled subscription cannot be amended.", "SubscriptionId"
        )
    _in_term(version, values, "ContractEffectiveDate")
    if kind == "Cancellation":
        if "EffectiveDate" not in values:
            raise RowError(
                "MISSING_REQUIRED_VALUE", "A Cancellation needs its EffectiveDate.", "EffectiveDate"
            )
        effective = _in_term(version, values, "EffectiveDate")
    else:
        effective = _day(
            values, "EffectiveDate" if "EffectiveDate" in values else "ContractEffectiveDate"
        )
    plans = {
        plan["Id"]: plan
        for plan in fake.state["rate_plans"].values()
        if plan.get("SubscriptionId") == version["Id"]
    }
    change = _product_change(fake, version, kind, amendment.RatePlanData, plans)

    # --- every rule passed: the new version -----------------------------------------------------
    now = now_text()
    fresh = {k: v for k, v in version.items() if k not in _RECORD_KEYS}
    fresh.update(
        Version=int(version.get("Version") or 1) + 1,
        PreviousSubscriptionId=version["Id"],
        OriginalCreatedDate=version.get("OriginalCreatedDate") or version.get("CreatedDate"),
        Status="Active",
    )
    if kind == "Cancellation":
        fresh.update(
            Status="Cancelled",
            CancelledDate=effective.isoformat(),
            SubscriptionEndDate=effective.isoformat(),
        )
    new_id = fake._store("Subscription", fresh)
    version.update(Status="Expired", UpdatedDate=now)
    amendment_id = fake._store(
        "Amendment",
        {
            **values,
            "Code": fake._next_number("amendment", "A-AM{:08d}"),
            "EffectiveDate": effective.isoformat(),
            "Status": _status(kind, values),
            "SubscriptionId": new_id,
        },
    )
    target = change.get("plan_id")
    for plan in plans.values():
        copied = {k: v for k, v in plan.items() if k not in _RECORD_KEYS}
        copied["SubscriptionId"] = new_id
        if plan["Id"] == target:
            copied.update(AmendmentId=amendment_id, AmendmentType=kind)
        plan_id = fake._store("RatePlan", copied)
        for charge in [
            c for c in fake.state["rate_plan_charges"].values() if c["RatePlanId"] == plan["Id"]
        ]:
            moved = {k: v for k, v in charge.items() if k not in _RECORD_KEYS}
            moved.update(RatePlanId=plan_id, OriginalId=charge.get("OriginalId") or charge["Id"])
            if plan["Id"] == target and kind == "UpdateProduct":
                quantity = change["quantities"].get(charge["ProductRatePlanChargeId"])
                if quantity is not None:
                    moved["Quantity"] = str(quantity)
            if plan["Id"] == target and kind == "RemoveProduct":
                moved["EffectiveEndDate"] = effective.isoformat()
            fake._store("RatePlanCharge", moved)
    if kind == "NewProduct":
        for row in fake._store_rate_plans(new_id, change["charges"]):
            row["EffectiveStartDate"] = effective.isoformat()
            fake.state["rate_plans"][row["RatePlanId"]].update(
                AmendmentId=amendment_id, AmendmentType=kind
            )
    return new_id, amendment_id


def _product_change(
    fake: ZuoraHost, version: dict[str, Any], kind: str, data: Any, plans: dict[str, Any]
) -> dict[str, Any]:
    """What a product amendment changes, every id checked against the version and catalogue."""
    if kind == "Cancellation":
        if data is not None:
            raise RowError("INVALID_VALUE", "A Cancellation takes no RatePlanData.", "RatePlanData")
        return {}
    if data is None or data.RatePlan is None:
        raise RowError(
            "MISSING_REQUIRED_VALUE", f"{kind} needs RatePlanData.RatePlan.", "RatePlanData"
        )
    if kind == "NewProduct":
        owner = fake.state["accounts"].get(version.get("InvoiceOwnerId") or version["AccountId"])
        currency = (owner or {}).get("Currency", "")
        charges = fake._charges(SimpleNamespace(RatePlanData=[data]), currency)
        if not charges:
            raise RowError(
                "MISSING_REQUIRED_VALUE", "NewProduct needs its RatePlanChargeData.", "RatePlanData"
            )
        return {"charges": charges}
    plan_fields, _ = fake._given(data.RatePlan)
    fake._check_ids("RatePlan", plan_fields)
    plan_id = plan_fields.get("AmendmentSubscriptionRatePlanId")
    if not plan_id:
        raise RowError(
            "MISSING_REQUIRED_VALUE",
            f"{kind} needs the AmendmentSubscriptionRatePlanId of the plan it changes.",
            "AmendmentSubscriptionRatePlanId",
        )
    plan = plans.get(plan_id)
    if plan is None or plan.get("AmendmentType") == "RemoveProduct":
        raise RowError(
            "INVALID_VALUE",
            f"The rate plan {plan_id} is not a rate plan of subscription {version['Id']}.",
            "AmendmentSubscriptionRatePlanId",
        )
    if kind == "RemoveProduct":
        return {"plan_id": plan_id}
    plan_charges = {
        charge["ProductRatePlanChargeId"]
        for charge in fake.state["rate_plan_charges"].values()
        if charge["RatePlanId"] == plan_id
    }
    quantities: dict[str, Decimal] = {}
    for charge_data in data.RatePlanChargeData or []:
        values = fake._given(charge_data.RatePlanCharge)[0] if charge_data.RatePlanCharge else {}
        fake._check_ids("RatePlanCharge", values)
        charge_id = values.get("ProductRatePlanChargeId")
        if charge_id not in plan_charges:
            raise RowError(
                "INVALID_VALUE",
                f"The charge {charge_id} is not a charge of the rate plan {plan_id}.",
                "ProductRatePlanChargeId",
            )
        try:
            quantity = Decimal(str(values["Quantity"]))
        except (KeyError, InvalidOperation):
            raise RowError("MISSING_REQUIRED_VALUE", "Quantity is required.", "Quantity") from None
        if quantity <= 0:
            raise RowError("INVALID_VALUE", "Quantity must be positive.", "Quantity")
        quantities[str(charge_id)] = quantity
    if not quantities:
        raise RowError(
            "MISSING_REQUIRED_VALUE", "UpdateProduct needs the charges it updates.", "RatePlanData"
        )
    return {"plan_id": plan_id, "quantities": quantities}


def _status(kind: str, values: dict[str, Any]) -> str:
    if kind != "Cancellation" and not values.get("ServiceActivationDate"):
        return "PendingActivation"
    if kind != "Cancellation" and not values.get("CustomerAcceptanceDate"):
        return "PendingAcceptance"
    return "Completed"
