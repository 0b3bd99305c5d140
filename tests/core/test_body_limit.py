"""A request body over REQUEST_BODY_MAX_SIZE is refused from its headers, before anyone reads it
(core/body_limit.py): in the Django client, and over a real socket to gunicorn, where the answer
comes while the 60 MB it announced have not been sent."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from registrations.models import OpportunityRegistration
from tests.integrations.processes import free_port
from tests.registrations.conftest import client_for, new_company_post
from tests.registrations.form_helpers import URL
from tests.world import World

ROOT = Path(__file__).resolve().parents[2]
SIXTY_MB = 60 * 1000 * 1000


@pytest.mark.django_db
@override_settings(REQUEST_BODY_MAX_SIZE=20_000)
def test_an_upload_over_the_limit_is_refused_in_the_layout_and_saves_nothing(
    world: World,
) -> None:
    big = SimpleUploadedFile("offer.txt", b"x" * 30_000)
    data = {**new_company_post(), "representative": world.a1.member.pk, "attachments": [big]}
    response = client_for(world.a1.member).post(URL, data)
    assert response.status_code == 413
    assert 'data-testid="too-large"' in response.text
    assert "19.5\xa0KB" in response.text  # the limit, as people read sizes
    assert "<nav" in response.text  # the site's layout, with its way home
    assert "Content-Security-Policy" in response.headers  # a page like any other
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert not OpportunityRegistration.objects.exists()


@pytest.mark.django_db
@override_settings(REQUEST_BODY_MAX_SIZE=20_000)
def test_an_upload_under_the_limit_goes_through(world: World) -> None:
    small = SimpleUploadedFile("offer.txt", b"x" * 10_000)
    data = {**new_company_post(), "representative": world.a1.member.pk, "attachments": [small]}
    response = client_for(world.a1.member).post(URL, data)
    assert response.status_code == 302
    assert OpportunityRegistration.objects.get().attachments.count() == 1


@pytest.mark.django_db
def test_the_declared_length_is_what_counts() -> None:
    # The test client's payload refuses to be read past its 2 bytes: a 413 here means the
    # middleware answered from the header without reading.
    response = Client().post(
        "/accounts/login/",
        data=b"{}",
        content_type="application/json",
        CONTENT_LENGTH=str(SIXTY_MB),
    )
    assert response.status_code == 413


@pytest.mark.django_db
@pytest.mark.parametrize("length", ["-1", "12abc"])
def test_a_length_that_is_not_a_byte_count_is_a_bad_request(length: str) -> None:
    response = Client().post(
        "/accounts/login/", data=b"{}", content_type="application/json", CONTENT_LENGTH=length
    )
    assert response.status_code == 400
    assert "Content-Length" in response.text


@pytest.mark.django_db
def test_a_body_without_a_length_is_refused() -> None:
    response = Client().post(
        "/accounts/login/",
        data=b"",
        content_type="application/json",
        HTTP_TRANSFER_ENCODING="chunked",
    )
    assert response.status_code == 411
    assert "Content-Length" in response.text


# --- Over a real socket, to gunicorn as the Dockerfile runs it (its configuration file) ---------
@pytest.fixture(scope="module")
def gunicorn() -> Iterator[int]:
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("REQUEST_BODY_MAX_SIZE", None)  # the default limit, as deployed
    process = subprocess.Popen(  # noqa: S603  # our interpreter, fixed arguments
        [
            *(sys.executable, "-m", "gunicorn", "-c", "portal/gunicorn_conf.py", "portal.wsgi"),
            *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--no-control-socket"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # The port listens at once; the worker answers once it has loaded Django.
    deadline = time.monotonic() + 60
    while not answers(port):
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise RuntimeError("gunicorn did not start")
        time.sleep(0.2)
    yield port
    process.terminate()
    process.wait(timeout=10)


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            return sock.recv(16).startswith(b"HTTP/1.1")
    except OSError:
        return False


def exchange(port: int, head: str, body: bytes = b"") -> tuple[bytes, bool]:
    """Send ``head`` (and ``body``), never the rest of what it declares; return the response
    and whether the server then closed the connection (it is not waiting for more)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode() + b"\r\n" + body)
        response = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                return response, False
            if not chunk:
                return response, True
            response += chunk


def test_gunicorn_answers_413_before_the_body_is_sent(gunicorn: int) -> None:
    head = (
        f"POST {URL} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: multipart/form-data; boundary=b\r\n"
        f"Content-Length: {SIXTY_MB}\r\n"
    )
    started = time.monotonic()
    response, closed = exchange(gunicorn, head, b"--b\r\n")
    assert response.startswith(b"HTTP/1.1 413 "), response[:200]
    assert b'data-testid="too-large"' in response
    assert b"32.0\xc2\xa0MB" in response  # the default limit (32 MiB)
    assert closed  # the server reads no further: 60 MB were announced, 5 bytes sent
    assert time.monotonic() - started < 5


def test_gunicorn_refuses_a_chunked_body(gunicorn: int) -> None:
    head = (
        f"POST {URL} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n"
    )
    response, closed = exchange(gunicorn, head, b"10000\r\n" + b"x" * 100)
    assert response.startswith(b"HTTP/1.1 411 "), response[:200]
    assert closed


def test_gunicorn_lets_a_body_under_the_limit_through(gunicorn: int) -> None:
    body = b"x" * 1000
    head = (
        f"POST {URL} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/octet-stream\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n"
    )
    response, _ = exchange(gunicorn, head, body)
    # Past the limit check: CSRF refuses a POST without its token.
    assert response.startswith(b"HTTP/1.1 403 "), response[:200]
