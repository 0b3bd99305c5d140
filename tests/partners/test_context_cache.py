"""The signed-in user's partner context comes from the cache, and any change to what it holds
(the user, the membership, the organisation, its identity provider, the direction, the portal)
is read from the database at the next request, including a change that commits while another
request is reading the old rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from partners import services
from partners.models import PartnerRole
from partners.selectors import user_with_partner_context
from tests import factories
from tests.world import World

pytestmark = pytest.mark.django_db


def read(user: User) -> tuple[User | None, int]:
    """The context as a request reads it, and how many queries that took."""
    with CaptureQueriesContext(connection) as queries:
        found = user_with_partner_context(user_id=user.pk)
    return found, len(queries)


def test_the_context_is_read_once_then_comes_from_the_cache(world: World) -> None:
    _first, first_queries = read(world.a1.member)
    again, again_queries = read(world.a1.member)
    assert (first_queries, again_queries) == (1, 0)
    assert again is not None
    assert again.partner_membership.organisation.direction.portal == world.portal_a
    assert again.partner_membership.organisation == world.a1.organisation


def test_an_unknown_user_has_no_context(world: World) -> None:
    assert user_with_partner_context(user_id=10**9) is None


def test_a_change_to_the_user_is_read_at_the_next_request(world: World) -> None:
    read(world.a1.member)
    world.a1.member.first_name = "Renamed"
    world.a1.member.save()
    found, queries = read(world.a1.member)
    assert queries == 1
    assert found is not None
    assert found.first_name == "Renamed"
    # Another user's entry is untouched.
    read(world.a2.member)
    world.a1.member.save()
    assert read(world.a2.member)[1] == 0


def test_a_change_to_the_membership_is_read_at_the_next_request(world: World) -> None:
    read(world.a1.member)
    membership = world.a1.member.partner_membership
    membership.role = PartnerRole.SUPERVISOR
    membership.save()
    found, queries = read(world.a1.member)
    assert queries == 1
    assert found is not None
    assert found.partner_membership.role == PartnerRole.SUPERVISOR


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda w: setattr(w.a1.organisation, "name", "Renamed"), id="organisation"),
        pytest.param(lambda w: setattr(w.direction_a, "name", "Renamed"), id="direction"),
        pytest.param(lambda w: setattr(w.portal_a, "title", "Renamed"), id="portal"),
    ],
)
def test_a_change_to_the_organisation_direction_or_portal_is_read_at_the_next_request(
    world: World, change: Callable[[World], None]
) -> None:
    read(world.a1.member)
    change(world)
    for record in (world.a1.organisation, world.direction_a, world.portal_a):
        record.save()
    found, queries = read(world.a1.member)
    assert queries == 1
    assert found is not None
    organisation = found.partner_membership.organisation
    direction = organisation.direction
    assert "Renamed" in (organisation.name, direction.name, direction.portal.title)


def test_a_new_identity_provider_is_read_at_the_next_request(world: World) -> None:
    found, _ = read(world.a1.member)
    assert found is not None
    assert not hasattr(found.partner_membership.organisation, "identity_provider")
    provider = factories.IdentityProviderFactory.create(organisation=world.a1.organisation)
    found, queries = read(world.a1.member)
    assert queries == 1
    assert found is not None
    assert found.partner_membership.organisation.identity_provider == provider
    provider.delete()
    found, queries = read(world.a1.member)
    assert queries == 1
    assert found is not None
    assert not hasattr(found.partner_membership.organisation, "identity_provider")


def test_a_change_that_commits_during_the_read_does_not_stay_cached(world: World) -> None:
    """A request reads the old rows; the deactivation commits before it stores them: what it
    stores is stamped with the generation it read before its query, so it is not used."""
    membership = world.a1.member.partner_membership
    changed: list[bool] = []

    def deactivate_after_the_read(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        result = execute(sql, *args)
        if not changed and "accounts_user" in sql:
            changed.append(True)
            membership.is_active = False
            membership.save()
        return result

    with connection.execute_wrapper(deactivate_after_the_read):
        stale = user_with_partner_context(user_id=world.a1.member.pk)
    assert stale is not None
    assert stale.partner_membership.is_active
    found, queries = read(world.a1.member)
    assert queries == 1
    assert found is not None
    assert not found.partner_membership.is_active


def test_an_entry_read_inside_the_changing_transaction_is_stale_once_it_commits(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    read(world.a1.member)
    with django_capture_on_commit_callbacks(execute=True):
        world.a1.organisation.name = "Renamed"
        world.a1.organisation.save()
        # Read (and cached) before the commit: a request on another connection would have
        # read the old rows here.
        assert read(world.a1.member)[1] == 1
        assert read(world.a1.member)[1] == 0
    assert read(world.a1.member)[1] == 1


def test_the_bulk_deactivations_make_the_contexts_stale(world: World) -> None:
    read(world.a1.member)
    services.organisations_deactivate(organisation_ids=[world.a1.organisation.pk])
    found, queries = read(world.a1.member)
    assert queries == 1
    assert found is not None
    assert not found.partner_membership.organisation.is_active
    services.portals_set_active(portal_ids=[world.portal_a.pk], active=False)
    found, queries = read(world.a1.member)
    assert queries == 1
    assert found is not None
    assert not found.partner_membership.organisation.direction.portal.is_active
