"""The back-office outbox list's filters. The rows and the partner choices come from
``integrations.selectors``, scoped to the staff user's directions (never the default manager,
which would list every direction's partners)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filters import BootstrapFilterSet, StableOrderingFilter
from integrations.models import OutboxState, Target
from partners.models import PartnerOrganisation


class OutboxFilter(BootstrapFilterSet):
    state = django_filters.ChoiceFilter(
        label=_("State"), choices=OutboxState.choices, empty_label=_("Any state")
    )
    target = django_filters.ChoiceFilter(
        label=_("Sent to"), choices=Target.choices, empty_label=_("Any system")
    )
    organisation = django_filters.ModelChoiceFilter(
        label=_("Partner"),
        queryset=PartnerOrganisation.objects.none(),
        empty_label=_("Any partner"),
    )
    # A header click sorts by these; each has its index (integrations.models: outbox_updated,
    # outbox_attempts), so a sorted page reads as few rows as the newest-first one.
    sort = StableOrderingFilter(
        label=_("Sort"),
        fields=(("updated_at", "updated"), ("attempts", "attempts")),
        field_labels={"updated_at": _("Updated"), "attempts": _("Attempts")},
        empty_label=_("Newest first"),
    )
