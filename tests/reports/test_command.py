"""`manage.py statement KIND --lab CODE --year YYYY ...`: outputs and errors."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from reports.fec import fec_build
from reports.models import IssuedStatement
from tests.reports.conftest import Books


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("statement", *args, stdout=out)
    return out.getvalue()


def test_a_statement_into_a_folder_takes_its_standard_name(books: Books, tmp_path: Path):
    output = run("trial-balance", "--lab", "CINTRA", "--year", "2025", "-o", str(tmp_path))
    path = tmp_path / "CINTRA_trial-balance_2025_en_SGD.pdf"
    assert path.read_bytes().startswith(b"%PDF")
    issued = IssuedStatement.objects.get()
    assert bytes(issued.content) == path.read_bytes()
    assert issued.issued_by is None  # the system
    assert output == (
        f"CINTRA trial-balance: {path} ({issued.size} bytes, sha256 {issued.sha256}, "
        f"archived as statement #{issued.pk})\n"
    )


def test_options_reach_the_statement(books: Books, tmp_path: Path):
    target = tmp_path / "ledger.xlsx"
    run(
        "general-ledger", "--lab", "CINTRA", "--year", "2025", "--from", "2025-03-01",
        "--to", "2025-06-30", "--format", "xlsx", "--lang", "fr", "--currency", "EUR",
        "-o", str(target), "--as", "accountant",
    )  # fmt: skip
    assert target.read_bytes()[:2] == b"PK"
    issued = IssuedStatement.objects.get()
    assert issued.file_name == "CINTRA_general-ledger_20250301-20250630_fr_EUR.xlsx"
    assert issued.issued_by == books.user
    assert (issued.parameters["date_from"], issued.parameters["currency"]) == (
        "2025-03-01", "EUR",
    )  # fmt: skip


def test_partner_grant_and_fec(books: Books, tmp_path: Path):
    run("partner", "--lab", "CINTRA", "--year", "2025", "--partner", "THALES", "-o", str(tmp_path))
    run("grant", "--lab", "CINTRA", "--year", "2025", "--grant", "ANR-2D", "-o", str(tmp_path))
    run("fec", "--lab", "CINTRA", "--year", "2025", "-o", str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "180089013FEC20251231.txt",
        "CINTRA_grant_2025_ANR-2D_en_SGD.pdf",
        "CINTRA_partner_2025_THALES_en_SGD.pdf",
    ]
    assert (tmp_path / "180089013FEC20251231.txt").read_bytes() == fec_build(books.lab, 2025)


def test_without_o_the_file_goes_to_the_current_folder(books: Books, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run("income-statement", "--lab", "CINTRA", "--year", "2025")
    assert (tmp_path / "CINTRA_income-statement_2025_en_SGD.pdf").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ledger", "--lab", "CINTRA", "--year", "2025"], "Unknown statement 'ledger': choose"),
        (["journal", "--lab", "NOPE", "--year", "2025"], "No lab with code 'NOPE'"),
        (["journal", "--year", "2025"], "--lab is required"),
        (["journal", "--lab", "CINTRA"], "--year is required"),
        (["journal", "--lab", "CINTRA", "--year", "25"], "--year must be a year YYYY, not '25'"),
        (["journal", "--lab", "CINTRA", "--year", "2031"], "CINTRA has no fiscal year 2031"),
        (
            ["journal", "--lab", "CINTRA", "--year", "2025", "--from", "01/03/2025"],
            "--from must be a date YYYY-MM-DD, not '01/03/2025'",
        ),
        (
            ["journal", "--lab", "CINTRA", "--year", "2025", "--to", "2025-02-30"],
            "--to must be a date YYYY-MM-DD, not '2025-02-30'",
        ),
        (
            ["journal", "--lab", "CINTRA", "--year", "2025", "--format", "docx"],
            "Format 'docx' is not available for the journal statement: choose pdf or xlsx",
        ),
        (
            ["journal", "--lab", "CINTRA", "--year", "2025", "--lang", "de"],
            "Language must be en or fr, not 'de'",
        ),
        (
            ["journal", "--lab", "CINTRA", "--year", "2025", "--currency", "USD"],
            "Currency must be SGD (as booked) or EUR, not 'USD'",
        ),
        (
            ["journal", "--lab", "CINTRA", "--year", "2025", "--partner", "THALES"],
            "partner is only for the partner statement",
        ),
        (
            ["partner", "--lab", "CINTRA", "--year", "2025", "--partner", "NUS"],
            "'NUS' is not a partner institution or funder of CINTRA",
        ),
        (
            ["fec", "--lab", "CINTRA", "--year", "2025", "--currency", "EUR"],
            "The FEC is kept in the book currency (SGD): it has no EUR version",
        ),
        (["journal", "--lab", "CINTRA", "--year", "2025", "--as", "nobody"], "No user 'nobody'"),
        (
            ["journal", "--lab", "CINTRA", "--year", "2025", "--as", "director_majulab"],
            "director_majulab may not issue statements in CINTRA",
        ),
    ],
)
def test_bad_input_is_one_line_and_archives_nothing(books: Books, director_majulab, args, message):
    with pytest.raises(CommandError) as error:
        run(*args)
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)
    assert not IssuedStatement.objects.exists()


def test_a_missing_folder_is_refused_before_issuing(books: Books, tmp_path: Path):
    target = tmp_path / "missing" / "tb.pdf"
    with pytest.raises(CommandError) as error:
        run("trial-balance", "--lab", "CINTRA", "--year", "2025", "-o", str(target))
    assert str(error.value) == (f"Cannot write {target}: the folder {target.parent} does not exist")
    assert not IssuedStatement.objects.exists()
