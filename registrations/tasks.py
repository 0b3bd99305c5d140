"""Celery tasks of the registrations domain (thin: ids in, one service call)."""

from __future__ import annotations

from celery import shared_task

from registrations.notifications import notification_send


@shared_task(
    autoretry_for=(OSError,),  # SMTP outages: smtplib's errors are OSErrors
    retry_backoff=True,
    max_retries=5,
)
def send_activity_notification(entry_id: int) -> bool:
    """Email the registering user about an agent's decision or comment (entry ``entry_id``)."""
    return notification_send(entry_id=entry_id)
