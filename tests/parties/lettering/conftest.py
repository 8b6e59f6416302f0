import pytest
from django.core.management import call_command


def pytest_configure(config: pytest.Config) -> None:
    # The pages and refusals are tested in French with the catalogue the sources hold,
    # compiled before any test loads a translation (as tests/web/conftest.py does).
    call_command("compile_translations", verbosity=0)
