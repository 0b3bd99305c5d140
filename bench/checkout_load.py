"""Checkout under load: orders per second at 8 clients, against a floor POST, then with a
worker pushing the orders to the fakes at the same time (issue #12).

Usage (PostgreSQL with the demo data, ``redis-server`` on PATH; README "Benchmarks"):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pp_checkout \\
        .venv/bin/python bench/checkout_load.py [--seconds 15] [--solo-seconds 5]

The conventions of ``bench/pages.py``: the product served by gunicorn (2 sync workers,
production settings, DEBUG=0, persistent connections), the floor (``bench/floor``: no session,
auth, CSRF or message middleware; its checkout POST is one raw INSERT transaction of the rows
an order makes) by a second gunicorn of 2 sync workers, both on 127.0.0.1 (ports of their own,
so that a ``pages.py`` run elsewhere is not disturbed), real session cookies created in the
database for the demo user alice. A private ``redis-server`` is the product's broker and cache.

Each client is a Python thread with its own connection, session and CSRF cookie, doing the
checkout as a browser does: GET the form, then POST it (CSRF token and the form's one-time
idempotency key from the page) for a new customer, for N seconds; every tenth form is submitted
twice (a double click), which must give the same order. Phases: the product and the floor at 1
client (medians), then at 8 clients, then the product at 8 clients again with a ``celery
worker`` and the fakes (``manage.py run_fakes``) pushing every order to Zuora and Salesforce as
it is placed. After each phase the orders are counted in the database (by the purchase order
number each POST carries): orders per second, duplicates (two orders for one form), errors
(anything but a 200 form and a 302 redirect), GET and POST median and p99, the load average.
wrk is not used: a form GET followed by its POST, with the token taken from the page, is what
a lua script would have to reimplement. Writes ``bench/results/checkout.md``. Timings are never
asserted by the test suite.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import _gunicorn  # noqa: E402  # bench/ is put on the path just above
from _gunicorn import wait_for  # noqa: E402  # bench/ is put on the path just above

RESULTS = ROOT / "bench" / "results"
PRODUCT_PORT = 8775
FLOOR_PORT = 8776
DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pp_checkout")
USER_EMAIL = "alice@northwind.example"
CLIENTS = 8
# A double click: every DOUBLE_EVERY-th form of a client is posted twice.
DOUBLE_EVERY = 10
CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
KEY_INPUT = re.compile(rb'name="idempotency_key" value="([0-9a-f-]{36})"')
CSRF_COOKIE = re.compile(r"csrftoken=([^;]+)")
RUN = time.strftime("%H%M%S")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@dataclass
class Phase:
    name: str
    side: str  # "product" or "floor"
    clients: int
    seconds: float
    tag: str = ""
    get_ms: list[float] = field(default_factory=list)
    post_ms: list[float] = field(default_factory=list)
    posts: int = 0
    doubles: int = 0
    double_mismatch: int = 0
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0
    orders: int = 0
    duplicates: int = 0
    load: float = 0.0
    outbox: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def rate(self) -> float:
        return self.orders / self.wall if self.wall else 0.0


class Browser:
    """One client: a connection, a session cookie, the CSRF cookie once the form has set it."""

    def __init__(self, port: int, session_key: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies = {"sessionid": session_key} if session_key else {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            # gunicorn's sync workers close every connection: reconnect and try once more.
            self.connection.close()
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        for value in response.headers.get_all("Set-Cookie") or []:
            found = CSRF_COOKIE.match(value)
            if found:
                self.cookies["csrftoken"] = found.group(1)
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
        return response.status, data, response.getheader("Location", "")


def customer(tag: str) -> dict[str, str]:
    return {
        "customer_mode": "new",
        "company_name": f"Load {tag} Ltd",
        "first_name": "Lou",
        "last_name": f"Load{tag}",
        "email": f"{tag.lower()}@load.example",
        "phone": "+44 20 7946 0958",
        "address_line1": "1 Load Street",
        "city": "Leeds",
        "postal_code": "LS1 1AA",
        "country": "GB",
        "quantity": "3",
        "po_number": tag,
        "accept_terms": "on",
    }


def client_loop(
    phase: Phase, number: int, port: int, path: str, session_key: str, deadline: float
) -> None:
    browser = Browser(port, session_key)
    n = 0
    while time.monotonic() < deadline:
        n += 1
        tag = f"{phase.tag}-{number}-{n}"
        try:
            started = time.perf_counter()
            status, page, _ = browser.request("GET", path)
            got = time.perf_counter()
            if status != 200:
                raise RuntimeError(f"GET {status}")
            fields = customer(tag)
            fields["start_date"] = time.strftime("%Y-%m-%d", time.gmtime())
            token = CSRF_INPUT.search(page)
            if token:
                fields["csrfmiddlewaretoken"] = token.group(1).decode()
            key = KEY_INPUT.search(page)
            # The floor's form has a placeholder token; its "browser" mints one.
            fields["idempotency_key"] = key.group(1).decode() if key else str(uuid.uuid4())
            body = urlencode(fields)
            sent = time.perf_counter()
            status, _, location = browser.request("POST", path, body)
            done = time.perf_counter()
            if status != 302:
                raise RuntimeError(f"POST {status}")
            again = ""
            if n % DOUBLE_EVERY == 0:
                status, _, again = browser.request("POST", path, body)
                if status != 302:
                    raise RuntimeError(f"second POST {status}")
            with phase.lock:
                phase.get_ms.append((got - started) * 1000)
                phase.post_ms.append((done - sent) * 1000)
                phase.posts += 1
                if again:
                    phase.doubles += 1
                    phase.double_mismatch += again != location
        except Exception as exc:  # counted and reported: the load must carry on
            with phase.lock:
                phase.errors.append(f"{type(exc).__name__}: {exc}")


def run_phase(phase: Phase, path: str, keys: list[str]) -> None:
    port = PRODUCT_PORT if phase.side == "product" else FLOOR_PORT
    phase.tag = f"CL{RUN}-{phase.name.replace(' ', '').replace(',', '')[:24]}"
    deadline = time.monotonic() + phase.seconds
    threads = [
        threading.Thread(
            target=client_loop, args=(phase, i, port, path, keys[i % len(keys)], deadline)
        )
        for i in range(phase.clients)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.wall = time.perf_counter() - started
    phase.load = os.getloadavg()[0]
    count_orders(phase)
    print(f"  {phase.name}: {summary(phase)}", flush=True)


def count_orders(phase: Phase) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) - count(DISTINCT po_number) FROM orders_order "
            "WHERE po_number LIKE %s",
            [f"{phase.tag}-%"],
        )
        phase.orders, phase.duplicates = cursor.fetchone()


def summary(phase: Phase) -> str:
    return (
        f"{phase.orders} orders in {phase.wall:.1f} s = {phase.rate:.1f}/s, "
        f"{len(phase.errors)} errors, {phase.duplicates} duplicates, "
        f"{phase.double_mismatch}/{phase.doubles} double submits answered differently, "
        f"GET {statistics.median(phase.get_ms or [0]):.1f} ms, "
        f"POST {statistics.median(phase.post_ms or [0]):.1f} ms median, load {phase.load:.2f}"
    )


# ------------------------------------------------------------------------------------------------
# The world, the sessions and the processes
# ------------------------------------------------------------------------------------------------
def world() -> dict[str, Any]:
    import django

    django.setup()
    from accounts.models import User
    from offers.selectors import offers_for_partner
    from orders.services import offer_currency_problem
    from partners.models import PartnerMembership

    user = User.objects.get(email=USER_EMAIL)
    membership = PartnerMembership.objects.select_related("organisation__direction__portal").get(
        user=user, is_active=True
    )
    organisation = membership.organisation
    portal = organisation.direction.portal
    offer = next(
        (
            o
            for o in offers_for_partner(partner=organisation).select_related("checkout_page")
            if o.checkout_page is not None
            and not offer_currency_problem(offer=o, partner=organisation)
        ),
        None,
    )
    if offer is None or offer.checkout_page is None:
        raise SystemExit(f"No orderable offer for {organisation.name}: run seed_demo first.")
    slug = offer.checkout_page.slug
    return {
        "user": user,
        "organisation": organisation,
        "product": f"/p/{portal.path_name}/checkout/{slug}/?offer={offer.code}",
        "floor": f"/{organisation.pk}/{portal.path_name}/checkout/{slug}/"
        f"?offer={offer.code}&user={user.pk}",
        "offer": offer,
    }


def sessions(user: Any, count: int) -> list[str]:
    """A real session per client, created in the database (what signing in stores)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    keys = []
    for _ in range(count):
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        keys.append(store.session_key or "")
    return keys


def serve(*, floor: bool, env: dict[str, str]) -> subprocess.Popen[bytes]:
    port = FLOOR_PORT if floor else PRODUCT_PORT
    return _gunicorn.serve(floor=floor, port=port, env=env)


def outbox_states(tag: str) -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT m.state, count(*) FROM integrations_outboxmessage m "
            "JOIN orders_order o ON o.id = m.order_id WHERE o.po_number LIKE %s GROUP BY 1",
            [f"{tag}-%"],
        )
        return dict(cursor.fetchall())


# ------------------------------------------------------------------------------------------------
# Reporting
# ------------------------------------------------------------------------------------------------
def report(
    phases: list[Phase], w: dict[str, Any], args: argparse.Namespace, loads: list[float]
) -> str:
    by = {p.name: p for p in phases}

    def med(p: Phase, what: str) -> float:
        values = p.get_ms if what == "get" else p.post_ms
        return statistics.median(values) if values else float("nan")

    p1, f1 = by["product, 1 client"], by["floor, 1 client"]
    p8, f8, pw = by["product, 8 clients"], by["floor, 8 clients"], by["product, 8 clients + worker"]
    lines = [
        "# Checkout under load (issue #12)",
        "",
        "Written by `bench/checkout_load.py`. Product: gunicorn, 2 sync workers, production "
        "settings (DEBUG=0, persistent connections), a private Redis as broker and cache. "
        "Floor: `bench/floor/` (no session, auth, CSRF or message middleware), gunicorn, 2 sync "
        "workers; its POST is one raw INSERT transaction (one statement) of the rows an order "
        "makes: customer, subscription, order, schedules, outbox rows; no checks, no broker. "
        f"Each client (a Python thread) GETs the form and POSTs it for a new customer, for "
        f"{args.seconds:g} s at 8 clients ({args.solo_seconds:g} s at 1); every "
        f"{DOUBLE_EVERY}th form is posted twice. Orders are counted in the database afterwards "
        "(by the purchase order number each POST carries).",
        "",
        f"Offer `{w['offer'].code}` for {w['organisation'].name}, as {USER_EMAIL}. Machine: "
        f"{os.cpu_count()} cores shared by both servers, PostgreSQL, Redis, the worker, the "
        f"fakes and the load generator. Load average (1 min): before {loads[0]:.2f}, after "
        "each phase in the table.",
        "",
        "| phase | orders | orders/s | errors | duplicates | double submits (same order) "
        "| GET median / p99 ms | POST median / p99 ms | load avg |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for p in phases:
        lines.append(
            f"| {p.name} | {p.orders} | {p.rate:.1f} | {len(p.errors)} | {p.duplicates} | "
            f"{p.doubles - p.double_mismatch}/{p.doubles} | "
            f"{med(p, 'get'):.1f} / {percentile(p.get_ms, 99):.1f} | "
            f"{med(p, 'post'):.1f} / {percentile(p.post_ms, 99):.1f} | {p.load:.2f} |"
        )
    target = "met" if p8.rate >= 50 and not p8.errors and not p8.duplicates else "NOT met"
    worker_target = "met" if pw.rate >= 50 and not pw.errors and not pw.duplicates else "NOT met"
    lines += [
        "",
        "## Against the targets",
        "",
        f"- Orders/s at 8 clients: **{p8.rate:.1f}** (target ≥ 50 with 0 errors and 0 "
        f"duplicates: {target}); the floor {f8.rate:.1f}: ratio **{p8.rate / f8.rate:.2f}**.",
        f"- With the worker pushing to the fakes: **{pw.rate:.1f}** orders/s ({worker_target}), "
        f"ratio to the floor {pw.rate / f8.rate:.2f}, load average {pw.load:.2f}; the phase's "
        f"outbox rows afterwards: {', '.join(f'{k} {v}' for k, v in sorted(pw.outbox.items()))}.",
        f"- POST median at 1 client: {med(p1, 'post'):.1f} ms vs the floor's "
        f"{med(f1, 'post'):.1f} ms ({med(p1, 'post') / med(f1, 'post'):.2f}×).",
        f"- Form GET median at 1 client: {med(p1, 'get'):.1f} ms vs the floor's "
        f"{med(f1, 'get'):.1f} ms ({med(p1, 'get') / med(f1, 'get'):.2f}×; the page target is "
        "≤ 1.3×; `bench/pages.py` measures it with wrk).",
    ]
    errors = [e for p in phases for e in p.errors]
    if errors:
        lines += ["", "First errors:", "", *(f"- {e}" for e in errors[:10])]
    lines += [
        "",
        "Command: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/pp_checkout "
        f".venv/bin/python bench/checkout_load.py --seconds {args.seconds:g} "
        f"--solo-seconds {args.solo_seconds:g}`",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15, help="per phase at 8 clients")
    parser.add_argument("--solo-seconds", type=float, default=5, help="per phase at 1 client")
    args = parser.parse_args()

    from _outbox_common import BenchConfig, FakesProcess, free_port

    from tests.integrations.processes import CeleryWorker, RedisServer

    redis = RedisServer().start()
    work_dir = Path(tempfile.mkdtemp(prefix="pp-checkout-load-"))
    config = BenchConfig(
        db_name=DATABASE_URL.rsplit("/", 1)[1],
        redis_port=redis.port,
        zuora_port=free_port(),
        salesforce_port=free_port(),
        work_dir=work_dir,
        env={},
    )
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "HTTPS": "0",
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": redis.url,
        "CELERY_BROKER_URL": redis.url,
        "CONN_MAX_AGE": "60",
        "C_FORCE_ROOT": "1",
        "ZUORA_ENDPOINT": f"{config.base_url('zuora')}/apps/services/a/82.0",
        "SALESFORCE_INSTANCE_URL": config.base_url("salesforce"),
        "SALESFORCE_TOKEN_URL": f"{config.base_url('salesforce')}/services/oauth2/token",
    }
    config.env = {k: v for k, v in env.items() if k not in os.environ or os.environ[k] != v}
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    # Production settings serve the collected (hashed) static files.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    w = world()
    keys = sessions(w["user"], CLIENTS)
    servers = [serve(floor=False, env=env), serve(floor=True, env=env)]
    fakes: FakesProcess | None = None
    worker: CeleryWorker | None = None
    phases: list[Phase] = []
    loads = [os.getloadavg()[0]]
    try:
        wait_for(PRODUCT_PORT, "/healthz", time.monotonic() + 30)
        wait_for(FLOOR_PORT, "/hello", time.monotonic() + 30)
        print("warming up", flush=True)
        run_phase(Phase("warm-up product", "product", 2, 2), w["product"], keys)
        run_phase(Phase("warm-up floor", "floor", 2, 2), w["floor"], keys)
        for name, side, clients, seconds in (
            ("product, 1 client", "product", 1, args.solo_seconds),
            ("floor, 1 client", "floor", 1, args.solo_seconds),
            ("product, 8 clients", "product", CLIENTS, args.seconds),
            ("floor, 8 clients", "floor", CLIENTS, args.seconds),
        ):
            phase = Phase(name, side, clients, seconds)
            run_phase(phase, w[side], keys)
            phases.append(phase)
        # The messages of the orders so far were never consumed: drop them, so that the
        # worker pushes only the orders placed while it runs.
        subprocess.run(
            ["redis-cli", "-p", str(redis.port), "DEL", "celery"], check=True, capture_output=True
        )
        fakes = FakesProcess(config).start()
        from integrations.fake_seed import fakes_seed

        fakes_seed(
            zuora_base=config.base_url("zuora"), salesforce_base=config.base_url("salesforce")
        )
        worker = CeleryWorker(
            broker_url=redis.url, name="checkout", log=work_dir / "worker.log", extra_env=env
        ).start(wait=60)
        phase = Phase("product, 8 clients + worker", "product", CLIENTS, args.seconds)
        run_phase(phase, w["product"], keys)
        phases.append(phase)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            phase.outbox = outbox_states(phase.tag)
            if set(phase.outbox) <= {"sent", "failed"}:
                break
            time.sleep(1)
        print(f"  outbox of the worker phase: {phase.outbox}", flush=True)
    finally:
        if worker is not None:
            worker.stop()
        if fakes is not None:
            fakes.stop()
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
        redis.stop()
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = report(phases, w, args, loads)
    print(text)
    (RESULTS / "checkout.md").write_text(text)


if __name__ == "__main__":
    main()
