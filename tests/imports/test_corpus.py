"""Every file of the bad-spreadsheet corpus is refused with its exact messages, and the
books are left exactly as they were (only a 'refused' batch is recorded)."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from pytest_django import DjangoDbBlocker

from ledger.models import ImportBatch
from ledger.services.imports import import_file
from tests.imports.conftest import ModuleBooks, books_for_a_module
from tests.imports.corpus.make_corpus import CASES, write_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("corpus")
    write_corpus(directory)
    return directory


def row_counts() -> dict[str, int]:
    """Rows of every table of the books and of the labs."""
    models = [
        *apps.get_app_config("ledger").get_models(),
        *apps.get_app_config("irls").get_models(),
    ]
    return {model._meta.label: model._default_manager.count() for model in models}


def test_the_corpus_has_at_least_forty_files() -> None:
    assert len(CASES) >= 40
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.fixture(scope="module")
def module_books(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker
) -> Iterator[ModuleBooks]:
    """The books, February closed (January open), written once for the module's tests."""
    with books_for_a_module(django_db_blocker) as books:
        yield books


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_file_is_refused_with_its_message(
    case: Any, corpus: Path, module_books: ModuleBooks, db: None, settings: Any
) -> None:
    books, cintra_accountant = module_books.lab, module_books.cintra_accountant
    accountant = module_books.accountant
    for name, value in case.settings.items():
        setattr(settings, name, value)
    before = row_counts()

    outcome = import_file(
        # Rates are the office's: imported by an office-wide accountant.
        acting_user=accountant if case.kind == "rates" else cintra_accountant,
        lab=books,
        kind=case.kind,
        file_name=case.name,
        data=(corpus / case.name).read_bytes(),
        post=True,
    )

    assert [problem.message for problem in outcome.problems] == case.expected
    after = row_counts()
    assert after.pop("ledger.ImportBatch") == before.pop("ledger.ImportBatch") + 1
    assert after == before
    refused = ImportBatch.objects.get()
    assert refused.result == ImportBatch.Result.REFUSED
    assert refused.file_name == case.name
    assert refused.message.splitlines()[0] == case.expected[0]
