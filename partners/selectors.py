"""Reads of the partners domain: who is a partner user, and who may enter which portal."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache

from accounts.models import User
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


def user_with_partner_context(*, user_id: int | str) -> User | None:
    """The user with their partner context (one query): what every signed-in request reads."""
    return User.objects.select_related(*PARTNER_CONTEXT_RELATIONS).filter(pk=user_id).first()


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

    Read with the user on every request (never cached in the session or elsewhere), so
    deactivating an organisation or a membership takes effect at the user's next request.
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
