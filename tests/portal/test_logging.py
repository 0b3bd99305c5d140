"""Logs: JSON lines in production, plain lines in the demo, UTC and the request id on every line
written while a request is handled; the id in the response header and in the Celery tasks the
request enqueues (a real worker)."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from celery import current_app
from django.test import Client

from core import request_id
from core.logs import logging_config
from tests.devidp_process import DevIdp
from tests.integrations.processes import CeleryWorker, RedisServer, use_broker, wait_until

pytestmark = pytest.mark.django_db

Capture = Callable[..., io.StringIO]


@pytest.fixture
def capture_logs(settings) -> Iterator[Capture]:
    """The product's logging configuration, writing to a buffer instead of stderr."""

    def capture(*, json: bool) -> io.StringIO:
        stream = io.StringIO()
        config = logging_config(json=json, level="INFO")
        config["handlers"]["console"]["stream"] = stream
        logging.config.dictConfig(config)
        return stream

    yield capture
    logging.config.dictConfig(settings.LOGGING)


def json_lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_response_carries_a_new_request_id(client: Client) -> None:
    first = client.get("/accounts/login/")["X-Request-ID"]
    second = client.get("/accounts/login/")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_a_well_formed_incoming_request_id_is_kept(client: Client) -> None:
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID="lb-7f3a9c1e-2b4d")
    assert response["X-Request-ID"] == "lb-7f3a9c1e-2b4d"


@pytest.mark.parametrize(
    "incoming", ["two words", "x" * 129, "id\r\nX-Forged: 1", "<script>", "é-accented"]
)
def test_a_malformed_incoming_request_id_is_replaced(client: Client, incoming: str) -> None:
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID=incoming)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_production_logs_are_json_lines_carrying_the_request_id(
    client: Client, capture_logs: Capture
) -> None:
    stream = capture_logs(json=True)
    logging.getLogger("portal.test").info("outside any request")
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-0001-abcd")
    assert response.status_code == 404
    lines = json_lines(stream)
    outside, *during = lines
    assert outside["request_id"] == request_id.NONE
    # Django's "Not Found" warning and the access line, both written while the request ran.
    assert [line["logger"] for line in during] == ["django.request", "portal.access"]
    assert all(line["request_id"] == "req-0001-abcd" for line in during)
    access = during[-1]
    assert access["level"] == "INFO"
    assert access["status"] == 404
    assert access["method"] == "GET"
    assert access["path"] == "/no-such-page/"
    assert access["view"] == "<unmatched>"
    assert isinstance(access["duration_ms"], float)
    # UTC, ISO 8601.
    assert str(access["timestamp"]).endswith("+00:00")


def test_the_access_line_names_the_view_and_leaves_the_query_out(
    client: Client, capture_logs: Capture
) -> None:
    stream = capture_logs(json=True)
    client.get("/accounts/login/?next=/secret-search-term/")
    (access,) = [line for line in json_lines(stream) if line["logger"] == "portal.access"]
    assert access["view"] == "account_login"
    assert access["path"] == "/accounts/login/"
    assert "secret-search-term" not in stream.getvalue()


def test_demo_logs_are_plain_utc_lines_with_the_request_id(
    client: Client, capture_logs: Capture, settings
) -> None:
    # Whatever the process's zone, the lines are UTC.
    settings.TIME_ZONE = "America/Chicago"
    stream = capture_logs(json=False)
    client.get("/accounts/login/", HTTP_X_REQUEST_ID="demo-req-42")
    (line,) = stream.getvalue().splitlines()
    stamp, level, logger, rid, message = line.split(" ", 4)
    assert (level, logger, rid) == ("INFO", "portal.access", "[demo-req-42]")
    assert message.startswith("GET /accounts/login/ 200 ")
    written = time.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ")
    assert abs(time.mktime(written) - time.mktime(time.gmtime())) < 60


def test_a_control_character_cannot_forge_a_plain_log_line(
    client: Client, capture_logs: Capture
) -> None:
    stream = capture_logs(json=False)
    client.get("/x%0a2026-01-01T00:00:00.000Z INFO forged/")
    access = [line for line in stream.getvalue().splitlines() if "portal.access" in line]
    assert len(access) == 1
    assert "/x?2026-01-01" in access[0]


# ------------------------------------------------------------------------------------------------
# Into the worker
# ------------------------------------------------------------------------------------------------
@pytest.fixture
def worker(tmp_path: Path, transactional_db: None) -> Iterator[tuple[CeleryWorker, Path]]:
    server = RedisServer().start()
    use_broker(server.url)
    log = tmp_path / "worker.log"
    started = CeleryWorker(broker_url=server.url, name="logs", log=log).start()
    yield started, log
    started.stop()
    use_broker(None)
    server.stop()


def test_a_task_logs_with_the_request_id_of_the_request_that_sent_it(
    worker: tuple[CeleryWorker, Path],
) -> None:
    _, log = worker
    token = request_id.bind("req-into-the-worker-1")
    try:
        sent = current_app.send_task("integrations.outbox_dispatch")
    finally:
        request_id.unbind(token)

    def finished() -> bool:
        return f"[{sent.id}] succeeded" in log.read_text()

    wait_until(finished, what="the task to finish")
    (line,) = [line for line in log.read_text().splitlines() if f"[{sent.id}] succeeded" in line]
    assert " celery.app.trace [req-into-the-worker-1] Task integrations.outbox_dispatch" in line
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO ", line)


def test_a_task_no_request_sent_logs_with_its_own_id(worker: tuple[CeleryWorker, Path]) -> None:
    _, log = worker
    sent = current_app.send_task("integrations.outbox_dispatch")
    wait_until(lambda: f"[{sent.id}] succeeded" in log.read_text(), what="the task to finish")
    assert f"[{sent.id}] Task integrations.outbox_dispatch[{sent.id}] succeeded" in log.read_text()


@pytest.mark.django_db(databases=[])
def test_the_development_provider_logs_in_the_portals_zone_and_format(tmp_path: Path) -> None:
    provider = DevIdp(tmp_path)
    provider.start()  # until its discovery document answers
    try:
        # runserver writes the request's line after the answer has gone: wait for it.
        deadline = time.monotonic() + 20
        line = ""
        while not line and time.monotonic() < deadline:
            lines = provider.log_path.read_text().splitlines()
            line = next(
                (row for row in lines if "openid-configuration HTTP" in row and " 200 " in row), ""
            )
            if not line:
                time.sleep(0.1)
    finally:
        provider.stop()
    assert line, "the provider wrote no line for the discovery request"
    stamp, level, logger, rid, message = line.split(" ", 4)
    assert (level, logger, rid) == ("INFO", "django.server", "[-]")
    assert message.startswith('"GET /o/.well-known/openid-configuration HTTP/1.1" 200')
    written = time.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ")
    assert abs(time.mktime(written) - time.mktime(time.gmtime())) < 60
