"""The benchmark data command (PostgreSQL): rows for the demo organisations, opportunities for
the qualified ones, nothing that breaks the model's rules."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from registrations.models import Opportunity, OpportunityRegistration
from registrations.states import RegistrationState
from tests.conftest import restore_migration_data

# The command VACUUMs after its transaction: it cannot run inside a test's transaction.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(transactional_db: None) -> None:
    restore_migration_data()
    call_command("seed_demo", stdout=io.StringIO())


def test_registrations_generate_writes_valid_rows(demo: None) -> None:
    call_command(
        "registrations_generate", "--count", "200", "--companies", "3", stdout=io.StringIO()
    )
    generated = OpportunityRegistration.objects.filter(company__website__startswith="bench-")
    assert generated.count() == 200
    assert generated.filter(organisation__name="Northwind Resellers").count() == 160  # 80%
    assert set(generated.values_list("state", flat=True)) == set(RegistrationState.values)
    qualified = generated.filter(state=RegistrationState.QUALIFIED)
    assert Opportunity.objects.filter(registration__in=qualified).count() == qualified.count()
    for registration in generated[:20]:
        registration.full_clean()
