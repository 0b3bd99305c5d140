"""Uniqueness holds in the database under concurrency: two partners submitting the same new
company at the same moment, each on its own connection — one succeeds, the other gets the
form's message, nobody gets a 500 (issue #5)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from registrations import services
from registrations.models import ActivityEntry, Company, EntryKind, OpportunityRegistration, Side
from registrations.services import DUPLICATE_COMPANY_MESSAGES, RegistrationData
from registrations.services.transitions import transition
from registrations.states import RegistrationState
from tests.world import Tenant, World

# Each thread has its own connection, so these tests commit (the suite runs on PostgreSQL).
# The shared ``world`` fixture restores the data-migration rows that the flushes delete.
pytestmark = pytest.mark.django_db(transaction=True)


def data_for(tenant: Tenant, *, name: str, website: str, tin: str) -> RegistrationData:
    return RegistrationData(
        name=f"Deal of {tenant.organisation.name}",
        new_company=True,
        company_name=name,
        company_website=website,
        company_tin=tin,
        new_contact=True,
        contact_first_name="Ada",
        contact_last_name="Lovelace",
        representative=tenant.member,
        expected_close_date=timezone.localdate() + timedelta(days=10),
    )


def race(*calls: Callable[[], Any]) -> list[object]:
    """Run the calls at the same moment, each in its own thread (its own connection)."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # collected for the assertions
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.parametrize(
    ("first", "second", "field"),
    [
        (
            ("Adatum", "adatum.example", "123456789"),
            ("Other", "other.example", "123456789"),
            "company_tin",
        ),
        (
            ("Adatum", "adatum.example", "123456789"),
            ("ADATUM", "other.example", "987654321"),
            "company_name",
        ),
        (
            ("Adatum", "adatum.example", "123456789"),
            ("Other", "adatum.example", "987654321"),
            "company_website",
        ),
    ],
)
def test_simultaneous_submissions_of_one_company_one_wins(
    world: World, first: tuple[str, str, str], second: tuple[str, str, str], field: str
) -> None:
    def submit(tenant: Tenant, ident: tuple[str, str, str]) -> Callable[[], Any]:
        name, website, tin = ident
        return lambda: services.registration_submit(
            partner=tenant.organisation,
            actor=tenant.member,
            data=data_for(tenant, name=name, website=website, tin=tin),
        )

    results = race(submit(world.a1, first), submit(world.b1, second))

    won = [r for r in results if isinstance(r, OpportunityRegistration)]
    lost = [r for r in results if isinstance(r, ValidationError)]
    assert (len(won), len(lost)) == (1, 1), results
    assert lost[0].message_dict == {field: [DUPLICATE_COMPANY_MESSAGES[field]]}
    assert OpportunityRegistration.objects.count() == 1


def test_the_database_refuses_a_duplicate_proposal_written_around_the_service(
    world: World,
) -> None:
    services.registration_submit(
        partner=world.a1.organisation,
        actor=world.a1.member,
        data=data_for(world.a1, name="Adatum", website="adatum.example", tin="123456789"),
    )
    duplicate = OpportunityRegistration.objects.get()
    duplicate.pk = None
    duplicate.public_id = uuid.uuid4()
    duplicate.organisation = world.a2.organisation
    duplicate.company_name = "Something else"
    duplicate.company_website = "else.example"  # the TIN alone is the same
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_the_database_refuses_a_duplicate_crm_company(world: World) -> None:
    Company.objects.create(name="Adatum", website="adatum.example", tin="123456789")
    with pytest.raises(IntegrityError), transaction.atomic():
        Company.objects.create(name="adatum", website="x.example", tin="987654321")


def test_submission_racing_a_qualification_of_the_same_company_is_refused(world: World) -> None:
    """A proposal leaves the partial unique index when its registration is qualified; the
    service then finds the new CRM company on its second look."""
    registration = services.registration_submit(
        partner=world.a1.organisation,
        actor=world.a1.member,
        data=data_for(world.a1, name="Adatum", website="adatum.example", tin="123456789"),
    )
    services.registration_start_review(registration=registration, actor=world.agent)

    results = race(
        lambda: services.registration_qualify(registration=registration, actor=world.agent),
        lambda: services.registration_submit(
            partner=world.b1.organisation,
            actor=world.b1.member,
            data=data_for(world.b1, name="Adatum", website="adatum2.example", tin="111111111"),
        ),
    )
    assert isinstance(results[1], ValidationError), results
    assert "company_name" in results[1].message_dict
    assert Company.objects.filter(name="Adatum").count() == 1


def test_a_decision_waits_for_the_one_in_progress_and_is_then_refused(world: World) -> None:
    """The state machine's lock: while one agent's move holds the row, another agent's move
    of the same registration waits, then finds the new state and is refused; the feed gets
    one event, not two."""
    registration = services.registration_submit(
        partner=world.a1.organisation,
        actor=world.a1.member,
        data=data_for(world.a1, name="Adatum", website="adatum.example", tin="123456789"),
    )
    services.registration_start_review(registration=registration, actor=world.agent)
    outcome: list[object] = []

    def ask_for_information() -> None:
        try:
            outcome.append(
                services.registration_request_info(
                    registration=registration, actor=world.agent, reason="How many seats?"
                )
            )
        except Exception as exc:  # collected for the assertions
            outcome.append(exc)
        finally:
            connection.close()

    other = threading.Thread(target=ask_for_information)
    with (
        transaction.atomic(),
        transition(
            registration,
            actor=world.agent,
            to_state=RegistrationState.REJECTED,
            side=Side.VENDOR,
            reason="Customer buys direct.",
        ),
    ):
        other.start()
        other.join(timeout=1)
        assert other.is_alive(), outcome  # waiting on the row lock
    other.join(timeout=10)

    assert [type(result) for result in outcome] == [services.InvalidTransition], outcome
    registration.refresh_from_db()
    assert registration.state == RegistrationState.REJECTED
    events = ActivityEntry.objects.filter(registration=registration, kind=EntryKind.EVENT)
    assert [e.to_state for e in events.order_by("id")] == [
        RegistrationState.SUBMITTED,
        RegistrationState.IN_REVIEW,
        RegistrationState.REJECTED,
    ]
