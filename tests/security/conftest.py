"""The world of the security tests (tests/security/world.py), cheap password hashing, and
an empty cache (login failures, verification runs) around every test."""

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from tests.security.world import World, world_build


@pytest.fixture(autouse=True)
def _fast_hashing_and_clean_cache(settings) -> Iterator[None]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AUDIT_VERIFY_INTERVAL = 0
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db: None) -> World:
    return world_build()
