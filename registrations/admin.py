"""Django admin for the registrations domain.

Vendor admins maintain the CRM (companies, contacts, which organisations see a company) here.
Registrations, opportunities and their feeds are read-only: every change to them goes through
the services (the back office), which keep the state machine, the feed and the notifications.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin

from core.admin import ReadOnlyModelAdmin
from registrations.models import (
    ActivityEntry,
    Attachment,
    Company,
    CompanyLink,
    Contact,
    Opportunity,
    OpportunityRegistration,
)
from registrations.normalise import (
    normalise_name,
    normalise_phone,
    normalise_tin,
    normalise_website,
)


class CompanyForm(forms.ModelForm):
    """The same normal forms as the partners' form, so uniqueness means the same thing."""

    class Meta:
        model = Company
        fields = ("name", "website", "tin")

    def clean_name(self) -> str:
        return normalise_name(self.cleaned_data["name"])

    def clean_website(self) -> str:
        return normalise_website(self.cleaned_data["website"])

    def clean_tin(self) -> str:
        return normalise_tin(self.cleaned_data["tin"])


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ("company", "first_name", "middle_name", "last_name", "email", "phone")

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        return normalise_phone(phone) if phone else ""


class CompanyLinkInline(admin.TabularInline):
    model = CompanyLink
    extra = 0
    autocomplete_fields = ("organisation",)


class ContactInline(admin.TabularInline):
    model = Contact
    form = ContactForm
    extra = 0
    fields = ("first_name", "middle_name", "last_name", "email", "phone")


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    form = CompanyForm
    list_display = ("name", "website", "tin", "created_at")
    search_fields = ("name", "website", "tin")
    inlines = (CompanyLinkInline, ContactInline)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    form = ContactForm
    list_display = ("full_name", "company", "email", "phone")
    search_fields = ("first_name", "last_name", "email", "company__name")
    list_select_related = ("company",)
    autocomplete_fields = ("company",)


@admin.register(OpportunityRegistration)
class OpportunityRegistrationAdmin(ReadOnlyModelAdmin):
    list_display = ("name", "organisation", "company_name", "state", "assigned_to", "created_at")
    list_filter = ("state", "direction")
    search_fields = ("name", "company_name", "organisation__name")
    list_select_related = ("organisation", "assigned_to")
    # The list's default order is served by the (direction, -created_at) and
    # (organisation, -created_at) indexes; an unfiltered count of 500k rows is not.
    show_full_result_count = False


@admin.register(Opportunity)
class OpportunityAdmin(ReadOnlyModelAdmin):
    list_display = ("name", "organisation", "company", "stage", "status", "created_at")
    list_filter = ("stage", "status")
    search_fields = ("name", "organisation__name", "company__name")
    list_select_related = ("organisation", "company")
    show_full_result_count = False


@admin.register(ActivityEntry)
class ActivityEntryAdmin(ReadOnlyModelAdmin):
    list_display = ("registration", "kind", "side", "author", "created_at")
    list_filter = ("kind", "side")
    list_select_related = ("registration", "author")
    show_full_result_count = False


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyModelAdmin):
    # No link to the file here: files are served only by the access-checked views.
    list_display = ("original_name", "registration", "size", "uploaded_by", "created_at")
    exclude = ("file",)
    list_select_related = ("registration", "uploaded_by")
