from __future__ import annotations

import pytest
from django.http import Http404

from partners.models import PartnerMembership
from partners.scoping import get_for_partner_or_404, scope_to_partner
from tests.world import World

pytestmark = pytest.mark.django_db


def test_scope_keeps_only_the_partners_rows(world: World) -> None:
    rows = scope_to_partner(PartnerMembership.objects.all(), partner=world.a1.organisation)
    assert {m.user for m in rows} == {world.a1.member, world.a1.supervisor}


def test_own_object_is_returned(world: World) -> None:
    membership = world.a1.member.partner_membership
    found = get_for_partner_or_404(
        PartnerMembership.objects.all(), partner=world.a1.organisation, pk=membership.pk
    )
    assert found == membership


def test_other_tenants_object_is_not_found(world: World) -> None:
    other = world.a2.member.partner_membership
    with pytest.raises(Http404):
        get_for_partner_or_404(
            PartnerMembership.objects.all(), partner=world.a1.organisation, pk=other.pk
        )


@pytest.mark.parametrize("bad_id", ["not-a-number", 10**12])
def test_malformed_or_missing_ids_are_not_found(world: World, bad_id: object) -> None:
    with pytest.raises(Http404):
        get_for_partner_or_404(
            PartnerMembership.objects.all(), partner=world.a1.organisation, pk=bad_id
        )
