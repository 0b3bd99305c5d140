"""Celery tasks of the integrations: thin, they take ids and call one service.

``acks_late`` + ``reject_on_worker_lost``: a message is acknowledged only after its task ran,
so a worker killed mid-call leaves it on the broker for another; running a push twice is
harmless (the claim decides who works, and every step queries before it creates).
"""

from __future__ import annotations

import os
import socket

from celery import shared_task
from django.utils import timezone

from integrations import processing, sending
from integrations.outbox import PUSH_TASK
from integrations.zuora import invoices
from integrations.zuora.client import zuora_client
from orders.subscriptions import subscription_changes_apply_due
from partners.models import PartnerOrganisation

WORKER = f"{socket.gethostname()}:{os.getpid()}"


@shared_task(name=PUSH_TASK, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def push_outbox_message(message_id: int) -> str:
    return processing.outbox_process(message_id=message_id, worker=WORKER)


@shared_task(name="integrations.outbox_dispatch", ignore_result=True)
def outbox_dispatch() -> int:
    return sending.outbox_dispatch()


@shared_task(name="integrations.invoices_sync_all", ignore_result=True)
def invoices_sync_all() -> int:
    organisation_ids = list(invoices.organisations_to_sync().values_list("pk", flat=True))
    for organisation_id in organisation_ids:
        invoices_sync.delay(organisation_id)
    return len(organisation_ids)


@shared_task(
    name="integrations.invoices_sync",
    acks_late=True,
    ignore_result=True,
    autoretry_for=(Exception,),
    retry_backoff=30,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=5,
)
def invoices_sync(organisation_id: int) -> int:
    # A pull is an upsert by Zuora id: retrying it (after any fault) never duplicates.
    partner = PartnerOrganisation.objects.get(pk=organisation_id)
    return invoices.invoices_sync(client=zuora_client(), partner=partner)


@shared_task(name="integrations.subscriptions_apply_due", ignore_result=True)
def subscriptions_apply_due() -> int:
    # Synced changes and cancels whose effective date has come. Applying is idempotent, so a
    # run that overlaps another, or repeats one, changes nothing twice.
    return subscription_changes_apply_due(today=timezone.localdate())
