"""Personas and labs shared by every test.

Personas are named after what they do: `office_head`, `accountant` (office-wide),
`director_cintra`, `director_majulab`, `auditor`.
"""

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.cache import cache as django_cache
from django.test import override_settings
from django.utils import translation

from irls import services as irls_services
from irls.models import Lab, Role
from tests.books import lab_with_books

# `dev.py test` runs the suite on every core (pytest-xdist, `--dist loadgroup`). A test
# module that defines a module-, class- or session-scoped fixture (the demo loaded once for
# the module, a corpus written once, the hostile files read by children for the whole
# session) runs whole on one worker, so that the fixture is built once, not once per
# worker; every other test goes alone to whichever worker is free. (xdist_group marks
# still group too, where the pytest in use lets xdist read them: pytest 9.2 does not.)
SHARED_FIXTURE = re.compile(r"""@pytest\.fixture\([^)]*scope=["'](module|class|package|session)""")


# The slowest tests (a minute or more each on this 2-core machine), started first so that
# no worker is left alone with one of them at the end; the others follow, the modules that
# run whole first (the largest first), then each test in the order of the collection.
START_FIRST = (
    "tests/security/test_access_matrix.py::test_the_access_matrix",
    "tests/security/test_hostile_input.py",
    "tests/ledger/test_properties_years.py",
    "tests/ledger/test_properties.py",
    "tests/security/test_demo_walls.py",
)


@cache
def _shares_fixtures(module: Path) -> bool:
    try:
        return bool(SHARED_FIXTURE.search(module.read_text(encoding="utf-8")))
    except OSError:
        return False


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    root = config.rootpath

    class ModulesThatShareFixtures(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.rfind("@") > nodeid.rfind("]"):  # an xdist_group mark
                return super()._split_scope(nodeid)
            module = nodeid.split("::", 1)[0]
            return module if _shares_fixtures(root / module) else nodeid

        def _assign_work_unit(self, node: Any) -> None:
            if not getattr(self, "_slow_first", False):
                for prefix in reversed(START_FIRST):
                    for scope in [s for s in self.workqueue if s.startswith(prefix)]:
                        self.workqueue.move_to_end(scope, last=False)
                self._slow_first = True
            super()._assign_work_unit(node)

    return ModulesThatShareFixtures(config, log)


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


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Each test starts with an empty cache: the login throttle's counts and the entries
    list's kept totals belong to the test that made them (its database is rolled back
    after it, and the next test's ids may be the same)."""
    django_cache.clear()
    yield
    django_cache.clear()


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


@pytest.fixture(autouse=True, scope="session")
def _uploads_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Files uploaded to the admin's import page wait for their confirmation in a folder of
    the test session (of each worker), never var/imports: two workers' users share ids."""
    with override_settings(IMPORT_UPLOAD_DIR=tmp_path_factory.mktemp("imports")):
        yield


@pytest.fixture(autouse=True, scope="session")
def _memory_cache_and_plain_static_files(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[None]:
    """Tests run on development's cache and static files: the tests that count a page's
    queries would count the database cache's too, and hashed file names need collectstatic
    first. The production ones (database cache, hashed compressed files served by
    WhiteNoise) are what tests/web/test_production_server.py's real server runs."""
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    memory = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}
    with override_settings(
        CACHES={"default": memory},
        STORAGES=storages,
        STATIC_ROOT=tmp_path_factory.mktemp("static"),
    ):
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
