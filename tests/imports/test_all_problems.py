"""Issue 10, items 6 to 8: a journal file's problems are all listed in one preview; a
conversion rounding line never blocks an import; what the preview says is what the
import does.

Each entry is checked for each of its problems on its own (a closed month does not hide
an unbalanced entry); an entry with a cell that cannot be read is still checked for its
journal, date and, when every amount was read, its balance; overspent 'block' budget
lines are reported alongside every other problem. The rounding line added on 666 (loss)
carries the budget line of the converted line it comes from when 666 needs one."""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from pytest_django import DjangoDbBlocker

from irls.models import Lab
from ledger import services
from ledger.imports.problems import BUDGET_BLOCKED, NOT_A_DATE, NOT_AN_AMOUNT, ROUNDING_NOTE
from ledger.models import Account, ImportBatch, JournalEntry, JournalLine, Period
from ledger.selectors import ledger_verify
from ledger.services.imports import ImportOutcome, import_file
from tests.books import budget_line, close_months
from tests.imports.conftest import ModuleBooks, books_for_a_module
from tests.imports.corpus.make_corpus import CASES, GOOD, write_corpus
from tests.imports.sheets import JOURNAL_HEADER, csv_bytes, line
from tests.imports.test_journal import ROWS as MULTI_CURRENCY_ROWS


def close_february(lab: Lab, user: User) -> None:
    close_months(lab, 2, user=user)  # February closed, January open


def loss_account_needs_a_budget_line(lab: Lab) -> None:
    """666 as a real chart has it (account_create's default for an expense account); the
    test chart opens it without. No service changes an account's flag: set it here."""
    Account.objects.filter(lab=lab, code="666").update(needs_budget_line=True)


def vnd_rate() -> None:
    """30,000 VND per euro: in March 2025 (1.4530 SGD per euro), 0.00004843 SGD per VND."""
    services.exchange_rate_set(
        acting_user=None,
        currency="VND",
        valid_from=date(2025, 1, 1),
        units_per_eur=Decimal("30000"),
        source="chancellery",
    )


def check(user: User, lab: Lab, rows: Sequence[Sequence[Any]], *, dry_run: bool) -> ImportOutcome:
    return import_file(
        acting_user=user,
        lab=lab,
        kind="journal",
        file_name="entries.csv",
        data=csv_bytes([JOURNAL_HEADER, *rows]),
        post=True,
        dry_run=dry_run,
    )


def messages(outcome: ImportOutcome) -> list[str]:
    return [problem.message for problem in outcome.problems]


# -- every problem in one pass (item 6) -------------------------------------------------------

# Ten entries, rows 2-21, six of them wrong in six different ways.
TEN_ENTRIES = [
    line("E01", "6064", "10.00", None),
    line("E01", "401", None, "10.00"),
    line("E02", "6064", "120.00", None),  # unbalanced
    line("E02", "401", None, "110.00"),
    line("E03", "6064", "30.00", None, date="2025-02-10"),  # closed month
    line("E03", "401", None, "30.00", date="2025-02-10"),
    line("E04", "6063", "40.00", None, budget_line="OP-XXX"),  # unknown budget line
    line("E04", "401", None, "40.00"),
    line("E05", "6258", "50.00", None),  # unknown account
    line("E05", "401", None, "50.00"),
    line("E06", "6064", "abc", None),  # unreadable amount
    line("E06", "401", None, "60.00"),
    line("E07", "6064", "70.00", None, date="2025-02-12"),  # closed month and unbalanced
    line("E07", "401", None, "7.00", date="2025-02-12"),
    line("E08", "6064", "80.00", None),
    line("E08", "401", None, "80.00"),
    line("E09", "6063", "90.00", None, budget_line="OP-SUP"),
    line("E09", "401", None, "90.00"),
    line("E10", "6251", "100.00", None, budget_line="OP-MIS"),
    line("E10", "401", None, "100.00"),
]
TEN_ENTRIES_PROBLEMS = [
    "Entry E02 (rows 4-5) does not balance: debit 120.00, credit 110.00",
    "Row 6: 2025-02-10 read as 10 February 2025, in 2025-02 which is closed",
    "Row 8: budget line OP-XXX does not exist in CINTRA for 2025",
    "Row 10: account 6258 does not exist in CINTRA's chart",
    NOT_AN_AMOUNT.format(row=12, column="debit", value="abc"),
    "Row 14: 2025-02-12 read as 12 February 2025, in 2025-02 which is closed",
    "Entry E07 (rows 14-15) does not balance: debit 70.00, credit 7.00",
]


def test_a_ten_entry_file_with_six_mistakes_lists_every_problem_in_one_preview(
    books: Lab, cintra_accountant: User
) -> None:
    close_february(books, cintra_accountant)

    preview = check(cintra_accountant, books, TEN_ENTRIES, dry_run=True)

    assert messages(preview) == TEN_ENTRIES_PROBLEMS
    shown = preview.preview()
    assert shown is not None
    assert [group.title for group in shown.groups] == [
        "E01 (rows 2-3): ACH 2025-03-14 Supplies",
        "E08 (rows 16-17): ACH 2025-03-14 Supplies",
        "E09 (rows 18-19): ACH 2025-03-14 Supplies",
        "E10 (rows 20-21): ACH 2025-03-14 Supplies",
    ]

    imported = check(cintra_accountant, books, TEN_ENTRIES, dry_run=False)

    assert messages(imported) == TEN_ENTRIES_PROBLEMS
    assert not JournalEntry.objects.exists()
    assert ImportBatch.objects.get().result == ImportBatch.Result.REFUSED


def test_one_entry_lists_its_closed_month_its_missing_budget_line_and_its_balance(
    books: Lab, cintra_accountant: User
) -> None:
    close_february(books, cintra_accountant)
    rows = [
        line("Y1", "6063", "50.00", None, date="2025-02-12"),
        line("Y1", "401", None, "40.00", date="2025-02-12"),
    ]

    assert messages(check(cintra_accountant, books, rows, dry_run=True)) == [
        "Row 2: 2025-02-12 read as 12 February 2025, in 2025-02 which is closed",
        "Row 2: account 6063 needs a budget line (column budget_line)",
        "Entry Y1 (rows 2-3) does not balance: debit 50.00, credit 40.00",
    ]


def test_an_entry_without_date_journal_or_label_is_still_checked_for_the_rest(
    books: Lab, cintra_accountant: User
) -> None:
    rows = [
        line("Z1", "6063", "50.00", None, date="", journal="", label=""),
        line("Z1", "401", None, "40.00", date="", journal="", label=""),
        line("Z2", "6064", "50.00", None, date="2024-12-31", journal="XYZ"),
    ]

    assert messages(check(cintra_accountant, books, rows, dry_run=True)) == [
        "Row 2, column date: a value is required",
        "Row 2, column journal: a value is required",
        "Entry Z1 (rows 2-3) has no label",
        "Row 2: account 6063 needs a budget line (column budget_line)",
        "Entry Z1 (rows 2-3) does not balance: debit 50.00, credit 40.00",
        "Row 4: 2024-12-31 read as 31 December 2024, outside the fiscal years of CINTRA",
        "Row 4: journal XYZ does not exist in CINTRA",
        "Entry Z2 (row 4) has a single line; an entry needs at least two",
    ]


def test_an_entry_with_an_unreadable_cell_is_checked_for_what_can_be_read(
    books: Lab, cintra_accountant: User
) -> None:
    close_february(books, cintra_accountant)
    rows = [
        # An amount that cannot be read: journal and date are checked, not the balance.
        line("X1", "6064", "abc", None, date="2025-02-10", journal="XYZ"),
        line("X1", "401", None, "10.00", date="2025-02-10", journal="XYZ"),
        # A date that cannot be read: not "required"; every amount was read, so the
        # balance is checked.
        line("X2", "6064", "10.00", None, date="31/02/2025"),
        line("X2", "401", None, "9.00", date=""),
        # An unknown account: the line is not read, so neither is the balance.
        line("X3", "6258", "10.00", None, date="2025-02-10"),
        line("X3", "401", None, "9.00", date="2025-02-10"),
    ]

    assert messages(check(cintra_accountant, books, rows, dry_run=True)) == [
        NOT_AN_AMOUNT.format(row=2, column="debit", value="abc"),
        "Row 2: 2025-02-10 read as 10 February 2025, in 2025-02 which is closed",
        "Row 2: journal XYZ does not exist in CINTRA",
        NOT_A_DATE.format(row=4, column="date", value="31/02/2025"),
        "Entry X2 (rows 4-5) does not balance: debit 10.00, credit 9.00",
        "Row 6: account 6258 does not exist in CINTRA's chart",
        "Row 6: 2025-02-10 read as 10 February 2025, in 2025-02 which is closed",
    ]


def test_overspent_blocking_budget_lines_are_reported_alongside_other_problems(
    books: Lab, cintra_accountant: User
) -> None:
    close_february(books, cintra_accountant)
    budget_line(books, "OP-TIGHT", "100.00", policy="block")
    rows = [
        line("B1", "6063", "150.00", None, budget_line="OP-TIGHT"),
        line("B1", "401", None, "150.00"),
        line("B2", "6064", "20.00", None),
        line("B2", "401", None, "10.00"),
        # An entry with a problem of its own is not counted: once it is fixed, the next
        # preview counts it.
        line("B3", "6063", "500.00", None, budget_line="OP-TIGHT", date="2025-02-10"),
        line("B3", "401", None, "500.00", date="2025-02-10"),
    ]
    blocked = BUDGET_BLOCKED.format(code="OP-TIGHT", excess="50.00", currency="SGD")

    assert messages(check(cintra_accountant, books, rows, dry_run=True)) == [
        blocked,
        "Entry B2 (rows 4-5) does not balance: debit 20.00, credit 10.00",
        "Row 6: 2025-02-10 read as 10 February 2025, in 2025-02 which is closed",
    ]
    drafts = import_file(
        acting_user=cintra_accountant,
        lab=books,
        kind="journal",
        file_name="drafts.csv",
        data=csv_bytes([JOURNAL_HEADER, *rows]),
        dry_run=True,
    )
    assert blocked not in messages(drafts)  # drafts consume no budget


def test_an_entry_imported_before_does_not_count_twice_against_a_blocking_line(
    books: Lab, cintra_accountant: User
) -> None:
    budget_line(books, "OP-TIGHT", "200.00", policy="block")
    first = [
        line("K1", "6063", "150.00", None, budget_line="OP-TIGHT"),
        line("K1", "401", None, "150.00"),
    ]
    assert messages(check(cintra_accountant, books, first, dry_run=False)) == []
    again = [*first, line("K2", "6064", "5.00", None), line("K2", "401", None, "5.00")]

    outcome = check(cintra_accountant, books, again, dry_run=True)

    assert len(outcome.problems) == 1
    assert outcome.problems[0].message.startswith("Entry K1 (rows 2-3) was already imported")


# -- conversion rounding never blocks an import (item 7) ----------------------------------------


def usd(entry: str, account: str, amount: str, side: str, **values: Any) -> list[Any]:
    """A line in US dollars, converted at the chancellery rate of the entry date."""
    return line(
        entry, account, None, None, currency="USD", amount_currency=amount, side=side, **values
    )


# March 2025: 1.33793738 SGD per USD. 10.13 USD = 13.55, 25.01 USD = 33.46, and
# 35.14 USD = 47.02 SGD: the debits (47.01) fall 0.01 short, a loss booked on 666.
ROUNDED_ENTRIES = [
    usd("R1", "6063", "10.13", "debit", budget_line="OP-SUP"),
    usd("R1", "6251", "25.01", "debit", budget_line="OP-MIS"),
    usd("R1", "401", "35.14", "credit"),
    # No converted line names a budget line: the rounding takes the entry's other one.
    usd("R2", "6064", "10.13", "debit"),
    usd("R2", "6064", "25.01", "debit"),
    usd("R2", "401", "35.14", "credit"),
    line("R2", "6063", "5.00", None, budget_line="OP-SUP"),
    line("R2", "401", None, "5.00"),
    # A gain (10.05 + 20.02 USD = 13.45 + 26.79, 30.07 USD = 40.23): 766 takes no budget.
    usd("R3", "6063", "10.05", "debit", budget_line="OP-SUP"),
    usd("R3", "6251", "20.02", "debit", budget_line="OP-MIS"),
    usd("R3", "401", "30.07", "credit"),
]


def test_the_rounding_line_on_666_carries_the_budget_line_of_its_converted_line(
    books: Lab, cintra_accountant: User
) -> None:
    loss_account_needs_a_budget_line(books)

    preview = check(cintra_accountant, books, ROUNDED_ENTRIES, dry_run=True)

    assert messages(preview) == []
    assert [note for note in preview.notes if "conversion rounding" in note] == [
        ROUNDING_NOTE.format(
            key=key, rows=rows, amount="0.01", currency="SGD", code=code, what=what
        )
        for key, rows, code, what in (
            ("R1", "rows 2-4", "666", "loss"),
            ("R2", "rows 5-9", "666", "loss"),
            ("R3", "rows 10-12", "766", "gain"),
        )
    ]

    imported = check(cintra_accountant, books, ROUNDED_ENTRIES, dry_run=False)

    assert messages(imported) == []
    lines = {
        key: [
            (ln.account.code, ln.debit, ln.credit, ln.budget_line.code if ln.budget_line else None)
            for ln in JournalLine.objects.filter(entry__source_key=key)
            .select_related("account", "budget_line")
            .order_by("id")
        ]
        for key in ("R1", "R2", "R3")
    }
    d = Decimal
    zero = d("0.00")
    assert lines == {
        "R1": [
            ("6063", d("13.55"), zero, "OP-SUP"),
            ("6251", d("33.46"), zero, "OP-MIS"),
            ("401", zero, d("47.02"), None),
            ("666", d("0.01"), zero, "OP-MIS"),  # the larger converted line's budget line
        ],
        "R2": [
            ("6064", d("13.55"), zero, None),
            ("6064", d("33.46"), zero, None),
            ("401", zero, d("47.02"), None),
            ("6063", d("5.00"), zero, "OP-SUP"),
            ("401", zero, d("5.00"), None),
            ("666", d("0.01"), zero, "OP-SUP"),
        ],
        "R3": [
            ("6063", d("13.45"), zero, "OP-SUP"),
            ("6251", d("26.79"), zero, "OP-MIS"),
            ("401", zero, d("40.23"), None),
            ("766", zero, d("0.01"), None),
        ],
    }
    assert set(JournalEntry.objects.values_list("status", flat=True)) == {"posted"}
    assert ledger_verify(lab=books).ok


def test_a_rounding_line_that_needs_a_budget_line_and_finds_none_is_named_in_the_preview(
    books: Lab, cintra_accountant: User
) -> None:
    loss_account_needs_a_budget_line(books)
    rows = [
        usd("N1", "6064", "10.13", "debit"),
        usd("N1", "6064", "25.01", "debit"),
        usd("N1", "401", "35.14", "credit"),
    ]
    expected = [
        "Entry N1 (rows 2-4) needs a conversion rounding line of 0.01 SGD on 666, which "
        "needs a budget line, and no line of the entry names one: give the entry a budget "
        "line or book its amounts in SGD"
    ]

    assert messages(check(cintra_accountant, books, rows, dry_run=True)) == expected
    assert messages(check(cintra_accountant, books, rows, dry_run=False)) == expected
    assert not JournalEntry.objects.exists()


def test_an_opening_entry_books_its_rounding_without_a_budget_line(
    books: Lab, cintra_accountant: User
) -> None:
    loss_account_needs_a_budget_line(books)
    rows = [
        usd("O1", "6064", "10.13", "debit", journal="AN", label="Opening"),
        usd("O1", "6064", "25.01", "debit", journal="AN", label="Opening"),
        usd("O1", "401", "35.14", "credit", journal="AN", label="Opening"),
    ]

    assert messages(check(cintra_accountant, books, rows, dry_run=False)) == []
    rounding = JournalLine.objects.get(account__code="666")
    assert (rounding.debit, rounding.budget_line) == (Decimal("0.01"), None)


# 50 VND is 0.0024 SGD: 0.00 once rounded to the cent.
VND_ROWS = [
    line("V1", "6064", None, None, currency="VND", amount_currency="50", side="debit"),
    line("V1", "401", None, None, currency="VND", amount_currency="50", side="credit"),
    line("V2", "6064", None, None, currency="VND", amount_currency="1000000", side="debit"),
    line("V2", "401", None, "48.43"),
]
RATE = "0.00004843 (chancellery of 2025-03-01)"


def test_a_foreign_amount_that_converts_to_zero_is_named_by_row(
    books: Lab, cintra_accountant: User
) -> None:
    vnd_rate()
    rows = VND_ROWS
    zero = "Row {row}: 50 VND is 0.00 SGD at 0.00004843; enter it in SGD or leave it out"

    preview = check(cintra_accountant, books, rows, dry_run=True)

    assert messages(preview) == [zero.format(row=2), zero.format(row=3)]
    shown = preview.preview()
    assert shown is not None
    assert [group.rows for group in shown.groups] == [
        [
            ["4", "6064", "Supplies", "48.43", "", "1,000,000.00 VND", RATE, ""],
            ["5", "401", "Supplies", "", "48.43", "", "", ""],
        ]
    ]
    assert messages(check(cintra_accountant, books, rows, dry_run=False)) == messages(preview)
    assert not JournalEntry.objects.exists()


# Book amounts given with their foreign amounts: rates of 0.000000001 and 100,000,000.
BANK_RATES_NOT_KEPT = [
    line("F1", "6064", "0.01", None, currency="USD", amount_currency="10000000"),
    line("F1", "401", None, "0.01"),
    line("F2", "6064", "100000000.00", None, currency="USD", amount_currency="1"),
    line("F2", "401", None, "100000000.00"),
]


def test_a_rate_the_books_cannot_keep_is_named_by_row(books: Lab, cintra_accountant: User) -> None:
    rows = BANK_RATES_NOT_KEPT

    assert messages(check(cintra_accountant, books, rows, dry_run=True)) == [
        "Row 2: 10,000,000 USD is booked at 0 SGD per USD, a rate the books cannot keep "
        "(above 0 and below 10,000,000, with 8 decimals): check the amounts",
        "Row 4: 1 USD is booked at 100000000 SGD per USD, a rate the books cannot keep "
        "(above 0 and below 10,000,000, with 8 decimals): check the amounts",
    ]


def tight_with_rounding(first: str) -> list[list[Any]]:
    """`first` SGD, then 13.55 SGD and the 0.01 rounding loss on budget line OP-TIGHT."""
    return [
        line("T1", "6063", first, None, budget_line="OP-TIGHT"),
        line("T1", "401", None, first),
        usd("T2", "6063", "10.13", "debit", budget_line="OP-TIGHT"),
        usd("T2", "6064", "25.01", "debit"),
        usd("T2", "401", "35.14", "credit"),
    ]


OVERSPENT_BY_ROUNDING = tight_with_rounding("86.45")
SPENT_IN_FULL_WITH_ROUNDING = tight_with_rounding("86.44")


def test_the_rounding_line_counts_against_a_blocking_budget_line(
    books: Lab, cintra_accountant: User
) -> None:
    loss_account_needs_a_budget_line(books)
    budget_line(books, "OP-TIGHT", "100.00", policy="block")

    assert messages(check(cintra_accountant, books, OVERSPENT_BY_ROUNDING, dry_run=True)) == [
        BUDGET_BLOCKED.format(code="OP-TIGHT", excess="0.01", currency="SGD")
    ]
    assert (
        messages(check(cintra_accountant, books, SPENT_IN_FULL_WITH_ROUNDING, dry_run=False)) == []
    )
    rounding = JournalLine.objects.select_related("budget_line").get(account__code="666")
    assert rounding.budget_line is not None
    assert (rounding.debit, rounding.budget_line.code) == (Decimal("0.01"), "OP-TIGHT")


def test_a_month_without_an_open_period_is_refused_before_posting(
    books: Lab, cintra_accountant: User
) -> None:
    Period.objects.filter(lab=books, start_date=date(2025, 12, 1)).delete()
    rows = [
        line("D1", "6064", "10.00", None, date="2025-12-03"),
        line("D1", "401", None, "10.00", date="2025-12-03"),
    ]
    expected = [
        "Row 2: 2025-12-03 read as 3 December 2025, in 2025-12, for which CINTRA has no open period"
    ]

    assert messages(check(cintra_accountant, books, rows, dry_run=True)) == expected
    assert messages(check(cintra_accountant, books, rows, dry_run=False)) == expected
    assert not JournalEntry.objects.exists()


# -- what the preview says is what the import does (item 8) -------------------------------------


@dataclass(frozen=True)
class Walked:
    """A file walked through the preview, then the import; `passes`: what the preview
    is expected to say of it (None for the corpus, whose messages test_corpus checks)."""

    name: str
    build: Callable[[], bytes]
    passes: bool | None = None
    kind: str = "journal"
    settings: dict[str, int] = field(default_factory=dict)


def journal(*rows: Sequence[Any]) -> Callable[[], bytes]:
    return lambda: csv_bytes([JOURNAL_HEADER, *rows])


BUILT = [
    Walked("clean.csv", journal(*GOOD), passes=True),
    # Its INV-USD entry's rounding on 666 finds no budget line (666 needs one here).
    Walked("multi_currency.csv", journal(*MULTI_CURRENCY_ROWS), passes=False),
    Walked("rounding_with_budget_lines.csv", journal(*ROUNDED_ENTRIES), passes=True),
    Walked(
        "rounding_without_budget_line.csv",
        journal(
            usd("N1", "6064", "10.13", "debit"),
            usd("N1", "6064", "25.01", "debit"),
            usd("N1", "401", "35.14", "credit"),
        ),
        passes=False,
    ),
    Walked(
        "rounding_unknown_budget_line.csv",
        journal(
            usd("U1", "6063", "10.13", "debit", budget_line="OP-XXX"),
            usd("U1", "6064", "25.01", "debit"),
            usd("U1", "401", "35.14", "credit"),
        ),
        passes=False,
    ),
    Walked(
        "rounding_in_opening_entry.csv",
        journal(
            usd("O1", "6064", "10.13", "debit", journal="AN"),
            usd("O1", "6064", "25.01", "debit", journal="AN"),
            usd("O1", "401", "35.14", "credit", journal="AN"),
        ),
        passes=True,
    ),
    Walked("converts_to_zero.csv", journal(*VND_ROWS), passes=False),
    Walked("vnd_converted.csv", journal(*VND_ROWS[2:]), passes=True),
    Walked("bank_rates_not_kept.csv", journal(*BANK_RATES_NOT_KEPT), passes=False),
    Walked(
        "block_line_overspent.csv",
        journal(
            line("B1", "6063", "150.00", None, budget_line="OP-TIGHT"),
            line("B1", "401", None, "150.00"),
        ),
        passes=False,
    ),
    Walked(
        "block_line_spent_in_full.csv",
        journal(
            line("B1", "6063", "60.00", None, budget_line="OP-TIGHT"),
            line("B1", "401", None, "60.00"),
            line("B2", "6063", "40.00", None, budget_line="OP-TIGHT"),
            line("B2", "401", None, "40.00"),
        ),
        passes=True,
    ),
    Walked("block_line_overspent_by_rounding.csv", journal(*OVERSPENT_BY_ROUNDING), passes=False),
    Walked(
        "block_line_spent_in_full_with_rounding.csv",
        journal(*SPENT_IN_FULL_WITH_ROUNDING),
        passes=True,
    ),
    Walked(
        "block_line_and_other_problems.csv",
        journal(
            line("B1", "6063", "150.00", None, budget_line="OP-TIGHT"),
            line("B1", "401", None, "150.00"),
            line("B2", "6064", "20.00", None, date="2025-02-10"),
            line("B2", "401", None, "10.00", date="2025-02-10"),
        ),
        passes=False,
    ),
    Walked(
        "warn_line_overspent.csv",
        journal(
            line("W1", "6063", "60000.00", None, budget_line="OP-SUP"),
            line("W1", "401", None, "60000.00"),
        ),
        passes=True,
    ),
    Walked("ten_entries_six_mistakes.csv", journal(*TEN_ENTRIES), passes=False),
    Walked(
        "budget_line_of_opening_entry.csv",
        journal(
            line("A1", "6063", "50.00", None, journal="AN", date="2025-01-01"),
            line("A1", "101", None, "50.00", journal="AN", date="2025-01-01"),
        ),
        passes=True,
    ),
]
CORPUS = [Walked(case.name, case.build, None, case.kind, case.settings) for case in CASES]


@pytest.fixture(scope="module")
def walk_books_once(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker
) -> Iterator[ModuleBooks]:
    """The corpus's books (February closed), with 666 needing a budget line, a 'block'
    budget line of 100.00 and a VND rate; written once for the walk's ~190 tests, the
    module's last that use the database (tests/imports/conftest.py's books_for_a_module)."""
    with books_for_a_module(django_db_blocker) as books:
        loss_account_needs_a_budget_line(books.lab)
        budget_line(books.lab, "OP-TIGHT", "100.00", policy="block")
        vnd_rate()
        yield books


@pytest.mark.parametrize("post", [True, False], ids=["posted", "drafts"])
@pytest.mark.parametrize("walked", [*BUILT, *CORPUS], ids=lambda walked: walked.name)
def test_no_file_passes_the_preview_and_fails_the_import(
    walked: Walked, post: bool, walk_books_once: ModuleBooks, db: None, settings: Any
) -> None:
    walk_books = walk_books_once.lab
    cintra_accountant, accountant = walk_books_once.cintra_accountant, walk_books_once.accountant
    for name, value in walked.settings.items():
        setattr(settings, name, value)
    data = walked.build()
    # Exchange rates are office-wide data: an office-wide accountant imports them.
    user = accountant if walked.kind == "rates" else cintra_accountant

    def run(dry_run: bool) -> ImportOutcome:
        return import_file(
            acting_user=user,
            lab=walk_books,
            kind=walked.kind,
            file_name=walked.name,
            data=data,
            post=post,
            dry_run=dry_run,
        )

    preview = run(dry_run=True)
    if walked.passes is not None and post:
        assert preview.ok is walked.passes, messages(preview)
    imported = run(dry_run=False)

    assert messages(imported) == messages(preview)
    assert imported.notes == preview.notes
    assert (imported.batch is not None) is preview.ok
    if preview.ok and walked.kind == "journal":
        assert imported.batch is not None and imported.batch.created == len(
            preview.plan.drafts  # type: ignore[union-attr]
        )
        statuses = set(JournalEntry.objects.values_list("status", flat=True))
        assert statuses == {"posted" if post else "draft"}
        assert ledger_verify(lab=walk_books).ok


def test_the_walk_covers_the_corpus_and_files_that_pass(tmp_path: Path) -> None:
    assert len(write_corpus(tmp_path)) == len(CASES) >= 40
    assert sum(walked.passes is True for walked in BUILT) >= 7
    assert sum(walked.passes is False for walked in BUILT) >= 7
