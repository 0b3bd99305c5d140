"""Reads of the partners domain: who is a partner user, and who may enter which portal."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from partners.models import PartnerMembership, PartnerPortal, SystemProperty

PORTAL_CONTEXT_PROPERTY = "portals.portal_context.enable"
TRUE_VALUES = frozenset({"true", "1", "yes", "on"})


def system_property_bool(*, key: str, default: bool) -> bool:
    value = SystemProperty.objects.filter(key=key).values_list("value", flat=True).first()
    if value is None:
        return default
    return value.strip().lower() in TRUE_VALUES


def membership_for_user(*, user: User | AnonymousUser) -> PartnerMembership | None:
    """The user's membership if it and its organisation are active, else None.

    Read on every portal request (never cached in the session), so deactivating an organisation
    or a membership takes effect at the user's next request.
    """
    if not user.is_authenticated:
        return None
    return (
        PartnerMembership.objects.select_related("organisation__direction__portal")
        .filter(user_id=user.pk, is_active=True, organisation__is_active=True)
        .first()
    )


def own_portal(membership: PartnerMembership | None) -> PartnerPortal | None:
    """The active portal of the membership's sales direction, if there is one."""
    if membership is None:
        return None
    portal = getattr(membership.organisation.direction, "portal", None)
    return portal if portal is not None and portal.is_active else None


def portal_get_active(*, path_name: str) -> PartnerPortal | None:
    return (
        PartnerPortal.objects.select_related("direction")
        .filter(path_name=path_name, is_active=True)
        .first()
    )


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
