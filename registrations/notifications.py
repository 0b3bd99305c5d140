"""The email the registering user gets about their registration (sent by a worker)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from registrations.models import ActivityEntry, EntryKind
from registrations.states import RegistrationState


def notification_send(*, entry_id: int) -> bool:
    """Email the registering user about one feed entry. Returns whether an email went out.

    Safe to run twice only in the sense that matters here (a repeated email, never a leaked
    one): it re-checks that the entry is one partners may read (never a work note) and sends
    to the registration's own creator, looked up now rather than passed in.
    """
    entry = (
        ActivityEntry.objects.select_related(
            "registration__created_by",
            "registration__organisation__direction__portal",
            "author",
        )
        .filter(pk=entry_id)
        .first()
    )
    if entry is None or not entry.notifies_registrant:
        return False
    registration = entry.registration
    recipient = registration.created_by
    if not recipient.is_active or not recipient.email:
        return False
    portal = getattr(registration.organisation.direction, "portal", None)
    if portal is None:
        return False
    path = reverse(
        "portal:registration_detail",
        kwargs={"path_name": portal.path_name, "registration_id": registration.public_id},
    )
    if entry.kind == EntryKind.COMMENT:
        subject = f"New comment on your registration “{registration.name}”"
    else:
        state = RegistrationState(entry.to_state).label
        subject = f"Your registration “{registration.name}”: {state}"
    body = render_to_string(
        "registrations/email/activity.txt",
        {
            "entry": entry,
            "registration": registration,
            "recipient": recipient,
            "url": f"{settings.SITE_URL}{path}",
            "state_label": RegistrationState(registration.state).label,
        },
    )
    send_mail(subject, body, None, [recipient.email])
    return True
