"""`add_bank_account` and `import_bank_statement` from the command line: what they print,
and a one-line error with a non-zero exit on bad input, nothing written."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from banking.models import BankAccount, BankStatementLine
from tests.banking.story import FILES


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_an_account_added_then_a_statement_imported_twice(accountant, cintra, books):
    out, _ = run(
        "add_bank_account",
        "--lab",
        "CINTRA",
        "--ledger-account",
        "512",
        "--name",
        "DBS operating",
        "--opening-date",
        "2025-02-28",
        "--opening-balance",
        "85000.00",
        "--csv",
        "dbs",
        "--as",
        "accountant",
    )
    bank_account = BankAccount.objects.get()
    assert out == f"CINTRA: bank account #{bank_account.pk} DBS operating on 512\n"
    path = str(FILES / "dbs-cintra-2025-03.csv")

    dry, _ = run(
        "import_bank_statement",
        path,
        "--lab",
        "CINTRA",
        "--account",
        "512",
        "--as",
        "accountant",
        "--dry-run",
    )
    assert dry == "dbs-cintra-2025-03.csv: 8 new lines, 0 already kept (dry run)\n"
    assert BankStatementLine.objects.count() == 0
    first, _ = run(
        "import_bank_statement",
        path,
        "--lab",
        "CINTRA",
        "--account",
        "DBS operating",
        "--as",
        "accountant",
    )
    assert first.endswith(", 8 new lines, 0 already kept\n")
    again, _ = run(
        "import_bank_statement",
        path,
        "--lab",
        "CINTRA",
        "--account",
        str(bank_account.pk),
        "--as",
        "accountant",
    )
    assert again == "dbs-cintra-2025-03.csv: nothing new (8 lines already kept)\n"
    assert BankStatementLine.objects.count() == 8


def test_a_file_with_problems_exits_listing_them(accountant, dbs):
    err = StringIO()
    with pytest.raises(CommandError, match=r"^dbs-broken.csv: 4 problems; nothing was imported$"):
        call_command(
            "import_bank_statement",
            str(FILES / "dbs-broken.csv"),
            "--lab",
            "CINTRA",
            "--account",
            "512",
            "--as",
            "accountant",
            stderr=err,
        )
    assert "Row 6: no amount" in err.getvalue()
    assert BankStatementLine.objects.count() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--lab", "NOPE", "--account", "512", "--as", "accountant"), "No lab with code 'NOPE'"),
        (
            ("--lab", "CINTRA", "--account", "9999", "--as", "accountant"),
            "CINTRA has no bank account '9999'",
        ),
        (("--lab", "CINTRA", "--account", "512", "--as", "ghost"), "No user 'ghost'"),
    ],
)
def test_bad_options_are_one_line_errors(accountant, dbs, args, message):
    with pytest.raises(CommandError, match=message):
        run("import_bank_statement", str(FILES / "dbs-cintra-2025-03.csv"), *args)


def test_a_director_imports_nothing(director_cintra, dbs):
    with pytest.raises(
        CommandError, match="director_cintra may not import bank statements in CINTRA"
    ):
        run(
            "import_bank_statement",
            str(FILES / "dbs-cintra-2025-03.csv"),
            "--lab",
            "CINTRA",
            "--account",
            "512",
            "--as",
            "director_cintra",
        )


def test_a_bank_account_on_another_account_is_refused(cintra):
    with pytest.raises(CommandError, match="Account 6064 is not a bank account of the chart"):
        run("add_bank_account", "--lab", "CINTRA", "--ledger-account", "6064", "--name", "X")
    with pytest.raises(CommandError, match="--opening-balance is not an amount"):
        run(
            "add_bank_account",
            "--lab",
            "CINTRA",
            "--ledger-account",
            "512",
            "--name",
            "X",
            "--opening-balance",
            "ten",
        )
    assert not BankAccount.objects.exists()
