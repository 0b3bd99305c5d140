"""Agents hear of what partners do (issue #13): an email, sent by a worker, when a partner
submits, resubmits or comments, and a marker on the queue until the agent opens the record."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from guardian.shortcuts import assign_perm

from registrations import services
from registrations.models import Side
from registrations.states import RegistrationState
from tests import factories
from tests.registrations.conftest import (
    choice_ids,
    client_for,
    make_registration,
    new_company_post,
)
from tests.registrations.form_helpers import URL, only
from tests.world import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def beta_agent(world: World) -> Any:
    agent = factories.UserFactory.create(email="beta-agent@vendor.test", is_staff=True)
    assign_perm("partners.work_registrations", agent, world.direction_b)
    return agent


def recipients() -> list[list[str]]:
    return sorted(message.to for message in mail.outbox)


def markers(world: World) -> dict[str, str]:
    """The queue's "updated by the partner" badges by registration name."""
    page = client_for(world.agent).get("/backoffice/")
    return {
        r.name: r.get_partner_update_display() for r in page.context["page"] if r.partner_update
    }


def test_a_submission_emails_the_directions_agents(
    world: World, beta_agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    user = world.a1.member
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(user).post(URL, new_company_post(representative=user.pk))
    assert response.status_code == 302
    registration = only()
    # One email (the submission's comment is quoted, not sent on its own), to direction A's
    # agent only: not to direction B's, not to the superuser.
    assert recipients() == [[world.agent.email]]
    [message] = mail.outbox
    assert message.subject == "Organisation A1 registered “Adatum rollout”"
    assert "Organisation A1 registered the opportunity “Adatum rollout” for Adatum" in message.body
    assert "First call went well." in message.body
    assert f"/backoffice/registrations/{registration.public_id}/" in message.body


def test_no_mail_is_sent_in_the_request(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    user = world.a1.member
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client_for(user).post(URL, new_company_post(representative=user.pk))
    # Enqueued for after the commit (a worker sends it), nothing sent while answering.
    assert callbacks
    assert mail.outbox == []


def test_a_resubmission_and_a_comment_email_the_agents(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    registration = make_registration(world.a1, state=RegistrationState.MORE_INFO)
    client = client_for(world.a1.member)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/p/alpha/registrations/{registration.public_id}/edit/",
            {
                **choice_ids(registration),
                "name": "Bigger deal",
                "representative": world.a1.member.pk,
            },
        )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/p/alpha/registrations/{registration.public_id}/", {"body": "Any news?"})
    assert [m.subject for m in mail.outbox] == [
        "Organisation A1 resubmitted “Bigger deal”",
        "Organisation A1 commented on “Bigger deal”",
    ]
    assert "submitted it again" in mail.outbox[0].body
    assert "Any news?" in mail.outbox[1].body


def test_the_registrations_agent_is_emailed_rather_than_all(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    colleague = factories.UserFactory.create(email="colleague@vendor.test", is_staff=True)
    assign_perm("partners.work_registrations", colleague, world.direction_a)
    unassigned = make_registration(world.a1, name="Unassigned")
    mine = make_registration(world.a1, name="Mine", assigned_to=world.agent)
    for registration in (unassigned, mine):
        with django_capture_on_commit_callbacks(execute=True):
            services.comment_add(
                registration=registration, actor=world.a1.member, body="Hi", side=Side.PARTNER
            )
    by_registration: dict[str, list[str]] = {}
    for message in mail.outbox:
        by_registration.setdefault(str(message.subject), []).extend(message.to)
    assert {subject: sorted(to) for subject, to in by_registration.items()} == {
        "Organisation A1 commented on “Unassigned”": sorted([world.agent.email, colleague.email]),
        "Organisation A1 commented on “Mine”": [world.agent.email],
    }
    # One email per agent: nobody sees the others' addresses.
    assert all(len(message.to) == 1 for message in mail.outbox)


def test_agents_writing_email_no_agent(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    registration = make_registration(world.a1)
    with django_capture_on_commit_callbacks(execute=True):
        for kind in ("work_note", "comment"):
            services.comment_add(
                registration=registration, actor=world.agent, body="x", side=Side.VENDOR, kind=kind
            )
    assert world.agent.email not in [address for m in mail.outbox for address in m.to]


# --- the queue's marker ---------------------------------------------------------------------
def test_the_queue_marks_what_the_partner_did_until_the_agent_opens_it(world: World) -> None:
    user = world.a1.member
    client_for(user).post(URL, new_company_post(representative=user.pk))
    registration = only()
    assert markers(world) == {"Adatum rollout": "New"}
    queue = client_for(world.agent).get("/backoffice/").text
    assert 'data-testid="partner-update" data-update="submitted"' in queue

    client_for(world.agent).get(f"/backoffice/registrations/{registration.public_id}/")
    assert markers(world) == {}
    assert 'data-testid="partner-update"' not in client_for(world.agent).get("/backoffice/").text

    services.comment_add(registration=registration, actor=user, body="Hi", side=Side.PARTNER)
    assert markers(world) == {"Adatum rollout": "New comment"}


def test_a_comment_does_not_hide_an_unseen_resubmission(world: World) -> None:
    registration = make_registration(world.a1, name="Back", state=RegistrationState.MORE_INFO)
    client = client_for(world.a1.member)
    client.post(
        f"/p/alpha/registrations/{registration.public_id}/edit/",
        {**choice_ids(registration), "name": "Back", "representative": world.a1.member.pk},
    )
    client.post(f"/p/alpha/registrations/{registration.public_id}/", {"body": "Done"})
    assert markers(world) == {"Back": "Resubmitted"}


def test_another_agent_opening_it_leaves_the_marker_for_its_agent(world: World) -> None:
    colleague = factories.UserFactory.create(is_staff=True)
    assign_perm("partners.work_registrations", colleague, world.direction_a)
    registration = make_registration(world.a1, name="Theirs", assigned_to=world.agent)
    services.comment_add(registration=registration, actor=world.a1.member, body="?", side="partner")
    client_for(colleague).get(f"/backoffice/registrations/{registration.public_id}/")
    assert markers(world) == {"Theirs": "New comment"}
    client_for(world.agent).get(f"/backoffice/registrations/{registration.public_id}/")
    registration.refresh_from_db()
    assert registration.partner_update == ""
    assert markers(world) == {}
