"""The registration state machine: only the listed transitions exist (issue #5)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from registrations import services
from registrations.models import ActivityEntry, EntryKind, OpportunityRegistration, Side
from registrations.services.transitions import entered, transition
from registrations.states import TRANSITIONS, RegistrationState, can_transition
from tests.registrations.conftest import choice_ids, client_for, make_registration
from tests.world import World

pytestmark = pytest.mark.django_db

S = RegistrationState
ALLOWED = {
    (S.SUBMITTED, S.IN_REVIEW),
    (S.IN_REVIEW, S.QUALIFIED),
    (S.IN_REVIEW, S.REJECTED),
    (S.IN_REVIEW, S.MORE_INFO),
    (S.MORE_INFO, S.SUBMITTED),
}


def test_the_machine_is_exactly_the_issues() -> None:
    listed = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}
    assert listed == ALLOWED
    assert set(TRANSITIONS) == set(S.values)


@pytest.mark.parametrize(("from_state", "to_state"), list(itertools.product(S.values, S.values)))
def test_can_transition_for_every_pair(from_state: str, to_state: str) -> None:
    assert can_transition(from_state, to_state) == ((from_state, to_state) in ALLOWED)


def _move(world: World, to_state: str) -> Callable[[OpportunityRegistration], Any]:
    from registrations.services.registrations import RegistrationData

    agent = world.agent
    if to_state == S.IN_REVIEW:
        return lambda r: services.registration_start_review(registration=r, actor=agent)
    if to_state == S.QUALIFIED:
        return lambda r: services.registration_qualify(registration=r, actor=agent)
    if to_state == S.REJECTED:
        return lambda r: services.registration_reject(registration=r, actor=agent, reason="No.")
    if to_state == S.MORE_INFO:
        return lambda r: services.registration_request_info(
            registration=r, actor=agent, reason="Seats?"
        )
    return lambda r: services.registration_resubmit(
        registration=r,
        actor=r.created_by,
        data=RegistrationData(
            name=r.name,
            new_company=False,
            company=r.company,
            new_contact=False,
            contact=r.contact,
            representative=r.created_by,
        ),
    )


@pytest.mark.parametrize(
    ("from_state", "to_state"),
    [(a, b) for a, b in itertools.product(S.values, S.values) if a != b],
)
def test_every_service_transition_exists_only_if_listed(
    world: World, from_state: str, to_state: str
) -> None:
    registration = make_registration(world.a1, state=from_state)
    move = _move(world, to_state)
    if (from_state, to_state) in ALLOWED:
        move(registration)
        registration.refresh_from_db()
        assert registration.state == to_state
        event = ActivityEntry.objects.filter(kind=EntryKind.EVENT).latest("id")
        assert (event.from_state, event.to_state) == (from_state, to_state)
    else:
        with pytest.raises(services.InvalidTransition):
            move(registration)
        registration.refresh_from_db()
        assert registration.state == from_state
        assert not ActivityEntry.objects.exists()


@pytest.mark.parametrize("action", ["reject", "request_info"])
def test_reject_and_more_info_need_a_reason(world: World, action: str) -> None:
    registration = make_registration(world.a1, state=S.IN_REVIEW)
    service = getattr(services, f"registration_{action}")
    with pytest.raises(ValidationError):
        service(registration=registration, actor=world.agent, reason="   ")
    registration.refresh_from_db()
    assert registration.state == S.IN_REVIEW


def test_rejection_reason_is_shown_to_the_partner(world: World) -> None:
    registration = make_registration(world.a1, state=S.IN_REVIEW)
    services.registration_reject(
        registration=registration, actor=world.agent, reason="Customer buys direct."
    )
    page = client_for(world.a1.member).get(f"/p/alpha/registrations/{registration.public_id}/")
    assert 'data-testid="state-reason"' in page.text
    assert "Customer buys direct." in page.text


def test_start_review_assigns_the_agent(world: World) -> None:
    registration = make_registration(world.a1)
    services.registration_start_review(registration=registration, actor=world.agent)
    registration.refresh_from_db()
    assert registration.assigned_to == world.agent


def test_the_back_office_refuses_a_transition_the_machine_lacks(world: World) -> None:
    registration = make_registration(world.a1)  # submitted
    client = client_for(world.agent)
    response = client.post(
        f"/backoffice/registrations/{registration.public_id}/qualify/",
        {"stage": "qualification"},
        follow=True,
    )
    assert "Only a registration in review can be qualified." in response.text
    registration.refresh_from_db()
    assert registration.state == S.SUBMITTED


def test_partner_edits_and_resubmits_after_more_information(world: World) -> None:
    registration = make_registration(world.a1, state=S.IN_REVIEW, name="Old name")
    services.registration_request_info(
        registration=registration, actor=world.agent, reason="How many seats?"
    )
    client = client_for(world.a1.member)
    edit_url = f"/p/alpha/registrations/{registration.public_id}/edit/"
    form = client.get(edit_url).context["form"]
    assert form["name"].value() == "Old name"
    data = {
        "name": "New name",
        **choice_ids(registration),
        "representative": world.a1.member.pk,
        "customer_requirements": "200 seats",
    }
    response = client.post(edit_url, data)
    assert response.status_code == 302
    registration.refresh_from_db()
    assert (registration.state, registration.name, registration.customer_requirements) == (
        S.SUBMITTED,
        "New name",
        "200 seats",
    )
    assert registration.state_reason == ""


def test_edit_is_refused_unless_more_information_is_needed(world: World) -> None:
    registration = make_registration(world.a1)
    response = client_for(world.a1.member).post(
        f"/p/alpha/registrations/{registration.public_id}/edit/", {"name": "x"}
    )
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.name != "x"


def test_a_refused_move_never_runs_the_callers_changes(world: World) -> None:
    registration = make_registration(world.a1)  # submitted
    ran = False
    with (
        pytest.raises(services.InvalidTransition, match="cannot become"),
        transition(registration, actor=world.agent, to_state=S.QUALIFIED, side=Side.VENDOR),
    ):
        ran = True
    assert not ran
    assert not ActivityEntry.objects.exists()


def test_a_move_whose_changes_fail_saves_nothing(world: World) -> None:
    registration = make_registration(world.a1, state=S.IN_REVIEW, name="Old name")

    def edit_then_fail() -> None:
        with transition(
            registration, actor=world.agent, to_state=S.REJECTED, side=Side.VENDOR, reason="No."
        ) as locked:
            locked.name = "New name"
            raise ValidationError("The caller's check failed.")

    with pytest.raises(ValidationError):
        edit_then_fail()
    registration.refresh_from_db()
    assert (registration.state, registration.name) == (S.IN_REVIEW, "Old name")
    assert not ActivityEntry.objects.exists()


def test_only_a_registration_in_the_initial_state_enters_the_machine(world: World) -> None:
    registration = make_registration(world.a1, state=S.IN_REVIEW)
    with pytest.raises(ValueError, match="starts as"):
        entered(registration, actor=world.a1.member, side=Side.PARTNER)
    assert not ActivityEntry.objects.exists()
