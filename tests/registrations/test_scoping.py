"""Who sees which registrations and opportunities: member vs supervisor vs another
organisation vs another direction's agent (issue #5)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from registrations.models import OpportunityRegistration
from tests import factories
from tests.registrations.conftest import client_for, make_registration
from tests.world import World

pytestmark = pytest.mark.django_db


def names(response: Any) -> set[str]:
    return {r.name for r in response.context["page"]}


@pytest.fixture
def deals(world: World) -> dict[str, OpportunityRegistration]:
    return {
        "member": make_registration(world.a1, by=world.a1.member, name="Member's deal"),
        "supervisor": make_registration(world.a1, by=world.a1.supervisor, name="Supervisor's deal"),
        "a2": make_registration(world.a2, by=world.a2.member, name="A2's deal"),
        "b1": make_registration(world.b1, by=world.b1.member, name="B1's deal"),
    }


def test_member_sees_only_own_registrations(world: World, deals: dict) -> None:
    client = client_for(world.a1.member)
    assert names(client.get("/p/alpha/registrations/")) == {"Member's deal"}


def test_member_asking_for_all_still_sees_only_own(world: World, deals: dict) -> None:
    response = client_for(world.a1.member).get("/p/alpha/registrations/?scope=all")
    assert names(response) == {"Member's deal"}
    assert "All opportunity registrations" not in response.text
    assert "Supervisor's deal" not in response.text


def test_supervisor_sees_own_under_my_and_everyones_under_all(world: World, deals: dict) -> None:
    client = client_for(world.a1.supervisor)
    assert names(client.get("/p/alpha/registrations/?scope=mine")) == {"Supervisor's deal"}
    response = client.get("/p/alpha/registrations/?scope=all")
    assert names(response) == {"Member's deal", "Supervisor's deal"}
    assert "All opportunity registrations" in response.text


def test_member_cannot_open_a_colleagues_registration(world: World, deals: dict) -> None:
    url = f"/p/alpha/registrations/{deals['supervisor'].public_id}/"
    assert client_for(world.a1.member).get(url).status_code == 404
    assert client_for(world.a1.supervisor).get(url).status_code == 200


def test_supervisor_opens_a_members_registration(world: World, deals: dict) -> None:
    url = f"/p/alpha/registrations/{deals['member'].public_id}/"
    assert client_for(world.a1.supervisor).get(url).status_code == 200


@pytest.mark.parametrize("other", ["a2", "b1"])
def test_another_organisations_registration_is_not_found(
    world: World, deals: dict, other: str
) -> None:
    url = f"/p/alpha/registrations/{deals[other].public_id}/"
    assert client_for(world.a1.supervisor).get(url).status_code == 404
    assert client_for(world.a1.supervisor).get(url + "edit/").status_code == 404


def test_malformed_id_is_not_found(world: World) -> None:
    assert client_for(world.a1.member).get("/p/alpha/registrations/not-a-uuid/").status_code == 404


def test_member_sees_only_opportunities_of_own_registrations(world: World, deals: dict) -> None:
    mine = factories.OpportunityFactory.create(registration=deals["member"], name="Mine")
    theirs = factories.OpportunityFactory.create(registration=deals["supervisor"], name="Theirs")
    factories.OpportunityFactory.create(registration=deals["a2"], name="A2's")
    member = client_for(world.a1.member)
    assert {o.name for o in member.get("/p/alpha/opportunities/?scope=all").context["page"]} == {
        "Mine"
    }
    assert member.get(f"/p/alpha/opportunities/{theirs.public_id}/").status_code == 404
    assert member.get(f"/p/alpha/opportunities/{mine.public_id}/").status_code == 200
    supervisor = client_for(world.a1.supervisor)
    all_names = {
        o.name for o in supervisor.get("/p/alpha/opportunities/?scope=all").context["page"]
    }
    assert all_names == {"Mine", "Theirs"}


def test_partner_of_another_direction_is_sent_to_own_portal(world: World, deals: dict) -> None:
    url = f"/p/alpha/registrations/{deals['member'].public_id}/"
    response = client_for(world.b1.supervisor).get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/p/beta/")


def test_agent_of_another_direction_gets_not_found(world: World, deals: dict) -> None:
    agent = client_for(world.agent)  # assigned to alpha only
    assert agent.get(f"/backoffice/registrations/{deals['member'].public_id}/").status_code == 200
    b1 = deals["b1"]
    assert agent.get(f"/backoffice/registrations/{b1.public_id}/").status_code == 404
    response = agent.post(f"/backoffice/registrations/{b1.public_id}/start_review/")
    assert response.status_code == 404
    b1.refresh_from_db()
    assert b1.state == "submitted"
    opportunity = factories.OpportunityFactory.create(registration=deals["b1"])
    assert agent.get(f"/backoffice/opportunities/{opportunity.public_id}/").status_code == 404


def test_agent_queue_holds_only_their_directions(world: World, deals: dict) -> None:
    response = client_for(world.agent).get("/backoffice/")
    assert names(response) == {"Member's deal", "Supervisor's deal", "A2's deal"}


def test_admin_queue_holds_every_direction(world: World, deals: dict) -> None:
    response = client_for(world.admin).get("/backoffice/")
    assert names(response) == {"Member's deal", "Supervisor's deal", "A2's deal", "B1's deal"}


def test_partner_users_and_customers_may_not_enter_the_back_office(world: World) -> None:
    for user in (world.a1.supervisor, world.customer):
        assert client_for(user).get("/backoffice/").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, world: World) -> None:
    response = client.get("/backoffice/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_staff_without_a_direction_sees_an_empty_queue(world: World, deals: dict) -> None:
    staff = factories.UserFactory.create(is_staff=True)
    assert names(client_for(staff).get("/backoffice/")) == set()
    url = f"/backoffice/registrations/{deals['member'].public_id}/"
    assert client_for(staff).get(url).status_code == 404
