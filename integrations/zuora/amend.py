"""Push a change or cancel order to Zuora: one amend() call on the latest version of the
subscription, every amendment named after the order.

- A change of quantity is an UpdateProduct of the subscription's rate plan charge; a change to
  another offer is a RemoveProduct of the current rate plan and a NewProduct of the offer's, in
  one request (Zuora applies a request's amendments in order, all or none). A cancel is a
  Cancellation on its date. Every amendment takes effect on the order's effective date
  (contract, service activation and customer acceptance alike).
- Exactly once: a timed-out amend() still completes at Zuora, as a subscribe() does. Before
  amending, the push looks for amendments named after the order on this subscription's
  versions; if there are any, the request went through (all or none), and the push takes the
  version they made instead of amending again.
- The rate plan and charge ids come from Zuora (``query``), never from our records: they change
  with every version.

The version made is stored through ``orders.subscriptions.subscription_amendment_synced``, which
applies the order at once when it is effective today or earlier.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.utils import timezone

from integrations.sending import Claim
from integrations.zuora.client import ZuoraClient, zuora_client
from integrations.zuora.push import check_ids, permanent_error
from orders.models import Order, OrderType, Subscription
from orders.subscriptions import subscription_amendment_synced

logger = logging.getLogger(__name__)


def amendment_name(order: Order) -> str:
    return f"{settings.ZUORA_NAME_PREFIX}{order.number}"


def zuora_amend_push(claim: Claim) -> dict[str, str]:
    """Amend the order's subscription in Zuora (or find that it was), store the version it made
    and apply the order if it is due. Raises ``IntegrationError`` on any fault."""
    order = Order.objects.select_related(
        "organisation", "offer", "previous_offer", "subscription"
    ).get(pk=claim.message.order_pk)
    subscription = order.subscription
    if order.type not in (OrderType.CHANGE, OrderType.CANCEL) or subscription is None:
        raise permanent_error("NOT_AN_AMENDMENT", f"{order.number} changes no subscription.")
    if not (subscription.zuora_subscription_number and subscription.zuora_account_id):
        raise permanent_error(
            "NOT_IN_ZUORA",
            f"{order.number}: the subscription it changes is not in Zuora yet.",
        )
    check_ids(order)
    client = zuora_client()
    name = amendment_name(order)
    versions = client.subscription_versions(subscription.zuora_subscription_number)
    if not versions:
        raise permanent_error(
            "SUBSCRIPTION_NOT_FOUND",
            f"Zuora has no subscription named {subscription.zuora_subscription_number}.",
        )
    if versions[-1].get("AccountId") != subscription.zuora_account_id:
        raise permanent_error(
            "SUBSCRIPTION_NOT_OURS",
            f"Zuora's subscription {subscription.zuora_subscription_number} is under account "
            f"{versions[-1].get('AccountId')}, not {subscription.zuora_account_id}.",
        )
    if versions[-1]["Id"] != subscription.zuora_subscription_id:
        # Amended in Zuora since we last stored it (by hand, or a try whose answer we lost):
        # the amendment goes on what Zuora holds now.
        logger.warning(
            "%s: Zuora's latest version of %s is %s, not the stored %s",
            order.number,
            subscription.zuora_subscription_number,
            versions[-1]["Id"],
            subscription.zuora_subscription_id,
        )
    found = _made_before(client, name=name, versions=versions, subscription=subscription)
    if found is not None:
        made, amendment_ids = found
        outcome = "found"
    else:
        made, amendment_ids = _amend(client, order=order, latest=versions[-1], name=name)
        outcome = "amended"
    version = int(made["Version"]) if made.get("Version") is not None else None
    subscription_amendment_synced(
        order=order,
        zuora_subscription_id=made["Id"],
        zuora_version=version,
        today=timezone.localdate(),
    )
    return {
        "zuora_subscription_id": made["Id"],
        "zuora_version": str(version or ""),
        "zuora_amendment_ids": ",".join(amendment_ids),
        "zuora_amendment_name": name,
        "outcome": outcome,
    }


def _made_before(
    client: ZuoraClient, *, name: str, versions: list[dict[str, Any]], subscription: Subscription
) -> tuple[dict[str, Any], list[str]] | None:
    """The version the order's amendments made, if an earlier try got them through."""
    amendments = client.amendments_by_name(name)
    if not amendments:
        return None
    by_id = {version["Id"]: version for version in versions}
    ours = [a for a in amendments if a.get("SubscriptionId") in by_id]
    if not ours:
        raise permanent_error(
            "AMENDMENT_NOT_OURS",
            f"Zuora has amendments named {name} "
            f"({', '.join(str(a.get('Id')) for a in amendments)}) on another subscription than "
            f"{subscription.zuora_subscription_number}. They are not used; another environment "
            "may share this tenant with the same ZUORA_NAME_PREFIX.",
        )
    made = max((by_id[a["SubscriptionId"]] for a in ours), key=lambda v: int(v.get("Version") or 0))
    logger.info("%s was amended by an earlier try (version %s)", name, made.get("Version"))
    return made, [str(a["Id"]) for a in ours]


def _amend(
    client: ZuoraClient, *, order: Order, latest: dict[str, Any], name: str
) -> tuple[dict[str, Any], list[str]]:
    number = latest.get("Name")
    if latest.get("Status") == "Cancelled":
        raise permanent_error(
            "SUBSCRIPTION_CANCELLED",
            f"Zuora's subscription {number} is cancelled (version {latest.get('Version')}): "
            f"{order.number} cannot be applied to it.",
        )
    day = order.effective_date
    common: dict[str, Any] = {
        "ContractEffectiveDate": day,
        "CustomerAcceptanceDate": day,
        "Description": f"{order.get_type_display()} {order.number} (partner portal)",
        "EffectiveDate": day,
        "Name": name,
        "ServiceActivationDate": day,
        "SubscriptionId": latest["Id"],
    }
    if order.type == OrderType.CANCEL:
        amendments = [{**common, "Type": "Cancellation"}]
    else:
        plan, charge = _current_plan(client, order=order, latest=latest)
        if order.offer_id == order.previous_offer_id:
            amendments = [
                {
                    **common,
                    "RatePlanData": {
                        "RatePlan": {"AmendmentSubscriptionRatePlanId": plan["Id"]},
                        "RatePlanChargeData": [
                            {
                                "ProductRatePlanChargeId": charge["ProductRatePlanChargeId"],
                                "Quantity": order.quantity,
                            }
                        ],
                    },
                    "Type": "UpdateProduct",
                }
            ]
        else:
            amendments = [
                {
                    **common,
                    "RatePlanData": {"RatePlan": {"AmendmentSubscriptionRatePlanId": plan["Id"]}},
                    "Type": "RemoveProduct",
                },
                {
                    **common,
                    "RatePlanData": {
                        "RatePlan": {"ProductRatePlanId": order.offer.zuora_product_rate_plan_id},
                        "RatePlanChargeData": [
                            {
                                "ProductRatePlanChargeId": (
                                    order.offer.zuora_product_rate_plan_charge_id
                                ),
                                "Quantity": order.quantity,
                            }
                        ],
                    },
                    "Type": "NewProduct",
                },
            ]
    # Invoiced by the next bill run, prorated: nothing is billed or collected at amend.
    result = client.amend(amendments=amendments, generate_invoice=False)
    made = next(
        (v for v in client.subscription_versions(str(number)) if v["Id"] == result.subscription_id),
        {"Id": result.subscription_id},
    )
    return made, list(result.amendment_ids)


def _current_plan(
    client: ZuoraClient, *, order: Order, latest: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The latest version's rate plan and charge of the offer the order changes."""
    offer = order.previous_offer or order.offer
    plans = [
        plan
        for plan in client.rate_plans(latest["Id"])
        if plan.get("AmendmentType") != "RemoveProduct"
        and plan.get("ProductRatePlanId") == offer.zuora_product_rate_plan_id
    ]
    if len(plans) != 1:
        raise permanent_error(
            "RATE_PLAN_NOT_FOUND",
            f"Zuora's subscription {latest.get('Name')} (version {latest.get('Version')}) has "
            f"{len(plans)} rate plans of product rate plan {offer.zuora_product_rate_plan_id} "
            f"(offer {offer.code}), not one. Resolve it in Zuora, then retry.",
        )
    charges = [
        charge
        for charge in client.rate_plan_charges(plans[0]["Id"])
        if charge.get("ProductRatePlanChargeId") == offer.zuora_product_rate_plan_charge_id
    ]
    if len(charges) != 1:
        raise permanent_error(
            "CHARGE_NOT_FOUND",
            f"Zuora's rate plan {plans[0]['Id']} has {len(charges)} charges of product rate "
            f"plan charge {offer.zuora_product_rate_plan_charge_id} (offer {offer.code}), not "
            "one. Resolve it in Zuora, then retry.",
        )
    return plans[0], charges[0]
