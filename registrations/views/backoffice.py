"""The agents' back office, /backoffice/: the queue of their directions' registrations, each
registration's record and decisions (one view per decision), and opportunities.

Every view is wrapped by ``backoffice_view`` and reads through the agent selectors, which scope
to the directions of the ``AgentContext``: another direction's registration answers 404 exactly
like a missing one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backoffice_access.context import AgentContext, backoffice_view
from core.lists import EXPORT_CSV, EXPORT_PARAMETER, list_response, url_for_each
from registrations import selectors, services
from registrations.columns import QUEUE_COLUMNS
from registrations.forms import (
    AgentCommentForm,
    InfoRequestForm,
    OpportunityUpdateForm,
    QualifyForm,
    RejectForm,
)
from registrations.models import OpportunityRegistration, Side
from registrations.states import RegistrationState, can_transition
from registrations.views.files import attachment_response


def _detail_url(registration: OpportunityRegistration) -> str:
    return reverse("backoffice:registration", kwargs={"registration_id": registration.public_id})


@require_GET
@backoffice_view
def queue(request: HttpRequest, agent: AgentContext) -> HttpResponseBase:
    """Registrations of the agent's directions, with the partner filters, "assigned to me",
    and counts by state; CSV with ``?export=csv``."""
    detail = url_for_each("backoffice:registration", key="registration_id")
    return list_response(
        request,
        listing=selectors.queue_for_agent(
            agent=agent,
            filters=request.GET,
            export=request.GET.get(EXPORT_PARAMETER) == EXPORT_CSV,
        ),
        columns=QUEUE_COLUMNS,
        template="registrations/backoffice/queue.html",
        context={
            "counts": [
                (RegistrationState(state), count)
                for state, count in selectors.state_counts(agent=agent).items()
            ],
            "count_cap": selectors.STATE_COUNT_CAP,
            "directions": agent.directions,
        },
        export_filename="registration-queue",
        default_sort="-created",
        row_testid="queue-row",
        row_url=lambda registration: detail(registration.public_id),
    )


def _detail_context(
    agent: AgentContext, registration: OpportunityRegistration, **forms: Any
) -> dict[str, Any]:
    state = registration.state
    return {
        "registration": registration,
        "opportunity": selectors.opportunity_for_registration(registration=registration),
        "attachments": selectors.attachments_for(registration=registration),
        "feed": selectors.activity_for_agent(registration=registration),
        "conflicts": selectors.conflicts_for(registration=registration),
        "can_start": can_transition(state, RegistrationState.IN_REVIEW),
        # Qualify, reject and "more information" leave the same state.
        "can_decide": can_transition(state, RegistrationState.QUALIFIED),
        "comment_form": forms.get("comment_form") or AgentCommentForm(),
        "qualify_form": forms.get("qualify_form")
        or QualifyForm(initial={"opportunity_name": registration.name}),
        "reject_form": forms.get("reject_form") or RejectForm(prefix="reject"),
        "info_form": forms.get("info_form") or InfoRequestForm(prefix="info"),
        "is_mine": registration.assigned_to_id == agent.agent.pk,
    }


@require_GET
@backoffice_view
def registration_detail(
    request: HttpRequest, agent: AgentContext, registration_id: uuid.UUID
) -> HttpResponse:
    registration = selectors.registration_get_for_agent_or_404(
        agent=agent, public_id=registration_id
    )
    # Seen: the queue's "updated by the partner" marker goes (for its agent).
    services.registration_seen(registration=registration, agent=agent.agent)
    return render(
        request,
        "registrations/backoffice/registration.html",
        _detail_context(agent, registration),
    )


# --- Decisions: one view each, POST only -------------------------------------------------------
def _decide(
    request: HttpRequest,
    registration: OpportunityRegistration,
    service: Callable[..., object],
    *,
    done: str | None,
    **arguments: Any,
) -> HttpResponse:
    """Run one decision on ``registration`` and go back to its record, saying what happened;
    the state machine refuses what the registration's state does not allow."""
    try:
        service(registration=registration, **arguments)
    except services.InvalidTransition as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if done is not None:
            messages.success(request, done)
    return redirect(_detail_url(registration))


def _form_refused(
    request: HttpRequest, agent: AgentContext, registration: OpportunityRegistration, **forms: Any
) -> HttpResponse:
    """The record again, with the form that did not validate, its text kept."""
    return render(
        request,
        "registrations/backoffice/registration.html",
        _detail_context(agent, registration, **forms),
        status=400,
    )


@require_POST
@backoffice_view
def registration_start_review(
    request: HttpRequest, agent: AgentContext, registration_id: uuid.UUID
) -> HttpResponse:
    registration = selectors.registration_get_for_agent_or_404(
        agent=agent, public_id=registration_id
    )
    return _decide(
        request,
        registration,
        services.registration_start_review,
        done=_("You are reviewing this registration."),
        actor=agent.agent,
    )


@require_POST
@backoffice_view
def registration_assign(
    request: HttpRequest, agent: AgentContext, registration_id: uuid.UUID
) -> HttpResponse:
    registration = selectors.registration_get_for_agent_or_404(
        agent=agent, public_id=registration_id
    )
    return _decide(
        request,
        registration,
        services.registration_assign,
        done=_("The registration is assigned to you."),
        agent=agent.agent,
    )


@require_POST
@backoffice_view
def registration_qualify(
    request: HttpRequest, agent: AgentContext, registration_id: uuid.UUID
) -> HttpResponse:
    registration = selectors.registration_get_for_agent_or_404(
        agent=agent, public_id=registration_id
    )
    form = QualifyForm(request.POST)
    if not form.is_valid():
        return _form_refused(request, agent, registration, qualify_form=form)
    return _decide(
        request,
        registration,
        services.registration_qualify,
        done=_("Qualified: the opportunity was created."),
        actor=agent.agent,
        opportunity_name=form.cleaned_data["opportunity_name"],
        stage=form.cleaned_data["stage"],
        comment=form.cleaned_data["comment"],
    )


@require_POST
@backoffice_view
def registration_reject(
    request: HttpRequest, agent: AgentContext, registration_id: uuid.UUID
) -> HttpResponse:
    registration = selectors.registration_get_for_agent_or_404(
        agent=agent, public_id=registration_id
    )
    form = RejectForm(request.POST, prefix="reject")
    if not form.is_valid():
        return _form_refused(request, agent, registration, reject_form=form)
    return _decide(
        request,
        registration,
        services.registration_reject,
        done=_("The registration was rejected."),
        actor=agent.agent,
        reason=form.cleaned_data["reason"],
    )


@require_POST
@backoffice_view
def registration_request_info(
    request: HttpRequest, agent: AgentContext, registration_id: uuid.UUID
) -> HttpResponse:
    registration = selectors.registration_get_for_agent_or_404(
        agent=agent, public_id=registration_id
    )
    form = InfoRequestForm(request.POST, prefix="info")
    if not form.is_valid():
        return _form_refused(request, agent, registration, info_form=form)
    return _decide(
        request,
        registration,
        services.registration_request_info,
        done=_("The registration went back to the partner."),
        actor=agent.agent,
        reason=form.cleaned_data["reason"],
    )


@require_POST
@backoffice_view
def registration_comment(
    request: HttpRequest, agent: AgentContext, registration_id: uuid.UUID
) -> HttpResponse:
    """A comment to the partner or a work note (vendor only), as the agent chose."""
    registration = selectors.registration_get_for_agent_or_404(
        agent=agent, public_id=registration_id
    )
    form = AgentCommentForm(request.POST)
    if not form.is_valid():
        return _form_refused(request, agent, registration, comment_form=form)
    return _decide(
        request,
        registration,
        services.comment_add,
        done=None,
        actor=agent.agent,
        body=form.cleaned_data["body"],
        side=Side.VENDOR,
        kind=form.cleaned_data["kind"],
    )


@require_GET
@backoffice_view
def attachment_download(
    request: HttpRequest, agent: AgentContext, registration_id: uuid.UUID, attachment_id: uuid.UUID
) -> FileResponse:
    registration = selectors.registration_get_for_agent_or_404(
        agent=agent, public_id=registration_id
    )
    attachment = selectors.attachment_get_for_agent_or_404(
        registration=registration, public_id=attachment_id
    )
    return attachment_response(attachment)


@require_http_methods(["GET", "POST"])
@backoffice_view
def opportunity_detail(
    request: HttpRequest, agent: AgentContext, opportunity_id: uuid.UUID
) -> HttpResponse:
    """An opportunity: agents set its stage and status (lost with a reason)."""
    opportunity = selectors.opportunity_get_for_agent_or_404(agent=agent, public_id=opportunity_id)
    form = OpportunityUpdateForm(
        request.POST or None,
        initial={
            "stage": opportunity.stage,
            "status": opportunity.status,
            "lost_reason": opportunity.lost_reason,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.opportunity_update(
                opportunity=opportunity,
                actor=agent.agent,
                stage=form.cleaned_data["stage"],
                status=form.cleaned_data["status"],
                lost_reason=form.cleaned_data["lost_reason"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The opportunity was updated."))
            return redirect(
                reverse("backoffice:opportunity", kwargs={"opportunity_id": opportunity.public_id})
            )
    registration = opportunity.registration
    return render(
        request,
        "registrations/backoffice/opportunity.html",
        {
            "opportunity": opportunity,
            "registration": registration,
            "form": form,
            "feed": selectors.activity_for_agent(registration=registration),
        },
        status=400 if form.is_bound and form.errors else 200,
    )
