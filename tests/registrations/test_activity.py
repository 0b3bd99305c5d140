"""The activity feed: comments on both sides, work notes never shown to partners, system
entries for state changes, and the emails the registering user gets (issue #5)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from registrations import services
from registrations.models import ActivityEntry, EntryKind, Side
from registrations.notifications import notification_send
from registrations.states import RegistrationState
from tests import factories
from tests.registrations.conftest import client_for, make_registration, streamed
from tests.world import World

pytestmark = pytest.mark.django_db

NOTE = "Internal: this partner undercuts prices, check the margin."


def test_work_notes_are_never_rendered_to_partners(world: World) -> None:
    registration = make_registration(world.a1, state=RegistrationState.IN_REVIEW)
    services.comment_add(
        registration=registration,
        actor=world.agent,
        body=NOTE,
        side=Side.VENDOR,
        kind=EntryKind.WORK_NOTE,
    )
    services.comment_add(
        registration=registration, actor=world.agent, body="Visible comment", side=Side.VENDOR
    )
    opportunity = services.registration_qualify(registration=registration, actor=world.agent)
    for user in (world.a1.member, world.a1.supervisor):
        client = client_for(user)
        for url in (
            f"/p/alpha/registrations/{registration.public_id}/",
            f"/p/alpha/opportunities/{opportunity.public_id}/",
        ):
            page = client.get(url)
            assert page.status_code == 200
            assert "Visible comment" in page.text
            assert NOTE not in page.text
            assert "work_note" not in page.text
            assert "Work note" not in page.text
            # the htmx partial too
            partial = client.get(url, HTTP_HX_REQUEST="true")
            assert NOTE not in partial.text
        csv = streamed(client.get("/p/alpha/registrations/?export=csv&scope=all"))
        assert NOTE.encode() not in csv
    agent_page = client_for(world.agent).get(f"/backoffice/registrations/{registration.public_id}/")
    assert NOTE in agent_page.text


def test_work_notes_send_no_email(world: World, django_capture_on_commit_callbacks: Any) -> None:
    registration = make_registration(world.a1)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(
            registration=registration,
            actor=world.agent,
            body=NOTE,
            side=Side.VENDOR,
            kind=EntryKind.WORK_NOTE,
        )
    assert mail.outbox == []


def test_partners_cannot_write_work_notes(world: World) -> None:
    registration = make_registration(world.a1)
    with pytest.raises(ValidationError, match="Only vendor staff"):
        services.comment_add(
            registration=registration,
            actor=world.a1.member,
            body="x",
            side=Side.PARTNER,
            kind=EntryKind.WORK_NOTE,
        )


def test_partner_comments_on_the_feed(world: World) -> None:
    registration = make_registration(world.a1)
    url = f"/p/alpha/registrations/{registration.public_id}/"
    client = client_for(world.a1.member)
    assert client.post(url, {"body": "Any news?"}).status_code == 302
    entry = ActivityEntry.objects.get(kind=EntryKind.COMMENT)
    assert (entry.body, entry.author, entry.side) == ("Any news?", world.a1.member, "partner")
    # htmx: the feed comes back in place
    response = client.post(url, {"body": "Second"}, HTTP_HX_REQUEST="true")
    assert 'id="feed"' in response.text
    assert "<html" not in response.text
    assert "Second" in response.text


def test_empty_comment_is_refused(world: World) -> None:
    registration = make_registration(world.a1)
    response = client_for(world.a1.member).post(
        f"/p/alpha/registrations/{registration.public_id}/", {"body": ""}
    )
    assert response.status_code == 200
    assert response.context["comment_form"].errors
    assert not ActivityEntry.objects.exists()


def test_agent_comment_is_seen_by_the_partner(world: World) -> None:
    registration = make_registration(world.a1)
    client_for(world.agent).post(
        f"/backoffice/registrations/{registration.public_id}/comment/",
        {"body": "We are on it.", "kind": "comment"},
    )
    page = client_for(world.a1.member).get(f"/p/alpha/registrations/{registration.public_id}/")
    assert "We are on it." in page.text


def test_every_state_change_writes_a_system_entry(world: World) -> None:
    registration = make_registration(world.a1)
    services.registration_start_review(registration=registration, actor=world.agent)
    services.registration_request_info(registration=registration, actor=world.agent, reason="Q?")
    events = ActivityEntry.objects.filter(kind=EntryKind.EVENT).order_by("id")
    assert [(e.from_state, e.to_state) for e in events] == [
        ("submitted", "in_review"),
        ("in_review", "more_info"),
    ]
    page = client_for(world.a1.member).get(f"/p/alpha/registrations/{registration.public_id}/")
    assert "An agent started reviewing the registration." in page.text
    assert "More information needed" in page.text


# --- notifications ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("action", "subject"),
    [
        ("qualify", "Qualified"),
        ("reject", "Rejected"),
        ("request_info", "More information needed"),
    ],
)
def test_registering_user_is_emailed_on_decisions(
    world: World, django_capture_on_commit_callbacks: Any, action: str, subject: str
) -> None:
    registration = make_registration(world.a1, by=world.a1.member, state="in_review")
    with django_capture_on_commit_callbacks(execute=True):
        if action == "qualify":
            services.registration_qualify(registration=registration, actor=world.agent)
        else:
            getattr(services, f"registration_{action}")(
                registration=registration, actor=world.agent, reason="Tell us the seat count."
            )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [world.a1.member.email]
    assert subject in message.subject
    assert f"/p/alpha/registrations/{registration.public_id}/" in message.body
    if action != "qualify":
        assert "Tell us the seat count." in message.body


def test_the_rejection_email_says_it_in_whole_sentences(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    # Its text is translatable (each sentence one message); this is the English reader's.
    registration = make_registration(world.a1, by=world.a1.member, state="in_review")
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_reject(
            registration=registration, actor=world.agent, reason="Out of territory."
        )
    [message] = mail.outbox
    name = world.a1.member.first_name or world.a1.member.email
    assert message.body.splitlines()[:5] == [
        f"Hello {name},",
        "",
        f"Your opportunity registration “{registration.name}” has been rejected.",
        "",
        "Reason: Out of territory.",
    ]
    assert message.body.rstrip().endswith("Partner Portal")


def test_registering_user_is_emailed_when_an_agent_comments(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    registration = make_registration(world.a1, by=world.a1.member)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(
            registration=registration, actor=world.agent, body="Call me.", side=Side.VENDOR
        )
    assert [m.to for m in mail.outbox] == [[world.a1.member.email]]
    assert "Call me." in mail.outbox[0].body


def test_the_registrant_gets_no_email_for_partner_comments_or_review_start(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    registration = make_registration(world.a1)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(
            registration=registration, actor=world.a1.member, body="Hi", side=Side.PARTNER
        )
        services.registration_start_review(registration=registration, actor=world.agent)
    # The partner's comment goes to the agents only (test_agent_notifications.py).
    assert [m.to for m in mail.outbox] == [[world.agent.email]]


def test_no_email_is_queued_before_commit(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    registration = make_registration(world.a1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.comment_add(
            registration=registration, actor=world.agent, body="Later", side=Side.VENDOR
        )
    assert len(callbacks) == 1
    assert mail.outbox == []


def test_the_notification_refuses_a_work_note_even_if_asked(world: World) -> None:
    registration = make_registration(world.a1)
    note = ActivityEntry.objects.create(
        registration=registration,
        organisation=world.a1.organisation,
        kind=EntryKind.WORK_NOTE,
        side=Side.VENDOR,
        author=world.agent,
        body=NOTE,
    )
    assert notification_send(entry_id=note.pk) is False
    assert notification_send(entry_id=10**9) is False
    assert mail.outbox == []


def test_an_inactive_registering_user_gets_no_email(world: World) -> None:
    user = factories.UserFactory.create(is_active=False)
    registration = make_registration(world.a1, by=user)
    entry = services.comment_add(
        registration=registration, actor=world.agent, body="x", side=Side.VENDOR
    )
    assert notification_send(entry_id=entry.pk) is False
