"""Settings read from the environment, checked in fresh processes (settings load once)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x9!k2-production-secret-key-that-is-long-and-random-enough-4f8a1c",
    "ALLOWED_HOSTS": "portal.example.com",
}
PRINT_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], "
    "'broker': s.CELERY_BROKER_URL, 'eager': s.CELERY_TASK_ALWAYS_EAGER, "
    "'cache': s.CACHES['default']['BACKEND'], 'debug': s.DEBUG, 'mail': s.MAILERS['default']}))"
)
# What bin/demo serves with, and what it takes: the site's own error pages (DEBUG off) and its
# static files with their hashed names, collected into a folder of the test's own.
PRINT_DEMO_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'debug': s.DEBUG, 'https': [s.SESSION_COOKIE_SECURE, "
    "s.CSRF_COOKIE_SECURE, getattr(s, 'SECURE_SSL_REDIRECT', False), s.SECURE_HSTS_SECONDS], "
    "'links': s.ACCOUNT_DEFAULT_HTTP_PROTOCOL, 'site': s.SITE_URL, "
    "'static': s.STORAGES['staticfiles']['BACKEND'], 'mail': s.MAILERS['default'], "
    "'broker': s.CELERY_BROKER_URL, 'eager': s.CELERY_TASK_ALWAYS_EAGER, 'json': s.LOG_JSON, "
    "'metrics': s.METRICS_ALLOWED_NETWORKS}))"
)
GET_MISSING_PAGE = """
import sys, tempfile, django
django.setup()
from django.core.management import call_command
from django.test import Client
from django.test.utils import override_settings
with tempfile.TemporaryDirectory() as static_root, override_settings(STATIC_ROOT=static_root):
    call_command("collectstatic", "--noinput", "-v0")
    response = Client(HTTP_HOST="127.0.0.1").get("/no-such-page/")
    sys.stdout.write(f"{response.status_code}\\n{response.text}")
"""
DEMO_ENV = ROOT / "bin" / "_demo_env.sh"


def run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "REDIS_URL",
            "CELERY_BROKER_URL",
            "EMAIL_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            "HTTPS",
            "SITE_URL",
            "PORT",
            "MAIL_DIR",
            "CELERY_TASK_ALWAYS_EAGER",
            "LOG_JSON",
            "METRICS_ALLOWED_NETWORKS",
            "DATABASE_PREPARED_STATEMENTS",
        }
    }
    return subprocess.run(  # noqa: S603  # our own interpreter and manage.py
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "portal.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def settings_with(script: str = PRINT_SETTINGS, **env: str) -> dict[str, object]:
    result = run(["-c", script], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_passes_deploy_checks_at_warning_level() -> None:
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without(missing: str) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = run(["manage.py", "check"], **env)
    assert result.returncode != 0
    assert f"{missing} must be set when DEBUG is off" in result.stderr


def test_debug_off_is_the_default() -> None:
    result = run(["manage.py", "check"])
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_demo_defaults_need_no_services() -> None:
    values = settings_with(DEBUG="1")
    assert values == {
        "engine": "django.db.backends.sqlite3",
        "broker": "memory://localhost/",
        "eager": True,
        "cache": "django.core.cache.backends.locmem.LocMemCache",
        "debug": True,
        # Each message whole in a file, one line in the log with its links (portal/mail.py).
        "mail": {
            "BACKEND": "portal.mail.FileEmailBackend",
            "OPTIONS": {"file_path": str(ROOT / ".mail")},
        },
    }


def test_development_tasks_run_eagerly_without_a_broker_warning() -> None:
    # kombu warns "No hostname was supplied" when the in-memory broker's URL names no host.
    script = (
        "import django; django.setup(); from integrations.tasks import outbox_dispatch; "
        "outbox_dispatch.delay()"
    )
    result = run(["-c", script], DEBUG="1", DATABASE_URL="sqlite:///:memory:")
    assert "No hostname was supplied" not in result.stderr
    assert "no such table" in result.stderr  # the task did run, eagerly, in this process


def demo_environment(**overrides: str) -> dict[str, str]:
    """What bin/demo exports (bin/_demo_env.sh, read by bash), with ``overrides`` set first."""
    result = subprocess.run(  # noqa: S603  # bash on our own file
        ["/bin/bash", "-c", f'source "{DEMO_ENV}" && env -0'],
        env={"PATH": os.environ["PATH"], **overrides},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    exported = dict(line.split("=", 1) for line in result.stdout.split("\0") if "=" in line)
    return {
        key: value for key, value in exported.items() if key not in {"PATH", "PWD", "SHLVL", "_"}
    }


def test_the_demo_runs_in_production_mode_over_plain_http() -> None:
    values = settings_with(PRINT_DEMO_SETTINGS, **demo_environment(PORT="8123"))
    assert values == {
        "debug": False,
        "https": [False, False, False, 0],
        "links": "http",  # the confirmation and reset links in email work over plain HTTP
        "site": "http://127.0.0.1:8123",
        "static": "core.storage.KeptUrlsStaticFilesStorage",
        "mail": {
            "BACKEND": "portal.mail.FileEmailBackend",
            "OPTIONS": {"file_path": str(ROOT / ".mail")},
        },
        "broker": "filesystem://localhost/",
        "eager": False,
        "json": False,  # readable log lines, not production's JSON
        "metrics": ["127.0.0.0/8", "::1/128"],
    }


@pytest.mark.parametrize(
    ("debug", "page"), [(None, 'data-testid="error-heading"'), ("1", "Using the URLconf")]
)
def test_the_demo_shows_the_sites_error_pages_unless_debug_is_asked_for(
    debug: str | None, page: str, tmp_path: Path
) -> None:
    env = demo_environment(**({"DEBUG": debug} if debug else {}))
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    result = run(["-c", GET_MISSING_PAGE], **env)
    assert result.returncode == 0, result.stderr
    status, html = result.stdout.split("\n", 1)
    assert status == "404"
    assert page in html


def test_database_url_selects_postgresql() -> None:
    values = settings_with(DEBUG="1", DATABASE_URL="postgres://postgres@127.0.0.1:5432/x")
    assert values["engine"] == "django.db.backends.postgresql"


PRINT_DATABASE_OPTIONS = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps(s.DATABASES['default'].get('OPTIONS', {})))"
)


def test_postgresql_prepares_statements_unless_told_not_to() -> None:
    url = "postgres://postgres@127.0.0.1:5432/x"
    prepared = settings_with(PRINT_DATABASE_OPTIONS, DEBUG="1", DATABASE_URL=url)
    assert prepared == {"server_side_binding": True, "prepare_threshold": 5}
    off = settings_with(
        PRINT_DATABASE_OPTIONS, DEBUG="1", DATABASE_URL=url, DATABASE_PREPARED_STATEMENTS="0"
    )
    assert off == {}


def test_redis_url_makes_celery_use_redis() -> None:
    values = settings_with(DEBUG="1", REDIS_URL="redis://127.0.0.1:6379/0")
    assert values["broker"] == "redis://127.0.0.1:6379/0"
    assert values["eager"] is False
    assert values["cache"] == "core.cache.KeptClientRedisCache"


def test_gunicorn_lets_the_largest_export_finish_and_reads_its_timeout_from_the_environment() -> (
    None
):
    # The largest organisation's invoice CSV streams for about 97 s; gunicorn's own default
    # (30 s) killed the worker half way. Read in a process of its own, as gunicorn reads it
    # (the file sets PROMETHEUS_MULTIPROC_DIR in the environment of whoever loads it).
    root = Path(__file__).resolve().parents[2]
    read = "import runpy; print(runpy.run_path('portal/gunicorn_conf.py')['timeout'])"

    def timeout(**env: str) -> int:
        environment = {k: v for k, v in os.environ.items() if k != "GUNICORN_TIMEOUT"} | env
        result = subprocess.run(  # noqa: S603  # our own interpreter on our own file
            [sys.executable, "-c", read],
            cwd=root,
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        )
        return int(result.stdout)

    assert timeout() == 180
    assert timeout(GUNICORN_TIMEOUT="600") == 600
