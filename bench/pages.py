"""Every benchmarked page beside its floor, in one run (issues #11 and #12).

Usage (PostgreSQL with the benchmark data; README "Benchmarks: every page against its floor"):

    .venv/bin/python bench/pages.py [--rounds 3] [--seconds 2] [--only customers]

It serves the product with gunicorn (2 sync workers, production settings, DEBUG=0, persistent
connections) and the floor (``bench/floor``: a bare Django project on the same database, no
session, auth or message middleware, one raw SQL query and a plain template per page) with a
second gunicorn of 2 sync workers, both on 127.0.0.1 only. Signed-in product requests carry a
real session cookie (sessions are created in the database for the demo users). Each page of the
product and its floor is first fetched once (both must answer 200 with the same number of rows),
then measured interleaved, in several rounds: median and p99 at 1 client, requests per second at
8 clients, by wrk (installed with apt when it is missing); the CSV exports, which take seconds,
by a Python client (whole downloads, sequential, then 8 at once). The floor's bare view
(``/hello``: no database, no template) shows what the load generator and gunicorn can do at
most. Writes ``bench/results/pages.md`` (the table, each page's ratios to its floor, the load
average), ``bench/results/pages.json`` (every round's figures) and
``bench/results/selfservice-explain.md`` (EXPLAIN (ANALYZE, BUFFERS) of the customers and
invoices lists' queries, built by the product's own selectors and paging). Timings are never
asserted by the test suite.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import _gunicorn  # noqa: E402  # bench/ is put on the path just above
from _gunicorn import wait_for  # noqa: E402  # bench/ is put on the path just above

RESULTS = ROOT / "bench" / "results"
PRODUCT_PORT = 8765
FLOOR_PORT = 8766
WRK_SCRIPT = ROOT / "bench" / "wrk_report.lua"
DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pp_bench_harness")
ENV = {
    **os.environ,
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
    "ALLOWED_HOSTS": "127.0.0.1",
    "HTTPS": "0",
    "LOG_LEVEL": "WARNING",
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
    "CONN_MAX_AGE": "60",
}
os.environ.update(ENV)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

USERS = {
    "alice": "alice@northwind.example",
    "sam": "sam@northwind.example",
    "bob": "bob@contoso.example",
    "agent": "agent@vendor.example",
}
BIG, SMALL = "Northwind Resellers", "Contoso Partners"
# Requests to each side of a page before it is measured (a worker's first request of a page
# loads its templates, and a cold cache reads the disk).
WARM_UP = 6
ROW_MARKER = re.compile(rb'data-testid="[a-z]+-row"')
# What a page that is not a list shows: offers, sections, feed entries, options.
ITEM_MARKER = re.compile(rb'data-offer="|data-section="|data-kind="|<option')
UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
LISTS = ("registrations", "backoffice", "selfservice")
# A CSV export that takes longer than this at 1 client is not also downloaded 8 times at once.
CSV_LOAD_LIMIT = 20.0


@dataclass
class Page:
    group: str
    name: str
    who: str | None  # None: anonymous
    product: str | None  # None: a floor-only page (the bare view)
    floor: str
    csv: bool = False
    rounds: list[dict[str, Any]] = field(default_factory=list)
    check: str = ""


# ------------------------------------------------------------------------------------------------
# The data the pages need, read through the product's own models
# ------------------------------------------------------------------------------------------------
def world() -> dict[str, Any]:
    import django

    django.setup()
    from django.db.models import Count
    from django.utils import timezone

    from accounts.models import User
    from backoffice_access.context import AgentContext
    from offers.selectors import offers_for_partner, pricing_pages_for_partner
    from orders.models import Customer
    from partners.models import PartnerOrganisation
    from registrations.models import OpportunityRegistration

    w: dict[str, Any] = {"users": {k: User.objects.get(email=v) for k, v in USERS.items()}}
    for key, name in (("big", BIG), ("small", SMALL)):
        organisation = PartnerOrganisation.objects.select_related("direction__portal").get(
            name=name
        )
        portal = organisation.direction.portal
        # The customer filter: a customer with many invoices, some on combined ones.
        customer = (
            Customer.objects.filter(organisation=organisation)
            .annotate(n=Count("invoices"))
            .order_by("-n", "id")
            .first()
        )
        w[key] = {
            "org": organisation,
            "portal": portal,
            "customer": customer.public_id if customer else "",
            "invoices": organisation.invoices.count(),
            "customers": organisation.customers.count(),
        }
    big = w["big"]
    page = pricing_pages_for_partner(portal=big["portal"], partner=big["org"]).first()
    offer = offers_for_partner(partner=big["org"]).select_related("checkout_page").first()
    if page is None or offer is None or offer.checkout_page is None:
        raise SystemExit("No pricing page or offer for the big partner: run seed_demo first.")
    w["pricing_slug"], w["offer"] = page.slug, offer
    alice = w["users"]["alice"]
    registration = (
        OpportunityRegistration.objects.filter(created_by=alice)
        .annotate(n=Count("activity"))
        .order_by("-n", "-id")
        .first()
    )
    w["registration"] = registration.public_id if registration else ""
    w["directions"] = sorted(AgentContext(agent=w["users"]["agent"]).direction_ids)
    w["today"] = timezone.localdate()
    w["registrations"] = OpportunityRegistration.objects.count()
    return w


def sessions(users: dict[str, Any]) -> dict[str, str]:
    """A real session per user, created in the database (what signing in stores)."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from allauth.mfa.utils import is_mfa_enabled
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    keys = {}
    for name, user in users.items():
        if user.is_staff and not is_mfa_enabled(user):
            TOTP.activate(user, generate_totp_secret())  # staff need an authenticator
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        keys[name] = store.session_key or ""
    return keys


def pages(w: dict[str, Any]) -> list[Page]:
    users = w["users"]
    big = w["big"]
    nw, nw_portal = big["org"].pk, big["portal"]
    p = f"/p/{nw_portal.path_name}"
    alice, sam = users["alice"].pk, users["sam"].pk
    reg = f"/{nw}/{alice}/{nw_portal.path_name}/registrations/"
    sam_opp = f"/{nw}/{sam}/{nw_portal.path_name}/opportunities/"
    alice_opp = f"/{nw}/{alice}/{nw_portal.path_name}/opportunities/"
    queue = f"/queue/{'-'.join(map(str, w['directions']))}/"
    offer = w["offer"]
    listed = [
        Page(
            "bare",
            "bare view: no database, no template (the client's ceiling)",
            None,
            None,
            "/hello",
        ),
        Page("health", "/healthz (floor: SELECT 1 + Redis PING)", None, "/healthz", "/healthz"),
        Page("registrations", "registrations, first page", "alice", f"{p}/registrations/", reg),
        Page(
            "registrations",
            "registrations, state filter",
            "alice",
            f"{p}/registrations/?state=in_review",
            f"{reg}?state=in_review",
        ),
        Page(
            "registrations",
            "registrations, sorted by name",
            "alice",
            f"{p}/registrations/?sort=name",
            f"{reg}?sort=name",
        ),
        Page(
            "registrations",
            "registrations, search with no hit",
            "alice",
            f"{p}/registrations/?q=qwxz",
            f"{reg}?q=qwxz",
        ),
        Page(
            "registrations",
            "registrations, page 200",
            "alice",
            f"{p}/registrations/?page=200",
            f"{reg}?page=200",
        ),
        Page("registrations", "opportunities (mine)", "alice", f"{p}/opportunities/", alice_opp),
        Page(
            "registrations",
            "opportunities (all, supervisor)",
            "sam",
            f"{p}/opportunities/?scope=all",
            f"{sam_opp}?scope=all",
        ),
        Page("backoffice", "back-office queue", "agent", "/backoffice/", queue),
        Page(
            "backoffice",
            "back-office queue, state filter",
            "agent",
            "/backoffice/?state=submitted",
            f"{queue}?state=submitted",
        ),
        Page(
            "portal",
            "portal home",
            "alice",
            f"{p}/",
            f"/{nw}/{nw_portal.pk}/{nw_portal.path_name}/home/?user={alice}",
        ),
        Page(
            "portal",
            "pricing page",
            "alice",
            f"{p}/pricing/{w['pricing_slug']}/",
            f"/{nw}/{nw_portal.pk}/{nw_portal.path_name}/pricing/{w['pricing_slug']}/",
        ),
        Page(
            "portal",
            "registration detail",
            "alice",
            f"{p}/registrations/{w['registration']}/",
            f"/{nw_portal.path_name}/registrations/{w['registration']}/",
        ),
        Page(
            "portal",
            "checkout page (GET)",
            "alice",
            f"{p}/checkout/{offer.checkout_page.slug}/?offer={offer.code}",
            f"/{nw}/{nw_portal.path_name}/checkout/{offer.checkout_page.slug}/?offer={offer.code}",
        ),
    ]
    since = (w["today"] - timedelta(days=90)).isoformat()
    for key, who in (("big", "alice"), ("small", "bob")):
        org = w[key]
        path = f"/p/{org['portal'].path_name}"
        base = f"/{org['org'].pk}/{org['portal'].path_name}"
        label = f"{org['org'].name} ({org['customers']:,} customers, {org['invoices']:,} invoices)"
        group = f"selfservice-{key}"
        customer_variants = [
            ("first page", ""),
            *(
                (f"sorted by {sort}", f"?sort={sort}")
                for sort in ("contact", "email", "active", "unpaid", "created", "-unpaid")
            ),
            ("search with no hit", "?q=qwxz"),
            ("last page", "?last=1"),
        ]
        for what, query in customer_variants:
            listed.append(
                Page(
                    group,
                    f"{label}: customers, {what}",
                    who,
                    f"{path}/customers/{query}",
                    f"{base}/customers/{query}",
                )
            )
        invoice_variants = [
            ("first page", ""),
            ("paid", "?state=paid"),
            ("unpaid", "?state=unpaid"),
            ("overdue", "?state=overdue"),
            ("invoice date, last 90 days", f"?issued_after={since}&issued_before={w['today']}"),
            ("one customer", f"?customer={org['customer']}"),
            ("owner partner", "?owner=partner"),
            ("owner end customer", "?owner=end_customer"),
            *(
                (f"sorted by {sort}", f"?sort={sort}")
                for sort in ("date", "due", "number", "amount", "balance")
            ),
            ("last page", "?last=1"),
        ]
        for what, query in invoice_variants:
            listed.append(
                Page(
                    group,
                    f"{label}: invoices, {what}",
                    who,
                    f"{path}/invoices/{query}",
                    f"{base}/invoices/{query}",
                )
            )
        for what in ("customers", "invoices"):
            listed.append(
                Page(
                    group,
                    f"{label}: {what}, CSV export",
                    who,
                    f"{path}/{what}/?export=csv",
                    f"{base}/{what}/?export=csv",
                    csv=True,
                )
            )
    return listed


# ------------------------------------------------------------------------------------------------
# Serving and measuring
# ------------------------------------------------------------------------------------------------
def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("Installing Debian's wrk ...", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True)
    subprocess.run(
        [*sudo, "apt-get", "install", "-y", "-qq", "wrk"],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk did not install.")
    return found


def serve(*, floor: bool) -> subprocess.Popen[bytes]:
    # A long timeout: the default 30 s (the Dockerfile's) kills a sync worker that is still
    # streaming a big CSV export (1M invoices take longer): see the README's benchmark section.
    port = FLOOR_PORT if floor else PRODUCT_PORT
    return _gunicorn.serve(floor=floor, port=port, env=ENV, extra=("--timeout", "900"))


def fetch(port: int, path: str, cookie: str) -> tuple[int, bytes, float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    headers = {"Cookie": f"sessionid={cookie}"} if cookie else {}
    started = time.perf_counter()
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    return response.status, body, elapsed


def wrk(
    binary: str, port: int, path: str, cookie: str, *, clients: int, seconds: float
) -> dict[str, Any]:
    args = [
        binary,
        f"-t{min(clients, 2)}",
        f"-c{clients}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "30s",
    ]
    args += ["-s", str(WRK_SCRIPT)]
    if cookie:
        args += ["-H", f"Cookie: sessionid={cookie}"]
    out = subprocess.run(
        [*args, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("WRK "))
    data: dict[str, Any] = json.loads(line[4:])
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    return data


def measure_csv(port: int, path: str, cookie: str, *, clients: int) -> dict[str, Any]:
    """Whole downloads: one at a time (their times), or ``clients`` at once (their rate)."""
    if clients == 1:
        status, body, elapsed = fetch(port, path, cookie)
        return {
            "p50_us": elapsed * 1e6,
            "p99_us": elapsed * 1e6,
            "bytes": len(body),
            "non2xx": int(status != 200),
            "rps": 1 / elapsed,
        }
    results: list[tuple[int, float]] = []

    def one() -> None:
        status, _body, elapsed = fetch(port, path, cookie)
        results.append((status, elapsed))

    started = time.perf_counter()
    threads = [threading.Thread(target=one) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {"rps": clients / wall, "non2xx": sum(status != 200 for status, _ in results)}


def check(page: Page, keys: dict[str, str]) -> None:
    """Both answer 200 and show as many rows (or send as many CSV lines). The requests also warm
    both servers' workers (templates loaded, connections open) before anything is measured."""
    cookie = keys.get(page.who or "", "")
    for _ in range(0 if page.csv else WARM_UP):
        fetch(FLOOR_PORT, page.floor, "")
        if page.product is not None:
            fetch(PRODUCT_PORT, page.product, cookie)
    floor_status, floor_body, _ = fetch(FLOOR_PORT, page.floor, "")
    if page.product is None:
        page.check = f"{floor_status}"
        return
    status, body, _ = fetch(PRODUCT_PORT, page.product, cookie)
    if page.csv:
        mine, theirs = body.count(b"\n"), floor_body.count(b"\n")
        page.check = f"{status}/{floor_status}, {mine:,}/{theirs:,} lines"
    else:
        marker = ROW_MARKER if page.group.startswith(LISTS) else ITEM_MARKER
        mine, theirs = len(marker.findall(body)), len(marker.findall(floor_body))
        page.check = f"{status}/{floor_status}, {mine}/{theirs} " + (
            "rows" if marker is ROW_MARKER else "items"
        )
    # The same records in the same order: the ids the floor links to, in the product's page.
    floor_ids = list(dict.fromkeys(UUID.findall(floor_body)))
    wanted = set(floor_ids)
    product_ids = list(dict.fromkeys(u for u in UUID.findall(body) if u in wanted))
    if status != 200 or floor_status != 200 or mine != theirs or product_ids != floor_ids:
        page.check += " MISMATCH"


def run(pages_: list[Page], keys: dict[str, str], args: argparse.Namespace) -> list[float]:
    binary = ensure_wrk()
    loads = [os.getloadavg()[0]]
    for number in range(args.rounds):
        print(f"round {number + 1}/{args.rounds}", flush=True)
        for page in pages_:
            cookie = keys.get(page.who or "", "")
            sides = [("floor", FLOOR_PORT, page.floor, "")]
            if page.product is not None:
                product = ("product", PRODUCT_PORT, page.product, cookie)
                # Alternate which goes first, so that drift in the machine's load cancels.
                sides = [product, *sides] if number % 2 == 0 else [*sides, product]
            result: dict[str, Any] = {}
            for clients in (1, 8):
                if (
                    page.csv
                    and clients == 8
                    and (number > 0 or result["product_1"]["p50_us"] / 1e6 > CSV_LOAD_LIMIT)
                ):
                    continue  # 8 whole exports at once: once, and only for the quicker ones
                for side, port, path, side_cookie in sides:
                    if page.csv:
                        figures = measure_csv(port, path, side_cookie, clients=clients)
                    else:
                        figures = wrk(
                            binary, port, path, side_cookie, clients=clients, seconds=args.seconds
                        )
                    result[f"{side}_{clients}"] = figures
            result["load"] = os.getloadavg()[0]
            page.rounds.append(result)
            print(f"  {page.name}: {summary_line(page)}", flush=True)
        loads.append(os.getloadavg()[0])
    return loads


# ------------------------------------------------------------------------------------------------
# Reporting
# ------------------------------------------------------------------------------------------------
def median_of(page: Page, key: str, figure: str) -> float:
    values = [r[key][figure] for r in page.rounds if key in r]
    return statistics.median(values) if values else float("nan")


def ratio(mine: float, theirs: float) -> float:
    """``mine / theirs``; nan when the floor has no figure (no request finished in time)."""
    return mine / theirs if theirs else float("nan")


def ratios(page: Page) -> tuple[float, float]:
    median = ratio(median_of(page, "product_1", "p50_us"), median_of(page, "floor_1", "p50_us"))
    rate = ratio(median_of(page, "product_8", "rps"), median_of(page, "floor_8", "rps"))
    return median, rate


def summary_line(page: Page) -> str:
    if page.product is None:
        return f"floor {median_of(page, 'floor_1', 'p50_us') / 1000:.2f} ms"
    median, rate = ratios(page)
    return (
        f"{median_of(page, 'product_1', 'p50_us') / 1000:.1f} ms vs "
        f"{median_of(page, 'floor_1', 'p50_us') / 1000:.1f} ms ({median:.2f}x), "
        f"{median_of(page, 'product_8', 'rps'):.0f} vs {median_of(page, 'floor_8', 'rps'):.0f} "
        f"req/s ({rate:.2f}x)"
    )


def report(
    pages_: list[Page], w: dict[str, Any], loads: list[float], args: argparse.Namespace, took: float
) -> str:
    bare = next(p for p in pages_ if p.product is None)
    bare_ms = median_of(bare, "floor_1", "p50_us") / 1000
    lines = [
        "# Every page against its floor (issues #11 and #12)",
        "",
        "Written by `bench/pages.py`. Product: gunicorn, 2 sync workers, production settings "
        "(DEBUG=0, persistent connections). Floor: `bench/floor/` (a bare Django project on the "
        "same database: no session, auth or message middleware, one raw SQL query and a plain "
        "template per page), gunicorn, 2 sync workers. Both on 127.0.0.1, measured "
        f"interleaved in {args.rounds} rounds; wrk {args.seconds:g} s per measurement: median "
        "and p99 at 1 client, requests per second at 8 clients (median over the rounds). "
        "CSV exports: whole downloads by a Python client, one at a time, then 8 at once.",
        "",
        f"Data: {w['registrations']:,} registrations; {w['big']['org'].name}: "
        f"{w['big']['customers']:,} customers, {w['big']['invoices']:,} invoices; "
        f"{w['small']['org'].name}: {w['small']['customers']:,} customers, "
        f"{w['small']['invoices']:,} invoices.",
        "",
        f"Machine: {os.cpu_count()} cores shared by both servers, PostgreSQL and the load "
        f"generator. Load average (1 min) before the run {loads[0]:.2f}, after each round "
        f"{', '.join(f'{load:.2f}' for load in loads[1:])}. The run took {took / 60:.0f} minutes.",
        "",
        f"The bare view (`/hello`: no database, no template) ran at {bare_ms:.2f} ms median and "
        f"{median_of(bare, 'floor_8', 'rps'):,.0f} req/s at 8 clients: the load generator is not "
        "what limits the pages below.",
        "",
        "Targets: median ≤ 1.3× the floor's at 1 client and req/s ≥ 0.75× the floor's at 8 "
        "clients; `/healthz` ≤ 2× the bare view; a partner with 1M invoices within 1.2× of one "
        "with 10k (second table).",
        "",
        "| page | check (product/floor) | median ms | floor ms | ratio | p99 ms | floor p99 ms "
        "| req/s | floor req/s | ratio | target |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for page in pages_:
        if page.product is None:
            continue
        median, rate = ratios(page)
        product_ms = median_of(page, "product_1", "p50_us") / 1000
        if page.group == "health":
            met = product_ms <= 2 * bare_ms
            target = f"{'met' if met else 'NOT met'} ({product_ms / bare_ms:.1f}× bare)"
        elif page.csv:
            target = "met" if median <= 1.3 else "NOT met"
            target += " (median only)" if rate != rate else ""
        else:
            met = median <= 1.3 and rate >= 0.75
            target = "met" if met else "NOT met"
        lines.append(
            f"| {page.name} `{page.product}` | {page.check} | {product_ms:.1f} | "
            f"{median_of(page, 'floor_1', 'p50_us') / 1000:.1f} | {median:.2f} | "
            f"{median_of(page, 'product_1', 'p99_us') / 1000:.1f} | "
            f"{median_of(page, 'floor_1', 'p99_us') / 1000:.1f} | "
            f"{median_of(page, 'product_8', 'rps'):.0f} | "
            f"{median_of(page, 'floor_8', 'rps'):.0f} | "
            f"{rate:.2f} | {target} |"
        )
    lines += [
        "",
        "## The 1M-invoice partner against the 10k-invoice one (product medians at 1 client)",
        "",
        "| page | large ms | small ms | large/small | within 1.2× |",
        "|---|---|---|---|---|",
    ]
    small = {p.name.split(": ", 1)[1]: p for p in pages_ if p.group == "selfservice-small"}
    for page in pages_:
        if page.group != "selfservice-big":
            continue
        what = page.name.split(": ", 1)[1]
        other = small[what]
        large_ms = median_of(page, "product_1", "p50_us") / 1000
        small_ms = median_of(other, "product_1", "p50_us") / 1000
        ratio = large_ms / small_ms
        note = "" if not page.csv else " (exports all rows: not comparable)"
        lines.append(
            f"| {what} | {large_ms:.1f} | {small_ms:.1f} | {ratio:.2f} | "
            f"{'yes' if ratio <= 1.2 else 'no'}{note} |"
        )
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------------
# EXPLAIN of the self-service lists, as the product builds them
# ------------------------------------------------------------------------------------------------
def explain(w: dict[str, Any]) -> str:
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from core.keyset import keyset_paginate
    from orders import selectors

    factory = RequestFactory()
    organisation = w["big"]["org"]
    since = (w["today"] - timedelta(days=90)).isoformat()
    customer_cases = {
        "first page": "",
        **{
            f"sorted by {s}": f"sort={s}"
            for s in ("contact", "email", "active", "unpaid", "created", "-unpaid")
        },
        "search with no hit": "q=qwxz",
        "last page": "last=1",
    }
    invoice_cases = {
        "first page": "",
        "paid": "state=paid",
        "unpaid": "state=unpaid",
        "overdue": "state=overdue",
        "invoice date, last 90 days": f"issued_after={since}&issued_before={w['today']}",
        "one customer": f"customer={w['big']['customer']}",
        "owner partner": "owner=partner",
        **{f"sorted by {s}": f"sort={s}" for s in ("date", "due", "number", "amount", "balance")},
        "last page": "last=1",
    }
    out = [
        "# EXPLAIN (ANALYZE, BUFFERS) of the customers and invoices lists",
        "",
        f"Written by `bench/pages.py` for {organisation.name} ({w['big']['customers']:,} "
        f"customers, {w['big']['invoices']:,} invoices): every query each page runs on the "
        "orders tables, built by the product's own selectors (`orders.selectors`) and keyset "
        "paging (`core.keyset`), captured as they ran and explained on the same database.",
        "",
    ]

    def captured(run_page: Any) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            run_page()
        return [q["sql"] for q in queries.captured_queries if "orders_" in q["sql"]]

    for title, cases, build in (
        ("Customers", customer_cases, "customers"),
        ("Invoices", invoice_cases, "invoices"),
    ):
        out += [f"## {title}", ""]
        for what, query in cases.items():
            request = factory.get(
                "/", data=dict(part.split("=", 1) for part in query.split("&") if part)
            )

            def run_page(request: Any = request, build: str = build) -> None:
                if build == "customers":
                    customers = selectors.customer_list(partner=organisation, filters=request.GET)
                    keyset_paginate(request, customers.rows)
                else:
                    invoices = selectors.invoice_list(
                        partner=organisation, filters=request.GET, today=w["today"]
                    )
                    keyset_paginate(request, invoices.rows)
                    selectors.invoice_totals(partner=organisation, listing=invoices)

            out += [f"### {what} (`?{query}`)" if query else f"### {what}", ""]
            for sql in captured(run_page):
                with connection.cursor() as cursor:
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                out += ["```sql", sql, "```", "", "```", plan, "```", ""]
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=2, help="per wrk measurement")
    parser.add_argument("--only", default="", help="only the pages whose name contains this")
    parser.add_argument("--no-explain", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()

    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=ENV,
        check=True,
    )
    w = world()
    keys = sessions(w["users"])
    chosen = [p for p in pages(w) if args.only in p.name or p.product is None]
    servers = [serve(floor=False), serve(floor=True)]
    try:
        wait_for(PRODUCT_PORT, "/healthz", time.monotonic() + 30)
        wait_for(FLOOR_PORT, "/hello", time.monotonic() + 30)
        for page in chosen:
            check(page, keys)
            print(f"check {page.name}: {page.check}", flush=True)
        loads = run(chosen, keys, args)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = report(chosen, w, loads, args, time.perf_counter() - started)
    print(text)
    suffix = "" if not args.only else "-partial"
    (RESULTS / f"pages{suffix}.md").write_text(text)
    (RESULTS / f"pages{suffix}.json").write_text(
        json.dumps(
            [
                {
                    "name": p.name,
                    "product": p.product,
                    "floor": p.floor,
                    "check": p.check,
                    "rounds": p.rounds,
                }
                for p in chosen
            ],
            indent=1,
        )
        + "\n"
    )
    if not args.no_explain:
        (RESULTS / "selfservice-explain.md").write_text(explain(w))


if __name__ == "__main__":
    main()
