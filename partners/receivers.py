"""Drop the cached section list of a portal whenever its sections or the portal change.

Admin saves and deletes (inline formsets, the delete action) send these signals; a bulk
``QuerySet.update()`` of sections would not, and nothing in the project does one.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from partners.models import PartnerPortal, PortalSection
from partners.selectors import portal_sections_cache_key


@receiver([post_save, post_delete], sender=PortalSection)
def section_changed(sender: type[PortalSection], instance: PortalSection, **kwargs: Any) -> None:
    cache.delete(portal_sections_cache_key(instance.portal_id))


@receiver([post_save, post_delete], sender=PartnerPortal)
def portal_changed(sender: type[PartnerPortal], instance: PartnerPortal, **kwargs: Any) -> None:
    cache.delete(portal_sections_cache_key(instance.pk))
