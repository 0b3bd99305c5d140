"""The back-office outbox list's filters. The queryset handed in is already scoped to the staff
user; the organisation choices are a callable of the request, built from what that user may see
(never the default manager, which would list every direction's partners)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from integrations import selectors
from integrations.models import OutboxState, Target
from partners.models import PartnerOrganisation
from registrations.filters import BootstrapFilterSet


def staff_organisations(request: HttpRequest | None) -> QuerySet[PartnerOrganisation]:
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return PartnerOrganisation.objects.none()
    return selectors.organisations_for_staff(user=user)


class OutboxFilter(BootstrapFilterSet):
    state = django_filters.ChoiceFilter(
        label=_("State"), choices=OutboxState.choices, empty_label=_("Any state")
    )
    target = django_filters.ChoiceFilter(
        label=_("Sent to"), choices=Target.choices, empty_label=_("Any system")
    )
    organisation = django_filters.ModelChoiceFilter(
        label=_("Partner"), queryset=staff_organisations, empty_label=_("Any partner")
    )
