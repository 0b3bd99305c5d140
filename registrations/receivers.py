"""Make the registration lists' cached filter options stale (core.generations): the company
names whenever a registration is saved or deleted (``selectors.registration_company_names``),
an organisation's companies whenever a company or one of its links is
(``selectors.company_options``)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from core.generations import generation_renew
from registrations.models import Company, CompanyLink, OpportunityRegistration
from registrations.selectors import (
    COMPANIES_GENERATION,
    company_links_generation,
    company_names_generation,
)


@receiver([post_save, post_delete], sender=OpportunityRegistration)
def registration_changed(
    sender: type[OpportunityRegistration], instance: OpportunityRegistration, **kwargs: Any
) -> None:
    generation_renew(company_names_generation("organisation", instance.organisation_id))
    generation_renew(company_names_generation("direction", instance.direction_id))


@receiver([post_save, post_delete], sender=Company)
def company_changed(sender: type[Company], instance: Company, **kwargs: Any) -> None:
    generation_renew(COMPANIES_GENERATION)


@receiver([post_save, post_delete], sender=CompanyLink)
def company_link_changed(sender: type[CompanyLink], instance: CompanyLink, **kwargs: Any) -> None:
    generation_renew(company_links_generation(instance.organisation_id))


@receiver(m2m_changed, sender=Company.organisations.through)
def company_organisations_changed(sender: type[Any], action: str, **kwargs: Any) -> None:
    # Links added or removed through the relation (``company.organisations.add()``) are
    # bulk-created or deleted without post_save: every organisation's list goes stale.
    if action.startswith("post_"):
        generation_renew(COMPANIES_GENERATION)
