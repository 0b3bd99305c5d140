"""Browser tests: pytest-playwright driving Debian's Chromium headless against live_server.

Playwright cannot download its own browsers here; we point it at /usr/bin/chromium (installed
by bin/test). The background-networking flags keep Chromium from dialling out of a closed network.
"""

from __future__ import annotations

import importlib
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps as django_apps

from tests.devidp_process import DevIdp

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


# Data migrations whose rows transactional tests need back after each flush.
DATA_MIGRATIONS = [
    ("partners", "0002_vendor_groups_and_system_properties"),
    ("sso", "0002_vendor_permissions"),
]


@pytest.fixture
def migration_data(transactional_db: None) -> None:
    """Re-create what data migrations made, for tests that flush the database.

    Browser tests must commit (live_server serves from another thread), so the database is
    flushed after each one, data-migration rows included. Serialized rollback cannot restore them
    here: Playwright's sync API runs the test in another context, where Django's connection is a
    different object from the one the serialized contents were stored on.
    """
    for app_label, name in DATA_MIGRATIONS:
        module = importlib.import_module(f"{app_label}.migrations.{name}")
        module.forwards(django_apps, None)


@pytest.fixture(scope="session")
def devidp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevIdp]:
    """The development OIDC provider, a separate process on a free loopback port."""
    provider = DevIdp(tmp_path_factory.mktemp("devidp"))
    provider.start()
    try:
        yield provider
    finally:
        provider.stop()
