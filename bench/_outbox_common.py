"""What the outbox benchmarks share: the environment, a dedicated database, the processes
(a private Redis, the fakes served by ``manage.py run_fakes``, ``celery worker`` processes, the
beat job) and the data (organisations, offers, partner users, orders).

Import order matters: :func:`prepare_environment` sets ``os.environ`` (ports, database, timings)
before :func:`setup_django` loads the settings, so that this process (the web side, which places
the orders) and the worker subprocesses it starts read the same settings. Everything that
imports Django models is imported inside functions, after the setup.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, Literal

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from accounts.models import User
    from offers.models import Offer
    from orders.models import Customer, Order
    from partners.models import PartnerOrganisation
    from tests.integrations.processes import CeleryWorker, RedisServer

PG_SERVER = "postgres://postgres@127.0.0.1:5432"
Target = Literal["zuora", "salesforce"]

# Small timings: backoffs of a fraction of a second, a short lease, a beat job every second.
FAST_TIMINGS: dict[str, object] = {
    "OUTBOX_BACKOFF_BASE": 0.2,
    "OUTBOX_BACKOFF_MAX": 2,
    "OUTBOX_RETRY_AFTER_CAP": 5,
    "OUTBOX_CLAIM_LEASE": 10,
    "OUTBOX_STALL_GRACE": 2,
    # A message older than this for a due row is presumed lost (the Redis restart).
    "OUTBOX_REENQUEUE_AFTER": 15,
    "OUTBOX_DISPATCH_INTERVAL": 1,
    "OUTBOX_BUSY_DELAY": 0.2,
    "OUTBOX_CRM_WAIT_DELAY": 0.5,
    "ZUORA_TIMEOUT": 5,
    "SALESFORCE_TIMEOUT": 5,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class BenchConfig:
    db_name: str
    redis_port: int
    zuora_port: int
    salesforce_port: int
    work_dir: Path
    env: dict[str, str]

    @property
    def state_dir(self) -> Path:
        return self.work_dir / "fakes"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def base_url(self, target: Target) -> str:
        port = self.zuora_port if target == "zuora" else self.salesforce_port
        return f"http://127.0.0.1:{port}"


def prepare_environment(*, db_name: str, timings: Mapping[str, object]) -> BenchConfig:
    """Pick the ports, make a temp dir and set the environment. Call before ``django.setup()``."""
    config = BenchConfig(
        db_name=db_name,
        redis_port=free_port(),
        zuora_port=free_port(),
        salesforce_port=free_port(),
        work_dir=Path(tempfile.mkdtemp(prefix="pp-bench-outbox-")),
        env={},
    )
    zuora = config.base_url("zuora")
    salesforce = config.base_url("salesforce")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    env = {
        "DEBUG": "1",
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": f"{PG_SERVER}/{db_name}",
        "CELERY_BROKER_URL": config.redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "C_FORCE_ROOT": "1",  # these machines run as root; Celery refuses otherwise
        "PYTHONUNBUFFERED": "1",
        "ZUORA_ENDPOINT": f"{zuora}/apps/services/a/82.0",
        "SALESFORCE_INSTANCE_URL": salesforce,
        "SALESFORCE_TOKEN_URL": f"{salesforce}/services/oauth2/token",
        **{key: str(value) for key, value in timings.items()},
    }
    os.environ.update(env)
    config.env = env
    return config


def _admin_connection() -> Any:
    import psycopg

    return psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True)


def recreate_database(name: str, *, template: str | None = None) -> None:
    """Drop ``name`` (closing anyone's connections to it) and create it again, empty or as a
    copy of ``template``."""
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if template:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        else:
            conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(*, migrate: bool) -> None:
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)


def close_db_connections() -> None:
    from django.db import connections

    connections.close_all()


# ------------------------------------------------------------------------------------------------
# Processes
# ------------------------------------------------------------------------------------------------
class FakesProcess:
    """``manage.py run_fakes`` on the config's ports, in its own process (its own GIL)."""

    def __init__(self, config: BenchConfig) -> None:
        self.config = config
        self.process: subprocess.Popen[bytes] | None = None
        self.log = config.work_dir / "fakes.log"

    def start(self, *, wait: float = 30.0) -> FakesProcess:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "run_fakes",
                    "--zuora-port",
                    str(self.config.zuora_port),
                    "--salesforce-port",
                    str(self.config.salesforce_port),
                    "--state-dir",
                    str(self.config.state_dir),
                    "--reset",
                ],
                cwd=ROOT,
                env={**os.environ, **self.config.env},
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"run_fakes exited; see {self.log}")
            try:
                self.state("zuora")
                self.state("salesforce")
                return self
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError("the fakes did not start")

    def check_alive(self) -> None:
        """Raise if the fakes process has exited (stopped from outside, say)."""
        if self.process is None or self.process.poll() is not None:
            raise RuntimeError(f"the fakes process exited; see {self.log}")

    def control(self, target: Target, method: str, path: str, json: Any = None) -> Any:
        with requests.Session() as session:
            session.trust_env = False  # loopback: no proxy, no CA bundle from the environment
            response = session.request(
                method, f"{self.config.base_url(target)}{path}", json=json, timeout=60
            )
        response.raise_for_status()
        return response.json() if response.content else None

    def state(self, target: Target) -> dict[str, Any]:
        state: dict[str, Any] = self.control(target, "GET", "/_fake/state")
        return state

    def faults(self, target: Target, rules: Sequence[Mapping[str, Any]]) -> None:
        self.control(target, "POST", "/_fake/faults", list(rules))

    def clear_faults(self) -> None:
        for target in ("zuora", "salesforce"):
            self.control(target, "DELETE", "/_fake/faults")

    def reset(self) -> None:
        for target in ("zuora", "salesforce"):
            self.control(target, "POST", "/_fake/reset")

    def stop(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            self.process = None


class Dispatcher:
    """The beat job, run by a thread of this process: ``outbox_dispatch()`` every interval
    (OUTBOX_DISPATCH_INTERVAL), as ``celery beat`` would have a worker run it."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.runs = 0
        self.enqueued = 0
        self.errors = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox-dispatch", daemon=True)

    def start(self) -> Dispatcher:
        self._thread.start()
        return self

    def _run(self) -> None:
        from django.db import close_old_connections

        from integrations.sending import outbox_dispatch

        while not self._stop.wait(self.interval):
            try:
                self.enqueued += outbox_dispatch()
                self.runs += 1
            except Exception:  # the database restarting, say: the next run tries again
                self.errors += 1
                close_old_connections()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        close_db_connections()


class EnqueueFailures(logging.Handler):
    """Counts (and keeps off the console) the "could not enqueue" errors of ``outbox_send``
    while Redis is down: checkout logs them and carries on, which is what is measured."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1

    def install(self) -> EnqueueFailures:
        logger = logging.getLogger("integrations.outbox")
        logger.addHandler(self)
        logger.propagate = False
        return self


@dataclass
class Stack:
    """Everything a run needs, stopped in reverse order by :meth:`close` (also on errors)."""

    config: BenchConfig
    redis: RedisServer | None = None
    fakes: FakesProcess | None = None
    workers: list[CeleryWorker] = field(default_factory=list)
    dispatcher: Dispatcher | None = None
    _started: int = 0

    def start_redis(self) -> RedisServer:
        from tests.integrations.processes import RedisServer, use_broker

        self.redis = RedisServer(port=self.config.redis_port).start()
        use_broker(self.config.redis_url)
        return self.redis

    def stop_redis(self) -> None:
        if self.redis is not None:
            self.redis.stop()

    def start_fakes(self) -> FakesProcess:
        self.fakes = FakesProcess(self.config).start()
        return self.fakes

    def start_worker(self) -> CeleryWorker:
        from tests.integrations.processes import CeleryWorker

        worker = CeleryWorker(
            broker_url=self.config.redis_url,
            name=f"bench{self._started}",
            log=self.config.work_dir / f"worker{self._started}.log",
            extra_env=self.config.env,
        )
        self._started += 1
        self.workers.append(worker.start(wait=60))
        return worker

    def start_dispatcher(self) -> Dispatcher:
        from django.conf import settings

        self.dispatcher = Dispatcher(settings.OUTBOX_DISPATCH_INTERVAL).start()
        return self.dispatcher

    def stop_workers(self) -> None:
        for worker in self.workers:
            with contextlib.suppress(Exception):
                worker.stop()
        self.workers.clear()

    def close(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.stop()
            self.dispatcher = None
        self.stop_workers()
        if self.fakes is not None:
            self.fakes.stop()
            self.fakes = None
        if self.redis is not None:
            self.redis.stop()
            self.redis = None


@contextlib.contextmanager
def terminate_on_sigterm() -> Iterator[None]:
    """A SIGTERM ends the run like Ctrl-C does, so ``finally`` blocks stop every process."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# ------------------------------------------------------------------------------------------------
# Data
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OrgSpec:
    name: str
    owns_invoices: bool
    one_to_one: bool
    salesforce: bool
    currency: str


@dataclass
class Seller:
    organisation: PartnerOrganisation
    actor: User
    offers: list[Offer]
    customers: list[Customer] = field(default_factory=list)


CURRENCIES = ("EUR", "USD", "GBP")
# The four kinds of organisation the push distinguishes, cycled through.
ORG_KINDS = (
    (True, True, True),  # partner owns the invoices, 1:1 mapping on, Salesforce parent
    (True, False, False),  # partner owns, 1:1 off, no Salesforce parent
    (False, True, False),  # end customer owns, 1:1 on, no Salesforce parent
    (False, False, True),  # end customer owns, 1:1 off, Salesforce parent
)


def org_specs(count: int) -> list[OrgSpec]:
    specs = []
    for i in range(count):
        owns, one_to_one, salesforce = ORG_KINDS[i % len(ORG_KINDS)]
        specs.append(
            OrgSpec(
                name=f"Bench Partner {i + 1}",
                owns_invoices=owns,
                one_to_one=one_to_one,
                salesforce=salesforce,
                currency=CURRENCIES[i % len(CURRENCIES)],
            )
        )
    return specs


def salesforce_account_id(n: int) -> str:
    """A valid 18-character Account id (key prefix 001, the case-safe checksum suffix)."""
    from integrations.fakes.salesforce import salesforce_id

    return salesforce_id(f"0015g0BENCH{n:04d}")


def seed_world(specs: Sequence[OrgSpec], *, fakes: FakesProcess) -> list[Seller]:
    """Organisations, a partner user each, an offer per currency (each organisation eligible
    for the ones it may sell), then the partners' accounts and the catalogue into the fakes."""
    from integrations.fake_seed import fakes_seed
    from partners.models import InvoiceOwner, PartnerRole
    from tests import factories

    offers = {
        currency: factories.OfferFactory.create(
            code=f"bench-{currency.lower()}",
            name=f"Bench plan ({currency})",
            currency=currency,
            price=Decimal("30.00"),
        )
        for currency in CURRENCIES
    }
    sellers = []
    for n, spec in enumerate(specs, start=1):
        organisation = factories.PartnerOrganisationFactory.create(
            name=spec.name,
            invoice_owner=InvoiceOwner.PARTNER if spec.owns_invoices else InvoiceOwner.END_CUSTOMER,
            one_to_one_account_mapping=spec.one_to_one,
            zuora_account_currency=spec.currency,
            salesforce_account_id=salesforce_account_id(n) if spec.salesforce else "",
        )
        membership = factories.PartnerMembershipFactory.create(
            organisation=organisation,
            role=PartnerRole.MEMBER,
            user__email=f"seller{n}@bench-partner{n}.test",
        )
        # A partner invoiced for its customers sells in its own currency only (Zuora bills a
        # subscription in its invoice owner's currency); an end-customer owner sells them all.
        sellable = [offers[spec.currency]] if spec.owns_invoices else list(offers.values())
        for offer in sellable:
            offer.eligible_organisations.add(organisation)
        sellers.append(Seller(organisation=organisation, actor=membership.user, offers=sellable))
    fakes_seed(
        zuora_base=fakes.config.base_url("zuora"),
        salesforce_base=fakes.config.base_url("salesforce"),
    )
    return sellers


class OrderPlacer:
    """Places orders with ``order_place`` round-robin over the sellers; ``reuse`` of them for a
    customer the seller already has (1:1 mapping reuse), the rest for a new customer."""

    def __init__(self, sellers: Sequence[Seller], *, reuse: float, seed: int = 2026) -> None:
        self.sellers = list(sellers)
        self.reuse = reuse
        self.random = random.Random(seed)
        self.placed = 0
        self.reused = 0
        self.currency: dict[int, str] = {}

    def place(self) -> Order:
        from django.utils import timezone

        from orders.services import order_place
        from tests.factories import new_customer_data

        seller = self.sellers[self.placed % len(self.sellers)]
        self.placed += 1
        customer = None
        offers = seller.offers
        if seller.customers and self.random.random() < self.reuse:
            customer = self.random.choice(seller.customers)
            self.reused += 1
            # A returning customer buys in the currency of their first order: with 1:1 mapping
            # their Zuora account (and its currency) is reused, and checkout does not stop an
            # end-customer-owned partner's customer from ordering in another currency (see the
            # campaign's results: Zuora then refuses the subscription, permanently).
            offers = [o for o in offers if o.currency == self.currency[customer.pk]]
        order = order_place(
            partner=seller.organisation,
            actor=seller.actor,
            offer=self.random.choice(offers),
            quantity=self.random.randint(1, 20),
            start_date=timezone.localdate(),
            idempotency_key=uuid.uuid4(),
            customer=customer,
            customer_data=None if customer else new_customer_data(self.placed),
        )
        if customer is None:
            seller.customers.append(order.customer)
            self.currency[order.customer.pk] = order.currency
        return order


# ------------------------------------------------------------------------------------------------
# Waiting and statistics
# ------------------------------------------------------------------------------------------------
def outbox_counts() -> dict[str, int]:
    from django.db.models import Count

    from integrations.models import OutboxMessage

    rows = OutboxMessage.objects.values("state").annotate(n=Count("pk")).order_by()
    return {row["state"]: row["n"] for row in rows}


def wait_for(
    condition: Callable[[], bool],
    *,
    timeout: float,
    every: float = 1.0,
    progress: Callable[[], str] | None = None,
    progress_every: float = 15.0,
) -> bool:
    """Poll ``condition`` until it holds (True) or ``timeout`` passes (False)."""
    deadline = time.monotonic() + timeout
    next_report = time.monotonic() + progress_every
    while not condition():
        if time.monotonic() > deadline:
            return False
        if progress is not None and time.monotonic() >= next_report:
            print(f"  … {progress()}", flush=True)
            next_report = time.monotonic() + progress_every
        time.sleep(every)
    return True


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def mean(values: Sequence[float]) -> float:
    return statistics.fmean(values) if values else math.nan


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def machine_line() -> str:
    load = os.getloadavg()
    return (
        f"Machine: {os.cpu_count()} cores (shared by the fakes, PostgreSQL, Redis, the workers and "
        f"this script); load average before the run {load[0]:.2f}."
    )
