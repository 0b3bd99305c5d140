"""Celery tasks of the registrations domain (thin: ids in, one service call)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from registrations import pending_uploads
from registrations.notifications import agent_notification_send, notification_send
from registrations.uploads import PENDING_UPLOAD_MAX_AGE


@shared_task(
    autoretry_for=(OSError,),  # SMTP outages: smtplib's errors are OSErrors
    retry_backoff=True,
    max_retries=5,
)
def send_activity_notification(entry_id: int) -> bool:
    """Email the registering user about an agent's decision or comment (entry ``entry_id``)."""
    return notification_send(entry_id=entry_id)


@shared_task(
    autoretry_for=(OSError,),  # SMTP outages, as above
    retry_backoff=True,
    max_retries=5,
)
def send_agent_notification(entry_id: int) -> int:
    """Email the agents about a partner's submission, resubmission or comment (``entry_id``)."""
    return agent_notification_send(entry_id=entry_id)


@shared_task(name="registrations.pending_uploads_purge")
def pending_uploads_purge() -> int:
    """Beat job: delete the files kept for registration forms nobody submitted within a day."""
    return pending_uploads.pending_uploads_purge(older_than=timezone.now() - PENDING_UPLOAD_MAX_AGE)
