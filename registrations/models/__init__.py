"""The registrations domain's models, one module per concept."""

from registrations.models.activity import (
    PARTNER_VISIBLE_KINDS,
    ActivityEntry,
    Attachment,
    EntryKind,
    PendingUpload,
    Side,
)
from registrations.models.crm import Company, CompanyLink, Contact
from registrations.models.opportunity import Opportunity
from registrations.models.registration import OpportunityRegistration

__all__ = [
    "PARTNER_VISIBLE_KINDS",
    "ActivityEntry",
    "Attachment",
    "Company",
    "CompanyLink",
    "Contact",
    "EntryKind",
    "Opportunity",
    "OpportunityRegistration",
    "PendingUpload",
    "Side",
]
