"""Writes of the partners domain."""

from __future__ import annotations

from django.db import transaction

from partners.models import PartnerOrganisation, PartnerPortal, PortalSection, SalesDirection
from partners.sections import Section
from partners.selectors import partner_context_changed


@transaction.atomic
def portal_create(*, direction: SalesDirection, path_name: str, title: str = "") -> PartnerPortal:
    """Create the (inactive) portal of ``direction`` at ``/p/<path_name>/``.

    Invariants: one portal per direction; the path name is valid and unused (``full_clean`` raises
    ``ValidationError`` otherwise, and the database's unique constraints back both). The new portal
    starts with every section in the default order, for the admin to trim before activating it.
    """
    portal = PartnerPortal(
        direction=direction,
        path_name=path_name.strip(),
        title=title.strip() or f"{direction.name} partner portal",
        is_active=False,
    )
    portal.full_clean()
    portal.save()
    PortalSection.objects.bulk_create(
        PortalSection(portal=portal, section=section, position=position)
        for position, section in enumerate(Section.values, start=1)
    )
    return portal


@transaction.atomic
def organisations_deactivate(*, organisation_ids: list[int]) -> int:
    """Deactivate organisations; their members lose access at their next request (the bulk
    update sends no signal: the cached partner contexts are made stale here)."""
    count = PartnerOrganisation.objects.filter(pk__in=organisation_ids, is_active=True).update(
        is_active=False
    )
    partner_context_changed()
    return count


@transaction.atomic
def portals_set_active(*, portal_ids: list[int], active: bool) -> int:
    """Activate or deactivate portals, for their partner users at their next request."""
    count = PartnerPortal.objects.filter(pk__in=portal_ids).update(is_active=active)
    partner_context_changed()
    return count
