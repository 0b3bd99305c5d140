"""Generate a large customers-and-invoices data set for the self-service benchmarks (issue #11).

PostgreSQL only. The rows are written with COPY (psycopg 3's ``cursor.copy``), chunk by chunk,
into the tables whose indexes and constraints (other than primary keys) were dropped first and
are rebuilt at the end, in the same transaction: building an index once over 5 million rows is
many times cheaper than maintaining it row by row, and re-adding a foreign key checks every row
in one join. If anything fails, the transaction rolls everything back, dropped indexes included.

What it makes, by default: 200 organisations holding 5,000,000 invoices. The big partner
(``--big``, Northwind by default) gets 100,000 customers and 1,000,000 invoices; the small one
(``--small``, Contoso) 10,000 invoices; the others (created here, "Bench partner NNN", spread
over the existing sales directions) share the rest. Each customer has one to three
subscriptions (most active, some cancelled, a few pending) and about ten monthly invoices, each
with one or two items; most invoices are paid, some unpaid, some overdue, a few part-paid; a
fifth of each organisation's customers are billed the other way round from the organisation's
current invoice owner (both owners appear), and some partner-owned invoices bill several
customers (no customer on the invoice, one on each item). Currencies: the partner's account
currency for partner-owned invoices, EUR, USD, GBP or CHF for the end customers' own.

The stored figures are computed in SQL after the COPY, from the rows: each customer's active
subscriptions and unpaid balance (as ``orders.aggregates.customers_recount`` defines them), and
the ``InvoiceSummary`` rows of every organisation touched. It refuses to run twice (generated
customers' addresses end in ``bench.example``). Every step prints how long it took.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from offers.models import Offer
from orders.models import Customer
from partners.models import (
    InvoiceOwner,
    PartnerMembership,
    PartnerOrganisation,
    SalesDirection,
)

MARK = "bench.example"
TABLES = ("orders_customer", "orders_subscription", "orders_invoice", "orders_invoiceitem")
CHUNK_CUSTOMERS = 5_000
CURRENCIES = (("EUR", 60), ("USD", 20), ("GBP", 15), ("CHF", 5))
WORDS = (
    *("alpine", "harbour", "summit", "meadow", "granite", "cedar", "beacon", "delta", "orbit"),
    *("pioneer", "quartz", "river", "sterling", "tundra", "vertex", "willow", "zenith", "aurora"),
    *("cobalt", "ember", "falcon", "glacier", "horizon", "ivory", "juniper", "kestrel", "lumen"),
)
KINDS = ("Analytics", "Logistics", "Bakery", "Clinic", "Consulting", "Energy", "Foods", "Labs")
FIRST = ("Anna", "Ben", "Chloe", "David", "Elif", "Femi", "Greta", "Hiro", "Ines", "Jonas")
LAST = ("Meyer", "Okafor", "Rossi", "Nowak", "Silva", "Jensen", "Dubois", "Tanaka", "Kaya")
CITIES = (("Berlin", "DE"), ("Paris", "FR"), ("London", "GB"), ("Madrid", "ES"), ("Oslo", "NO"))
COLUMNS = {
    "orders_customer": (
        "id, public_id, organisation_id, company_name, first_name, last_name, email, phone, "
        "address_line1, address_line2, city, postal_code, region, country, created_by_id, "
        "created_at, zuora_account_id, salesforce_account_id, salesforce_contact_id, "
        "active_subscriptions, unpaid_balance"
    ),
    "orders_subscription": (
        "id, public_id, organisation_id, customer_id, offer_id, quantity, status, start_date, "
        "term_end_date, auto_renew, created_at, zuora_account_id, zuora_subscription_id, "
        "zuora_subscription_number, zuora_version, cancellation_date"
    ),
    "orders_invoice": (
        "id, public_id, organisation_id, zuora_id, zuora_account_id, owner, number, "
        "invoice_date, due_date, amount, balance, status, currency, customer_id, "
        "subscription_id, synced_at"
    ),
    "orders_invoiceitem": (
        "id, organisation_id, invoice_id, zuora_id, zuora_subscription_id, subscription_id, "
        "customer_id, amount, quantity, service_start_date, service_end_date"
    ),
}


@dataclass
class Plan:
    """One organisation's share: how many customers and invoices it gets."""

    organisation: PartnerOrganisation
    customers: int
    invoices: int
    created_by_id: int


@dataclass
class Rows:
    """One chunk's rows, per table, ready for COPY."""

    tables: dict[str, list[tuple[Any, ...]]] = field(
        default_factory=lambda: {table: [] for table in TABLES}
    )


@dataclass
class Ids:
    """The next id of each table (reserved under a table lock for the whole run)."""

    next: dict[str, int]

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


def _cents(value: int) -> str:
    return f"{value // 100}.{value % 100:02d}"


class Command(BaseCommand):
    help = "Generate customers, subscriptions and invoices at scale (benchmarks, PostgreSQL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisations", type=int, default=200)
        parser.add_argument("--invoices", type=int, default=5_000_000, help="in all")
        parser.add_argument("--big", default="Northwind Resellers")
        parser.add_argument("--big-customers", type=int, default=100_000)
        parser.add_argument("--big-invoices", type=int, default=1_000_000)
        parser.add_argument("--small", default="Contoso Partners")
        parser.add_argument("--small-invoices", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=11)

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("Benchmark data is generated on PostgreSQL only.")
        if Customer.objects.filter(email__endswith=f".{MARK}").exists():
            raise CommandError(
                "Generated customers exist already: this command runs once per database "
                "(create a new database to generate again)."
            )
        self.rng = random.Random(options["seed"])  # noqa: S311  # benchmark data, not a secret
        self.today = timezone.localdate()
        self.now = timezone.now()
        started = time.perf_counter()
        with transaction.atomic():
            plans = self._plans(options)
            offers = list(Offer.objects.order_by("id").values_list("id", "price"))
            if not offers:
                raise CommandError("No offer: run `manage.py seed_demo` first.")
            self.offers = [(pk, round(price * 100)) for pk, price in offers]
            with self._step("lock the tables, drop their indexes and constraints"):
                ids = self._reserve_ids()
                rebuild = self._drop_indexes()
            copy_seconds = dict.fromkeys(TABLES, 0.0)
            counts = dict.fromkeys(TABLES, 0)
            with self._step("generate and COPY the rows"):
                for plan in plans:
                    for rows in self._organisation_rows(plan, ids):
                        for table, batch in rows.tables.items():
                            copy_seconds[table] += self._copy(table, batch)
                            counts[table] += len(batch)
            for table in TABLES:
                self.stdout.write(
                    f"    {table}: {counts[table]:,} rows, COPY {copy_seconds[table]:.1f} s"
                )
            organisation_ids = [plan.organisation.pk for plan in plans]
            with self._step("the customers' active subscriptions and unpaid balances (SQL)"):
                self._aggregates(organisation_ids)
            with self._step("the invoice summaries (SQL)"):
                self._summaries(organisation_ids)
            with self._step("rebuild the indexes and constraints"):
                self._rebuild(rebuild)
                self._set_sequences(ids)
        if connection.in_atomic_block:
            self.stdout.write("  (inside a transaction: VACUUM ANALYZE left out)")
        else:
            with self._step("VACUUM ANALYZE"), connection.cursor() as cursor:
                for table in (*TABLES, "orders_invoicesummary"):
                    cursor.execute(f"VACUUM ANALYZE {table}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Done: {counts['orders_invoice']:,} invoices for {len(plans)} organisations "
                f"in {time.perf_counter() - started:.0f} s."
            )
        )

    @contextmanager
    def _step(self, what: str) -> Iterator[None]:
        started = time.perf_counter()
        self.stdout.write(f"{what} ...")
        yield
        self.stdout.write(f"  {what}: {time.perf_counter() - started:.1f} s")

    # --------------------------------------------------------------------------------------------
    # Who gets what
    # --------------------------------------------------------------------------------------------
    def _plans(self, options: dict[str, Any]) -> list[Plan]:
        big = self._organisation(options["big"])
        small = self._organisation(options["small"])
        if big == small:
            raise CommandError("--big and --small must be two organisations.")
        per_customer = max(1, options["big_invoices"] // max(1, options["big_customers"]))
        others_count = options["organisations"] - 2
        rest = options["invoices"] - options["big_invoices"] - options["small_invoices"]
        if others_count < 0 or rest < 0 or (others_count == 0 and rest > 0):
            raise CommandError("--invoices must cover the big and the small organisations.")
        plans = [
            Plan(big, options["big_customers"], options["big_invoices"], self._creator(big)),
            Plan(
                small,
                max(1, options["small_invoices"] // per_customer),
                options["small_invoices"],
                self._creator(small),
            ),
        ]
        with self._step(f"create {others_count} organisations"):
            for n, organisation in enumerate(self._new_organisations(others_count)):
                invoices = rest // others_count + (1 if n < rest % others_count else 0)
                plans.append(
                    Plan(
                        organisation,
                        max(1, invoices // per_customer),
                        invoices,
                        self._creator(organisation),
                    )
                )
        return plans

    @staticmethod
    def _organisation(name: str) -> PartnerOrganisation:
        try:
            return PartnerOrganisation.objects.get(name=name)
        except PartnerOrganisation.DoesNotExist as exc:
            raise CommandError(
                f"No organisation {name!r}: run `manage.py seed_demo` first."
            ) from exc

    def _creator(self, organisation: PartnerOrganisation) -> int:
        """Who created the organisation's customers: a member of it, or the generator's user."""
        member = (
            PartnerMembership.objects.filter(organisation=organisation)
            .order_by("id")
            .values_list("user_id", flat=True)
            .first()
        )
        if member is not None:
            return member
        user, _ = User.objects.get_or_create(email=f"orders-generate@{MARK}")
        return user.pk

    def _new_organisations(self, n: int) -> list[PartnerOrganisation]:
        directions = list(SalesDirection.objects.order_by("id"))
        if not directions:
            raise CommandError("No sales direction: run `manage.py seed_demo` first.")
        made = []
        for i in range(n):
            owner = InvoiceOwner.PARTNER if i % 2 == 0 else InvoiceOwner.END_CUSTOMER
            made.append(
                PartnerOrganisation(
                    name=f"Bench partner {i + 1:03d}",
                    direction=directions[i % len(directions)],
                    zuora_account_id=self._hex(),
                    zuora_account_currency=("EUR", "USD", "GBP")[i % 3],
                    invoice_owner=owner,
                )
            )
        return PartnerOrganisation.objects.bulk_create(made)

    # --------------------------------------------------------------------------------------------
    # The rows
    # --------------------------------------------------------------------------------------------
    def _hex(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _currency(self) -> str:
        roll = self.rng.randrange(100)
        for currency, weight in CURRENCIES:
            if roll < weight:
                return currency
            roll -= weight
        return "EUR"

    def _organisation_rows(self, plan: Plan, ids: Ids) -> Iterator[Rows]:
        """The organisation's rows, a chunk of customers at a time. Every customer gets
        ``invoices // customers`` invoices, the first ``invoices % customers`` one more."""
        base, extra = divmod(plan.invoices, plan.customers)
        # Recent partner-owned subscriptions: a combined invoice bills a few of them.
        self.pool: list[tuple[int, str, int, int]] = []
        for start in range(0, plan.customers, CHUNK_CUSTOMERS):
            rows = Rows()
            for n in range(start, min(plan.customers, start + CHUNK_CUSTOMERS)):
                self._customer(plan, ids, rows, n, base + (1 if n < extra else 0))
            yield rows

    def _customer(self, plan: Plan, ids: Ids, rows: Rows, n: int, invoices: int) -> None:
        rng = self.rng
        organisation = plan.organisation
        customer_id = ids.take("orders_customer")
        word = rng.choice(WORDS)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        city, country = rng.choice(CITIES)
        created = self.now - timedelta(days=rng.randrange(400, 3 * 365), minutes=n % 1440)
        account = self._hex()
        rows.tables["orders_customer"].append(
            (
                customer_id,
                self._uuid(),
                organisation.pk,
                f"{word.title()} {rng.choice(KINDS)} {n + 1}",
                first,
                last,
                f"{first.lower()}.{last.lower()}.{n + 1}@{word}-{organisation.pk}.{MARK}",
                f"+49 30 {rng.randrange(10**6, 10**7)}",
                f"{rng.randrange(1, 200)} {word.title()} Street",
                "",
                city,
                f"{rng.randrange(10000, 99999)}",
                "",
                country,
                plan.created_by_id,
                created,
                account,
                "",
                "",
                0,
                "0.00",
            )
        )
        # Most customers are billed as the organisation bills today; a fifth the other way (the
        # setting changed once), so that both owners appear in every organisation.
        owner = organisation.invoice_owner
        if rng.random() < 0.2:
            owner = (
                InvoiceOwner.END_CUSTOMER if owner == InvoiceOwner.PARTNER else InvoiceOwner.PARTNER
            )
        currency = (
            organisation.zuora_account_currency or "EUR"
            if owner == InvoiceOwner.PARTNER
            else self._currency()
        )
        billed = self._subscriptions(plan, ids, rows, customer_id, account, created.date())
        partner_account = organisation.zuora_account_id
        invoice_account = partner_account if owner == InvoiceOwner.PARTNER else account
        day = rng.randrange(28)
        for j in range(invoices):
            age = 30 * (invoices - 1 - j) + day + rng.randrange(3)
            subscription_id, zuora_subscription_id, amount = billed[j % len(billed)]
            items = [(subscription_id, zuora_subscription_id, customer_id, amount)]
            if rng.random() < 0.2:
                # A second charge: another subscription of the customer's, or a one-off.
                other = billed[(j + 1) % len(billed)]
                items.append((other[0], other[1], customer_id, other[2] // 2 + 500))
            on_invoice: int | None = customer_id
            whole_subscription: int | None = (
                subscription_id if all(item[0] == subscription_id for item in items) else None
            )
            if owner == InvoiceOwner.PARTNER:
                if self.pool and rng.random() < 0.08:
                    # One invoice for several of the partner's customers: it names none.
                    items += rng.sample(self.pool, min(len(self.pool), rng.randrange(1, 4)))
                    on_invoice = whole_subscription = None
                if len(self.pool) < 64:
                    self.pool.append(items[0])
                else:
                    self.pool[rng.randrange(64)] = items[0]
            self._invoice(
                organisation=organisation,
                ids=ids,
                rows=rows,
                owner=owner,
                currency=currency,
                account=invoice_account,
                invoice_date=self.today - timedelta(days=age),
                items=items,
                customer_id=on_invoice,
                subscription_id=whole_subscription,
            )

    def _subscriptions(
        self, plan: Plan, ids: Ids, rows: Rows, customer_id: int, account: str, since: date
    ) -> list[tuple[int, str, int]]:
        """One to three subscriptions; those Zuora has (active, cancelled) are billed."""
        rng = self.rng
        billed = []
        count = 1 + (rng.random() < 0.35) + (rng.random() < 0.1)
        for k in range(count):
            subscription_id = ids.take("orders_subscription")
            offer_id, price = rng.choice(self.offers)
            quantity = rng.choice((1, 1, 2, 5, 10, 25))
            roll = rng.random()
            status = "pending" if k > 0 and roll < 0.05 else "cancelled" if roll < 0.2 else "active"
            start = since + timedelta(days=rng.randrange(30))
            zuora_id = "" if status == "pending" else self._hex()
            rows.tables["orders_subscription"].append(
                (
                    subscription_id,
                    self._uuid(),
                    plan.organisation.pk,
                    customer_id,
                    offer_id,
                    quantity,
                    status,
                    start,
                    start + timedelta(days=365),
                    True,
                    datetime.combine(start, datetime.min.time(), tzinfo=self.now.tzinfo),
                    "" if status == "pending" else account,
                    zuora_id,
                    "" if status == "pending" else f"A-S{subscription_id:08d}",
                    None if status == "pending" else 1,
                    start + timedelta(days=200) if status == "cancelled" else None,
                )
            )
            if zuora_id:
                billed.append((subscription_id, zuora_id, max(100, price * quantity)))
        return billed

    def _invoice(
        self,
        *,
        organisation: PartnerOrganisation,
        ids: Ids,
        rows: Rows,
        owner: str,
        currency: str,
        account: str,
        invoice_date: date,
        items: Sequence[tuple[int, str, int, int]],
        customer_id: int | None,
        subscription_id: int | None,
    ) -> None:
        rng = self.rng
        invoice_id = ids.take("orders_invoice")
        due = invoice_date + timedelta(days=30)
        amount = sum(item[3] for item in items)
        # Old invoices are nearly all paid; recent ones often not yet, some overdue.
        recent = (self.today - invoice_date).days < 60
        unpaid = rng.random() < (0.45 if recent else 0.04)
        balance = (amount // 2 if rng.random() < 0.1 else amount) if unpaid else 0
        rows.tables["orders_invoice"].append(
            (
                invoice_id,
                self._uuid(),
                organisation.pk,
                self._hex(),
                account,
                owner,
                f"INV{invoice_id:09d}",
                invoice_date,
                due,
                _cents(amount),
                _cents(balance),
                "Posted",
                currency,
                customer_id,
                subscription_id,
                self.now,
            )
        )
        month_end = invoice_date + timedelta(days=29)
        for item_subscription, zuora_subscription_id, item_customer, item_amount in items:
            rows.tables["orders_invoiceitem"].append(
                (
                    ids.take("orders_invoiceitem"),
                    organisation.pk,
                    invoice_id,
                    self._hex(),
                    zuora_subscription_id,
                    item_subscription,
                    item_customer,
                    _cents(item_amount),
                    "1.0000",
                    invoice_date,
                    month_end,
                )
            )

    # --------------------------------------------------------------------------------------------
    # SQL
    # --------------------------------------------------------------------------------------------
    @staticmethod
    def _copy(table: str, batch: list[tuple[Any, ...]]) -> float:
        started = time.perf_counter()
        if not batch:
            return 0.0
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg 3's own cursor, under Django's wrapper
            with raw.copy(f"COPY {table} ({COLUMNS[table]}) FROM STDIN") as copy:
                for row in batch:
                    copy.write_row(row)
        return time.perf_counter() - started

    @staticmethod
    def _reserve_ids() -> Ids:
        """Lock the tables against other writers and take their next ids: the rows get explicit
        ids (invoice items name their invoice), and the sequences are moved past them after."""
        reserved = {}
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
                cursor.execute(
                    f"SELECT GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), "  # noqa: S608  # our table names
                    f"(SELECT last_value FROM {_sequence(table)})) + 1"
                )
                reserved[table] = cursor.fetchone()[0]
        return Ids(next=reserved)

    @staticmethod
    def _set_sequences(ids: Ids) -> None:
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(
                    f"SELECT setval('{_sequence(table)}', "  # noqa: S608  # our table names
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )

    @staticmethod
    def _drop_indexes() -> list[str]:
        """Drop every index and unique or foreign-key constraint of the tables but their
        primary keys; return the statements that rebuild them (indexes, then unique
        constraints, then foreign keys)."""
        indexes: list[str] = []
        uniques: list[str] = []
        foreign: list[str] = []
        with connection.cursor() as cursor:
            # A table with foreign-key checks still pending in this transaction cannot be
            # altered: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in TABLES:
                cursor.execute(
                    """
                    SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint
                    WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY conname
                    """,
                    [table],
                )
                for name, kind, definition in cursor.fetchall():
                    statement = f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
                    (uniques if kind == "u" else foreign).append(statement)
                    cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                cursor.execute(
                    """
                    SELECT c.relname, pg_get_indexdef(i.indexrelid)
                    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                    WHERE i.indrelid = %s::regclass AND NOT i.indisprimary ORDER BY c.relname
                    """,
                    [table],
                )
                for name, definition in cursor.fetchall():
                    indexes.append(definition)
                    cursor.execute(f'DROP INDEX "{name}"')
        return indexes + uniques + foreign

    @staticmethod
    def _rebuild(statements: list[str]) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            for statement in statements:
                cursor.execute(statement)

    @staticmethod
    def _aggregates(organisation_ids: list[int]) -> None:
        """As ``orders.aggregates.customers_recount`` counts them: active subscriptions, and
        the balance owed on the invoices that bill the customer alone."""
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE orders_customer c
                SET active_subscriptions = figures.active, unpaid_balance = figures.unpaid
                FROM (
                    SELECT c.id, COALESCE(s.n, 0) AS active, COALESCE(u.total, 0) AS unpaid
                    FROM orders_customer c
                    LEFT JOIN (
                        SELECT customer_id, COUNT(*) AS n FROM orders_subscription
                        WHERE status = 'active' AND organisation_id = ANY(%(orgs)s)
                        GROUP BY customer_id
                    ) s ON s.customer_id = c.id
                    LEFT JOIN (
                        SELECT customer_id, SUM(balance) AS total FROM orders_invoice
                        WHERE balance > 0 AND customer_id IS NOT NULL
                          AND organisation_id = ANY(%(orgs)s)
                        GROUP BY customer_id
                    ) u ON u.customer_id = c.id
                    WHERE c.organisation_id = ANY(%(orgs)s)
                ) figures
                WHERE c.id = figures.id
                """,
                {"orgs": organisation_ids},
            )

    @staticmethod
    def _summaries(organisation_ids: list[int]) -> None:
        """Each organisation's ``InvoiceSummary`` rows, from all of its invoices."""
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM orders_invoicesummary WHERE organisation_id = ANY(%s)",
                [organisation_ids],
            )
            cursor.execute(
                """
                INSERT INTO orders_invoicesummary
                    (organisation_id, owner, payment_state, currency, month, count, amount,
                     balance)
                SELECT organisation_id, owner,
                       CASE WHEN balance > 0 THEN 'unpaid' ELSE 'paid' END,
                       currency, date_trunc('month', invoice_date)::date,
                       COUNT(*), SUM(amount), SUM(balance)
                FROM orders_invoice WHERE organisation_id = ANY(%s)
                GROUP BY 1, 2, 3, 4, 5
                """,
                [organisation_ids],
            )


def _sequence(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        return str(cursor.fetchone()[0])
