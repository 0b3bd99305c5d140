"""The demo data set: registrations in every state for both organisations (issue #5)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from registrations.models import ActivityEntry, EntryKind, Opportunity, OpportunityRegistration
from registrations.states import RegistrationState

pytestmark = pytest.mark.django_db


def test_seed_demo_has_every_state_for_both_organisations_and_is_idempotent() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    counts = (
        OpportunityRegistration.objects.count(),
        Opportunity.objects.count(),
        ActivityEntry.objects.count(),
    )
    call_command("seed_demo", stdout=io.StringIO())
    assert (
        OpportunityRegistration.objects.count(),
        Opportunity.objects.count(),
        ActivityEntry.objects.count(),
    ) == counts
    for organisation in ("Northwind Resellers", "Contoso Partners"):
        states = set(
            OpportunityRegistration.objects.filter(organisation__name=organisation).values_list(
                "state", flat=True
            )
        )
        assert states == set(RegistrationState.values), organisation
        assert Opportunity.objects.filter(organisation__name=organisation).exists()
    assert ActivityEntry.objects.filter(kind=EntryKind.COMMENT).exists()
    assert ActivityEntry.objects.filter(kind=EntryKind.WORK_NOTE).exists()
    # sam (supervisor) and alice (member) both registered some of Northwind's
    creators = set(
        OpportunityRegistration.objects.filter(
            organisation__name="Northwind Resellers"
        ).values_list("created_by__email", flat=True)
    )
    assert creators == {"alice@northwind.example", "sam@northwind.example"}
