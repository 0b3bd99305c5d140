from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test.utils import override_settings

from core.migration_helpers import VENDOR_AGENTS
from integrations.fakes.server import Fakes, start_fakes
from tests.world import World, build_world


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    # Hashing with the production hasher costs ~0.3 s a user; tests create hundreds.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


# Data migrations whose rows tests need; a transactional test's flush deletes them.
DATA_MIGRATIONS = [
    ("partners", "0002_vendor_groups_and_system_properties"),
    ("offers", "0002_sales_channels"),
    ("integrations", "0002_vendor_permissions"),
    ("integrations", "0004_outbox_schedule_and_permissions"),
    ("sso", "0002_vendor_permissions"),
    ("registrations", "0003_vendor_group_permissions"),
]


def restore_migration_data() -> None:
    """Re-create what data migrations made, after a transactional test flushed the database.

    Tests that commit (browser tests, concurrency tests) flush every table afterwards, data
    migration rows included, and later transactional tests start from that. Serialized rollback
    cannot restore them for browser tests: Playwright's sync API runs the test in another
    context, where Django's connection is a different object from the one the serialized
    contents were stored on.
    """
    for app_label, name in DATA_MIGRATIONS:
        module = importlib.import_module(f"{app_label}.migrations.{name}")
        module.forwards(django_apps, None)


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    # allauth's rate limits count in the cache; one test's sign-ins must not throttle the next.
    cache.clear()


@pytest.fixture
def migration_data(transactional_db: None) -> None:
    restore_migration_data()


@pytest.fixture
def world(db: None) -> World:
    if not Group.objects.filter(name=VENDOR_AGENTS).exists():
        restore_migration_data()  # a transactional test ran before this one
    return build_world()


# The fake Zuora and Salesforce, served over HTTP on free ports (integration and browser tests).
# Small timings for tests: backoffs of a fraction of a second, a short claim lease.
FAST_OUTBOX = {
    "OUTBOX_BACKOFF_BASE": 0.2,
    "OUTBOX_BACKOFF_MAX": 1.0,
    "OUTBOX_RETRY_AFTER_CAP": 2.0,
    "OUTBOX_LONG_BACKOFF": 600.0,
    "OUTBOX_CLAIM_LEASE": 3.0,
    "OUTBOX_STALL_GRACE": 0.5,
    "OUTBOX_REENQUEUE_AFTER": 2.0,
    "OUTBOX_BUSY_DELAY": 0.2,
    "OUTBOX_CRM_WAITS": 2,
    "OUTBOX_CRM_WAIT_DELAY": 0.2,
    "ZUORA_TIMEOUT": 2.0,
    "SALESFORCE_TIMEOUT": 2.0,
}


def fake_settings(fakes: Fakes) -> dict[str, object]:
    return {
        "ZUORA_ENDPOINT": fakes.zuora_url,
        "SALESFORCE_INSTANCE_URL": fakes.salesforce_url,
        "SALESFORCE_TOKEN_URL": fakes.salesforce_token_url,
        **FAST_OUTBOX,
    }


@pytest.fixture(scope="session")
def fake_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fakes]:
    fakes = start_fakes(state_dir=Path(tmp_path_factory.mktemp("fakes")))
    yield fakes
    fakes.stop()


@pytest.fixture
def fakes(fake_servers: Fakes) -> Iterator[Fakes]:
    """Both fakes, empty, with no faults, and the settings pointing at them."""
    fake_servers.reset()
    with override_settings(**fake_settings(fake_servers)):
        yield fake_servers
    fake_servers.reset()
