"""Raw-SQL attacks on lettering: the database refuses them, on SQLite and PostgreSQL.

On PostgreSQL the check that a complete lettering sums to zero runs at commit (a deferred
constraint trigger): each attack runs in a savepoint that asks for the deferred checks
at once (SET CONSTRAINTS ALL IMMEDIATE), as a COMMIT would.

The keys of a lettered line (its lettering, its journal line) and a lettering's lab are
not foreign keys in the database: the guards hold them, and the attacks below that name
a missing row, delete or re-key one check that nothing was lost with the foreign keys.
"""

from datetime import date
from typing import Any

import pytest
from django.core.management import call_command
from django.db import IntegrityError, OperationalError, connection, connections, transaction
from django.utils import timezone

from irls import services as irls_services
from parties import db_guards
from parties.lettering.exceptions import (
    LetteringCodeError,
    LetteringLineError,
    LetteringUnbalancedError,
    from_integrity_error,
)
from parties.lettering.services import lettering_letter
from parties.models import LetteredLine, Lettering
from tests.books import account
from tests.parties.lettering.books import invoice, payment


def _run(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def refused(sql: str, params: list[Any]) -> IntegrityError:
    """The database's refusal of `sql` (the savepoint rolled back)."""
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        _run(sql, params)
    return info.value


def accepted(sql: str, params: list[Any]) -> None:
    with transaction.atomic():
        _run(sql, params)


def _insert_lettering(lab, account_id, code, complete, third_party="SUP-A"):
    return (
        "INSERT INTO parties_lettering (lab_id, account_id, third_party, code, complete,"
        " lettered_on, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        [lab.pk, account_id, third_party, code, complete, date(2025, 6, 30), timezone.now()],
    )


@pytest.fixture
def story(accountant, cintra):
    """AA complete (invoice 1,000 and its payment), AB partial (invoice 500, paid 200),
    and open lines: a payment of 300 and an invoice of 70."""
    bill = invoice(accountant, cintra, "1000.00", piece="INV-1")
    paid = payment(accountant, cintra, "1000.00")
    complete = lettering_letter(acting_user=accountant, lab=cintra, line_ids=[bill.pk, paid.pk])
    half = invoice(accountant, cintra, "500.00", piece="INV-2")
    part = payment(accountant, cintra, "200.00")
    partial = lettering_letter(acting_user=accountant, lab=cintra, line_ids=[half.pk, part.pk])
    return {
        "complete": complete,
        "partial": partial,
        "paid": paid,
        "open_payment": payment(accountant, cintra, "300.00"),
        "open_invoice": invoice(accountant, cintra, "70.00", piece="INV-3"),
    }


def _tagged(error: IntegrityError, cls: type, tag: str) -> None:
    assert tag in str(error), str(error)
    assert isinstance(from_integrity_error(error), cls)


def test_a_partial_lettering_marked_complete_is_refused(story):
    error = refused(
        "UPDATE parties_lettering SET complete = %s WHERE id = %s", [True, story["partial"].pk]
    )
    _tagged(error, LetteringUnbalancedError, "LETTERING_UNBALANCED")


def test_a_line_taken_out_of_a_complete_lettering_is_refused(story):
    error = refused("DELETE FROM parties_letteredline WHERE line_id = %s", [story["paid"].pk])
    _tagged(error, LetteringUnbalancedError, "LETTERING_UNBALANCED")


def test_a_line_added_to_a_complete_lettering_is_refused(story):
    error = refused(
        "INSERT INTO parties_letteredline (lettering_id, line_id) VALUES (%s, %s)",
        [story["complete"].pk, story["open_payment"].pk],
    )
    _tagged(error, LetteringUnbalancedError, "LETTERING_UNBALANCED")


def test_a_line_moved_out_of_a_complete_lettering_is_refused(story):
    error = refused(
        "UPDATE parties_letteredline SET lettering_id = %s WHERE line_id = %s",
        [story["partial"].pk, story["paid"].pk],
    )
    _tagged(error, LetteringUnbalancedError, "LETTERING_UNBALANCED")


def test_a_complete_lettering_without_lines_is_refused(story, cintra):
    error = refused(*_insert_lettering(cintra, account(cintra, "401").pk, "ZZ", True))
    _tagged(error, LetteringUnbalancedError, "LETTERING_UNBALANCED")


def test_a_line_of_a_draft_is_refused(story, accountant, cintra):
    draft = invoice(accountant, cintra, "200.00", piece="INV-D", post=False)
    error = refused(
        "INSERT INTO parties_letteredline (lettering_id, line_id) VALUES (%s, %s)",
        [story["partial"].pk, draft.pk],
    )
    _tagged(error, LetteringLineError, "LETTERING_LINE")


def test_a_line_of_another_account_third_party_or_lab_is_refused(
    story, accountant, cintra, majulab
):
    expense = story["open_invoice"].entry.lines.get(account__code="6064")
    other_party = payment(accountant, cintra, "300.00", party="SUP-01")
    theirs = payment(accountant, majulab, "300.00")
    for line in (expense, other_party, theirs):
        error = refused(
            "INSERT INTO parties_letteredline (lettering_id, line_id) VALUES (%s, %s)",
            [story["partial"].pk, line.pk],
        )
        _tagged(error, LetteringLineError, "LETTERING_LINE")
    # A lettering on another lab's account.
    error = refused(*_insert_lettering(cintra, account(majulab, "401").pk, "ZZ", False))
    _tagged(error, LetteringLineError, "LETTERING_LINE")


def test_a_line_in_two_letterings_is_refused(story):
    error = refused(
        "INSERT INTO parties_letteredline (lettering_id, line_id) VALUES (%s, %s)",
        [story["partial"].pk, story["paid"].pk],
    )
    assert isinstance(from_integrity_error(error), LetteringLineError)


MISSING = 2_000_000_000  # an id no row has


def test_a_lettered_line_of_a_missing_journal_line_or_lettering_is_refused(story):
    for lettering_id, line_id in (
        (story["partial"].pk, MISSING),
        (MISSING, story["open_payment"].pk),
    ):
        error = refused(
            "INSERT INTO parties_letteredline (lettering_id, line_id) VALUES (%s, %s)",
            [lettering_id, line_id],
        )
        _tagged(error, LetteringLineError, "LETTERING_LINE")
    item = story["partial"].items.first()
    for column in ("lettering_id", "line_id"):
        error = refused(
            f"UPDATE parties_letteredline SET {column} = %s WHERE id = %s", [MISSING, item.pk]
        )
        _tagged(error, LetteringLineError, "LETTERING_LINE")


def test_lines_written_before_their_lettering_are_refused(story, cintra):
    """The writer writes a lettering, then its lines: lines naming a lettering still to
    come name a missing one."""
    paid, bill = story["open_payment"], story["open_invoice"]
    with pytest.raises(IntegrityError) as info, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT MAX(id) + 1 FROM parties_lettering")
        (coming,) = cursor.fetchone()
        cursor.execute(
            "INSERT INTO parties_letteredline (lettering_id, line_id) VALUES (%s, %s), (%s, %s)",
            [coming, paid.pk, coming, bill.pk],
        )
        cursor.execute(*_insert_lettering(cintra, account(cintra, "401").pk, "QQ", False))
    _tagged(info.value, LetteringLineError, "LETTERING_LINE")


def test_a_lettering_with_lines_cannot_be_deleted(story):
    for lettering in (story["partial"], story["complete"]):
        error = refused("DELETE FROM parties_lettering WHERE id = %s", [lettering.pk])
        _tagged(error, LetteringLineError, "LETTERING_LINE")
    assert LetteredLine.objects.filter(lettering=story["partial"]).count() == 2
    # The ORM deletes its lines first (CASCADE), as undoing a partial lettering does.
    story["partial"].delete()
    assert not LetteredLine.objects.filter(lettering_id=story["partial"].pk).exists()


def test_a_lettered_journal_line_cannot_be_deleted_re_keyed_or_undated(story):
    """A lettered line is posted: the ledger's guards freeze it."""
    line = story["paid"].pk
    for sql, params in (
        ("DELETE FROM ledger_journalline WHERE id = %s", [line]),
        ("UPDATE ledger_journalline SET id = %s WHERE id = %s", [MISSING, line]),
        ("UPDATE ledger_journalline SET entry_date = NULL WHERE id = %s", [line]),
    ):
        assert "LEDGER_FROZEN" in str(refused(sql, params))
    assert LetteredLine.objects.get(line_id=line).lettering == story["complete"]


def test_an_account_with_letterings_keeps_its_lab(story, cintra):
    """A lettering's lab is its account's (no foreign key of its own to the lab)."""
    empty = irls_services.lab_create(
        acting_user=None,
        code="EMPTY",
        name="A lab without a chart",
        unit_number="IRL 0001",
        field="physics",
        start_date=date(2020, 1, 1),
        fec_identifier="180089013",
    )
    moved = "UPDATE ledger_account SET lab_id = %s WHERE id = %s"
    error = refused(moved, [empty.pk, account(cintra, "401").pk])
    _tagged(error, LetteringLineError, "LETTERING_LINE")
    accepted(moved, [empty.pk, account(cintra, "411").pk])  # no lettering on it


@pytest.mark.postgres_only
def test_postgresql_refuses_truncating_letterings_or_their_lines_apart(story):
    with connection.cursor() as cursor:  # the story's checks, due at commit, run first
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    error = refused("TRUNCATE parties_lettering", [])
    _tagged(error, LetteringLineError, "LETTERING_LINE")
    error = refused("TRUNCATE parties_letteredline", [])
    _tagged(error, LetteringUnbalancedError, "LETTERING_UNBALANCED")
    accepted("TRUNCATE parties_lettering, parties_letteredline", [])
    assert not Lettering.objects.exists()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_postgresql_locks_the_lettering_lines_join(accountant, cintra):
    """As a foreign key would: the lettering a transaction gives lines to cannot be
    deleted by another until it ends (which then sees the lines and refuses)."""
    half = invoice(accountant, cintra, "500.00", piece="INV-2")
    part = payment(accountant, cintra, "200.00")
    partial = lettering_letter(acting_user=accountant, lab=cintra, line_ids=[half.pk, part.pk])
    more = payment(accountant, cintra, "100.00")
    other = connections.create_connection("default")
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO parties_letteredline (lettering_id, line_id) VALUES (%s, %s)",
                    [partial.pk, more.pk],
                )
            with other.cursor() as theirs:
                theirs.execute("SET lock_timeout = '200ms'")
                with pytest.raises(OperationalError, match="lock timeout"):
                    theirs.execute("DELETE FROM parties_lettering WHERE id = %s", [partial.pk])
    finally:
        other.close()
    assert LetteredLine.objects.filter(lettering=partial).count() == 3


def test_codes_keep_their_shape_and_their_lettering(story, cintra):
    supplier = account(cintra, "401").pk
    for code in ("A", "A1", "aa", "A-B", ""):
        error = refused(*_insert_lettering(cintra, supplier, code, False))
        _tagged(error, LetteringCodeError, "lettering_code_shape")
    error = refused(*_insert_lettering(cintra, supplier, "AA", False))
    assert isinstance(from_integrity_error(error), LetteringCodeError)
    for column, value in (
        ("code", "QQ"),
        ("account_id", account(cintra, "411").pk),
        ("third_party", "SUP-01"),
    ):
        error = refused(
            f"UPDATE parties_lettering SET {column} = %s WHERE id = %s",
            [value, story["partial"].pk],
        )
        _tagged(error, LetteringCodeError, "LETTERING_FROZEN")


def test_what_the_services_do_is_accepted(story, cintra):
    # A lettering written partial, its lines, then marked complete; and undone the way
    # lettering_unletter does it: partial first, then its lines, then itself.
    supplier = account(cintra, "401").pk
    accepted(*_insert_lettering(cintra, supplier, "QQ", False))
    lettering = Lettering.objects.get(code="QQ")
    half = list(story["partial"].items.values_list("line_id", flat=True))
    accepted("DELETE FROM parties_letteredline WHERE lettering_id = %s", [story["partial"].pk])
    accepted(
        "INSERT INTO parties_letteredline (lettering_id, line_id) VALUES (%s, %s), (%s, %s)",
        [lettering.pk, story["open_payment"].pk, lettering.pk, half[0]],
    )
    accepted("UPDATE parties_lettering SET complete = %s WHERE id = %s", [False, lettering.pk])
    complete = story["complete"]
    accepted("UPDATE parties_lettering SET complete = %s WHERE id = %s", [False, complete.pk])
    accepted("DELETE FROM parties_letteredline WHERE lettering_id = %s", [complete.pk])
    accepted("DELETE FROM parties_lettering WHERE id = %s", [complete.pk])


@pytest.mark.postgres_only
def test_postgresql_checks_a_complete_lettering_at_commit(story, cintra):
    """Written complete first, its lines after, in one transaction: accepted at commit."""
    paid = story["open_payment"]
    bill = invoice(paid.entry.created_by, cintra, "300.00", piece="INV-4")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(*_insert_lettering(cintra, account(cintra, "401").pk, "QQ", True))
        cursor.execute("SELECT id FROM parties_lettering WHERE code = 'QQ'")
        (lettering_id,) = cursor.fetchone()
        cursor.execute(
            "INSERT INTO parties_letteredline (lettering_id, line_id) VALUES (%s, %s), (%s, %s)",
            [lettering_id, paid.pk, lettering_id, bill.pk],
        )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert Lettering.objects.get(code="QQ").complete


@pytest.mark.django_db(transaction=True)
def test_flush_lifts_and_restores_the_lettering_guards(accountant, cintra):
    bill = invoice(accountant, cintra, "10.00")
    paid = payment(accountant, cintra, "10.00")
    lettering_letter(acting_user=accountant, lab=cintra, line_ids=[bill.pk, paid.pk])
    call_command("flush", interactive=False, verbosity=0)
    assert not LetteredLine.objects.exists()
    assert _guards() == _GUARDS[connection.vendor]


_GUARDS = {"sqlite": 9, "postgresql": 11}


def _guards() -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT COUNT(*) FROM pg_trigger"
                " WHERE NOT tgisinternal AND tgname LIKE 'parties_%%'"
            )
        else:
            cursor.execute(
                "SELECT COUNT(*) FROM sqlite_master"
                " WHERE type = 'trigger' AND name LIKE 'parties_%'"
            )
        return int(cursor.fetchone()[0])


def test_the_guards_are_dropped_and_installed_again(db):
    assert _guards() == _GUARDS[connection.vendor]
    db_guards.drop(connection)
    assert _guards() == 0
    db_guards.install(connection)
    assert _guards() == _GUARDS[connection.vendor]
