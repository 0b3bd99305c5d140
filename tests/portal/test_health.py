from __future__ import annotations

import socket

import pytest
from django.db import OperationalError, connection
from django.test import Client

from portal import health

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _checked_afresh() -> None:
    """Each test's first probe checks for itself (a pass is trusted for a second)."""
    health.readiness_forget()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_healthy_without_redis_configured(client: Client, settings) -> None:
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "not configured"}


def test_healthy_with_redis(client: Client, settings) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["redis"] == "ok"


def test_unavailable_when_redis_is_down(client: Client, settings) -> None:
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["redis"].startswith("down")
    assert response.json()["database"] == "ok"


def test_unavailable_when_database_is_down(client: Client, settings, monkeypatch) -> None:
    settings.REDIS_URL = ""

    def refuse(*args: object, **kwargs: object) -> None:
        raise OperationalError("connection refused")

    # The database cannot be stopped under a running test; make its cursor fail instead.
    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down: OperationalError"


def test_healthz_is_not_cached(client: Client) -> None:
    assert "no-cache" in client.get("/healthz")["Cache-Control"]


def test_healthz_is_answered_before_the_rest_of_the_stack(client: Client, settings) -> None:
    settings.REDIS_URL = ""
    # No session, CSRF or host check: a probe by the pod's address is answered too.
    response = client.get("/healthz", HTTP_HOST="10.0.0.7")
    assert response.status_code == 200
    assert "Cookie" not in response.get("Vary", "")
    assert client.post("/healthz").status_code == 405


def test_readyz_checks_the_database_and_redis(client: Client, settings) -> None:
    settings.REDIS_URL = ""
    assert client.get("/readyz").json() == {
        "status": "ok",
        "database": "ok",
        "redis": "not configured",
    }
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    response = client.get("/readyz", HTTP_HOST="10.0.0.7")
    assert response.status_code == 503
    assert response.json()["redis"].startswith("down")


def test_livez_checks_nothing_it_depends_on(client: Client, settings, monkeypatch) -> None:
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"

    def refuse(*args: object, **kwargs: object) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/livez", HTTP_HOST="10.0.0.7")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert client.post("/livez").status_code == 405


def test_probes_carry_no_request_id_and_write_no_access_line(client: Client, caplog) -> None:
    with caplog.at_level("INFO", logger="portal.access"):
        response = client.get("/livez")
    assert "X-Request-ID" not in response
    assert not [record for record in caplog.records if record.name == "portal.access"]


def refuse(*args: object, **kwargs: object) -> None:
    raise OperationalError("connection refused")


def test_a_passing_check_is_trusted_for_the_interval(
    client: Client, settings, django_assert_num_queries
) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    settings.HEALTH_CHECK_INTERVAL = 60
    assert client.get("/readyz").status_code == 200
    with django_assert_num_queries(0):
        response = client.get("/readyz")
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}
    # Another Redis (a changed setting) is checked for itself.
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    assert client.get("/readyz").status_code == 503


def test_after_the_interval_an_outage_shows(client: Client, settings, monkeypatch) -> None:
    settings.REDIS_URL = ""
    settings.HEALTH_CHECK_INTERVAL = 0
    assert client.get("/readyz").status_code == 200
    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "down: OperationalError"


def test_a_failing_check_is_never_kept(client: Client, settings, monkeypatch) -> None:
    settings.REDIS_URL = ""
    settings.HEALTH_CHECK_INTERVAL = 60
    with monkeypatch.context() as outage:
        outage.setattr(connection, "cursor", refuse)
        assert client.get("/readyz").status_code == 503
        assert client.get("/readyz").status_code == 503
    # The database is back: the very next probe says so, however long the interval.
    assert client.get("/readyz").json() == {
        "status": "ok",
        "database": "ok",
        "redis": "not configured",
    }
