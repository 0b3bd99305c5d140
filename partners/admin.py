from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from guardian.admin import GuardedModelAdmin

from partners import services
from partners.models import (
    PartnerEmailDomain,
    PartnerMembership,
    PartnerOrganisation,
    PartnerPortal,
    PortalSection,
    SalesDirection,
    SystemProperty,
    validate_not_reserved,
    validate_path_name,
)


class CreatePortalForm(forms.Form):
    path_name = forms.CharField(
        label=_("Path name"),
        max_length=49,
        validators=[validate_path_name, validate_not_reserved],
    )
    title = forms.CharField(label=_("Title"), max_length=120, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["path_name"].help_text = portal_address_help(None)


@admin.register(SalesDirection)
class SalesDirectionAdmin(GuardedModelAdmin):
    """Directions; agents are assigned through Object permissions (``work_registrations``)."""

    list_display = ("name", "slug", "portal_link", "organisation_count")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    # Adds the "Create partner portal" button. Guardian's stubs declare this attribute on the
    # instance; Django reads it from the class as usual.
    change_form_template = (  # type: ignore[misc]  # instance attribute in guardian's stubs
        "admin/partners/salesdirection/change_form.html"
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[SalesDirection]:
        return (
            super()
            .get_queryset(request)
            .select_related("portal")
            .annotate(n_organisations=Count("organisations"))
        )

    @admin.display(description=_("partner portal"))
    def portal_link(self, obj: SalesDirection) -> str:
        portal = getattr(obj, "portal", None)
        if portal is None:
            return "—"
        url = reverse("admin:partners_partnerportal_change", args=[portal.pk])
        state = _("active") if portal.is_active else _("inactive")
        return format_html('<a href="{}">/p/{}/</a> ({})', url, portal.path_name, state)

    @admin.display(description=_("organisations"), ordering="n_organisations")
    def organisation_count(self, obj: Any) -> int:
        return int(obj.n_organisations)

    def get_urls(self) -> list[URLPattern]:
        custom = [
            path(
                "<int:object_id>/create-portal/",
                self.admin_site.admin_view(self.create_portal_view),
                name="partners_salesdirection_create_portal",
            )
        ]
        return custom + super().get_urls()

    def create_portal_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Seed 003's "Create partner portal": ask for the path name, create, open the portal."""
        direction = get_object_or_404(SalesDirection.objects.select_related("portal"), pk=object_id)
        if not request.user.has_perm("partners.add_partnerportal"):
            return HttpResponseRedirect(
                reverse("admin:partners_salesdirection_change", args=[direction.pk])
            )
        existing = getattr(direction, "portal", None)
        if existing is not None:
            messages.warning(request, _("This sales direction already has a partner portal."))
            return HttpResponseRedirect(
                reverse("admin:partners_partnerportal_change", args=[existing.pk])
            )
        form = CreatePortalForm(request.POST or None, initial={"path_name": direction.slug})
        if request.method == "POST" and form.is_valid():
            try:
                portal = services.portal_create(
                    direction=direction,
                    path_name=form.cleaned_data["path_name"],
                    title=form.cleaned_data["title"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(
                    request,
                    _("Partner portal /p/%(path)s/ created. Configure it and activate it.")
                    % {"path": portal.path_name},
                )
                return HttpResponseRedirect(
                    reverse("admin:partners_partnerportal_change", args=[portal.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Create partner portal"),
            "opts": self.model._meta,
            "original": direction,
            "form": form,
        }
        return TemplateResponse(
            request, "admin/partners/salesdirection/create_portal.html", context
        )


class PortalSectionInline(admin.TabularInline):
    model = PortalSection
    extra = 0
    fields = ("position", "section")
    ordering = ("position",)


def portal_address_help(portal: PartnerPortal | None) -> str:
    """The path name's help text, naming the address the portal opens at. The admin renders
    help text as HTML: a bare "<path name>" would vanish as an unknown tag, so it is built
    with ``format_html``."""
    if portal is not None and portal.pk is not None:
        address = f"{settings.SITE_URL}{portal.get_absolute_url()}"
        return format_html(
            gettext("The portal opens at {address}. Changing the path name moves it."),
            address=format_html('<a href="{}">{}</a>', address, address),
        )
    return format_html(
        gettext("The portal opens at {address}, with the path name in place of “{placeholder}”."),
        address=format_html("<code>{}/p/{}/</code>", settings.SITE_URL, gettext("path-name")),
        placeholder=gettext("path-name"),
    )


@admin.register(PartnerPortal)
class PartnerPortalAdmin(GuardedModelAdmin):
    """Portals. "Object permissions" grants the user criteria (``access_portal``)."""

    list_display = ("path_name", "title", "direction", "is_active")
    list_filter = ("is_active",)
    search_fields = ("path_name", "title", "direction__name")
    list_select_related = ("direction",)
    inlines = (PortalSectionInline,)
    actions = ("activate", "deactivate")

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if "path_name" in form.base_fields:  # a viewer's form has no fields: all are read-only
            form.base_fields["path_name"].help_text = portal_address_help(obj)
        return form

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # A portal belongs to its direction for good; moving it would re-tenant every link.
        return ("direction",) if obj is not None else ()

    @admin.action(description=_("Activate selected portals"))
    def activate(self, request: HttpRequest, queryset: QuerySet[PartnerPortal]) -> None:
        n = services.portals_set_active(
            portal_ids=list(queryset.values_list("pk", flat=True)), active=True
        )
        self.message_user(request, _("%(n)d portal(s) activated.") % {"n": n}, messages.SUCCESS)

    @admin.action(description=_("Deactivate selected portals"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[PartnerPortal]) -> None:
        n = services.portals_set_active(
            portal_ids=list(queryset.values_list("pk", flat=True)), active=False
        )
        self.message_user(request, _("%(n)d portal(s) deactivated.") % {"n": n}, messages.SUCCESS)


class EmailDomainInline(admin.TabularInline):
    model = PartnerEmailDomain
    extra = 1


class MembershipInline(admin.TabularInline):
    model = PartnerMembership
    extra = 0
    fields = ("user", "role", "is_active")
    autocomplete_fields = ("user",)
    show_change_link = True

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: a membership's history stays


@admin.register(PartnerOrganisation)
class PartnerOrganisationAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "direction",
        "zuora_account_id",
        "salesforce_account_id",
        "invoice_owner",
        "one_to_one_account_mapping",
        "is_active",
        "member_count",
        "sign_in",
    )
    list_filter = ("direction", "is_active", "invoice_owner", "one_to_one_account_mapping")
    search_fields = ("name", "zuora_account_id", "salesforce_account_id", "email_domains__domain")
    list_select_related = ("direction", "identity_provider")
    inlines = (EmailDomainInline, MembershipInline)
    actions = ("deactivate",)
    fieldsets = (
        (None, {"fields": ("name", "direction", "is_active")}),
        (
            _("Billing and CRM"),
            {
                "fields": (
                    "zuora_account_id",
                    "zuora_account_currency",
                    "invoice_owner",
                    "one_to_one_account_mapping",
                    "salesforce_account_id",
                )
            },
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[PartnerOrganisation]:
        return super().get_queryset(request).annotate(n_members=Count("memberships"))

    @admin.display(description=_("members"), ordering="n_members")
    def member_count(self, obj: Any) -> int:
        return int(obj.n_members)

    @admin.display(description=_("sign-in"))
    def sign_in(self, obj: PartnerOrganisation) -> str:
        """Its identity provider (configured under Partner sign-in), or password and code."""
        provider = getattr(obj, "identity_provider", None)
        if provider is None or not provider.is_active:
            return str(_("password or code"))
        url = reverse("admin:sso_identityprovider_change", args=[provider.pk])
        required = _(", required") if provider.sso_required else ""
        return format_html('<a href="{}">{}{}</a>', url, provider.get_protocol_display(), required)

    def get_actions(
        self, request: HttpRequest, action_location: Any = ActionLocation.CHANGE_LIST
    ) -> dict[str, Any]:
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)  # organisations are deactivated, not deleted
        return actions

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Once an organisation has data it is deactivated, never deleted. Every relation to it
        # is PROTECT as well, so the database refuses even where this admin is bypassed.
        if obj is not None and obj.memberships.exists():
            return False
        return super().has_delete_permission(request, obj)

    @admin.action(description=_("Deactivate selected organisations"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[PartnerOrganisation]) -> None:
        n = services.organisations_deactivate(
            organisation_ids=list(queryset.values_list("pk", flat=True))
        )
        self.message_user(
            request, _("%(n)d organisation(s) deactivated.") % {"n": n}, messages.SUCCESS
        )


@admin.register(PartnerMembership)
class PartnerMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "role", "is_active", "created_at")
    list_filter = ("role", "is_active", "organisation__direction")
    search_fields = ("user__email", "organisation__name")
    list_select_related = ("user", "organisation")
    autocomplete_fields = ("user", "organisation")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead


@admin.register(SystemProperty)
class SystemPropertyAdmin(admin.ModelAdmin):
    list_display = ("key", "value", "description", "updated_at")
    search_fields = ("key", "description")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("key",) if obj is not None else ()
