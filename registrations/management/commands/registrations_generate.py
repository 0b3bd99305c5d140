"""Generate many registrations (and the opportunities of the qualified ones) for benchmarks.

PostgreSQL only: the rows are made by INSERT ... SELECT over generate_series inside the
database, which writes 500,000 registrations in a minute or two where the ORM would take many.
Run ``seed_demo`` first: the rows belong to the demo organisations and their users.
"""

from __future__ import annotations

import random
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from partners.models import PartnerMembership, PartnerOrganisation
from registrations.models import Company, CompanyLink, Contact

# Words for names: free-text search then finds some rows and misses others, as in real use.
WORDS = [
    *("cloud", "data", "platform", "rollout", "migration", "renewal", "analytics", "security"),
    *("billing", "portal", "licence", "expansion", "pilot", "upgrade", "integration"),
    *("support", "network", "backup", "mobile", "payroll", "logistics", "retail", "insurance"),
    *("banking", "health", "education", "energy", "telecom", "media", "travel"),
]


class Command(BaseCommand):
    help = "Generate N registrations for the demo organisations (benchmark data, PostgreSQL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=500_000)
        parser.add_argument(
            "--companies", type=int, default=200, help="CRM companies per organisation"
        )
        parser.add_argument(
            "--big-share",
            type=float,
            default=0.8,
            help="share of the rows that go to the first organisation (a big partner)",
        )
        parser.add_argument(
            "--big", default="Northwind Resellers", help="the organisation that gets the big share"
        )
        parser.add_argument("--seed", type=int, default=5)

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("Benchmark data is generated on PostgreSQL only.")
        organisations = list(
            PartnerOrganisation.objects.filter(memberships__is_active=True)
            .distinct()
            .order_by("name")
        )
        # The big partner first: it gets --big-share of the rows.
        organisations.sort(key=lambda o: o.name != options["big"])
        if not organisations:
            raise CommandError("No organisation with members: run `manage.py seed_demo` first.")
        rng = random.Random(options["seed"])  # noqa: S311  # benchmark data, not a secret
        total = options["count"]
        shares = self._shares(len(organisations), options["big_share"])
        with transaction.atomic():
            for organisation, share in zip(organisations, shares, strict=True):
                count = round(total * share)
                companies = self._companies(organisation, options["companies"], rng)
                self._registrations(organisation, count, companies)
                self.stdout.write(f"{organisation.name}: {count} registrations")
            self._opportunities()
        # Outside the transaction: VACUUM sets the visibility map (index-only scans skip the
        # heap), ANALYZE gives the planner the new row counts.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE registrations_opportunityregistration")
            cursor.execute("VACUUM ANALYZE registrations_opportunity")
        self.stdout.write(self.style.SUCCESS("Done."))

    @staticmethod
    def _shares(n: int, big: float) -> list[float]:
        if n == 1:
            return [1.0]
        return [big] + [(1 - big) / (n - 1)] * (n - 1)

    def _companies(
        self, organisation: PartnerOrganisation, n: int, rng: random.Random
    ) -> list[tuple[int, int, str]]:
        made = []
        for i in range(n):
            tag = f"{organisation.pk}-{i}"
            name = f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()} {tag}"
            company, _ = Company.objects.get_or_create(
                website=f"bench-{tag}.example",
                defaults={"name": name, "tin": str(800_000_000 + organisation.pk * 10_000 + i)},
            )
            contact = company.contacts.first() or Contact.objects.create(
                company=company, first_name="Bench", last_name=f"Contact {tag}"
            )
            CompanyLink.objects.get_or_create(company=company, organisation=organisation)
            made.append((company.pk, contact.pk, company.name))
        return made

    def _registrations(
        self, organisation: PartnerOrganisation, count: int, companies: list[tuple[int, int, str]]
    ) -> None:
        users = list(
            PartnerMembership.objects.filter(organisation=organisation, is_active=True)
            .order_by("user_id")
            .values_list("user_id", flat=True)
        )
        with connection.cursor() as cursor:
            cursor.execute(
                """
                WITH params AS (
                    SELECT %(users)s::bigint[] AS users, %(company_ids)s::bigint[] AS company_ids,
                           %(contact_ids)s::bigint[] AS contact_ids,
                           %(company_names)s::text[] AS company_names, %(words)s::text[] AS words
                ), rows AS (
                    SELECT g, p.*,
                           1 + (g %% array_length(p.users, 1)) AS u,
                           1 + ((g * 7919) %% array_length(p.company_ids, 1)) AS c,
                           (g * 2654435761) %% 100 AS pct,
                           now() - ((g * 37) %% (3 * 365 * 24 * 60)) * interval '1 minute'
                               AS created
                    FROM generate_series(1::bigint, %(count)s) AS g, params p
                )
                INSERT INTO registrations_opportunityregistration (
                    public_id, organisation_id, direction_id, created_by_id, representative_id,
                    name, product, new_company, company_id, company_name, company_website,
                    company_tin, new_contact, contact_id, contact_first_name, contact_middle_name,
                    contact_last_name, contact_email, contact_phone, budget, expected_close_date,
                    customer_requirements, state, state_reason, state_changed_at, created_at,
                    updated_at
                )
                SELECT gen_random_uuid(), %(org)s, %(direction)s, users[u], users[u],
                       initcap(words[1 + g %% array_length(words, 1)]) || ' '
                           || words[1 + (g / 7) %% array_length(words, 1)] || ' ' || g,
                       '', false, company_ids[c], company_names[c], '', '', false,
                       contact_ids[c], '', '', '', '', '', '',
                       (created + ((g %% 400) || ' days')::interval)::date,
                       '',
                       CASE WHEN pct < 5 THEN 'submitted' WHEN pct < 8 THEN 'in_review'
                            WHEN pct < 10 THEN 'more_info' WHEN pct < 30 THEN 'qualified'
                            ELSE 'rejected' END,
                       '', created, created, created
                FROM rows
                """,
                {
                    "users": users,
                    "company_ids": [c[0] for c in companies],
                    "contact_ids": [c[1] for c in companies],
                    "company_names": [c[2] for c in companies],
                    "words": WORDS,
                    "count": count,
                    "org": organisation.pk,
                    "direction": organisation.direction_id,
                },
            )

    def _opportunities(self) -> None:
        """An opportunity for every qualified registration that has none. (No parameters:
        the SQL's % signs are modulo operators, not placeholders.)"""
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO registrations_opportunity (
                    public_id, organisation_id, registration_id, created_by_id, representative_id,
                    name, company_id, contact_id, budget, expected_close_date, stage, status,
                    lost_reason, created_at, updated_at
                )
                SELECT gen_random_uuid(), r.organisation_id, r.id, r.created_by_id,
                       r.representative_id, r.name, r.company_id, r.contact_id, r.budget,
                       r.expected_close_date,
                       (ARRAY['qualification', 'proposal', 'negotiation'])[1 + r.id % 3],
                       CASE WHEN r.id % 10 < 7 THEN 'open' WHEN r.id % 10 < 9 THEN 'won'
                            ELSE 'lost' END,
                       CASE WHEN r.id % 10 = 9 THEN 'Budget cut' ELSE '' END,
                       r.state_changed_at, r.state_changed_at
                FROM registrations_opportunityregistration r
                LEFT JOIN registrations_opportunity o ON o.registration_id = r.id
                WHERE r.state = 'qualified' AND o.id IS NULL AND r.company_id IS NOT NULL
                """
            )
