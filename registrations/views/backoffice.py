"""The agents' back office, /backoffice/: the queue of their directions' registrations, each
registration's record and decisions, and opportunities.

Staff only; an agent reaches a registration only through ``directions_for_agent`` (the guardian
permission ``partners.work_registrations`` on its sales direction), so another direction's
registration answers 404 exactly like a missing one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from partners.models import SalesDirection
from registrations import selectors, services
from registrations.export import csv_response
from registrations.filters import QueueFilter
from registrations.forms import AgentCommentForm, OpportunityUpdateForm, QualifyForm, ReasonForm
from registrations.models import Opportunity, OpportunityRegistration, Side
from registrations.paging import paginate
from registrations.states import RegistrationState, can_transition
from registrations.views.partner import attachment_response, is_htmx

type AgentView = Callable[..., HttpResponseBase]

# Set on every view ``backoffice_view`` wraps: a test walks the resolver and fails on any
# /backoffice/ view without it.
POLICY_ATTRIBUTE = "backoffice_policy"


def backoffice_view(view: AgentView) -> AgentView:
    """Signed-in vendor staff only; the view gets the agent as a ``User``."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (isinstance(request.user, User) and request.user.is_staff):
            raise PermissionDenied
        return view(request, request.user, *args, **kwargs)

    setattr(wrapper, POLICY_ATTRIBUTE, True)
    return wrapper


def _detail_url(registration: OpportunityRegistration) -> str:
    return reverse("backoffice:registration", kwargs={"registration_id": registration.public_id})


@require_GET
@backoffice_view
def queue(request: HttpRequest, agent: User) -> HttpResponseBase:
    """Registrations of the agent's directions, with the partner filters, "assigned to me",
    and counts by state."""
    registrations = selectors.queue_for_agent(agent=agent)
    filterset = QueueFilter(request.GET or None, queryset=registrations, request=request)
    if request.GET.get("export") == "csv":
        return csv_response(
            filename="registration-queue",
            header=[
                "Name",
                "State",
                "Partner",
                "Company",
                "Agent",
                "Created",
                "Estimated closure",
                "Conflict",
            ],
            rows=filterset.qs,
            row=lambda r: [
                r.name,
                r.get_state_display(),
                r.organisation.name,
                r.company_name,
                r.assigned_to.email if r.assigned_to else "",
                r.created_at.date().isoformat(),
                r.expected_close_date.isoformat() if r.expected_close_date else "",
                "yes" if r.has_conflict else "",
            ],
        )
    context = {
        "filter": filterset,
        "page": paginate(request, filterset.qs),
        "counts": [
            (RegistrationState(state), count)
            for state, count in selectors.state_counts(queue=registrations).items()
        ],
        "count_cap": selectors.STATE_COUNT_CAP,
        "directions": SalesDirection.objects.filter(
            pk__in=selectors.direction_ids_for_agent(agent=agent)
        ),
    }
    template = "registrations/backoffice/queue.html"
    if is_htmx(request):
        template += "#results"
    return render(request, template, context)


def _detail_context(
    agent: User, registration: OpportunityRegistration, **forms: Any
) -> dict[str, Any]:
    state = registration.state
    return {
        "registration": registration,
        "opportunity": Opportunity.objects.filter(registration=registration).first(),
        "attachments": registration.attachments.all(),
        # Agents see the whole feed, work notes included.
        "feed": registration.activity.select_related("author").order_by("created_at", "id"),
        "conflicts": selectors.conflicts_for(registration=registration),
        "can_start": can_transition(state, RegistrationState.IN_REVIEW),
        "can_decide": state == RegistrationState.IN_REVIEW,
        "comment_form": forms.get("comment_form") or AgentCommentForm(),
        "qualify_form": forms.get("qualify_form")
        or QualifyForm(initial={"opportunity_name": registration.name}),
        "reject_form": forms.get("reject_form") or ReasonForm(prefix="reject"),
        "info_form": forms.get("info_form") or ReasonForm(prefix="info"),
        "is_mine": registration.assigned_to_id == agent.pk,
    }


@require_GET
@backoffice_view
def registration_detail(
    request: HttpRequest, agent: User, registration_id: uuid.UUID
) -> HttpResponse:
    registration = selectors.registration_get_for_agent_or_404(
        agent=agent, public_id=registration_id
    )
    return render(
        request,
        "registrations/backoffice/registration.html",
        _detail_context(agent, registration),
    )


ACTIONS = ("start_review", "assign", "qualify", "reject", "request_info", "comment")


@require_POST
@backoffice_view
def registration_action(
    request: HttpRequest, agent: User, registration_id: uuid.UUID, action: str
) -> HttpResponse:
    """One decision or comment on a registration; the state machine refuses what it lacks."""
    if action not in ACTIONS:
        raise Http404("No such action.")
    registration = selectors.registration_get_for_agent_or_404(
        agent=agent, public_id=registration_id
    )
    invalid: dict[str, Any] = {}
    try:
        if action == "start_review":
            services.registration_start_review(registration=registration, actor=agent)
            messages.success(request, _("You are reviewing this registration."))
        elif action == "assign":
            services.registration_assign(registration=registration, agent=agent)
            messages.success(request, _("The registration is assigned to you."))
        elif action == "comment":
            comment_form = AgentCommentForm(request.POST)
            if comment_form.is_valid():
                services.comment_add(
                    registration=registration,
                    actor=agent,
                    body=comment_form.cleaned_data["body"],
                    side=Side.VENDOR,
                    kind=comment_form.cleaned_data["kind"],
                )
            else:
                invalid["comment_form"] = comment_form
        elif action == "qualify":
            qualify_form = QualifyForm(request.POST)
            if qualify_form.is_valid():
                services.registration_qualify(
                    registration=registration,
                    actor=agent,
                    opportunity_name=qualify_form.cleaned_data["opportunity_name"],
                    stage=qualify_form.cleaned_data["stage"],
                    comment=qualify_form.cleaned_data["comment"],
                )
                messages.success(request, _("Qualified: the opportunity was created."))
            else:
                invalid["qualify_form"] = qualify_form
        else:
            prefix = "reject" if action == "reject" else "info"
            reason_form = ReasonForm(request.POST, prefix=prefix)
            if not reason_form.is_valid():
                invalid[f"{prefix}_form"] = reason_form
            elif action == "reject":
                services.registration_reject(
                    registration=registration,
                    actor=agent,
                    reason=reason_form.cleaned_data["reason"],
                )
                messages.success(request, _("The registration was rejected."))
            else:
                services.registration_request_info(
                    registration=registration,
                    actor=agent,
                    reason=reason_form.cleaned_data["reason"],
                )
                messages.success(request, _("The registration went back to the partner."))
    except services.InvalidTransition as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    if invalid:
        return render(
            request,
            "registrations/backoffice/registration.html",
            _detail_context(agent, registration, **invalid),
            status=400,
        )
    return redirect(_detail_url(registration))


@require_GET
@backoffice_view
def attachment_download(
    request: HttpRequest, agent: User, registration_id: uuid.UUID, attachment_id: uuid.UUID
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
    request: HttpRequest, agent: User, opportunity_id: uuid.UUID
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
                actor=agent,
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
            "feed": registration.activity.select_related("author").order_by("created_at", "id"),
        },
        status=400 if form.is_bound and form.errors else 200,
    )
