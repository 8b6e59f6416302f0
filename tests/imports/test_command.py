"""`manage.py import_sheet`: the preview's problems, one a line, and a non-zero exit."""

from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from irls.models import Lab
from ledger.models import Account, ImportBatch, JournalEntry
from tests.imports.sheets import JOURNAL_HEADER, csv_bytes, line, xlsx

GOOD = [line("E1", "6064", "10.00", None), line("E1", "401", None, "10.00")]


def sheet(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def run(*args: str, **options: object) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_sheet", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_problems_are_printed_one_a_line_and_nothing_is_written(
    books: Lab, cintra_accountant: User, tmp_path: Path
) -> None:
    rows = [
        line("E1", "6064", "abc", None),
        line("E1", "401", None, "10.00"),
        line("E2", "6258", "5.00", None),
        line("E2", "401", None, "5.00"),
    ]
    path = sheet(tmp_path, "bad.xlsx", xlsx([JOURNAL_HEADER, *rows]))
    out = StringIO()
    with pytest.raises(CommandError, match=r"bad.xlsx \(journal, CINTRA\): 2 problems; nothing"):
        call_command(
            "import_sheet", "journal", path, lab="CINTRA", username="cintra_accountant", stdout=out
        )
    assert out.getvalue().splitlines() == [
        "Row 2, column debit: 'abc' is not an amount",
        "Row 4: account 6258 does not exist in CINTRA's chart",
        "Note: Read sheet 'Journal' of the workbook, column names on row 1",
    ]
    assert not JournalEntry.objects.exists()
    assert ImportBatch.objects.get().result == "refused"


def test_dry_run_writes_nothing(books: Lab, cintra_accountant: User, tmp_path: Path) -> None:
    path = sheet(tmp_path, "ok.csv", csv_bytes([JOURNAL_HEADER, *GOOD]))
    out, _ = run("journal", path, "--dry-run", lab="CINTRA", username="cintra_accountant")
    assert out == (
        "Note: Read as CSV: separator 'comma', encoding UTF-8, column names on row 1\n"
        "ok.csv (journal, CINTRA): no problem found (2 rows; Entries 1, Lines 2, "
        "Total debit 10.00 SGD, Total credit 10.00 SGD); dry run, nothing written\n"
    )
    assert not JournalEntry.objects.exists()
    assert not ImportBatch.objects.exists()


def test_post_imports_and_numbers(books: Lab, cintra_accountant: User, tmp_path: Path) -> None:
    path = sheet(tmp_path, "ok.csv", csv_bytes([JOURNAL_HEADER, *GOOD]))
    out, _ = run("journal", path, "--post", lab="CINTRA", username="cintra_accountant")
    batch = ImportBatch.objects.get()
    assert out.startswith(
        "Note: Read as CSV: separator 'comma', encoding UTF-8, column names on row 1\n"
        "ok.csv (journal, CINTRA): 2 rows posted (Entries 1, Lines 2,"
    )
    assert f"batch {batch.pk}, sha256 {batch.sha256[:16]}" in out
    assert JournalEntry.objects.get().number == "ACH-2025-000001"


def test_journal_entries_need_a_user(books: Lab, tmp_path: Path) -> None:
    path = sheet(tmp_path, "ok.csv", csv_bytes([JOURNAL_HEADER, *GOOD]))
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("import_sheet", "journal", path, lab="CINTRA", stdout=out)
    assert out.getvalue() == (
        "Journal entries record who wrote them: import them as a user (--as USERNAME)\n"
    )


def test_the_chart_is_imported_by_the_system(books: Lab, tmp_path: Path) -> None:
    data = csv_bytes(
        [
            ["Compte", "Intitulé", "Intitulé anglais", "Ligne budgétaire requise"],
            ["6257", "Réceptions", "Receptions", "oui"],
            ["62571", "Réceptions partenaires", "Partner receptions", "oui"],
            ["7068", "Prestations", "Services sold", "non"],
        ],
        delimiter=";",
    )
    out, _ = run("accounts", sheet(tmp_path, "chart.csv", data), lab="CINTRA")
    assert "3 rows imported" in out
    child = Account.objects.get(lab=books, code="62571")
    assert child.parent is not None and child.parent.code == "6257"
    assert child.needs_budget_line
    assert ImportBatch.objects.get().created_by is None


@pytest.mark.parametrize(
    ("args", "options", "message"),
    [
        (["journal", "missing.csv"], {"lab": "CINTRA"}, "No file 'missing.csv'"),
        (["journal", "x.csv"], {"lab": "NOPE"}, "No lab with code 'NOPE'"),
        (["journal", "x.csv"], {"lab": "CINTRA", "username": "ghost"}, "No user 'ghost'"),
    ],
)
def test_bad_arguments(books: Lab, args: list[str], options: dict[str, str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args, **options)


def test_a_large_file_shows_a_progress_bar(
    books: Lab, cintra_accountant: User, tmp_path: Path
) -> None:
    rows = []
    for n in range(3000):
        rows += [line(f"E{n}", "6064", "1.00", None), line(f"E{n}", "401", None, "1.00")]
    path = sheet(tmp_path, "big.csv", csv_bytes([JOURNAL_HEADER, *rows]))
    out, err = run("journal", path, "--post", lab="CINTRA", username="cintra_accountant")
    assert "6000 rows posted" in out
    assert "checking rows" in err and "100%" in err
    assert "posting" in err
    assert JournalEntry.objects.filter(status="posted").count() == 3000
