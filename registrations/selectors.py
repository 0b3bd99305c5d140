"""Reads of the registrations domain. Partner-facing reads take the partner first and go
through ``partners.scoping``; the agents' reads take the agent and go through their directions.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.models import User
from backoffice_access.context import AgentContext
from core.generations import cached_under
from core.lists import Filtered
from partners.models import PartnerOrganisation
from partners.scoping import get_for_partner_or_404, scope_to_partner
from partners.selectors import active_members
from registrations.filters import (
    OpportunityFilter,
    QueueFilter,
    RegistrationFilter,
    person_label,
)
from registrations.models import (
    PARTNER_VISIBLE_KINDS,
    ActivityEntry,
    Attachment,
    Company,
    Contact,
    Opportunity,
    OpportunityRegistration,
    PendingUpload,
)
from registrations.states import OPEN_STATES, OpportunityStatus, RegistrationState


class Scope(enum.StrEnum):
    MINE = "mine"
    ALL = "all"


def scope_decide(*, requested: str | None, is_supervisor: bool) -> Scope:
    """ "All" exists for supervisors only; anybody else asking for it gets their own records."""
    if requested == Scope.ALL and is_supervisor:
        return Scope.ALL
    return Scope.MINE


# ------------------------------------------------------------------------------------------------
# Partner side
# ------------------------------------------------------------------------------------------------
def companies_for_partner(*, partner: PartnerOrganisation) -> QuerySet[Company]:
    """The companies an organisation may name: those linked to it, never the whole CRM."""
    return Company.objects.filter(links__organisation=partner).order_by("name")


# The opportunity list's company options, cached (core.generations): stale when a company is
# saved or deleted (a rename shows in every organisation's list) or when a link of this
# organisation is (registrations.receivers).
COMPANIES_GENERATION = "registrations:companies:generation"
COMPANY_OPTIONS_TIMEOUT = 3600


def company_links_generation(organisation_id: object) -> str:
    return f"registrations:company-links:generation:{organisation_id}"


def company_options(*, partner: PartnerOrganisation) -> list[tuple[str, str]]:
    """(public id, name) of ``companies_for_partner``, as the opportunity list's filter
    offers them."""
    return cached_under(
        f"registrations:company-options:{partner.pk}",
        (COMPANIES_GENERATION, company_links_generation(partner.pk)),
        lambda: [
            (str(public_id), name)
            for public_id, name in companies_for_partner(partner=partner).values_list(
                "public_id", "name"
            )
        ],
        timeout=COMPANY_OPTIONS_TIMEOUT,
    )


def contacts_for_partner(*, partner: PartnerOrganisation) -> QuerySet[Contact]:
    """Contacts of the companies the organisation may name."""
    return (
        Contact.objects.filter(company__links__organisation=partner)
        .select_related("company")
        .order_by("company__name", "last_name", "first_name")
    )


def contacts_of_company(
    *, partner: PartnerOrganisation, company_public_id: object
) -> QuerySet[Contact]:
    """The contacts of one company the organisation may name ("Existing contact" offers
    these); none for a company it may not name, or an id that is no company's."""
    try:
        public_id = uuid.UUID(str(company_public_id))
    except ValueError:
        return Contact.objects.none()
    return (
        Contact.objects.filter(company__public_id=public_id, company__links__organisation=partner)
        .select_related("company")
        .order_by("last_name", "first_name", "id")
    )


# The distinct company names of the registrations of some organisations (or directions), or of
# one person's registrations in their organisation, read as a loose index scan: one probe of
# the (organisation | direction [, created_by], company_name, id) index a name, instead of every
# row of the tenant (PostgreSQL 15 has no skip scan). ``%(owner)s`` is one of the conditions
# below, never user input; ``%%(owner_ids)s`` and ``%%(created_by)s`` are the query's parameters.
_COMPANY_NAMES_SQL = """
WITH RECURSIVE names(owner, name) AS (
    SELECT owner, (
        SELECT company_name FROM %(table)s
        WHERE %(owner)s ORDER BY company_name LIMIT 1
    ) FROM unnest(%%(owner_ids)s::bigint[]) AS owners(owner)
    UNION ALL
    SELECT names.owner, (
        SELECT company_name FROM %(table)s
        WHERE %(owner)s AND company_name > names.name
        ORDER BY company_name LIMIT 1
    ) FROM names WHERE names.name IS NOT NULL
)
SELECT DISTINCT name FROM names WHERE name IS NOT NULL ORDER BY name
"""
_COMPANY_NAME_OWNERS = {
    "organisation": "organisation_id = owner",
    "direction": "direction_id = owner",
    "creator": "organisation_id = owner AND created_by_id = %%(created_by)s",
}


# The names are cached (core.generations): a partner's 100 names cost ~1.7 ms of index probes a
# page. Saving or deleting a registration renews its organisation's and its direction's
# generation (registrations.receivers); the few bulk updates of registrations leave the names
# alone (assignment, the partner-update marker).
COMPANY_NAMES_TIMEOUT = 3600


def company_names_generation(by: str, owner_id: object) -> str:
    """The generation of the names of an organisation's (``by="organisation"``) or a
    direction's (``by="direction"``) registrations."""
    return f"registrations:company-names:generation:{by}:{owner_id}"


def registration_company_names(
    *, by: str, ids: list[int], created_by: int | None = None
) -> list[tuple[str, str]]:
    """The company filter's options: every company name the registrations of these
    organisations (``by="organisation"``) or directions (``by="direction"``) carry, or those
    one person created in their organisation (``by="creator"``, ``ids`` the organisation),
    once, in order, proposed new companies included."""
    owners = "direction" if by == "direction" else "organisation"
    return cached_under(
        f"registrations:company-names:{by}:{','.join(map(str, sorted(ids)))}:{created_by}",
        [company_names_generation(owners, owner_id) for owner_id in sorted(ids)],
        lambda: _company_names_read(by=by, ids=ids, created_by=created_by),
        timeout=COMPANY_NAMES_TIMEOUT,
    )


def _company_names_read(
    *, by: str, ids: list[int], created_by: int | None
) -> list[tuple[str, str]]:
    sql = _COMPANY_NAMES_SQL % {
        "table": connection.ops.quote_name(OpportunityRegistration._meta.db_table),
        "owner": _COMPANY_NAME_OWNERS[by] % {"created_by": "%(created_by)s"},
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, {"owner_ids": ids, "created_by": created_by})
        return [(name, name) for (name,) in cursor.fetchall()]


def representatives_for_partner(*, partner: PartnerOrganisation) -> QuerySet[User]:
    """The organisation's active members: who may represent it on a deal."""
    return User.objects.filter(
        partner_membership__organisation=partner, partner_membership__is_active=True
    ).order_by("first_name", "last_name", "email")


def representative_options(*, partner: PartnerOrganisation) -> list[tuple[str, str]]:
    """The representative filter's options: the organisation's active members (cached:
    ``partners.selectors.active_members``), as ``representatives_for_partner`` lists them."""
    return [
        (str(pk), person_label(first_name, last_name, email))
        for pk, first_name, last_name, email in active_members(organisation_id=partner.pk)
    ]


def registration_list(
    *, partner: PartnerOrganisation, user: User, scope: Scope, filters: Mapping[str, Any] | None
) -> Filtered[OpportunityRegistration]:
    """The organisation's registrations (with ``Scope.MINE`` only those ``user`` created),
    through the list's filters; its company and representative choices are the partner's."""
    registrations = scope_to_partner(OpportunityRegistration.objects.all(), partner=partner)
    if scope is Scope.MINE:
        registrations = registrations.filter(created_by=user)
    filterset = RegistrationFilter(
        filters,
        # The table shows the representative; the export joins the contact and the agent
        # (core.lists.Column.related).
        queryset=registrations.select_related("representative"),
        choices={"representative": representatives_for_partner(partner=partner)},
        # The names of the rows the user may see: a member's own registrations name only the
        # companies they registered (a colleague's proposed company is not theirs to see).
        options={
            "company": _company_names_of(partner=partner, user=user, scope=scope),
            "representative": lambda: representative_options(partner=partner),
        },
    )
    return Filtered(rows=filterset.qs, form=filterset.form)


def _company_names_of(
    *, partner: PartnerOrganisation, user: User, scope: Scope
) -> Callable[[], list[tuple[str, str]]]:
    if scope is Scope.ALL:
        return lambda: registration_company_names(by="organisation", ids=[partner.pk])
    # A member's own registrations: a colleague's proposed company is not theirs to see.
    return lambda: registration_company_names(by="creator", ids=[partner.pk], created_by=user.pk)


def _visible_to(
    queryset: QuerySet[OpportunityRegistration], *, user: User, is_supervisor: bool
) -> QuerySet[OpportunityRegistration]:
    return queryset if is_supervisor else queryset.filter(created_by=user)


def registration_get_for_partner_or_404(
    *, partner: PartnerOrganisation, user: User, is_supervisor: bool, public_id: uuid.UUID
) -> OpportunityRegistration:
    """One registration the user may see: a supervisor any of the organisation's, a member
    their own. The same 404 for missing, another member's and another organisation's."""
    queryset = OpportunityRegistration.objects.select_related(
        "company", "contact", "representative", "created_by", "assigned_to"
    )
    return get_for_partner_or_404(
        _visible_to(queryset, user=user, is_supervisor=is_supervisor),
        partner=partner,
        public_id=public_id,
    )


def opportunity_list(
    *, partner: PartnerOrganisation, user: User, scope: Scope, filters: Mapping[str, Any] | None
) -> Filtered[Opportunity]:
    opportunities = scope_to_partner(Opportunity.objects.all(), partner=partner)
    if scope is Scope.MINE:
        opportunities = opportunities.filter(created_by=user)
    filterset = OpportunityFilter(
        filters,
        queryset=opportunities.select_related("company", "representative"),
        choices={
            "company": companies_for_partner(partner=partner),
            "representative": representatives_for_partner(partner=partner),
        },
        options={
            "company": lambda: company_options(partner=partner),
            "representative": lambda: representative_options(partner=partner),
        },
    )
    return Filtered(rows=filterset.qs, form=filterset.form)


def opportunity_get_for_partner_or_404(
    *, partner: PartnerOrganisation, user: User, is_supervisor: bool, public_id: uuid.UUID
) -> Opportunity:
    queryset = Opportunity.objects.select_related(
        "company", "contact", "representative", "created_by", "registration"
    )
    if not is_supervisor:
        queryset = queryset.filter(created_by=user)
    return get_for_partner_or_404(queryset, partner=partner, public_id=public_id)


def attachment_get_for_partner_or_404(
    *,
    partner: PartnerOrganisation,
    registration: OpportunityRegistration,
    public_id: uuid.UUID,
) -> Attachment:
    """An attachment of a registration the caller already resolved for this partner."""
    return get_for_partner_or_404(
        Attachment.objects.filter(registration=registration), partner=partner, public_id=public_id
    )


def pending_uploads_for(
    *, partner: PartnerOrganisation, user: User, form_key: str | None
) -> list[PendingUpload]:
    """The files kept for one form session of ``user`` in ``partner`` (none without a key)."""
    if not form_key:
        return []
    # The purge may take one meanwhile: services.attachments_add checks its claim on them.
    return list(
        PendingUpload.objects.filter(organisation=partner, uploaded_by=user, form_key=form_key)
    )


def opportunity_for_registration(*, registration: OpportunityRegistration) -> Opportunity | None:
    """The opportunity a qualified registration became, if any (for a caller that already
    resolved the registration in its own scope)."""
    return Opportunity.objects.filter(registration=registration).first()


def attachments_for(*, registration: OpportunityRegistration) -> QuerySet[Attachment]:
    return registration.attachments.all()


def activity_for_partner(*, registration: OpportunityRegistration) -> QuerySet[ActivityEntry]:
    """The feed as partners see it: comments and system events. Never work notes."""
    return (
        registration.activity.filter(kind__in=PARTNER_VISIBLE_KINDS)
        .select_related("author")
        .order_by("created_at", "id")
    )


# ------------------------------------------------------------------------------------------------
# Back office
# ------------------------------------------------------------------------------------------------
def _queue(*, agent: AgentContext) -> QuerySet[OpportunityRegistration]:
    return OpportunityRegistration.objects.filter(direction_id__in=agent.direction_ids)


def queue_for_agent(
    *, agent: AgentContext, filters: Mapping[str, Any] | None, export: bool = False
) -> Filtered[OpportunityRegistration]:
    """Every registration of the agent's directions, with a conflict flag on each, through the
    queue's filters; its company and partner choices are those of the agent's directions.

    The table shows the partner and the agent; only the CSV export (``export``) needs the
    contact. Each joined table costs the planner about a millisecond on this 29-index table
    (4 joins: 3.2 ms of planning for 0.4 ms of execution), so the page joins only the two it
    shows.
    """
    related = (
        ("organisation", "assigned_to", "contact") if export else ("organisation", "assigned_to")
    )
    filterset = QueueFilter(
        filters,
        queryset=_queue(agent=agent)
        .select_related(*related)
        .annotate(has_conflict=conflict_exists()),
        choices={
            "organisation": PartnerOrganisation.objects.filter(
                direction_id__in=agent.direction_ids
            ),
        },
        options={
            "company": lambda: registration_company_names(
                by="direction", ids=list(agent.direction_ids)
            )
        },
        agent_id=agent.agent.pk,
    )
    return Filtered(rows=filterset.qs, form=filterset.form)


def conflict_exists() -> ExpressionWrapper:
    """For a registration row: another organisation has an open registration or opportunity
    for the same company.

    "Another organisation" is written as two ranges (a lower and a higher id) rather than
    ``<>``: a range is an index condition on the (company, state, organisation) and (company,
    status, organisation) indexes, so each check is a couple of index descents however many
    open deals the company has, where ``<>`` would filter them one by one.
    """
    organisation = OuterRef("organisation_id")
    checks = []
    for other in (Q(organisation_id__lt=organisation), Q(organisation_id__gt=organisation)):
        checks.append(
            Q(
                Exists(
                    OpportunityRegistration.objects.filter(
                        other, company_id=OuterRef("company_id"), state__in=OPEN_STATES
                    )
                )
            )
        )
        checks.append(
            Q(
                Exists(
                    Opportunity.objects.filter(
                        other, company_id=OuterRef("company_id"), status=OpportunityStatus.OPEN
                    )
                )
            )
        )
    combined = checks[0]
    for check in checks[1:]:
        combined |= check
    return ExpressionWrapper(combined, output_field=BooleanField())


def registration_get_for_agent_or_404(
    *, agent: AgentContext, public_id: uuid.UUID | str
) -> OpportunityRegistration:
    """A registration of one of the agent's directions; 404 for anything else."""
    try:
        return (
            OpportunityRegistration.objects.select_related(
                "organisation__direction",
                "company",
                "contact",
                "representative",
                "created_by",
                "assigned_to",
            )
            .filter(direction_id__in=agent.direction_ids)
            .get(public_id=public_id)
        )
    except (OpportunityRegistration.DoesNotExist, ValueError) as exc:
        raise Http404("No such registration.") from exc


def opportunity_get_for_agent_or_404(
    *, agent: AgentContext, public_id: uuid.UUID | str
) -> Opportunity:
    try:
        return (
            Opportunity.objects.select_related(
                "organisation", "company", "contact", "representative", "registration"
            )
            .filter(registration__direction_id__in=agent.direction_ids)
            .get(public_id=public_id)
        )
    except (Opportunity.DoesNotExist, ValueError) as exc:
        raise Http404("No such opportunity.") from exc


def activity_for_agent(*, registration: OpportunityRegistration) -> QuerySet[ActivityEntry]:
    """The whole feed, work notes included: agents see everything."""
    return registration.activity.select_related("author").order_by("created_at", "id")


def attachment_get_for_agent_or_404(
    *, registration: OpportunityRegistration, public_id: uuid.UUID | str
) -> Attachment:
    try:
        return registration.attachments.get(public_id=public_id)
    except (Attachment.DoesNotExist, ValueError) as exc:
        raise Http404("No such attachment.") from exc


@dataclass(frozen=True)
class Conflict:
    kind: str  # "registration" | "opportunity"
    name: str
    organisation: str
    state: str
    created_at: object
    public_id: uuid.UUID


def conflicts_for(*, registration: OpportunityRegistration) -> list[Conflict]:
    """Other organisations' open registrations and opportunities for the same company.

    For agents only: the partner pages never call this.
    """
    if registration.company_id is None:
        return []
    registrations = (
        OpportunityRegistration.objects.filter(
            company_id=registration.company_id, state__in=OPEN_STATES
        )
        .exclude(organisation_id=registration.organisation_id)
        .select_related("organisation")[:20]
    )
    opportunities = (
        Opportunity.objects.filter(
            company_id=registration.company_id, status=OpportunityStatus.OPEN
        )
        .exclude(organisation_id=registration.organisation_id)
        .select_related("organisation")[:20]
    )
    found = [
        Conflict(
            kind="registration",
            name=r.name,
            organisation=r.organisation.name,
            state=str(RegistrationState(r.state).label),
            created_at=r.created_at,
            public_id=r.public_id,
        )
        for r in registrations
    ]
    found += [
        Conflict(
            kind="opportunity",
            name=o.name,
            organisation=o.organisation.name,
            state=str(OpportunityStatus(o.status).label),
            created_at=o.created_at,
            public_id=o.public_id,
        )
        for o in opportunities
    ]
    return found


# Agents need exact numbers for the states they work (few rows: submitted, in review, more
# information); for the closed ones "1,000+" says enough.
STATE_COUNT_CAP = 1_000


def state_counts(*, agent: AgentContext) -> dict[str, int]:
    """How many registrations of the queue are in each state, each capped at 1,000, in one query.

    A capped count reads at most 1,001 entries of the (direction, state) index per state,
    whatever the table's size: an exact COUNT over 500k rows costs tens of milliseconds
    (PERFORMANCE.md), a 10,000 cap still 3-4 ms a state (bench/results/registrations.md).
    The five capped counts run as one statement (a UNION ALL of scalar subqueries): one round
    trip instead of five, each branch still an index-only scan of at most 1,001 entries.
    """
    if not agent.direction_ids:
        return dict.fromkeys(RegistrationState.values, 0)
    base = _queue(agent=agent).order_by().values("pk")
    parts: list[str] = []
    params: list[Any] = []
    for state in RegistrationState.values:
        sql, state_params = base.filter(state=state)[: STATE_COUNT_CAP + 1].query.sql_with_params()
        parts.append(
            f"SELECT %s, (SELECT COUNT(*) FROM ({sql}) AS capped)"  # noqa: S608  # the ORM's own SQL; every value stays a parameter
        )
        params += [state, *state_params]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        found = dict(cursor.fetchall())
    return {state: found.get(state, 0) for state in RegistrationState.values}
