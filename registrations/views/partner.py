"""Partner pages under /p/<path_name>/: registrations, opportunities, their feeds and files.

Every view is wrapped by ``portal_view`` and resolves records through the partner selectors,
which give the same 404 for missing, another member's and another organisation's records.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.forms import form_field_html
from core.lists import is_htmx, list_response, url_for_each
from portal_access.context import PartnerContext, portal_view
from registrations import pending_uploads, selectors, services, uploads
from registrations.columns import OPPORTUNITY_COLUMNS, REGISTRATION_COLUMNS
from registrations.forms import CommentForm, ContactForm, RegistrationForm
from registrations.models import OpportunityRegistration, PendingUpload, Side
from registrations.states import RegistrationState, can_transition
from registrations.views.files import attachment_response


def can_resubmit(registration: OpportunityRegistration) -> bool:
    """Edit and submit again: what the agent's "more information" allows."""
    return can_transition(registration.state, RegistrationState.SUBMITTED)


def _registration_url(ctx: PartnerContext, registration: OpportunityRegistration) -> str:
    return reverse(
        "portal:registration_detail",
        kwargs={"path_name": ctx.portal.path_name, "registration_id": registration.public_id},
    )


def _kept_uploads(
    request: HttpRequest, ctx: PartnerContext
) -> tuple[str | None, list[PendingUpload]]:
    """The form session a POST names (its signed token, issued to this user of this
    organisation) and the files it keeps, less those the partner ticked to remove."""
    if request.method != "POST":
        return None, []
    form_key = uploads.upload_session_read(
        request.POST.get("upload_session", ""),
        organisation_id=ctx.organisation.pk,
        user_id=ctx.user.pk,
    )
    if form_key is None:
        return None, []
    if removed := request.POST.getlist("remove_upload"):
        pending_uploads.pending_uploads_discard(
            partner=ctx.organisation, actor=ctx.user, form_key=form_key, public_ids=removed
        )
    kept = selectors.pending_uploads_for(partner=ctx.organisation, user=ctx.user, form_key=form_key)
    return form_key, kept


def _form_context(
    ctx: PartnerContext, form: RegistrationForm, form_key: str | None
) -> dict[str, Any]:
    """The form page; after a refused POST its new files are kept (under the form session's
    token) and shown as already attached, so the partner never chooses them again."""
    token = ""
    if form.is_bound:
        if form_key is None:
            form_key = uploads.upload_session_new()
        elif form.kept:
            # Read again: a submit the service refused may have found one purged meanwhile.
            form.kept = selectors.pending_uploads_for(
                partner=ctx.organisation, user=ctx.user, form_key=form_key
            )
        form.kept += pending_uploads.pending_uploads_keep(
            partner=ctx.organisation,
            actor=ctx.user,
            form_key=form_key,
            files=form.keepable_uploads(),
        )
        token = uploads.upload_session_sign(
            organisation_id=ctx.organisation.pk, user_id=ctx.user.pk, form_key=form_key
        )
    return {"ctx": ctx, "form": form, "upload_session": token, "kept_uploads": form.kept}


@require_GET
@portal_view
def registration_list(request: HttpRequest, ctx: PartnerContext) -> HttpResponseBase:
    """My / All opportunity registrations, filtered, sorted, paged; CSV with ``?export=csv``."""
    scope = selectors.scope_decide(
        requested=request.GET.get("scope"), is_supervisor=ctx.is_supervisor
    )
    detail = url_for_each(
        "portal:registration_detail", key="registration_id", path_name=ctx.portal.path_name
    )
    return list_response(
        request,
        listing=selectors.registration_list(
            partner=ctx.organisation, user=ctx.user, scope=scope, filters=request.GET
        ),
        columns=REGISTRATION_COLUMNS,
        template="registrations/partner/registration_list.html",
        context={"ctx": ctx, "scope": scope},
        export_filename="registrations",
        default_sort="-created",
        row_testid="registration-row",
        row_url=lambda registration: detail(registration.public_id),
    )


def _contacts_url(ctx: PartnerContext) -> str:
    return reverse("portal:registration_contacts", kwargs={"path_name": ctx.portal.path_name})


@require_GET
@portal_view
def registration_contacts(request: HttpRequest, ctx: PartnerContext) -> HttpResponse:
    """The form's "Existing contact" field for ``?company=<public id>``: the page swaps it in
    when the company changes. A company the organisation may not name offers no contact,
    exactly like one that does not exist."""
    form = ContactForm(partner=ctx.organisation, company=request.GET.get("company", ""))
    return HttpResponse(form_field_html(form["contact"]))


@require_http_methods(["GET", "POST"])
@portal_view
def registration_new(request: HttpRequest, ctx: PartnerContext) -> HttpResponse:
    user = ctx.user
    form_key, kept = _kept_uploads(request, ctx)
    form = RegistrationForm(
        request.POST or None,
        request.FILES or None,
        partner=ctx.organisation,
        user=user,
        kept=kept,
        contacts_url=_contacts_url(ctx),
    )
    if request.method == "POST" and form.is_valid():
        try:
            registration = services.registration_submit(
                partner=ctx.organisation,
                actor=user,
                data=form.to_data(),
                comment=form.cleaned_data.get("comments", ""),
                files=form.cleaned_data["attachments"],
                kept=kept,
            )
        except ValidationError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("Your opportunity registration was submitted."))
            return redirect(_registration_url(ctx, registration))
    return render(
        request,
        "registrations/partner/registration_form.html",
        {**_form_context(ctx, form, form_key), "registration": None},
    )


@require_http_methods(["GET", "POST"])
@portal_view
def registration_detail(
    request: HttpRequest, ctx: PartnerContext, registration_id: uuid.UUID
) -> HttpResponse:
    """All fields, the state with the agent's reason, files, and the activity feed (partners
    may comment; work notes never appear here)."""
    user = ctx.user
    registration = selectors.registration_get_for_partner_or_404(
        partner=ctx.organisation,
        user=user,
        is_supervisor=ctx.is_supervisor,
        public_id=registration_id,
    )
    form = CommentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.comment_add(
            registration=registration,
            actor=user,
            body=form.cleaned_data["body"],
            side=Side.PARTNER,
        )
        if not is_htmx(request):
            return redirect(_registration_url(ctx, registration))
        form = CommentForm()
    context = {
        "ctx": ctx,
        "registration": registration,
        "opportunity": selectors.opportunity_for_registration(registration=registration),
        "attachments": selectors.attachments_for(registration=registration),
        "feed": selectors.activity_for_partner(registration=registration),
        "comment_form": form,
        "feed_url": _registration_url(ctx, registration),
        "can_edit": can_resubmit(registration),
    }
    template = "registrations/partner/registration_detail.html"
    if is_htmx(request):
        template = "registrations/partials/feed.html"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@portal_view
def registration_edit(
    request: HttpRequest, ctx: PartnerContext, registration_id: uuid.UUID
) -> HttpResponse:
    """Edit and resubmit a registration the agent sent back for more information."""
    user = ctx.user
    registration = selectors.registration_get_for_partner_or_404(
        partner=ctx.organisation,
        user=user,
        is_supervisor=ctx.is_supervisor,
        public_id=registration_id,
    )
    if not can_resubmit(registration):
        messages.info(request, _("Only a registration that needs more information is edited."))
        return redirect(_registration_url(ctx, registration))
    form_key, kept = _kept_uploads(request, ctx)
    form = RegistrationForm(
        request.POST or None,
        request.FILES or None,
        partner=ctx.organisation,
        user=user,
        registration=registration,
        kept=kept,
        contacts_url=_contacts_url(ctx),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.registration_resubmit(
                registration=registration,
                actor=user,
                data=form.to_data(),
                files=form.cleaned_data["attachments"],
                kept=kept,
            )
        except services.InvalidTransition:
            messages.error(request, _("This registration was changed meanwhile."))
            return redirect(_registration_url(ctx, registration))
        except ValidationError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("Your registration was submitted again."))
            return redirect(_registration_url(ctx, registration))
    return render(
        request,
        "registrations/partner/registration_form.html",
        {**_form_context(ctx, form, form_key), "registration": registration},
    )


@require_GET
@portal_view
def attachment_download(
    request: HttpRequest,
    ctx: PartnerContext,
    registration_id: uuid.UUID,
    attachment_id: uuid.UUID,
) -> FileResponse:
    registration = selectors.registration_get_for_partner_or_404(
        partner=ctx.organisation,
        user=ctx.user,
        is_supervisor=ctx.is_supervisor,
        public_id=registration_id,
    )
    attachment = selectors.attachment_get_for_partner_or_404(
        partner=ctx.organisation, registration=registration, public_id=attachment_id
    )
    return attachment_response(attachment)


@require_GET
@portal_view
def opportunity_list(request: HttpRequest, ctx: PartnerContext) -> HttpResponseBase:
    """My / All opportunities, filtered, sorted, paged; CSV with ``?export=csv``."""
    scope = selectors.scope_decide(
        requested=request.GET.get("scope"), is_supervisor=ctx.is_supervisor
    )
    detail = url_for_each(
        "portal:opportunity_detail", key="opportunity_id", path_name=ctx.portal.path_name
    )
    return list_response(
        request,
        listing=selectors.opportunity_list(
            partner=ctx.organisation, user=ctx.user, scope=scope, filters=request.GET
        ),
        columns=OPPORTUNITY_COLUMNS,
        template="registrations/partner/opportunity_list.html",
        context={"ctx": ctx, "scope": scope},
        export_filename="opportunities",
        default_sort="-created",
        row_testid="opportunity-row",
        row_url=lambda opportunity: detail(opportunity.public_id),
    )


@require_http_methods(["GET", "POST"])
@portal_view
def opportunity_detail(
    request: HttpRequest, ctx: PartnerContext, opportunity_id: uuid.UUID
) -> HttpResponse:
    """The opportunity and the activity feed of the deal (its registration's, comments and
    system entries; partner users may comment)."""
    user = ctx.user
    opportunity = selectors.opportunity_get_for_partner_or_404(
        partner=ctx.organisation,
        user=user,
        is_supervisor=ctx.is_supervisor,
        public_id=opportunity_id,
    )
    registration = opportunity.registration
    url = reverse(
        "portal:opportunity_detail",
        kwargs={"path_name": ctx.portal.path_name, "opportunity_id": opportunity.public_id},
    )
    form = CommentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.comment_add(
            registration=registration,
            actor=user,
            body=form.cleaned_data["body"],
            side=Side.PARTNER,
            opportunity=opportunity,
        )
        if not is_htmx(request):
            return redirect(url)
        form = CommentForm()
    context = {
        "ctx": ctx,
        "opportunity": opportunity,
        "registration": registration,
        "feed": selectors.activity_for_partner(registration=registration),
        "comment_form": form,
        "feed_url": url,
        "registration_url": _registration_url(ctx, registration),
    }
    template = "registrations/partner/opportunity_detail.html"
    if is_htmx(request):
        template = "registrations/partials/feed.html"
    return render(request, template, context)
