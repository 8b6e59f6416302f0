"""No duplicates: a file is imported into a lab once, an entry once whatever the file."""

from django.contrib.auth.models import User

from irls.models import Lab
from ledger.imports.problems import when_text
from ledger.models import ImportBatch, JournalEntry
from ledger.services.imports import import_file
from tests.imports.sheets import JOURNAL_HEADER, csv_bytes, line, xlsx

ROWS = [
    line("B-17", "6064", "1200.00", None, piece_ref="INV-9"),
    line("B-17", "401", None, "1200.00", piece_ref="INV-9"),
    line("B-18", "6064", "80.00", None, piece_ref="INV-10"),
    line("B-18", "401", None, "80.00", piece_ref="INV-10"),
]


def run(user: User, lab: Lab, data: bytes, name: str) -> list[str]:
    outcome = import_file(
        acting_user=user, lab=lab, kind="journal", file_name=name, data=data, post=True
    )
    return [p.message for p in outcome.problems]


def test_the_same_file_twice_is_refused_naming_the_first_import(
    books: Lab, cintra_accountant: User
) -> None:
    data = xlsx([JOURNAL_HEADER, *ROWS])
    assert run(cintra_accountant, books, data, "march.xlsx") == []
    first = ImportBatch.objects.get()
    when = when_text(first.created_at)

    problems = run(cintra_accountant, books, data, "march-copy.xlsx")

    assert problems == [
        f"This file was already imported into CINTRA on {when} by cintra_accountant "
        f"(march.xlsx, batch {first.pk})"
    ]
    assert JournalEntry.objects.count() == 2
    refused = ImportBatch.objects.exclude(pk=first.pk).get()
    assert (refused.result, refused.file_name, refused.sha256) == (
        "refused",
        "march-copy.xlsx",
        first.sha256,
    )


def test_entries_already_imported_from_another_file_are_reported(
    books: Lab, cintra_accountant: User
) -> None:
    assert run(cintra_accountant, books, xlsx([JOURNAL_HEADER, *ROWS]), "march.xlsx") == []
    first = ImportBatch.objects.get()
    when = when_text(first.created_at)
    other = [
        line("B-18", "6064", "80.00", None, piece_ref="INV-10"),
        line("B-18", "401", None, "80.00", piece_ref="INV-10"),
        line("B-19", "6064", "5.00", None, piece_ref="INV-11"),
        line("B-19", "401", None, "5.00", piece_ref="INV-11"),
    ]

    problems = run(cintra_accountant, books, csv_bytes([JOURNAL_HEADER, *other]), "april.csv")

    assert problems == [
        f"Entry B-18 (rows 2-3) was already imported from march.xlsx on {when} by "
        "cintra_accountant: it is not imported twice"
    ]
    assert JournalEntry.objects.count() == 2


def test_the_same_key_with_another_piece_reference_is_another_entry(
    books: Lab, cintra_accountant: User
) -> None:
    assert run(cintra_accountant, books, xlsx([JOURNAL_HEADER, *ROWS]), "march.xlsx") == []
    other = [
        line("B-17", "6064", "3.00", None, piece_ref="INV-99"),
        line("B-17", "401", None, "3.00", piece_ref="INV-99"),
    ]
    assert run(cintra_accountant, books, csv_bytes([JOURNAL_HEADER, *other]), "b.csv") == []
    assert JournalEntry.objects.filter(source_key="B-17").count() == 2


def test_a_refused_attempt_does_not_block_the_corrected_file(
    books: Lab, cintra_accountant: User
) -> None:
    bad = [*ROWS[:3], line("B-18", "401", None, "8.00", piece_ref="INV-10")]
    data = csv_bytes([JOURNAL_HEADER, *bad])
    assert run(cintra_accountant, books, data, "bad.csv") != []
    assert run(cintra_accountant, books, data, "bad.csv") != []  # refused again, not "already"
    assert ImportBatch.objects.filter(result="refused").count() == 2
    assert run(cintra_accountant, books, csv_bytes([JOURNAL_HEADER, *ROWS]), "good.csv") == []


def test_the_same_file_may_go_into_another_lab(books: Lab, majulab: Lab, accountant: User) -> None:
    from ledger import services

    services.account_create(
        acting_user=None, lab=majulab, code="766", name_fr="Gains", name_en="Gains"
    )
    data = csv_bytes([JOURNAL_HEADER, *ROWS])
    assert run(accountant, books, data, "x.csv") == []
    assert run(accountant, majulab, data, "x.csv") == []
    assert JournalEntry.objects.count() == 4
    assert ImportBatch.objects.filter(result="imported").count() == 2
