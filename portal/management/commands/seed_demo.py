"""The demo data set: each app's ``demo.seed`` in dependency order, in one transaction.

In the project package because it imports every app (and the fakes' seeding client).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from integrations.fake_seed import fakes_seed
from offers import demo as offers_demo
from orders import demo as orders_demo
from partners import demo as partners_demo
from portal import mail
from registrations import demo as registrations_demo
from sso import demo as sso_demo

ACCOUNTS = [
    ("alice@northwind.example", "partner member, Northwind Resellers (enterprise)"),
    ("sam@northwind.example", "partner supervisor, Northwind Resellers (enterprise)"),
    ("bob@contoso.example", "partner member, Contoso Partners (smb)"),
    ("agent@vendor.example", "vendor agent, assigned to enterprise"),
    ("admin@vendor.example", "vendor admin (superuser)"),
    ("carol@customer.example", "end customer"),
    ("dana@fabrikam.example", "partner supervisor, Fabrikam Telecom (SSO at its provider)"),
    ("erik@fabrikam.example", "partner member, Fabrikam Telecom (SSO at its provider)"),
]


class Command(BaseCommand):
    help = "Create or repair the demo data set (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--oidc-issuer",
            default=sso_demo.demo_issuer(),
            help="Issuer URL of Fabrikam's provider (default: $DEVIDP_ISSUER or %(default)s).",
        )
        parser.add_argument(
            "--fakes",
            action="store_true",
            help=(
                "Load the partners' accounts and the catalogue into the bundled fake Zuora "
                "and Salesforce (at ZUORA_ENDPOINT and SALESFORCE_INSTANCE_URL) before the "
                "demo orders are placed, so that the workers can push those orders."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        quiet = options["verbosity"] < 2
        with self._emails_summarised(quiet=quiet) as recipients, transaction.atomic():
            partners = partners_demo.seed()
            offers = offers_demo.seed(partners)
            sso_demo.seed(enterprise=partners.enterprise, issuer=options["oidc_issuer"])
            if options["fakes"]:
                self._seed_fakes()
            # The orders' pushes and the registrations' notifications are enqueued when this
            # transaction commits (and run then, in this process, when there is no broker).
            orders_demo.seed(partners, offers)
            registrations_demo.seed(partners)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        if recipients:
            self.stdout.write(
                f"{len(recipients)} notification emails (to {', '.join(sorted(set(recipients)))}) "
                f"are in {mail.shown(settings.MAIL_DIR)}/, not printed here."
            )
        self.stdout.write(f"Demo accounts (password: {partners_demo.DEMO_PASSWORD}):")
        for email, what in ACCOUNTS:
            self.stdout.write(f"  {email:<28} {what}")

    @contextmanager
    def _emails_summarised(self, *, quiet: bool) -> Iterator[list[str]]:
        """The recipients of the email sent while seeding (by tasks run in this process),
        with the mail backend's line for each message and Celery's line for each task held
        back when ``quiet``: the demo's terminal gets one line for them all."""
        recipients: list[str] = []
        collector = _RecipientsCollector(recipients)
        mail_logger = logging.getLogger(mail.__name__)
        task_logger = logging.getLogger("celery.app.trace")
        propagate, level = mail_logger.propagate, task_logger.level
        mail_logger.addHandler(collector)
        if quiet:
            mail_logger.propagate = False
            task_logger.setLevel(logging.WARNING)
        try:
            yield recipients
        finally:
            mail_logger.removeHandler(collector)
            mail_logger.propagate = propagate
            task_logger.setLevel(level)

    def _seed_fakes(self) -> None:
        try:
            fakes_seed()
        except requests.RequestException as exc:
            self.stderr.write(
                self.style.WARNING(
                    f"The fake Zuora and Salesforce could not be seeded ({exc}). Start them "
                    "(manage.py run_fakes) and run seed_demo --fakes again."
                )
            )
        else:
            self.stdout.write("Fake Zuora and Salesforce hold the partners and the catalogue.")


class _RecipientsCollector(logging.Handler):
    def __init__(self, recipients: list[str]) -> None:
        super().__init__(logging.INFO)
        self.recipients = recipients

    def emit(self, record: logging.LogRecord) -> None:
        self.recipients.extend(getattr(record, "email_recipients", ()))
