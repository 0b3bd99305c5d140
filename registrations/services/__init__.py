"""Writes of the registrations domain: every change to a registration, opportunity or feed."""

from registrations.services.activity import comment_add, registration_seen
from registrations.services.attachments import attachments_add
from registrations.services.opportunities import opportunity_update
from registrations.services.registrations import (
    DUPLICATE_COMPANY_MESSAGES,
    RegistrationData,
    company_duplicates,
    registration_resubmit,
    registration_submit,
)
from registrations.services.review import (
    registration_assign,
    registration_qualify,
    registration_reject,
    registration_request_info,
    registration_start_review,
)
from registrations.services.transitions import InvalidTransition

__all__ = [
    "DUPLICATE_COMPANY_MESSAGES",
    "InvalidTransition",
    "RegistrationData",
    "attachments_add",
    "comment_add",
    "company_duplicates",
    "opportunity_update",
    "registration_assign",
    "registration_qualify",
    "registration_reject",
    "registration_request_info",
    "registration_resubmit",
    "registration_seen",
    "registration_start_review",
    "registration_submit",
]
