from __future__ import annotations

from allauth.account.admin import EmailAddressAdmin as AllauthEmailAddressAdmin
from allauth.account.models import EmailAddress as AllauthEmailAddress
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from accounts.models import AuthEvent, EmailAddress, User
from core.admin import ReadOnlyModelAdmin, ValuesListFilter


class UserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email",)


class UserEditForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )


@admin.register(AuthEvent)
class AuthEventAdmin(ReadOnlyModelAdmin):
    """The authentication log: read-only, for every vendor staff member with the view permission."""

    list_display = ("at", "kind", "email", "method", "provider", "organisation", "ip_address")
    list_filter = ("kind", ("method", ValuesListFilter), "organisation")
    search_fields = ("email", "provider", "reason", "ip_address")
    list_select_related = ("organisation",)
    date_hierarchy = "at"
    show_full_result_count = False  # the log grows without bound; counting it is wasted work
    readonly_fields = (
        "at",
        "kind",
        "user",
        "email",
        "method",
        "provider",
        "organisation",
        "reason",
        "ip_address",
        "user_agent",
    )


# One "Accounts" section: allauth's email addresses move in with the users (through a proxy in
# this app); allauth's own "Accounts" app then has nothing left in the admin.
admin.site.unregister(AllauthEmailAddress)


@admin.register(EmailAddress)
class EmailAddressAdmin(AllauthEmailAddressAdmin):
    pass
