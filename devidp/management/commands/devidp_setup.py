"""Register the portal as a client and create the provider's users (idempotent)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from oauth2_provider.models import get_application_model

# The demo's organisation (README "Try SSO"): Fabrikam Telecom's people at its provider.
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105  # the documented demo password
DEMO_USERS = [
    f"dana@fabrikam.example:{DEMO_PASSWORD}:fabrikam-partner-supervisors,fabrikam-staff",
    f"erik@fabrikam.example:{DEMO_PASSWORD}:fabrikam-staff",
]


class Command(BaseCommand):
    help = "Register an OIDC client and users at the development identity provider."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--client-secret", required=True)
        parser.add_argument(
            "--redirect-uri", action="append", default=[], help="May be given several times."
        )
        parser.add_argument(
            "--user",
            action="append",
            default=[],
            metavar="EMAIL:PASSWORD:GROUP,GROUP",
            help="Create or update a user and set exactly these groups. May be repeated.",
        )
        parser.add_argument("--demo-users", action="store_true", help="dana and erik.")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        application_model = get_application_model()
        application, _ = application_model.objects.get_or_create(
            client_id=options["client_id"],
            defaults={"name": "Partner Portal"},
        )
        application.name = "Partner Portal"
        application.client_type = application_model.CLIENT_CONFIDENTIAL
        application.authorization_grant_type = application_model.GRANT_AUTHORIZATION_CODE
        application.algorithm = application_model.RS256_ALGORITHM
        application.client_secret = options["client_secret"]  # hashed on save
        application.skip_authorization = True  # an organisation's own app: no consent page
        known = set(application.redirect_uris.split())
        application.redirect_uris = " ".join(sorted(known | set(options["redirect_uri"])))
        application.save()

        specs = list(options["user"]) + (DEMO_USERS if options["demo_users"] else [])
        for spec in specs:
            self.apply_user(spec)
        self.stdout.write(f"Client {application.client_id} and {len(specs)} user(s) ready.")

    def apply_user(self, spec: str) -> None:
        try:
            email, password, groups = spec.split(":", 2)
        except ValueError as exc:
            raise CommandError(f"--user wants EMAIL:PASSWORD:GROUPS, got {spec!r}") from exc
        local = email.split("@")[0]
        user, _ = User.objects.update_or_create(
            username=email,
            defaults={"email": email, "first_name": local.title(), "last_name": "Example"},
        )
        if not user.check_password(password):
            # Only when it changed: a new hash would end the user's sessions here.
            user.set_password(password)
            user.save(update_fields=["password"])
        names = [name for name in groups.split(",") if name]
        user.groups.set([Group.objects.get_or_create(name=name)[0] for name in names])
