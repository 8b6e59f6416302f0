"""The real-world corpus (tests/imports/realworld): files saved by LibreOffice in French,
English, German and Swiss locales and CSV written the way Excel writes them. Each one
books exactly what the accountant's file says (read back from the database: dates,
journals, accounts, labels, debits, credits, amounts in currency), or is refused with its
exact messages and nothing written; the preview and the import of each file agree.

The files are committed; `python -m tests.imports.realworld.make_realworld` makes them
again (it needs LibreOffice). The template's cases, imported into the demo, are in
test_realworld_demo.py."""

import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from pytest_django import DjangoDbBlocker
from python_calamine import CalamineWorkbook

from irls import services as irls_services
from irls.models import Lab
from ledger.imports.templates import template_workbook
from ledger.models import (
    BudgetLine,
    ExchangeRate,
    ImportBatch,
    JournalEntry,
    JournalLine,
)
from ledger.services.imports import ImportOutcome, import_file
from tests.imports.conftest import ModuleBooks, books_for_a_module
from tests.imports.realworld.cases import (
    CASES,
    TEMPLATE_DAY,
    Booked,
    BudgetBooked,
    Case,
    Expected,
    RateBooked,
    matches,
)
from tests.imports.realworld.make_realworld import FILES, MAX_FILE_BYTES

BOOKS_CASES = [case for case in CASES if case.books == "test"]
DEMO_CASES = [case for case in CASES if case.books == "demo"]
CENT = Decimal("0.01")
RATE = Decimal("0.00000001")


def row_counts() -> dict[str, int]:
    """Rows of every table of the books and of the labs."""
    models = [
        *apps.get_app_config("ledger").get_models(),
        *apps.get_app_config("irls").get_models(),
    ]
    return {model._meta.label: model._default_manager.count() for model in models}


def data(case: Case) -> bytes:
    return (FILES / case.name).read_bytes()


def office_accountant() -> User:
    """An office-wide accountant: exchange rates are the office's, never imported by an
    accountant of one lab (tests/security/test_office_walls.py)."""
    user = User.objects.filter(username="office_rates_accountant").first()
    if user is None:
        user = User.objects.create_user(username="office_rates_accountant", password="pw")
        irls_services.role_grant(acting_user=None, user=user, role="accountant", lab=None)
    return user


def run(
    case: Case, lab: Lab, user: User, *, dry_run: bool = False, name: str = ""
) -> ImportOutcome:
    return import_file(
        acting_user=office_accountant() if case.kind == "rates" else user,
        lab=lab,
        kind=case.kind,
        file_name=name or case.name,
        data=data(case),
        post=True,
        dry_run=dry_run,
        **case.options,
    )


def same(actual: list[str], expected: tuple[Expected, ...]) -> bool:
    return len(actual) == len(expected) and all(
        matches(wanted, message) for wanted, message in zip(expected, actual, strict=True)
    )


def explained(what: str, actual: list[str], expected: tuple[Expected, ...]) -> str:
    got = "\n  ".join(actual) or "(none)"
    wanted = "\n  ".join(repr(item) for item in expected) or "(none)"
    return f"{what} found:\n  {got}\nexpected:\n  {wanted}"


def landed_lines(batch: ImportBatch) -> list[Booked]:
    """The journal lines the batch wrote, as an accountant reads them back."""
    lines = JournalLine.objects.filter(entry__import_batch=batch).select_related(
        "entry__journal", "account"
    )
    found = []
    for line in lines:
        money = line.amount_currency
        found.append(
            Booked(
                line.entry.date.isoformat(),
                line.entry.journal.code,
                line.account.code,
                line.label,
                str(Decimal(line.debit).quantize(CENT)),
                str(Decimal(line.credit).quantize(CENT)),
                str(Decimal(money.amount).quantize(CENT)) if money is not None else "",
                str(money.currency) if money is not None else "",
            )
        )
    return sorted(found)


def new_budget_lines(lab: Lab, before: set[int]) -> list[BudgetBooked]:
    return sorted(
        BudgetBooked(
            line.code,
            line.fiscal_year.year,
            line.label_fr,
            line.envelope,
            line.nature,
            str(Decimal(line.allocated).quantize(CENT)),
            line.allocated_on.isoformat(),
            line.policy,
        )
        for line in BudgetLine.objects.filter(lab=lab).exclude(pk__in=before)
    )


def new_rates(before: set[int]) -> list[RateBooked]:
    return sorted(
        RateBooked(
            rate.currency,
            rate.valid_from.isoformat(),
            str(Decimal(rate.units_per_eur).quantize(RATE)),
            rate.source,
        )
        for rate in ExchangeRate.objects.exclude(pk__in=before)
    )


def assert_notes(case: Case, outcome: ImportOutcome) -> None:
    missing = [
        note for note in case.notes if not any(matches(note, text) for text in outcome.notes)
    ]
    assert not missing, explained("notes", outcome.notes, case.notes)


# -- the corpus -----------------------------------------------------------------------------


def test_every_case_has_its_file_and_every_file_its_case() -> None:
    names = [case.name for case in CASES]
    assert len(names) >= 40
    assert len(set(names)) == len(names)
    on_disk = {path.name for path in FILES.iterdir() if path.is_file()}
    assert on_disk == set(names)
    for case in CASES:
        size = (FILES / case.name).stat().st_size
        assert 0 < size <= MAX_FILE_BYTES, f"{case.name}: {size} bytes"
        assert case.made, f"{case.name} does not say how it was made"
        assert case.kind in ("journal", "budget", "rates", "accounts")
        # Each case expects either what lands or what is refused, not both.
        lands = bool(case.lines or case.budget_lines or case.rates or case.template_rows)
        assert lands != case.refused, case.name


def sheet_rows(data: bytes) -> list[list[Any]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return book.get_sheet_by_index(0).to_python(skip_empty_area=True)


def test_the_template_files_hold_the_current_template() -> None:
    """The template cases are the template the import page hands out today: when it
    changes, `make_realworld journal-template.xlsx journal-template-lo-fr.ods` again."""
    current = sheet_rows(template_workbook("journal", on=TEMPLATE_DAY))
    for case in DEMO_CASES:
        assert sheet_rows(data(case)) == current, case.name


# -- each file books what it says, or is refused --------------------------------------------


@pytest.fixture(scope="module")
def module_books(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker
) -> Iterator[ModuleBooks]:
    """The books, February closed (January open), and the office-wide accountant who
    imports the rates cases, written once for the module's tests (each in a savepoint of
    its own): tests/imports/conftest.py's books_for_a_module."""
    with books_for_a_module(django_db_blocker) as books:
        office_accountant()  # there before any row is counted
        yield books


@pytest.mark.parametrize("case", BOOKS_CASES, ids=[case.name for case in BOOKS_CASES])
def test_file_books_what_it_says_or_is_refused(
    case: Case, module_books: ModuleBooks, db: None
) -> None:
    books, cintra_accountant = module_books.lab, module_books.cintra_accountant
    before = row_counts()
    budget_before = set(BudgetLine.objects.values_list("pk", flat=True))
    rates_before = set(ExchangeRate.objects.values_list("pk", flat=True))

    outcome = run(case, books, cintra_accountant)

    messages = [problem.message for problem in outcome.problems]
    if case.refused:
        assert same(messages, case.problems), explained("problems", messages, case.problems)
        after = row_counts()
        assert after.pop("ledger.ImportBatch") == before.pop("ledger.ImportBatch") + 1
        assert after == before
        refused = ImportBatch.objects.get()
        assert refused.result == ImportBatch.Result.REFUSED
        assert refused.file_name == case.name
    else:
        assert messages == [], explained("problems", messages, ())
        batch = outcome.batch
        assert batch is not None and batch.result == ImportBatch.Result.IMPORTED
        assert landed_lines(batch) == sorted(case.lines)
        assert (
            not JournalEntry.objects.filter(import_batch=batch)
            .exclude(status=JournalEntry.Status.POSTED)
            .exists()
        )
        assert new_budget_lines(books, budget_before) == sorted(case.budget_lines)
        assert new_rates(rates_before) == sorted(case.rates)
    assert_notes(case, outcome)


@pytest.mark.parametrize("case", BOOKS_CASES, ids=[case.name for case in BOOKS_CASES])
def test_preview_and_import_agree(case: Case, module_books: ModuleBooks, db: None) -> None:
    """What the preview says is what the import does: the same problems and notes, and a
    file the preview accepts is imported (no file passes the preview and fails the import)."""
    books, cintra_accountant = module_books.lab, module_books.cintra_accountant
    before = row_counts()

    preview = run(case, books, cintra_accountant, dry_run=True)

    assert row_counts() == before  # a preview writes nothing
    outcome = run(case, books, cintra_accountant)
    assert [p.message for p in outcome.problems] == [p.message for p in preview.problems]
    assert outcome.notes == preview.notes
    imported = outcome.batch is not None and outcome.batch.result == ImportBatch.Result.IMPORTED
    assert imported == (not preview.problems)
