"""Forms of the registrations domain."""

from registrations.forms.feed import (
    AgentCommentForm,
    CommentForm,
    OpportunityUpdateForm,
    QualifyForm,
    ReasonForm,
)
from registrations.forms.registration import RegistrationForm, initial_from

__all__ = [
    "AgentCommentForm",
    "CommentForm",
    "OpportunityUpdateForm",
    "QualifyForm",
    "ReasonForm",
    "RegistrationForm",
    "initial_from",
]
