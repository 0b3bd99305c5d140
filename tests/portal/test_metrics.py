"""/metrics: request latency by view, the outbox's rows by state and target, task outcomes;
refused to the public; added up across two real gunicorn workers and a real Celery worker."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest
from celery import current_app
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from integrations.models import OutboxMessage, OutboxState, Target
from tests import factories
from tests.integrations.processes import (
    ROOT,
    CeleryWorker,
    RedisServer,
    database_url,
    free_port,
    use_broker,
    wait_until,
)
from tests.world import World

pytestmark = pytest.mark.django_db

TOKEN = "scrape-token-0123456789"


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, frozenset(labels.items())), 0.0)


def scrape(client: Client) -> str:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.text


@pytest.fixture
def token(settings) -> None:
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []


# ------------------------------------------------------------------------------------------------
# Who may scrape
# ------------------------------------------------------------------------------------------------
def test_metrics_are_not_found_without_the_token(client: Client, token: None) -> None:
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION=TOKEN).status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


def test_metrics_are_not_found_when_nothing_allows_them(client: Client, settings) -> None:
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = []
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_metrics_answer_the_allowed_networks_only(client: Client, settings) -> None:
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8", "fd00::/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="fd00::7").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.168.1.1").status_code == 404
    # A forwarded header names no client: the connection's address decides.
    response = client.get("/metrics", REMOTE_ADDR="192.168.1.1", HTTP_X_FORWARDED_FOR="10.0.0.1")
    assert response.status_code == 404


def test_metrics_are_answered_before_the_host_check_and_sessions(
    client: Client, token: None
) -> None:
    # Prometheus scrapes a pod by its address.
    response = client.get("/metrics", HTTP_HOST="10.0.0.7", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert "Set-Cookie" not in response
    assert client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405


# ------------------------------------------------------------------------------------------------
# What they say
# ------------------------------------------------------------------------------------------------
def test_requests_are_counted_and_timed_by_view_not_by_path(client: Client, token: None) -> None:
    before = scrape(client)
    client.get("/accounts/login/")
    client.get("/accounts/login/?next=/p/alpha/")
    client.get("/no-such-page-4711/")
    after = scrape(client)
    count = "portal_request_duration_seconds_count"
    login = {"view": "account_login", "method": "GET"}
    assert value(after, count, **login) - value(before, count, **login) == 2
    unmatched = {"view": "<unmatched>", "method": "GET"}
    assert value(after, count, **unmatched) - value(before, count, **unmatched) == 1
    responses = "portal_responses_total"
    ok = {**login, "status": "200"}
    assert value(after, responses, **ok) - value(before, responses, **ok) == 2
    assert value(after, "portal_request_duration_seconds_sum", **login) > value(
        before, "portal_request_duration_seconds_sum", **login
    )
    assert "no-such-page-4711" not in after
    # Scrapes and probes are not requests of the product.
    views = {dict(labels).get("view") for _, labels in samples(after)}
    assert not views & {"metrics", "healthz", "readyz", "livez"}


def test_the_scrape_counts_the_outbox_rows_by_state_and_target(
    world: World, client: Client, token: None
) -> None:
    offer = factories.OfferFactory.create(price=Decimal("30.00"), eligible=[world.a1.organisation])
    for n in range(3):
        factories.place_order(
            organisation=world.a1.organisation,
            actor=world.a1.member,
            offer=offer,
            customer_data=factories.new_customer_data(n),
        )
    first = OutboxMessage.objects.filter(target=Target.ZUORA).order_by("pk").first()
    assert first is not None
    OutboxMessage.objects.filter(pk=first.pk).update(state=OutboxState.FAILED)
    text = scrape(client)
    name = "portal_outbox_messages"
    assert value(text, name, state="pending", target="salesforce") == 3
    assert value(text, name, state="pending", target="zuora") == 2
    assert value(text, name, state="failed", target="zuora") == 1
    # Every pair is reported, zeros included.
    assert (name, frozenset({"state": "succeeded", "target": "salesforce"}.items())) in samples(
        text
    )


def test_the_outbox_is_counted_with_one_query(
    client: Client, token: None, django_assert_num_queries
) -> None:
    with django_assert_num_queries(1):
        scrape(client)


# ------------------------------------------------------------------------------------------------
# Across processes
# ------------------------------------------------------------------------------------------------
def gunicorn_env(multiproc: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DEBUG": "0",
        "HTTPS": "0",
        "SECRET_KEY": "gunicorn-test-secret-key-0123456789abcdef",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url(),
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "memory://",
        "METRICS_TOKEN": TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(multiproc),
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[tuple[int, Path, Path]]:
    """The product under gunicorn with two workers and the Dockerfile's configuration file."""
    port = free_port()
    multiproc = tmp_path / "metrics"
    # A file a previous run left: the server empties the directory when it starts.
    multiproc.mkdir()
    (multiproc / "counter_999999.db").write_bytes(b"stale")
    log = tmp_path / "gunicorn.log"
    program = str(Path(sys.executable).parent / "gunicorn")
    workers, bind = ["--workers", "2"], ["--bind", f"127.0.0.1:{port}"]
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603  # our own gunicorn and arguments
            [program, "-c", "portal/gunicorn_conf.py", "portal.wsgi", *workers, *bind],
            cwd=ROOT,
            env=gunicorn_env(multiproc),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until(lambda: get(port, "/livez")[0] == 200, what="gunicorn to start")
        yield port, multiproc, log
    finally:
        process.terminate()
        process.wait(timeout=20)


def get(port: int, path: str, **headers: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode()
    except OSError:
        return 0, ""
    finally:
        connection.close()


def worker_pids(multiproc: Path) -> set[str]:
    return {path.stem.rsplit("_", 1)[1] for path in multiproc.glob("histogram_*.db")}


def test_two_gunicorn_workers_add_up_in_every_scrape(
    gunicorn: tuple[int, Path, Path],
) -> None:
    port, multiproc, log = gunicorn
    assert not (multiproc / "counter_999999.db").exists()
    sent = 0
    # Concurrent requests until both workers have served some (each writes its own file).
    deadline = time.monotonic() + 60
    with ThreadPoolExecutor(max_workers=6) as pool:
        while len(worker_pids(multiproc)) < 2 or sent < 40:
            assert time.monotonic() < deadline, "the second worker never served a request"
            statuses = list(pool.map(lambda _: get(port, "/")[0], range(12)))
            assert statuses == [302] * 12  # home sends the anonymous to the sign-in page
            sent += 12
    assert len(worker_pids(multiproc)) == 2
    # Whichever worker answers the scrape, it reports both workers' requests.
    for _ in range(6):
        status, text = get(port, "/metrics", Authorization=f"Bearer {TOKEN}")
        assert status == 200
        home = {"view": "home", "method": "GET"}
        assert value(text, "portal_request_duration_seconds_count", **home) == sent
        assert value(text, "portal_responses_total", status="302", **home) == sent
        assert value(text, "portal_outbox_messages", state="pending", target="zuora") == 0
    assert get(port, "/metrics")[0] == 404
    # Production logs: every line gunicorn and the product wrote is a JSON object.
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    access = [line for line in lines if line["logger"] == "portal.access"]
    assert len(access) == sent
    assert len({line["request_id"] for line in access}) == sent
    assert any(line["logger"] == "gunicorn.error" for line in lines)


def test_a_celery_worker_counts_its_task_outcomes_on_its_own_port(
    tmp_path: Path, transactional_db: None
) -> None:
    server = RedisServer().start()
    use_broker(server.url)
    port = free_port()
    worker = CeleryWorker(
        broker_url=server.url,
        name="metrics",
        concurrency=2,
        log=tmp_path / "worker.log",
        extra_env={
            "WORKER_METRICS_PORT": port,
            "WORKER_METRICS_ADDRESS": "127.0.0.1",
            "PROMETHEUS_MULTIPROC_DIR": tmp_path,
        },
    ).start()
    try:
        for _ in range(4):
            current_app.send_task("integrations.outbox_dispatch")
        # An argument the task does not take: it fails.
        current_app.send_task("integrations.outbox_dispatch", args=[1])
        # A missing organisation: the pull raises, and autoretry schedules it again.
        current_app.send_task("integrations.invoices_sync", args=[987654321])

        def metrics() -> str:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                return str(r.read().decode())

        task = "portal_celery_tasks_total"

        def counted() -> bool:
            text = metrics()
            return (
                value(text, task, task="integrations.outbox_dispatch", outcome="success") == 4
                and value(text, task, task="integrations.outbox_dispatch", outcome="failure") == 1
                and value(text, task, task="integrations.invoices_sync", outcome="retry") >= 1
            )

        wait_until(counted, timeout=60, what="the worker to count its tasks")
    finally:
        worker.stop()
        use_broker(None)
        server.stop()
