"""The orders selectors see one partner organisation's rows only."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from orders.selectors import customer_get_for_partner
from tests import factories
from tests.world import World

pytestmark = pytest.mark.django_db


def test_customer_lookup_finds_only_the_partners_own_customer(world: World) -> None:
    offer = factories.OfferFactory.create(
        price=Decimal("10.00"), eligible=[world.a1.organisation, world.a2.organisation]
    )
    ours = factories.place_order(
        organisation=world.a1.organisation, actor=world.a1.member, offer=offer
    ).customer
    theirs = factories.place_order(
        organisation=world.a2.organisation, actor=world.a2.member, offer=offer
    ).customer
    a1 = world.a1.organisation

    assert customer_get_for_partner(partner=a1, public_id=str(ours.public_id)) == ours
    # Another organisation's, a missing and a malformed id all look alike: no customer.
    assert customer_get_for_partner(partner=a1, public_id=str(theirs.public_id)) is None
    assert customer_get_for_partner(partner=a1, public_id=str(uuid.uuid4())) is None
    assert customer_get_for_partner(partner=a1, public_id="not-a-uuid") is None
