from __future__ import annotations

from typing import Any, ClassVar

from allauth.account.models import EmailAddress as AllauthEmailAddress
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class UserManager(DjangoUserManager["User"]):
    """Users are identified by their email address; there is no username."""

    use_in_migrations = True

    def _create_user_object(self, email: str, password: str | None, **extra_fields: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        return user

    def _create_user(self, email: str, password: str | None, **extra_fields: Any) -> User:
        user = self._create_user_object(email, password, **extra_fields)
        user.save(using=self._db)
        return user

    def create_user(  # type: ignore[override]  # no username argument
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> User:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(  # type: ignore[override]  # no username argument
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> User:
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if extra_fields.get("is_staff") is not True or extra_fields.get("is_superuser") is not True:
            raise ValueError("A superuser must have is_staff=True and is_superuser=True.")
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in: vendor staff, a partner user or an end customer.

    What a user may do follows from relations, not from fields here: a ``PartnerMembership``
    makes them a partner user, ``is_staff`` with a vendor group makes them vendor staff, and
    anybody else is an end customer.
    """

    username = None  # type: ignore[assignment]  # email is the identifier
    email = models.EmailField(_("email address"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ("email",)
        constraints = [
            # Emails are stored lower-cased; this keeps "Alice@x" and "alice@x" from ever
            # being two accounts even if a row is written around the manager.
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)


class AuthEventKind(models.TextChoices):
    SIGNED_IN = "signed_in", _("Signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
    SIGN_IN_REFUSED = "sign_in_refused", _("Sign-in refused by policy")
    SSO_REFUSED = "sso_refused", _("SSO sign-in refused")
    SIGNED_OUT = "signed_out", _("Signed out")
    SESSION_ENDED = "session_ended", _("Session ended by the portal")


class AuthEvent(models.Model):
    """One line of the authentication log: who tried to sign in (or out), how, and what happened.

    Rows are written in the request that caused them and never edited; vendor staff read them in
    Django admin. ``email`` keeps the address that was typed or asserted even when no user matched
    (or the user was deleted later).
    """

    at = models.DateTimeField(_("at"), auto_now_add=True)
    kind = models.CharField(_("event"), max_length=24, choices=AuthEventKind.choices)
    user = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="auth_events",
        verbose_name=_("user"),
    )
    email = models.CharField(_("email"), max_length=254, blank=True)
    method = models.CharField(
        _("method"), max_length=32, blank=True, help_text=_("password, code, mfa, oidc, saml, …")
    )
    provider = models.CharField(
        _("identity provider"), max_length=64, blank=True, help_text=_("The provider's slug.")
    )
    organisation = models.ForeignKey(
        "partners.PartnerOrganisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="auth_events",
        verbose_name=_("organisation"),
    )
    reason = models.TextField(_("reason"), blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)

    class Meta:
        ordering = ("-at", "-id")
        verbose_name = _("authentication event")
        indexes = [
            # The admin lists newest first and filters by event kind.
            models.Index(fields=("-at",), name="authevent_at"),
            models.Index(fields=("kind", "-at"), name="authevent_kind_at"),
            # "What happened to this address?" (admin search).
            models.Index(fields=("email",), name="authevent_email"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.email or '—'} · {self.at:%Y-%m-%d %H:%M:%S}"


class EmailAddress(AllauthEmailAddress):
    """allauth's email addresses, shown in the admin's one "Accounts" section with the users
    (allauth's own app is also called "Accounts": two sections of one name otherwise)."""

    class Meta:
        proxy = True
        verbose_name = _("email address")
        verbose_name_plural = _("email addresses")
