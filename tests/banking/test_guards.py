"""Raw SQL that goes around the services: the database refuses it (banking/db_guards.py,
installed after migrate by banking's own post_migrate handler), on SQLite and PostgreSQL.

- a statement line kept twice (the fingerprint is unique per bank account);
- a match whose sides do not agree with its amount, or with each other;
- a match holding a book line of another lab, of another account, or of a draft;
- a line joining or leaving an existing match, a match or an imported line changed;
- a bank account on an account that is no bank account, or of another lab.
"""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from banking.models import BankAccount, BankMatch, BankStatementLine
from banking.services import bank_matches_confirm_obvious, bank_statement_import
from banking.services.matching import reserve_match_ids
from ledger.models import JournalLine
from tests.banking.story import bank_books, bank_line, file
from tests.books import account, draft
from tests.ledger.rawsql import execute, refused

MARCH = (date(2025, 3, 1), date(2025, 3, 31))


@pytest.fixture
def imported(accountant, dbs: BankAccount) -> BankAccount:
    bank_statement_import(
        acting_user=accountant,
        bank_account=dbs,
        file_name="dbs-cintra-2025-03.csv",
        data=file("dbs-cintra-2025-03.csv"),
    )
    return dbs


def statement_line(amount: str) -> BankStatementLine:
    return BankStatementLine.objects.filter(amount=Decimal(amount)).order_by("id").first()  # type: ignore[return-value]


def match_sql(
    bank_account: BankAccount,
    statement_ids: list[int],
    book_ids: list[int],
    amount_cents: int,
    *,
    lab_id: int | None = None,
) -> list[tuple[str, list[Any]]]:
    (match_id,) = reserve_match_ids(1)
    statements: list[tuple[str, list[Any]]] = [
        (
            "INSERT INTO banking_bankmatchstatementline (match_id, statement_line_id)"
            " VALUES (%s, %s)",
            [match_id, line],
        )
        for line in statement_ids
    ]
    statements += [
        (
            "INSERT INTO banking_bankmatchbookline (match_id, journal_line_id) VALUES (%s, %s)",
            [match_id, line],
        )
        for line in book_ids
    ]
    statements.append(
        (
            "INSERT INTO banking_bankmatch (id, lab_id, bank_account_id, kind, amount,"
            " matched_at) VALUES (%s, %s, %s, 'manual', %s, %s)",
            [
                match_id,
                lab_id or bank_account.lab_id,
                bank_account.pk,
                amount_cents,
                connection.ops.adapt_datetimefield_value(
                    __import__("django.utils.timezone").utils.timezone.now()
                ),
            ],
        )
    )
    return statements


def refused_all(statements: list[tuple[str, list[Any]]]) -> str:
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        for sql, params in statements:
            execute(sql, params)
    return str(info.value)


def test_the_guards_are_installed_by_migrate(db):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'banking%%'")
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'banking%'"
            )
        names = {row[0] for row in cursor.fetchall()}
    assert {"banking_match_insert", "banking_line_update", "banking_match_book_delete"} <= names


def test_a_statement_line_inserted_twice_is_refused(imported: BankAccount):
    line = statement_line("-267.92")

    message = refused(
        "INSERT INTO banking_bankstatementline (statement_id, bank_account_id, lab_id,"
        " booking_date, amount, description, reference, bank_transaction_id, fingerprint)"
        " VALUES (%s, %s, %s, %s, %s, '', '', '', %s)",
        [
            line.statement_id,
            line.bank_account_id,
            line.lab_id,
            "2025-03-10",
            -26792,
            line.fingerprint,
        ],
    )

    assert "UNIQUE" in message.upper() or "bank_line_kept_once" in message


def test_a_match_whose_sides_agree_is_accepted_by_raw_sql_too(imported, books):
    line, book = statement_line("-267.92"), bank_line(books["b3"])

    with transaction.atomic():
        for sql, params in match_sql(imported, [line.pk], [book.pk], -26792):
            execute(sql, params)

    assert BankMatch.objects.get().amount == Decimal("-267.92")


def test_a_match_whose_sides_do_not_agree_is_refused(imported, books):
    line = statement_line("-267.92")
    book = bank_line(books["b4"])  # -2,450.00

    for amount in (-26792, -245000, -1):
        message = refused_all(match_sql(imported, [line.pk], [book.pk], amount))
        assert (
            "BANK_MATCH: the statement lines and the book lines of a match do not agree" in message
        )
    assert not BankMatch.objects.exists()


def test_a_match_of_a_single_side_or_of_nothing_is_refused(imported, books):
    line = statement_line("-55.30")
    message = refused_all(match_sql(imported, [line.pk], [], -5530))
    assert "do not agree" in message
    message = refused_all(match_sql(imported, [], [], 0))
    assert "BANK_MATCH: a match links at least one line" in message


def test_a_book_line_of_another_lab_is_refused(imported, books, accountant, majulab):
    other = bank_books(accountant, majulab)
    line = statement_line("-267.92")
    theirs = bank_line(other["b3"])

    message = refused_all(match_sql(imported, [line.pk], [theirs.pk], -26792))

    assert "BANK_MATCH: the book lines of a match are posted lines of the bank account" in message


def test_a_book_line_of_another_account_or_a_draft_is_refused(imported, books, accountant, cintra):
    line = statement_line("-267.92")
    supplies = JournalLine.objects.get(entry=books["b3"], account__code="6064")  # 267.92 debit
    message = refused_all(match_sql(imported, [line.pk], [supplies.pk], 26792))
    assert "posted lines of the bank account" in message

    pending = draft(accountant, cintra, [("6064", "267.92", "0"), ("512", "0", "267.92")])
    drafted = JournalLine.objects.get(entry=pending, account__code="512")
    message = refused_all(match_sql(imported, [line.pk], [drafted.pk], -26792))
    assert "posted lines of the bank account" in message


def test_a_match_of_another_labs_statement_lines_is_refused(imported, books):
    line, book = statement_line("-267.92"), bank_line(books["b3"])
    other_lab = BankAccount.objects.exclude(lab_id=imported.lab_id).first()
    assert other_lab is None  # the lab of the bank account is the match's, whatever is written
    message = refused_all(
        match_sql(imported, [line.pk], [book.pk], -26792, lab_id=imported.lab_id + 999)
    )
    assert "BANK_MATCH" in message or "FOREIGN KEY" in message.upper()


def test_a_match_never_changes(accountant, imported, books):
    bank_matches_confirm_obvious(
        acting_user=accountant, bank_account=imported, date_from=MARCH[0], date_to=MARCH[1]
    )
    match = BankMatch.objects.order_by("id").first()
    assert match is not None
    extra = statement_line("-55.30")

    assert "BANK_MATCH: a line cannot join an existing match" in refused(
        "INSERT INTO banking_bankmatchstatementline (match_id, statement_line_id) VALUES (%s, %s)",
        [match.pk, extra.pk],
    )
    assert "BANK_MATCH: a line cannot leave a match" in refused(
        "DELETE FROM banking_bankmatchbookline WHERE match_id = %s", [match.pk]
    )
    assert "BANK_MATCH: a match is never changed" in refused(
        "UPDATE banking_bankmatch SET amount = amount + 1 WHERE id = %s", [match.pk]
    )
    assert "BANK_MATCH: a match is never changed" in refused(
        "UPDATE banking_bankmatchstatementline SET statement_line_id = %s WHERE match_id = %s",
        [extra.pk, match.pk],
    )


def test_an_imported_line_never_changes(imported):
    line = statement_line("-267.92")

    message = refused("UPDATE banking_bankstatementline SET amount = 1 WHERE id = %s", [line.pk])

    assert "BANK_LINE: an imported statement line never changes" in message


def test_a_bank_account_is_on_a_512_account_of_its_lab(dbs, cintra, majulab):
    supplies = account(cintra, "6064")
    assert "BANK_ACCOUNT: a bank account reconciles a 512 account of its own lab" in refused(
        "UPDATE banking_bankaccount SET account_id = %s WHERE id = %s", [supplies.pk, dbs.pk]
    )
    theirs = account(majulab, "512")
    assert "BANK_ACCOUNT: a bank account reconciles a 512 account of its own lab" in refused(
        "UPDATE banking_bankaccount SET account_id = %s WHERE id = %s", [theirs.pk, dbs.pk]
    )
    bank_journal = dbs.journal
    assert bank_journal is not None and bank_journal.code == "BQS"
    purchases = bank_journal.lab.journals.get(code="ACH")
    assert "BANK_ACCOUNT: the bank journal of a bank account is a bank journal of its lab" in (
        refused(
            "UPDATE banking_bankaccount SET journal_id = %s WHERE id = %s", [purchases.pk, dbs.pk]
        )
    )


def test_a_bank_account_with_lines_keeps_its_lab_and_ledger_account(imported, cintra):
    other = account(cintra, "5122")
    assert "BANK_ACCOUNT: a bank account holding statement lines keeps its lab and ledger" in (
        refused(
            "UPDATE banking_bankaccount SET account_id = %s WHERE id = %s", [other.pk, imported.pk]
        )
    )


@pytest.mark.django_db(transaction=True)
def test_a_match_deleted_without_its_links_fails_at_commit(accountant, cintra):
    """Undoing deletes the match, then its links; links left without it fail the foreign
    key when the transaction commits (and the flush after this test lifts the guards)."""
    from tests.banking.story import dbs_account

    books = bank_books(accountant, cintra)
    bank_account = dbs_account(accountant, cintra)
    bank_statement_import(
        acting_user=accountant,
        bank_account=bank_account,
        file_name="dbs-cintra-2025-03.csv",
        data=file("dbs-cintra-2025-03.csv"),
    )
    bank_matches_confirm_obvious(
        acting_user=accountant, bank_account=bank_account, date_from=MARCH[0], date_to=MARCH[1]
    )
    match = BankMatch.objects.order_by("id").first()
    assert match is not None and books

    with pytest.raises(IntegrityError), transaction.atomic():
        execute("DELETE FROM banking_bankmatch WHERE id = %s", [match.pk])
        if connection.vendor == "postgresql":
            execute("SET CONSTRAINTS ALL IMMEDIATE")

    assert BankMatch.objects.filter(pk=match.pk).exists()
