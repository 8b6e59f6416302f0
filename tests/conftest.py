"""Personas and labs shared by every test.

Personas are named after what they do: `office_head`, `accountant` (office-wide),
`director_cintra`, `director_majulab`, `auditor`.
"""

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.test import override_settings
from django.utils import translation

from irls import services as irls_services
from irls.models import Lab, Role
from tests.books import lab_with_books


def pytest_runtest_setup(item: pytest.Item) -> None:
    engine = settings.DATABASES["default"]["ENGINE"]
    if item.get_closest_marker("postgres_only") and "postgresql" not in engine:
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://USER@HOST:PORT/DB")
    if item.get_closest_marker("sqlite_only") and "sqlite" not in engine:
        pytest.skip("exercises SQLite's own locking: runs when DATABASE_URL is not set")


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the project's default language: a request in French leaves
    French active in its thread (LocaleMiddleware activates, nothing deactivates), and
    the messages a service builds with gettext would follow it into the next test."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> Iterator[None]:
    """Tests create users by the hundred: MD5 rather than a million rounds of PBKDF2 (0.5 s
    a user on this machine). Passwords are still hashed and checked; the project's own
    settings (PBKDF2) are what production and the processes tests start use."""
    fast = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    with override_settings(PASSWORD_HASHERS=fast):
        yield


@pytest.fixture(autouse=True, scope="session")
def _documents_in_a_temporary_folder(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[None]:
    """Supporting documents attached by tests go to a temporary folder, never var/."""
    storages = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path_factory.mktemp("documents")},
        },
    }
    with override_settings(STORAGES=storages):
        yield


def _person(username: str, role: str, lab: Lab | None) -> User:
    user = get_user_model().objects.create_user(username=username, password="pw-" + username)
    irls_services.role_grant(acting_user=None, user=user, role=role, lab=lab)
    return user


@pytest.fixture
def cintra(db: None) -> Lab:
    return lab_with_books("CINTRA")


@pytest.fixture
def majulab(db: None) -> Lab:
    return lab_with_books("MAJULAB")


@pytest.fixture
def office_head(db: None) -> User:
    return _person("office_head", Role.OFFICE_HEAD, None)


@pytest.fixture
def accountant(db: None) -> User:
    return _person("accountant", Role.ACCOUNTANT, None)


@pytest.fixture
def director_cintra(cintra: Lab) -> User:
    return _person("director_cintra", Role.DIRECTOR, cintra)


@pytest.fixture
def director_majulab(majulab: Lab) -> User:
    return _person("director_majulab", Role.DIRECTOR, majulab)


@pytest.fixture
def auditor(db: None) -> User:
    return _person("auditor", Role.AUDITOR, None)


@pytest.fixture
def is_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"
