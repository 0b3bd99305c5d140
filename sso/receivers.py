"""Make the signed-in users' cached partner context stale whenever an identity provider changes
(the context carries the organisation's provider: ``partners.selectors``)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from partners.selectors import partner_context_changed
from sso.models import IdentityProvider


@receiver([post_save, post_delete], sender=IdentityProvider)
def identity_provider_changed(
    sender: type[IdentityProvider], instance: IdentityProvider, **kwargs: Any
) -> None:
    partner_context_changed()
