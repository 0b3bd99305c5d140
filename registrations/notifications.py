"""The emails about a registration, sent by a worker: to the registering user about what the
agents decide and write, to the agents about what the partner submits and writes."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail, send_mass_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from backoffice_access.context import agents_for_direction
from registrations.models import ActivityEntry, EntryKind, OpportunityRegistration
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
        subject = _("New comment on your registration “%(name)s”") % {"name": registration.name}
    else:
        state = RegistrationState(entry.to_state).label
        subject = _("Your registration “%(name)s”: %(state)s") % {
            "name": registration.name,
            "state": state,
        }
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


def agents_to_notify(*, registration: OpportunityRegistration) -> list[User]:
    """Who hears of the partner's move: the registration's agent, when it has one who still
    works its direction; otherwise every agent assigned to the direction."""
    agents = list(agents_for_direction(direction=registration.direction).exclude(email=""))
    mine = [agent for agent in agents if agent.pk == registration.assigned_to_id]
    return mine or agents


def agent_notification_send(*, entry_id: int) -> int:
    """Email the agents about a partner's submission, resubmission or comment (one feed entry).
    Returns how many emails went out, one per agent (no agent sees the others' addresses).

    Re-checks that the entry is one agents hear of, and reads the recipients now (whoever is
    assigned when the worker runs), so a retry can repeat an email but never misdirect one.
    """
    entry = (
        ActivityEntry.objects.select_related(
            "registration__organisation", "registration__direction", "author"
        )
        .filter(pk=entry_id)
        .first()
    )
    if entry is None or not entry.notifies_agents:
        return 0
    registration = entry.registration
    agents = agents_to_notify(registration=registration)
    if not agents:
        return 0
    partner = registration.organisation.name
    if entry.kind == EntryKind.COMMENT:
        subject = _("%(partner)s commented on “%(name)s”")
    elif entry.from_state:
        subject = _("%(partner)s resubmitted “%(name)s”")
    else:
        subject = _("%(partner)s registered “%(name)s”")
    subject = subject % {"partner": partner, "name": registration.name}
    path = reverse("backoffice:registration", kwargs={"registration_id": registration.public_id})
    first_comment = ""
    if entry.kind == EntryKind.EVENT and not entry.from_state:
        # The submission's own comment is not emailed on its own (services.registrations).
        comment = registration.activity.filter(kind=EntryKind.COMMENT).order_by("id").first()
        first_comment = comment.body if comment else ""
    messages = [
        (
            subject,
            render_to_string(
                "registrations/email/agent_activity.txt",
                {
                    "entry": entry,
                    "registration": registration,
                    "recipient": agent,
                    "comment": entry.body if entry.kind == EntryKind.COMMENT else first_comment,
                    "url": f"{settings.SITE_URL}{path}",
                },
            ),
            None,
            [agent.email],
        )
        for agent in agents
    ]
    return send_mass_mail(messages)
