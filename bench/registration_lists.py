"""Median latency of the registration list pages at scale (issue #5), and the plans behind it.

Usage (PostgreSQL; see README "Benchmark"):

    createdb -h 127.0.0.1 -U postgres pp_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/pp_bench
    DEBUG=1 .venv/bin/python manage.py migrate && DEBUG=1 .venv/bin/python manage.py seed_demo
    DEBUG=1 .venv/bin/python manage.py registrations_generate --count 500000
    .venv/bin/python bench/registration_lists.py [--requests 50] \
        [--out bench/results/registrations.md]

It serves the site with gunicorn (2 sync workers, production settings, persistent
connections) on 127.0.0.1 only, signs the demo users in by creating their sessions, requests
each page sequentially (one client; a bounded number of requests), and prints the median, p95
and maximum. Then it prints EXPLAIN ANALYZE of the list queries. Timings are never asserted
by the test suite; this script is how they are measured.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PORT = 8765
ENV = {
    **os.environ,
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
    "ALLOWED_HOSTS": "127.0.0.1",
    "HTTPS": "0",
    "LOG_LEVEL": "WARNING",
    "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pp_bench"),
}
os.environ.update(ENV)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

PAGES = [
    # (who, path, what it shows)
    ("alice", "/p/enterprise/registrations/", "My registrations (member, 200k own rows)"),
    ("alice", "/p/enterprise/registrations/?state=in_review", "My, state filter"),
    ("alice", "/p/enterprise/registrations/?sort=name", "My, sorted by name"),
    ("alice", "/p/enterprise/registrations/?q=renewal", "My, free text (common term)"),
    ("alice", "/p/enterprise/registrations/?q=qwxz", "My, free text matching nothing"),
    ("alice", "/p/enterprise/registrations/?page=200", "My, page 200 (offset 4,975)"),
    ("sam", "/p/enterprise/registrations/?scope=all", "All registrations (supervisor, 400k)"),
    ("sam", "/p/enterprise/registrations/?scope=all&state=more_info", "All, state filter"),
    ("sam", "/p/enterprise/registrations/?scope=all&sort=closure", "All, sorted by closure"),
    ("sam", "/p/enterprise/registrations/?scope=all&q=qwxz", "All, free text matching nothing"),
    ("sam", "/p/enterprise/opportunities/?scope=all", "All opportunities (80k)"),
    ("sam", "/p/enterprise/opportunities/?scope=all&sort=name", "All opportunities by name"),
    ("alice", "/p/enterprise/opportunities/", "My opportunities (40k)"),
    ("agent", "/backoffice/", "Back-office queue (400k, counts by state)"),
    ("agent", "/backoffice/?state=submitted", "Queue, state filter"),
    ("agent", "/backoffice/?sort=company", "Queue, sorted by company"),
    ("agent", "/backoffice/?assigned=me", "Queue, assigned to me"),
    ("agent", "/backoffice/?q=qwxz", "Queue, free text matching nothing"),
]
USERS = {
    "alice": "alice@northwind.example",
    "sam": "sam@northwind.example",
    "agent": "agent@vendor.example",
}


def sessions() -> dict[str, str]:
    import django

    django.setup()
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from allauth.mfa.utils import is_mfa_enabled
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import User

    keys = {}
    for name, email in USERS.items():
        user = User.objects.get(email=email)
        if user.is_staff and not is_mfa_enabled(user):
            # Staff open the back office only with an authenticator (issue #3's policy). The
            # bench signs in by session, so the agent just needs one to exist.
            TOTP.activate(user, generate_totp_secret())
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        keys[name] = store.session_key or ""
    return keys


def request(path: str, session: str) -> tuple[int, float]:
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    start = time.perf_counter()
    connection.request("GET", path, headers={"Cookie": f"sessionid={session}"})
    response = connection.getresponse()
    response.read()
    elapsed = (time.perf_counter() - start) * 1000
    connection.close()
    return response.status, elapsed


def wait_for_server(deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).request("GET", "/healthz")
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def explain() -> list[str]:
    """EXPLAIN ANALYZE of the queries behind the lists, built by the product's own code."""
    from django.db import connection
    from django.db.models import QuerySet
    from django.http import QueryDict

    from accounts.models import User
    from backoffice_access.context import AgentContext
    from core.paging import PAGE_SIZE
    from partners.models import PartnerOrganisation
    from registrations import selectors

    northwind = PartnerOrganisation.objects.get(name="Northwind Resellers")
    alice = User.objects.get(email=USERS["alice"])
    agent = AgentContext(agent=User.objects.get(email=USERS["agent"]))

    def filtered(query: str, scope: selectors.Scope) -> QuerySet[Any]:
        return selectors.registration_list(
            partner=northwind, user=alice, scope=scope, filters=QueryDict(query)
        ).rows

    def queue(query: str) -> QuerySet[Any]:
        return selectors.queue_for_agent(agent=agent, filters=QueryDict(query)).rows

    cases = {
        "My registrations, first page": filtered("", selectors.Scope.MINE)[: PAGE_SIZE + 1],
        "My registrations, state filter": filtered("state=in_review", selectors.Scope.MINE)[
            : PAGE_SIZE + 1
        ],
        "My registrations, free text (common term)": filtered("q=renewal", selectors.Scope.MINE)[
            : PAGE_SIZE + 1
        ],
        "All registrations, free text matching nothing": filtered("q=qwxz", selectors.Scope.ALL)[
            :PAGE_SIZE
        ],
        "All registrations, sorted by closure": filtered("sort=closure", selectors.Scope.ALL)[
            :PAGE_SIZE
        ],
        "Queue, first page (with the conflict flag)": queue("")[: PAGE_SIZE + 1],
        "Queue, one state's capped count": queue("")
        .order_by()
        .filter(state="submitted")
        .values("pk")[: selectors.STATE_COUNT_CAP + 1],
    }
    out = []
    with connection.cursor() as cursor:
        for title, queryset in cases.items():
            sql, params = queryset.query.sql_with_params()
            if "capped count" in title:
                sql = f"SELECT COUNT(*) FROM ({sql}) subquery"
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            out.append(f"### {title}\n\n```\n{plan}\n```\n")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=ENV,
        check=True,
    )
    keys = sessions()
    from registrations.models import OpportunityRegistration

    total = OpportunityRegistration.objects.count()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "portal.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=ENV,
    )
    load = os.getloadavg()[0]
    lines = [
        "# Registration lists at scale (issue #5)",
        "",
        "Written by `bench/registration_lists.py`. The machine's 2 cores also ran gunicorn, "
        "PostgreSQL, this client and whatever else was running: the load average says how busy "
        "it was, and the min column is the closest to an idle machine.",
        "",
        f"Load average before the run: {load:.2f} on {os.cpu_count()} cores.",
        "",
        f"{total:,} registrations. {args.requests} sequential requests per page after "
        f"{args.warmup} warm-up requests; gunicorn, 2 sync workers, DEBUG=0.",
        "",
        "| page | status | median ms | p95 ms | min ms | max ms |",
        "|---|---|---|---|---|---|",
    ]
    try:
        wait_for_server(time.monotonic() + 30)
        for who, path, what in PAGES:
            for _ in range(args.warmup):
                request(path, keys[who])
            timings = []
            statuses = set()
            for _ in range(args.requests):
                status, ms = request(path, keys[who])
                statuses.add(status)
                timings.append(ms)
            timings.sort()
            p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
            line = (
                f"| {what} `{path}` | {','.join(map(str, sorted(statuses)))} | "
                f"{statistics.median(timings):.1f} | {p95:.1f} | {timings[0]:.1f} | "
                f"{timings[-1]:.1f} |"
            )
            print(line, flush=True)
            lines.append(line)
    finally:
        server.terminate()
        server.wait(timeout=10)
    lines += ["", "## EXPLAIN ANALYZE", "", *explain()]
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report)


if __name__ == "__main__":
    main()
