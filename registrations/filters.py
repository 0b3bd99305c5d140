"""The registrations lists' filters (django-filter), each declared once.

The rows handed in are already scoped, and the choice lists (companies, representatives,
partners) come from the selector that runs the FilterSet: see ``core.filters``. The
registration lists pick a company by the name the rows carry (a proposed company has no CRM
record yet); the opportunity list by its CRM record.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.filters import (
    BootstrapFilterSet,
    OptionFilter,
    SearchFilter,
    StableOrderingFilter,
    date_range_filter,
)
from core.widgets import ValuesChoiceField
from partners.models import PartnerOrganisation
from registrations.models import Company
from registrations.states import OpportunityStage, OpportunityStatus, RegistrationState


class NameChoiceField(ValuesChoiceField):
    """Companies and partners by name, read as values (core.widgets.ValuesChoiceField)."""

    label_fields = ("name",)


class NameFilter(django_filters.ModelChoiceFilter):
    field_class = NameChoiceField


def company_filter() -> django_filters.ModelChoiceFilter:
    # Until the selector hands in the tenant's companies, the filter offers (and accepts) none.
    return NameFilter(
        label=_("Company"),
        queryset=Company.objects.none(),
        empty_label=_("Any company"),
        to_field_name="public_id",  # no internal key in the URL
    )


def company_name_filter() -> OptionFilter:
    """A registration's company by its name, as the table shows it: a proposed new company has
    no CRM record until it is qualified, and its registrations are found all the same. The
    selector hands in the names the rows carry."""
    return OptionFilter(field_name="company_name", label=_("Company"), empty_label=_("Any company"))


class PersonChoiceField(ValuesChoiceField):
    """People by name, as the tables show them (the address when a name is missing)."""

    label_fields = ("first_name", "last_name", "email")

    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.email

    def label_from_values(self, *values: Any) -> str:
        return person_label(*values)


def person_label(first_name: str, last_name: str, email: str) -> str:
    """A person as the tables and the filters name them: their name, else their address."""
    return f"{first_name} {last_name}".strip() or email


class PersonFilter(django_filters.ModelChoiceFilter):
    field_class = PersonChoiceField


def representative_filter() -> django_filters.ModelChoiceFilter:
    return PersonFilter(
        label=_("Partner representative"), queryset=User.objects.none(), empty_label=_("Anyone")
    )


class RegistrationFilter(BootstrapFilterSet):
    # Served by the pg_trgm GIN indexes on UPPER(name) / UPPER(company_name) (migration 0002).
    q = SearchFilter(fields=("name", "company_name"))
    state = django_filters.ChoiceFilter(
        label=_("State"), choices=RegistrationState.choices, empty_label=_("Any state")
    )
    created = date_range_filter("created_at", _("Created"))
    closure = date_range_filter("expected_close_date", _("Estimated closure"))
    company = company_name_filter()
    representative = representative_filter()
    sort = StableOrderingFilter(
        label=_("Sort"),
        fields=(
            ("created_at", "created"),
            ("name", "name"),
            ("expected_close_date", "closure"),
            ("company_name", "company"),
        ),
        field_labels={
            "created_at": _("Created"),
            "name": _("Name"),
            "expected_close_date": _("Estimated closure"),
            "company_name": _("Company"),
        },
        empty_label=_("Newest first"),
    )


class QueueFilter(RegistrationFilter):
    """The agents' queue: the partner filters, by partner instead of representative, and
    "assigned to me" (``agent_id``: the agent asking)."""

    representative = None
    organisation = NameFilter(
        label=_("Partner"),
        queryset=PartnerOrganisation.objects.none(),
        empty_label=_("Any partner"),
    )
    assigned = django_filters.ChoiceFilter(
        label=_("Assigned"),
        choices=[("me", _("Assigned to me")), ("nobody", _("Not assigned"))],
        empty_label=_("Anybody"),
        method="filter_assigned",
    )

    def __init__(self, *args: Any, agent_id: int, **kwargs: Any) -> None:
        self.agent_id = agent_id
        super().__init__(*args, **kwargs)

    def filter_assigned(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if value == "me":
            return queryset.filter(assigned_to_id=self.agent_id)
        if value == "nobody":
            return queryset.filter(assigned_to__isnull=True)
        return queryset


class OpportunityFilter(BootstrapFilterSet):
    # Served by the pg_trgm GIN index on UPPER(name) (migration 0002).
    q = SearchFilter(fields=("name",))
    stage = django_filters.ChoiceFilter(
        label=_("Stage"), choices=OpportunityStage.choices, empty_label=_("Any stage")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=OpportunityStatus.choices, empty_label=_("Any status")
    )
    created = date_range_filter("created_at", _("Qualified"))
    closure = date_range_filter("expected_close_date", _("Expected close"))
    company = company_filter()
    representative = representative_filter()
    sort = StableOrderingFilter(
        label=_("Sort"),
        fields=(("created_at", "created"), ("name", "name"), ("expected_close_date", "closure")),
        field_labels={
            "created_at": _("Qualified"),
            "name": _("Name"),
            "expected_close_date": _("Expected close"),
        },
        empty_label=_("Newest first"),
    )
