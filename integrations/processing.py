"""What a worker does with one outbox message: claim it, push it, record how it went."""

from __future__ import annotations

import logging
from collections.abc import Callable

from celery import current_app
from django.conf import settings

from integrations import sending
from integrations.errors import IntegrationError, PushWait
from integrations.models import Target
from integrations.outbox import outbox_send
from integrations.salesforce.customer import salesforce_customer_update_push
from integrations.salesforce.push import salesforce_push
from integrations.zuora.amend import zuora_amend_push
from integrations.zuora.customer import zuora_customer_update_push
from integrations.zuora.push import zuora_push
from orders.models import OrderType

logger = logging.getLogger(__name__)


def _zuora_push(claim: sending.Claim) -> dict[str, str]:
    # A customer update corrects the accounts and contacts; a new order subscribes; a change or
    # cancel amends the subscription it names.
    message = claim.message
    if message.customer_update_id is not None:
        return zuora_customer_update_push(claim)
    if message.order is not None and message.order.type == OrderType.NEW:
        return zuora_push(claim)
    return zuora_amend_push(claim)


def _salesforce_push(claim: sending.Claim) -> dict[str, str]:
    if claim.message.customer_update_id is not None:
        return salesforce_customer_update_push(claim)
    return salesforce_push(claim)


PUSHES: dict[str, Callable[[sending.Claim], dict[str, str]]] = {
    Target.SALESFORCE: _salesforce_push,
    Target.ZUORA: _zuora_push,
}


def _reschedule(message_id: int, delay: float) -> None:
    """Enqueue the next try with a countdown, unless that would outlast the broker's
    visibility timeout (the message would be delivered twice) or tasks run eagerly (the
    countdown would be ignored and the retry would run at once, inside the same call): the beat
    job then picks the row up when it is due."""
    if current_app.conf.task_always_eager or delay > settings.OUTBOX_MAX_COUNTDOWN:
        return
    outbox_send([message_id], countdown=delay)


def outbox_process(*, message_id: int, worker: str) -> str:
    """Push one outbox row if it is due and free; return what happened (for logs and tests).

    Running it twice for the same row is harmless: the second run finds the row claimed, sent
    or not yet due and does nothing.
    """
    claim = sending.outbox_claim(message_id=message_id, worker=worker)
    if claim is None:
        return "skipped"
    if not isinstance(claim, sending.Claim):  # BUSY: the organisation has a push in flight
        sending.outbox_postpone(message_id=message_id, delay=settings.OUTBOX_BUSY_DELAY)
        _reschedule(message_id, settings.OUTBOX_BUSY_DELAY)
        return "busy"
    push = PUSHES[claim.message.target]
    try:
        remote_ids = push(claim)
    except PushWait as wait:
        sending.outbox_defer(claim, delay=settings.OUTBOX_CRM_WAIT_DELAY, reason=str(wait))
        _reschedule(message_id, settings.OUTBOX_CRM_WAIT_DELAY)
        return "deferred"
    except IntegrationError as error:
        return _failed(claim, error)
    except Exception as exc:
        # A fault of ours (a bug, the database gone for a moment): never drop the row. It is
        # retried like a transient fault and, if it keeps failing, ends failed and visible.
        logger.exception("Outbox message %s: unexpected error", message_id)
        internal = IntegrationError(
            f"{type(exc).__name__}: {exc}", code="INTERNAL", permanent=False
        )
        return _failed(claim, internal)
    if not sending.outbox_succeed(claim, remote_ids=remote_ids):
        logger.warning("Outbox message %s was taken over before it finished", message_id)
    return "sent"


def _failed(claim: sending.Claim, error: IntegrationError) -> str:
    message_id = claim.message.pk
    if error.permanent:
        logger.warning("Outbox message %s failed: %s", message_id, error)
        sending.outbox_fail(claim, error=error)
        return "failed"
    delay = sending.outbox_retry(claim, error=error)
    if delay is None:
        logger.warning("Outbox message %s gave up: %s", message_id, error)
        return "failed"
    logger.info("Outbox message %s will retry in %.1f s: %s", message_id, delay, error)
    _reschedule(message_id, delay)
    return "retry"
