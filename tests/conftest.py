from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test.utils import override_settings

from tests.world import World, build_world


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    # Hashing with the production hasher costs ~0.3 s a user; tests create hundreds.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    # allauth's rate limits count in the cache; one test's sign-ins must not throttle the next.
    cache.clear()


@pytest.fixture
def world(db: Any) -> World:
    return build_world()
