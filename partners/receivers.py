"""Drop the cached section list of a portal whenever its sections or the portal change, and
make the signed-in users' cached partner context stale whenever a user, a membership, an
organisation, a direction or a portal changes (sso.receivers: identity providers).

Admin saves and deletes (inline formsets, the delete action) send these signals; a bulk
``QuerySet.update()`` does not: the services that deactivate organisations and portals in bulk
(``partners.services``) make the contexts stale themselves.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.models import User
from partners.models import (
    PartnerMembership,
    PartnerOrganisation,
    PartnerPortal,
    PortalSection,
    SalesDirection,
)
from partners.selectors import (
    members_changed,
    partner_context_changed,
    portal_sections_cache_key,
)


@receiver([post_save, post_delete], sender=PortalSection)
def section_changed(sender: type[PortalSection], instance: PortalSection, **kwargs: Any) -> None:
    cache.delete(portal_sections_cache_key(instance.portal_id))


@receiver([post_save, post_delete], sender=PartnerPortal)
def portal_changed(sender: type[PartnerPortal], instance: PartnerPortal, **kwargs: Any) -> None:
    cache.delete(portal_sections_cache_key(instance.pk))


@receiver([post_save, post_delete], sender=User)
def user_changed(sender: type[User], instance: User, **kwargs: Any) -> None:
    partner_context_changed(user_id=instance.pk)
    members_changed()  # a name or an address in an organisation's member list


# A membership may move to another user: everyone's context goes stale, not only its user's.
@receiver([post_save, post_delete], sender=PartnerMembership)
@receiver([post_save, post_delete], sender=PartnerOrganisation)
@receiver([post_save, post_delete], sender=SalesDirection)
@receiver([post_save, post_delete], sender=PartnerPortal)
def structure_changed(sender: type[Any], instance: object, **kwargs: Any) -> None:
    partner_context_changed()
    if sender is PartnerMembership:
        members_changed()
