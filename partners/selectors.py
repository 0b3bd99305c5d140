"""Reads of the partners domain: who is a partner user, and who may enter which portal."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache

from accounts.models import User
from core.generations import cached_under, generation_renew
from partners.models import PartnerMembership, PartnerPortal, SystemProperty

PORTAL_CONTEXT_PROPERTY = "portals.portal_context.enable"
TRUE_VALUES = frozenset({"true", "1", "yes", "on"})


def system_property_bool(*, key: str, default: bool) -> bool:
    value = SystemProperty.objects.filter(key=key).values_list("value", flat=True).first()
    if value is None:
        return default
    return value.strip().lower() in TRUE_VALUES


# What a signed-in request needs of a partner user, read with the user in one query by the
# session's authentication backend (signin.backends): the membership, its organisation with its
# identity provider, and the organisation's direction with its portal.
PARTNER_CONTEXT_RELATIONS = (
    "partner_membership__organisation__identity_provider",
    "partner_membership__organisation__direction__portal",
)


# The partner context is read from the cache: the query costs ~2.3 ms of Python a request (the
# ORM compiles a six-table join; the database needs 0.06 ms), the cache read ~0.2 ms. A change
# to the user renews the user's generation, a change to any membership, organisation, identity
# provider, direction or portal the shared one (``partner_context_changed``, from the receivers
# of partners and sso; core.generations), so the next request reads the database again.
PARTNER_CONTEXT_TIMEOUT = 300  # seconds: the bound on a change made behind the ORM's back
_SHARED_GENERATION = "partners:context:generation"


def _user_generation(user_id: object) -> str:
    return f"partners:context:generation:{user_id}"


def user_with_partner_context(*, user_id: int | str) -> User | None:
    """The user with their partner context: what every signed-in request reads (one cache
    read; one query when the entry is missing or older than a change)."""
    return cached_under(
        f"partners:context:{user_id}",
        (_user_generation(user_id), _SHARED_GENERATION),
        lambda: User.objects.select_related(*PARTNER_CONTEXT_RELATIONS).filter(pk=user_id).first(),
        timeout=PARTNER_CONTEXT_TIMEOUT,
    )


def partner_context_changed(*, user_id: object | None = None) -> None:
    """Make the cached partner contexts of ``user_id`` (of everyone when None) stale."""
    generation_renew(_SHARED_GENERATION if user_id is None else _user_generation(user_id))


# The active members of an organisation, as the representative filters offer them: cached
# (core.generations; the query costs ~1.3 ms of ORM for two rows), stale whenever any user or
# membership is saved or deleted (partners.receivers).
MEMBERS_GENERATION = "partners:members:generation"
MEMBERS_TIMEOUT = 3600


def active_members(*, organisation_id: int) -> list[tuple[int, str, str, str]]:
    """(id, first name, last name, email) of the organisation's active members, by name."""
    return cached_under(
        f"partners:members:{organisation_id}",
        (MEMBERS_GENERATION,),
        lambda: list(
            User.objects.filter(
                partner_membership__organisation_id=organisation_id,
                partner_membership__is_active=True,
            )
            .order_by("first_name", "last_name", "email")
            .values_list("pk", "first_name", "last_name", "email")
        ),
        timeout=MEMBERS_TIMEOUT,
    )


def members_changed() -> None:
    generation_renew(MEMBERS_GENERATION)


def membership_of(user: User) -> PartnerMembership | None:
    """The user's membership, active or not: from the user's own row when it came with it.

    A user restored from the session comes with it (``user_with_partner_context``); otherwise
    one query reads it with its organisation.
    """
    if User.partner_membership.is_cached(user):
        return getattr(user, "partner_membership", None)
    return (
        PartnerMembership.objects.select_related(
            "organisation__identity_provider", "organisation__direction__portal"
        )
        .filter(user=user)
        .first()
    )


def membership_for_user(*, user: User | AnonymousUser) -> PartnerMembership | None:
    """The user's membership if it and its organisation are active, else None.

    Read with the user on every request (``user_with_partner_context``: a cache entry that any
    change to them makes stale), so deactivating an organisation or a membership takes effect
    at the user's next request.
    """
    if not isinstance(user, User):
        return None
    membership = membership_of(user)
    if membership is None or not (membership.is_active and membership.organisation.is_active):
        return None
    return membership


def own_portal(membership: PartnerMembership | None) -> PartnerPortal | None:
    """The active portal of the membership's sales direction, if there is one."""
    if membership is None:
        return None
    portal = getattr(membership.organisation.direction, "portal", None)
    return portal if portal is not None and portal.is_active else None


def portal_get_active(
    *, path_name: str, user: User | AnonymousUser | None = None
) -> PartnerPortal | None:
    """The active portal at ``path_name``; the user's own portal needs no query."""
    if user is not None:
        home = own_portal(membership_for_user(user=user))
        if home is not None and home.path_name == path_name:
            return home
    return (
        PartnerPortal.objects.select_related("direction")
        .filter(path_name=path_name, is_active=True)
        .first()
    )


def portal_section_keys(portal: PartnerPortal) -> list[str]:
    """The portal's section keys in their configured order, from the cache.

    Admins change them rarely; the cache entry is dropped whenever a section or the portal is
    saved or deleted (``partners.receivers``), so the next request reads them again.
    """
    key = portal_sections_cache_key(portal.pk)
    keys = cache.get(key)
    if keys is None:
        keys = list(portal.sections.values_list("section", flat=True))
        cache.set(key, keys, timeout=None)
    return keys


def portal_sections_cache_key(portal_id: object) -> str:
    return f"partners:portal-sections:{portal_id}"


class Verdict(enum.Enum):
    ALLOW = "allow"
    OWN_PORTAL = "own_portal"  # send them to the same page of their own portal
    SELF_SERVICE = "self_service"  # end customers, staff, partner users without a portal


@dataclass(frozen=True)
class PortalAccess:
    verdict: Verdict
    membership: PartnerMembership | None = None
    own_portal: PartnerPortal | None = None


def portal_access_decide(*, user: User | AnonymousUser, portal: PartnerPortal) -> PortalAccess:
    """May this signed-in user enter this (active) portal, and if not, where do they go?

    Only partner users enter a portal: its pages show their organisation's data. They enter the
    portal of their own direction; another direction's only when the portal-context property is
    off or an admin granted them (or one of their groups) ``access_portal`` on it.
    """
    membership = membership_for_user(user=user)
    if membership is None:
        return PortalAccess(Verdict.SELF_SERVICE)
    if membership.organisation.direction_id == portal.direction_id:
        return PortalAccess(Verdict.ALLOW, membership=membership)
    if not system_property_bool(key=PORTAL_CONTEXT_PROPERTY, default=True):
        return PortalAccess(Verdict.ALLOW, membership=membership)
    if user.has_perm("partners.access_portal", portal):
        return PortalAccess(Verdict.ALLOW, membership=membership)
    home = own_portal(membership)
    if home is None:
        return PortalAccess(Verdict.SELF_SERVICE, membership=membership)
    return PortalAccess(Verdict.OWN_PORTAL, membership=membership, own_portal=home)
