from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test.utils import override_settings

from portal.migration_helpers import VENDOR_AGENTS
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
