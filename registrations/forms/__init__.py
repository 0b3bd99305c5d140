"""Forms of the registrations domain."""

from registrations.forms.feed import (
    AgentCommentForm,
    CommentForm,
    InfoRequestForm,
    OpportunityUpdateForm,
    QualifyForm,
    ReasonForm,
    RejectForm,
)
from registrations.forms.registration import ContactForm, RegistrationForm, initial_from

__all__ = [
    "AgentCommentForm",
    "CommentForm",
    "ContactForm",
    "InfoRequestForm",
    "OpportunityUpdateForm",
    "QualifyForm",
    "ReasonForm",
    "RegistrationForm",
    "RejectForm",
    "initial_from",
]
