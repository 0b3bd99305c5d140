"""Which indexes of the registrations tables the pages use (issue #12, "Indexes earn their place").

Usage (a copy of the benchmark data, never a shared database):

    createdb -h 127.0.0.1 -U postgres -T pp_bench_harness pp_indexes
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pp_indexes \
        .venv/bin/python bench/index_usage.py [--out bench/results/indexes.md]

It resets the database's statistics (``pg_stat_reset()``), requests every filter and every sort
of the partner lists (My / All registrations, opportunities) and of the back-office queue, the
detail pages, in process through the product's own views (Django's test client, signed in with
``force_login``), runs the conflict check of a registration's creation
(``company_duplicates``), then reads ``pg_stat_user_indexes`` for the ``registrations_*``
tables. It also times a bulk INSERT of registrations (rolled back) and reports the
registrations table's index size. Timings are never asserted by the test suite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote_plus

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DEBUG", "1")  # plain static storage: no collectstatic needed
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
os.environ.setdefault("HTTPS", "0")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pp_indexes")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

TABLE = "registrations_opportunityregistration"
USERS = {
    "alice": "alice@northwind.example",
    "sam": "sam@northwind.example",
    "agent": "agent@vendor.example",
}
REG_SORTS = ["created", "name", "closure", "company"]
OPP_SORTS = ["created", "name", "closure"]


def _sorts(names: list[str]) -> list[str]:
    return [f"sort={s}" for s in names] + [f"sort=-{s}" for s in names]


def cases() -> list[tuple[str, str]]:
    """(who, url) for every filter and every sort."""
    from accounts.models import User
    from partners.models import PartnerOrganisation
    from registrations.models import Company
    from registrations.states import OpportunityStage, OpportunityStatus, RegistrationState

    northwind = PartnerOrganisation.objects.get(name="Northwind Resellers")
    company = Company.objects.filter(links__organisation=northwind).order_by("pk").first()
    alice = User.objects.get(email=USERS["alice"])
    sam = User.objects.get(email=USERS["sam"])
    dates = "after=2025-01-01&{0}_before=2025-06-30"
    common = [
        "",
        "page=2",
        "page=200",
        "q=renewal",
        "q=qwxz",
        f"created_{dates.format('created')}",
        f"closure_{dates.format('closure')}",
        f"representative={alice.pk}",
        f"representative={sam.pk}",
    ]
    # The registration lists pick a company by the name their rows carry, opportunities by
    # the CRM record.
    by_name = [f"company={quote_plus(company.name)}"] if company else []
    by_record = [f"company={company.public_id}"] if company else []
    reg_filters = common + by_name + [f"state={s}" for s in RegistrationState.values]
    opp_filters = (
        common
        + by_record
        + [f"stage={s}" for s in OpportunityStage.values]
        + [f"status={s}" for s in OpportunityStatus.values]
    )
    queue_filters = [f for f in reg_filters if not f.startswith("representative")] + [
        "assigned=me",
        "assigned=nobody",
        f"organisation={northwind.pk}",
        f"organisation={northwind.pk}&state=submitted",
    ]
    out: list[tuple[str, str]] = []

    def combine(who: str, base: str, filters: list[str], sorts: list[str]) -> None:
        for f in filters:
            # Every sort alone and with the state / stage filters; the other filters alone.
            crossed = f == "" or f.startswith(("state=", "stage=", "assigned="))
            for s in ["", *sorts] if crossed else [""]:
                query = "&".join(p for p in (base, f, s) if p)
                out.append((who, f"{query}"))

    reg, opp, queue = (
        "/p/enterprise/registrations/?",
        "/p/enterprise/opportunities/?",
        "/backoffice/?",
    )
    for who, scope in (("alice", ""), ("sam", "scope=all")):
        combine(who, reg + scope, reg_filters, _sorts(REG_SORTS))
        combine(who, opp + scope, opp_filters, _sorts(OPP_SORTS))
    combine("agent", queue, queue_filters, _sorts(REG_SORTS))
    return out


def exercise(client_for: dict) -> list[tuple[str, str, int, float]]:
    from registrations.models import Opportunity, OpportunityRegistration
    from registrations.services.registrations import company_duplicates

    results = []
    todo = cases()
    # Detail pages: partner registration / opportunity, back-office registration / opportunity.
    mine = OpportunityRegistration.objects.filter(created_by__email=USERS["alice"]).first()
    opp = Opportunity.objects.filter(created_by__email=USERS["alice"]).first()
    # One that alice, her supervisor and her direction's agent may all open (the newest
    # registration of the table is another tenant's: a 404 reads no index of interest).
    conflicted = (
        OpportunityRegistration.objects.filter(
            created_by__email=USERS["alice"], company__isnull=False, state="submitted"
        )
        .order_by("-created_at")
        .first()
    )
    for r in (mine, conflicted):
        if r is not None:
            todo.append(("alice", f"/p/enterprise/registrations/{r.public_id}/"))
            todo.append(("sam", f"/p/enterprise/registrations/{r.public_id}/"))
            todo.append(("agent", f"/backoffice/registrations/{r.public_id}/"))
    if opp is not None:
        todo.append(("alice", f"/p/enterprise/opportunities/{opp.public_id}/"))
        todo.append(("agent", f"/backoffice/opportunities/{opp.public_id}/"))
    for who, url in todo:
        start = time.perf_counter()
        status = client_for[who].get(url).status_code
        results.append((who, url, status, (time.perf_counter() - start) * 1000))
    # The conflict check of a registration's creation (taken and free identifiers).
    taken = OpportunityRegistration.objects.filter(new_company=True).first()
    for name, website, tin in (
        (taken.company_name, taken.company_website, taken.company_tin) if taken else ("", "", ""),
        ("Nobody Such Ltd", "nobody-such.example", "999999999"),
    ):
        start = time.perf_counter()
        company_duplicates(name=name, website=website, tin=tin)
        results.append(("-", "company_duplicates", 0, (time.perf_counter() - start) * 1000))
    return results


def index_stats() -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT s.relname, s.indexrelname, pg_relation_size(s.indexrelid), s.idx_scan,
                   c.conname IS NOT NULL OR i.indisunique, pg_get_indexdef(s.indexrelid)
            FROM pg_stat_user_indexes s
            LEFT JOIN pg_constraint c ON c.conindid = s.indexrelid AND c.contype IN ('p', 'u', 'x')
            JOIN pg_index i ON i.indexrelid = s.indexrelid
            WHERE s.relname LIKE 'registrations\\_%%'
            ORDER BY s.relname, pg_relation_size(s.indexrelid) DESC
            """
        )
        return cursor.fetchall()


def table_sizes() -> tuple[int, int, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_relation_size(%s), pg_indexes_size(%s), "
            "(SELECT count(*) FROM pg_indexes WHERE tablename = %s)",
            [TABLE, TABLE, TABLE],
        )
        return cursor.fetchone()


def insert_cost(rows: int, rounds: int) -> float:
    """µs per row of ``INSERT ... SELECT`` copying existing registrations (rolled back)."""
    from django.db import connection, transaction

    columns = [
        f.column
        for f in __import__(
            "registrations.models", fromlist=["OpportunityRegistration"]
        ).OpportunityRegistration._meta.concrete_fields
        if f.column not in ("id", "public_id")
    ]
    names = ", ".join(f'"{c}"' for c in columns)
    new_company_off = ", ".join(
        "false" if c == "new_company" else f'"{c}"' for c in columns
    )  # a copy of a new-company proposal would collide on the partial unique indexes
    timings = []
    for _ in range(rounds):
        with transaction.atomic():
            with connection.cursor() as cursor:
                start = time.perf_counter()
                cursor.execute(
                    f"INSERT INTO {TABLE} (public_id, {names}) SELECT gen_random_uuid(), "
                    f"{new_company_off} FROM {TABLE} WHERE company_id IS NOT NULL "
                    f"ORDER BY id DESC LIMIT %s",
                    [rows],
                )
                timings.append((time.perf_counter() - start) * 1e6 / rows)
            transaction.set_rollback(True)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "indexes.md")
    parser.add_argument("--insert-rows", type=int, default=5000)
    parser.add_argument("--insert-rounds", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from allauth.mfa.utils import is_mfa_enabled
    from django.db import connection
    from django.test import Client

    from accounts.models import User

    clients = {}
    for who, email in USERS.items():
        user = User.objects.get(email=email)
        if user.is_staff and not is_mfa_enabled(user):
            TOTP.activate(user, generate_totp_secret())
        client = Client()
        client.force_login(user)
        clients[who] = client

    heap, indexes, count = table_sizes()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_reset()")
    started = time.perf_counter()
    results = exercise(clients)
    took = time.perf_counter() - started
    connection.close()  # the backend's statistics are flushed when it exits
    time.sleep(1.5)
    stats = index_stats()
    cost = insert_cost(args.insert_rows, args.insert_rounds)

    bad = [r for r in results if r[2] not in (0, 200)]
    slow = sorted(results, key=lambda r: -r[3])[:10]
    lines = [
        "## Run",
        "",
        f"{len(results)} requests/checks in {took:.0f} s; non-200: {len(bad)}. "
        f"Registrations table: heap {heap / 2**20:.0f} MB, {count} indexes, "
        f"{indexes / 2**20:.0f} MB. Bulk INSERT: {cost:.1f} µs a row "
        f"(median of {args.insert_rounds} × {args.insert_rows} rows, rolled back).",
        "",
        "Slowest requests (ms): " + "; ".join(f"`{r[1]}` ({r[0]}) {r[3]:.0f}" for r in slow),
        "",
        "| table | index | size | idx_scan | unique (a constraint) |",
        "|---|---|---|---|---|",
    ]
    for table, name, size, scans, constraint, _definition in stats:
        lines.append(
            f"| {table.removeprefix('registrations_')} | `{name}` | {size / 2**20:.1f} MB | "
            f"{scans} | {'yes' if constraint else ''} |"
        )
    for r in bad:
        lines.append(f"- non-200: {r}")
    report = "\n".join(lines) + "\n"
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)


if __name__ == "__main__":
    main()
