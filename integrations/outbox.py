"""Writing outbox rows and putting their messages on the broker.

Below ``orders`` in the layer order: ``orders.services`` calls :func:`outbox_enqueue` inside the
order's transaction (and :func:`outbox_enqueue_customer_update` inside a customer update's).
The push task is named, not imported (the workers sit above ``orders``): it is registered by
``integrations.apps`` in every process that loads Django.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial
from typing import Protocol

from celery import current_app
from django.db import transaction
from django.utils import timezone

from integrations.models import OutboxMessage, Target

logger = logging.getLogger(__name__)

PUSH_TASK = "integrations.push_outbox_message"

# ``orders.OrderType.NEW``, by value (this module imports nothing of ``orders``; a test holds the
# two equal). A new order goes to every target; a change or cancel only to Zuora: Salesforce
# holds the end customer's Account and Contact, which a change or cancel leaves as they are.
NEW_ORDER_TYPE = "new"


class _OrderLike(Protocol):
    # Read-only members, so that a saved ``orders.Order`` (pk: int) matches.
    @property
    def pk(self) -> int: ...

    @property
    def organisation_id(self) -> int: ...

    @property
    def type(self) -> str: ...


class _CustomerUpdateLike(Protocol):
    @property
    def pk(self) -> int: ...

    @property
    def organisation_id(self) -> int: ...


def outbox_targets(*, order_type: str) -> list[Target]:
    """The systems an order of ``order_type`` is pushed to, in the order they are enqueued."""
    if order_type == NEW_ORDER_TYPE:
        return list(Target)
    return [Target.ZUORA]


def outbox_enqueue(*, order: _OrderLike) -> list[OutboxMessage]:
    """Write one outbox row per target of ``order`` (:func:`outbox_targets`: every target for a
    new order, Zuora alone for a change or cancel) and enqueue them when the transaction commits.

    Must run inside the transaction that creates the order: the rows commit (or roll back) with
    it, and workers never see an order that does not exist yet. If the broker cannot be reached
    at commit time the order still stands; the beat job finds the due rows and sends them.
    """
    messages = OutboxMessage.objects.bulk_create(
        OutboxMessage(organisation_id=order.organisation_id, order_id=order.pk, target=target)
        for target in outbox_targets(order_type=order.type)
    )
    ids = [message.pk for message in messages]
    transaction.on_commit(partial(outbox_send, ids))
    return messages


def outbox_enqueue_customer_update(*, update: _CustomerUpdateLike) -> list[OutboxMessage]:
    """Write one outbox row per target (Salesforce, Zuora) for a correction of a customer's
    details, and enqueue them when the transaction commits.

    The same discipline as :func:`outbox_enqueue`: it must run inside the transaction that
    writes the customer and the ``orders.CustomerUpdate``, so the rows exist exactly when the
    correction does; a broker that is down at commit leaves them to the beat job.
    """
    messages = OutboxMessage.objects.bulk_create(
        OutboxMessage(
            organisation_id=update.organisation_id, customer_update_id=update.pk, target=target
        )
        for target in Target
    )
    ids = [message.pk for message in messages]
    transaction.on_commit(partial(outbox_send, ids))
    return messages


def outbox_send(message_ids: Iterable[int], *, countdown: float | None = None) -> int:
    """Put a push message on the broker for each row; return how many went.

    Never raises: a broker that is down (or a fault in a task run eagerly, with no broker at
    all) must not fail the request that placed the order. The rows stay due, so the beat job
    enqueues them again once the broker is back.
    """
    task = current_app.tasks[PUSH_TASK]
    sent: list[int] = []
    for message_id in message_ids:
        try:
            if countdown is None:
                task.apply_async(args=(message_id,), retry=False)
            else:
                task.apply_async(args=(message_id,), countdown=countdown, retry=False)
        except Exception:
            # The broker is down: the next message would wait for the same timeout. The rows
            # have no message, so the beat job sends them as soon as they are due.
            logger.exception("Could not enqueue outbox message %s; the beat job will.", message_id)
            break
        sent.append(message_id)
    if sent:
        OutboxMessage.objects.filter(pk__in=sent).update(enqueued_at=timezone.now())
    return len(sent)
