"""The agents' back office: the queue's counts and views, the conflict flag (issue #5)."""

from __future__ import annotations

from typing import Any

import pytest

from registrations.states import RegistrationState
from tests import factories
from tests.registrations.conftest import client_for, linked_company, make_registration
from tests.world import World

pytestmark = pytest.mark.django_db


def names(response: Any) -> set[str]:
    return {r.name for r in response.context["page"]}


def test_counts_by_state(world: World) -> None:
    make_registration(world.a1)
    make_registration(world.a2)
    make_registration(world.a1, state=RegistrationState.REJECTED)
    make_registration(world.b1)  # another direction: not counted for this agent
    counts = dict(client_for(world.agent).get("/backoffice/").context["counts"])
    assert counts == {
        RegistrationState.SUBMITTED: 2,
        RegistrationState.IN_REVIEW: 0,
        RegistrationState.MORE_INFO: 0,
        RegistrationState.QUALIFIED: 0,
        RegistrationState.REJECTED: 1,
    }


def test_assigned_to_me(world: World) -> None:
    make_registration(world.a1, name="Mine", assigned_to=world.agent)
    make_registration(world.a1, name="Nobody's")
    client = client_for(world.agent)
    assert names(client.get("/backoffice/?assigned=me")) == {"Mine"}
    assert names(client.get("/backoffice/?assigned=nobody")) == {"Nobody's"}


def test_assign_to_me(world: World) -> None:
    registration = make_registration(world.a1)
    client_for(world.agent).post(f"/backoffice/registrations/{registration.public_id}/assign/")
    registration.refresh_from_db()
    assert registration.assigned_to == world.agent


def test_queue_filters_by_partner_and_state(world: World) -> None:
    make_registration(world.a1, name="A1")
    make_registration(world.a2, name="A2", state=RegistrationState.IN_REVIEW)
    client = client_for(world.agent)
    assert names(client.get(f"/backoffice/?organisation={world.a2.organisation.pk}")) == {"A2"}
    assert names(client.get("/backoffice/?state=submitted")) == {"A1"}


def test_unknown_action_is_not_found(world: World) -> None:
    registration = make_registration(world.a1)
    url = f"/backoffice/registrations/{registration.public_id}/delete/"
    assert client_for(world.agent).post(url).status_code == 404


def test_actions_need_post(world: World) -> None:
    registration = make_registration(world.a1)
    url = f"/backoffice/registrations/{registration.public_id}/start_review/"
    assert client_for(world.agent).get(url).status_code == 405


def test_reject_without_reason_shows_the_error(world: World) -> None:
    registration = make_registration(world.a1, state=RegistrationState.IN_REVIEW)
    response = client_for(world.agent).post(
        f"/backoffice/registrations/{registration.public_id}/reject/", {"reject-reason": ""}
    )
    assert response.status_code == 400
    registration.refresh_from_db()
    assert registration.state == RegistrationState.IN_REVIEW


# --- conflict flag --------------------------------------------------------------------------
@pytest.fixture
def conflict(world: World) -> dict[str, Any]:
    company, contact = linked_company(world.a1, name="Contested Ltd")
    company.links.create(organisation=world.a2.organisation)
    ours = make_registration(world.a1, name="Ours", company=company, contact=contact)
    theirs = make_registration(world.a2, name="Theirs", company=company, contact=contact)
    return {"ours": ours, "theirs": theirs, "company": company}


def test_agent_sees_the_conflict_with_both_records(world: World, conflict: dict) -> None:
    client = client_for(world.agent)
    page = client.get(f"/backoffice/registrations/{conflict['ours'].public_id}/").text
    assert 'data-testid="conflict-warning"' in page
    assert "Theirs" in page
    assert world.a2.organisation.name in page
    queue = client.get("/backoffice/")
    flags = {r.name: r.has_conflict for r in queue.context["page"]}
    assert flags == {"Ours": True, "Theirs": True}


def test_an_open_opportunity_of_another_partner_is_a_conflict(world: World) -> None:
    company, contact = linked_company(world.a1)
    company.links.create(organisation=world.b1.organisation)
    won = make_registration(world.b1, company=company, contact=contact, state="qualified")
    factories.OpportunityFactory.create(registration=won, name="B1 opportunity")
    ours = make_registration(world.a1, company=company, contact=contact)
    page = client_for(world.agent).get(f"/backoffice/registrations/{ours.public_id}/").text
    assert "B1 opportunity" in page


def test_closed_deals_and_own_deals_are_no_conflict(world: World) -> None:
    company, contact = linked_company(world.a1)
    company.links.create(organisation=world.a2.organisation)
    make_registration(world.a1, company=company, contact=contact, name="Own other")
    make_registration(world.a2, company=company, contact=contact, state="rejected")
    ours = make_registration(world.a1, company=company, contact=contact)
    page = client_for(world.agent).get(f"/backoffice/registrations/{ours.public_id}/").text
    assert 'data-testid="conflict-warning"' not in page


def test_partners_see_nothing_of_a_conflict(world: World, conflict: dict) -> None:
    for user in (world.a1.member, world.a1.supervisor):
        client = client_for(user)
        pages = [
            client.get(f"/p/alpha/registrations/{conflict['ours'].public_id}/").text,
            client.get("/p/alpha/registrations/?scope=all").text,
        ]
        for page in pages:
            assert "Theirs" not in page
            assert "onflict" not in page
            assert world.a2.organisation.name not in page


# --- the comment form's audience, the reasons, the final rejection (issue #13) ---------------
def detail_url(registration: Any, action: str = "") -> str:
    return f"/backoffice/registrations/{registration.public_id}/{action}"


def test_comment_form_has_no_default_audience(world: World) -> None:
    registration = make_registration(world.a1)
    page = client_for(world.agent).get(detail_url(registration)).text
    kind = page.split('data-testid="comment-kind"', 1)[1].split("</fieldset>", 1)[0]
    assert kind.count('type="radio"') == 2
    assert "checked" not in kind
    assert "Work note (vendor only)" in kind
    assert "Comment to the partner" in kind


def test_comment_without_an_audience_is_refused_and_keeps_the_text(world: World) -> None:
    registration = make_registration(world.a1)
    response = client_for(world.agent).post(
        detail_url(registration, "comment/"), {"body": "Their CFO is difficult."}
    )
    assert response.status_code == 400
    assert response.context["comment_form"].errors == {
        "kind": ["Choose who sees it: a work note (vendor only) or a comment to the partner."]
    }
    assert 'data-testid="error-kind"' in response.text
    assert "Their CFO is difficult.</textarea>" in response.text
    assert not registration.activity.exists()


@pytest.mark.parametrize(("kind", "partner_sees"), [("work_note", False), ("comment", True)])
def test_the_chosen_audience_is_kept(world: World, kind: str, partner_sees: bool) -> None:
    registration = make_registration(world.a1)
    client_for(world.agent).post(
        detail_url(registration, "comment/"), {"body": "Chosen words", "kind": kind}
    )
    assert registration.activity.get().kind == kind
    page = client_for(world.a1.member).get(f"/p/alpha/registrations/{registration.public_id}/")
    assert ("Chosen words" in page.text) is partner_sees


def test_the_two_reason_boxes_have_distinct_labels(world: World) -> None:
    registration = make_registration(world.a1, state=RegistrationState.IN_REVIEW)
    page = client_for(world.agent).get(detail_url(registration)).text
    assert '<label class="form-label" for="id_info-reason">Information needed' in page
    assert '<label class="form-label" for="id_reject-reason">Reason for rejecting' in page


def test_reject_needs_the_confirmation_and_keeps_the_reason(world: World) -> None:
    registration = make_registration(world.a1, state=RegistrationState.IN_REVIEW)
    client = client_for(world.agent)
    response = client.post(detail_url(registration, "reject/"), {"reject-reason": "Duplicate"})
    assert response.status_code == 400
    assert response.context["reject_form"].errors == {
        "confirm": ["Tick the box to confirm: rejecting cannot be undone."]
    }
    assert "Duplicate</textarea>" in response.text
    registration.refresh_from_db()
    assert registration.state == RegistrationState.IN_REVIEW

    response = client.post(
        detail_url(registration, "reject/"), {"reject-reason": "Duplicate", "reject-confirm": "on"}
    )
    assert response.status_code == 302
    registration.refresh_from_db()
    assert (registration.state, registration.state_reason) == (
        RegistrationState.REJECTED,
        "Duplicate",
    )
