"""The one door to tenant-owned data.

Every partner-facing read goes through ``scope_to_partner`` (a queryset filtered by the signed-in
user's organisation) or ``get_for_partner_or_404`` (one object, the same 404 for "missing" and
"not yours"). A model opts in by naming the path from itself to its ``PartnerOrganisation`` in
``partner_field`` (``"organisation"`` unless it says otherwise).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404

from partners.models import PartnerOrganisation


def partner_lookup(model: type[Model]) -> str:
    return getattr(model, "partner_field", "organisation")


def scope_to_partner[M: Model](
    queryset: QuerySet[M], *, partner: PartnerOrganisation
) -> QuerySet[M]:
    """Only the rows of ``queryset`` that belong to ``partner``."""
    return queryset.filter(**{partner_lookup(queryset.model): partner})


def get_for_partner_or_404[M: Model](
    queryset: QuerySet[M], *, partner: PartnerOrganisation, **lookup: Any
) -> M:
    """One object of ``partner``'s, or 404 whether it is missing or another tenant's."""
    try:
        return scope_to_partner(queryset, partner=partner).get(**lookup)
    except (ObjectDoesNotExist, ValidationError, ValueError, TypeError) as exc:
        # ValueError/TypeError: a malformed id (say, not a UUID) is as unknown as a missing one.
        raise Http404(f"No {queryset.model._meta.verbose_name} matches the given query.") from exc
