"""Matching the story's March (tests/banking/story.py): the suggestions, ranked; the
obvious ones confirmed in one click; a suggestion confirmed; the cheque cashed late and
the per diem batch matched by hand (one bank line, two book lines); undoing a match; and
every refusal, with nothing written."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from banking.exceptions import MatchError
from banking.models import BankAccount, BankMatch, BankMatchBookLine, BankStatementLine
from banking.selectors import suggestions
from banking.services import (
    bank_match_create,
    bank_match_undo,
    bank_matches_confirm_obvious,
    bank_statement_import,
)
from ledger import services
from ledger.exceptions import NotPermittedError
from ledger.models import AuditEvent
from tests.banking.story import bank_books, bank_line, file

D = Decimal
MARCH: dict[str, Any] = {"date_from": date(2025, 3, 1), "date_to": date(2025, 3, 31)}


@pytest.fixture
def march(accountant: User, dbs: BankAccount) -> BankAccount:
    bank_statement_import(
        acting_user=accountant,
        bank_account=dbs,
        file_name="dbs-cintra-2025-03.csv",
        data=file("dbs-cintra-2025-03.csv"),
    )
    return dbs


def line(amount: str, day: int) -> BankStatementLine:
    return BankStatementLine.objects.get(amount=D(amount), booking_date=date(2025, 3, day))


def test_the_suggestions_of_march_ranked(march: BankAccount, books):
    found = suggestions(march, MARCH["date_from"], MARCH["date_to"])

    shown = [
        (
            s.statement.booking_date.day,
            str(s.statement.amount),
            s.book.piece_ref,
            s.days,
            s.score,
            s.obvious,
        )
        for s in found
    ]
    assert shown == [
        # Thales: same day, its reference in the bank's text.
        (3, "75000.00", "CINTRA-VT-2025-001", 0, 100, True),
        # The GIRO of 5 March may be either 1,351.60 of the books: the one whose reference
        # the bank's text holds comes first; neither is obvious.
        (5, "-1351.60", "OLS-2025-0212", -1, 93, False),
        (5, "-1351.60", "CHQ-000118", 2, 45, False),
        (10, "-267.92", "MO-2025-0220", -1, 93, True),
        (14, "-2450.00", "OM-2025-011", -1, 93, True),
    ]
    # The cheque cashed on 20 March is 13 days from its entry: outside the window of 5
    # days, it has no suggestion; with a window of 20 it has both 1,351.60 lines.
    wide = suggestions(march, MARCH["date_from"], MARCH["date_to"], window=20)
    cheque = [s for s in wide if s.statement.booking_date == date(2025, 3, 20)]
    assert [s.book.piece_ref for s in cheque] == ["CHQ-000118", "OLS-2025-0212"]


def test_a_month_reconciled_by_one_click_a_suggestion_and_two_matches_by_hand(
    accountant: User, march: BankAccount, books
):
    confirmed = bank_matches_confirm_obvious(acting_user=accountant, bank_account=march, **MARCH)

    assert confirmed == 3
    assert set(BankMatch.objects.values_list("kind", flat=True)) == {"obvious"}
    # The best suggestion of 5 March, then the cheque and the per diem batch by hand.
    bank_match_create(
        acting_user=accountant,
        bank_account=march,
        statement_line_ids=[line("-1351.60", 5).pk],
        book_line_ids=[bank_line(books["b2"]).pk],
        kind=BankMatch.Kind.SUGGESTED,
    )
    bank_match_create(
        acting_user=accountant,
        bank_account=march,
        statement_line_ids=[line("-1351.60", 20).pk],
        book_line_ids=[bank_line(books["b5"]).pk],
    )
    batch = bank_match_create(
        acting_user=accountant,
        bank_account=march,
        statement_line_ids=[line("-980.00", 25).pk],
        book_line_ids=[bank_line(books["b8"], "-650.00").pk, bank_line(books["b8"], "-330.00").pk],
    )

    assert batch.amount == D("-980.00")
    assert BankMatchBookLine.objects.filter(match=batch).count() == 2
    unmatched = BankStatementLine.objects.filter(match_link__isnull=True)
    assert sorted(str(u.amount) for u in unmatched) == ["-55.30", "12.48"]
    assert suggestions(march, MARCH["date_from"], MARCH["date_to"]) == []
    events = AuditEvent.objects.filter(action="bank_match.create")
    assert events.count() == 6 and {e.actor for e in events} == {accountant}
    batch_event = events.get(object_id=str(batch.pk))
    after = batch_event.after or {}
    assert after["amount"] == "-980.00" and len(after["book_lines"]) == 2


def test_lines_whose_totals_differ_are_refused_and_nothing_is_written(accountant, march, books):
    with pytest.raises(MatchError) as refused:
        bank_match_create(
            acting_user=accountant,
            bank_account=march,
            statement_line_ids=[line("-980.00", 25).pk],
            book_line_ids=[bank_line(books["b8"], "-650.00").pk],
        )

    assert str(refused.value) == (
        "The amounts do not agree: statement lines -980.00, book lines -650.00 (difference "
        "-330.00); select lines whose totals are equal"
    )
    assert not BankMatch.objects.exists()


def test_a_line_belongs_to_one_match_at_most(accountant, march, books):
    bank_matches_confirm_obvious(acting_user=accountant, bank_account=march, **MARCH)
    thales = line("75000.00", 3)

    with pytest.raises(MatchError, match=r"^Statement line \d+ is already matched"):
        bank_match_create(
            acting_user=accountant,
            bank_account=march,
            statement_line_ids=[thales.pk],
            book_line_ids=[bank_line(books["b7"]).pk],
        )
    with pytest.raises(MatchError, match=r"^Book line \d+ is already matched"):
        bank_match_create(
            acting_user=accountant,
            bank_account=march,
            statement_line_ids=[],
            book_line_ids=[bank_line(books["b1"]).pk],
        )


def test_another_labs_lines_answer_as_if_they_did_not_exist(accountant, march, books, majulab):
    theirs = bank_books(accountant, majulab)
    with pytest.raises(MatchError, match=r"is not a posted line of account 512 of CINTRA"):
        bank_match_create(
            acting_user=accountant,
            bank_account=march,
            statement_line_ids=[line("-267.92", 10).pk],
            book_line_ids=[bank_line(theirs["b3"]).pk],
        )
    opening = bank_line(books["opening"])  # before the starting date: never on the bank
    with pytest.raises(MatchError, match=r"is not a posted line of account 512"):
        bank_match_create(
            acting_user=accountant,
            bank_account=march,
            statement_line_ids=[],
            book_line_ids=[opening.pk],
        )


def test_an_entry_and_its_reversal_are_matched_with_each_other(accountant, march, books, cintra):
    reversal = services.entry_reverse(
        acting_user=accountant, entry=books["b6"], date=date(2025, 3, 29), reason="Cheque void"
    )

    match = bank_match_create(
        acting_user=accountant,
        bank_account=march,
        statement_line_ids=[],
        book_line_ids=[bank_line(books["b6"]).pk, bank_line(reversal).pk],
    )

    assert match.amount == D("0.00")


def test_undoing_a_match_is_audited_and_frees_its_lines(accountant, march, books):
    bank_matches_confirm_obvious(acting_user=accountant, bank_account=march, **MARCH)
    match = BankMatch.objects.order_by("id").first()
    assert match is not None

    bank_match_undo(
        acting_user=accountant, bank_account=march, match_id=match.pk, reason="Wrong receipt"
    )

    assert not BankMatch.objects.filter(pk=match.pk).exists()
    assert BankStatementLine.objects.filter(match_link__isnull=True).count() == 6
    event = AuditEvent.objects.get(action="bank_match.delete")
    assert event.object_id == str(match.pk)
    assert event.after == {"reason": "Wrong receipt"}
    assert (event.before or {})["amount"] == "75000.00"
    with pytest.raises(MatchError, match="No such match"):
        bank_match_undo(
            acting_user=accountant, bank_account=march, match_id=match.pk, reason="Again"
        )


def test_directors_and_auditors_match_nothing(director_cintra, auditor, march, books):
    for user in (director_cintra, auditor):
        with pytest.raises(NotPermittedError):
            bank_matches_confirm_obvious(acting_user=user, bank_account=march, **MARCH)
    assert not BankMatch.objects.exists()
