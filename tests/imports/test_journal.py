"""Journal imports: a clean multi-currency file round-trips into the balances an
accountant computes by hand; drafts or posted entries; provenance of every line."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from irls.models import Lab
from ledger.imports.problems import BUDGET_BLOCKED, ROUNDING_NOTE
from ledger.models import ImportBatch, JournalEntry, JournalLine
from ledger.selectors import ledger_verify, trial_balance
from ledger.services.imports import import_file
from tests.books import budget_line
from tests.imports.sheets import JOURNAL_HEADER, csv_bytes, line, xlsx

# March 2025 chancellery rates of tests/imports/conftest.py: 1 EUR = 1.4530 SGD = 1.0860 USD.
EUR_SGD = Decimal("1.4530")
USD_SGD = Decimal("1.33793738")  # 1.4530 / 1.0860, to 8 places

ROWS = [
    # Listed out of date order on purpose: numbers follow the dates, not the rows.
    line("PAY-1", "401", "363.25", None, date="2025-04-02", journal="BQS", label="Pay Fisher"),
    line(
        "PAY-1",
        "512",
        None,
        "360.00",
        date="2025-04-02",
        journal="BQS",
        label="Pay Fisher",
        currency="EUR",
        amount_currency="250.00",
    ),
    line("PAY-1", "766", None, "3.25", date="2025-04-02", journal="BQS", label="FX gain"),
    line(
        "INV-EUR",
        "6063",
        None,
        None,
        date="2025-03-20",
        label="Microscope parts",
        currency="EUR",
        amount_currency="250.00",
        side="debit",
        budget_line="OP-SUP",
    ),
    line(
        "INV-EUR",
        "401",
        None,
        None,
        date="2025-03-20",
        label="Fisher",
        currency="EUR",
        amount_currency="250",
        side="C",
    ),
    line("INV-SGD", "6064", "100.00", None, label="Gloves"),
    line("INV-SGD", "401", None, "100.00", label="Lab supplier"),
    line("OPEN", "512", "10000.00", None, date="2025-01-01", journal="AN", label="Opening"),
    line("OPEN", "101", None, "10000.00", date="2025-01-01", journal="AN", label="Opening"),
    *[
        line(
            "INV-USD",
            "6064",
            None,
            None,
            date="2025-03-21",
            label=f"Reagent {n}",
            currency="USD",
            amount_currency="10.01",
            side="debit",
        )
        for n in (1, 2, 3)
    ],
    line(
        "INV-USD",
        "401",
        None,
        None,
        date="2025-03-21",
        label="US supplier",
        currency="USD",
        amount_currency="30.03",
        side="credit",
    ),
]


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def hand_balances() -> dict[str, tuple[Decimal, Decimal]]:
    """The balances computed as an accountant would, line by line."""
    eur_250 = cents(Decimal("250.00") * EUR_SGD)  # 363.25
    usd_10_01 = cents(Decimal("10.01") * USD_SGD)  # 13.39
    usd_30_03 = cents(Decimal("30.03") * USD_SGD)  # 40.18
    rounding = usd_30_03 - 3 * usd_10_01  # 0.01 more credit than debit: a loss
    assert (eur_250, usd_10_01, usd_30_03, rounding) == (
        Decimal("363.25"),
        Decimal("13.39"),
        Decimal("40.18"),
        Decimal("0.01"),
    )
    zero = Decimal("0.00")
    return {
        "101": (zero, Decimal("10000.00")),
        "401": (Decimal("363.25"), Decimal("100.00") + eur_250 + usd_30_03),
        "512": (Decimal("10000.00"), Decimal("360.00")),
        "6063": (eur_250, zero),
        "6064": (Decimal("100.00") + 3 * usd_10_01, zero),
        "666": (rounding, zero),
        "766": (zero, Decimal("3.25")),
    }


def imported(user: User, lab: Lab, data: bytes, name: str, post: bool = True) -> ImportBatch:
    outcome = import_file(
        acting_user=user, lab=lab, kind="journal", file_name=name, data=data, post=post
    )
    assert [p.message for p in outcome.problems] == []
    assert outcome.batch is not None
    return outcome.batch


def test_multi_currency_file_round_trips_into_the_hand_computed_balances(
    books: Lab, cintra_accountant: User
) -> None:
    preview = import_file(
        acting_user=cintra_accountant,
        lab=books,
        kind="journal",
        file_name="march.xlsx",
        data=xlsx([JOURNAL_HEADER, *ROWS]),
        post=True,
        dry_run=True,
    )
    assert preview.ok
    assert preview.notes == [
        "Read sheet 'Journal' of the workbook, column names on row 1",
        ROUNDING_NOTE.format(
            key="INV-USD",
            rows="rows 11-14",
            amount="0.01",
            currency="SGD",
            code="666",
            what="loss",
        ),
    ]
    summary = dict(preview.preview().summary)  # type: ignore[union-attr]
    assert summary == {
        "Entries": "5",
        "Lines": "14",
        "Total debit": "10,866.68 SGD",
        "Total credit": "10,866.68 SGD",
    }
    assert not JournalEntry.objects.exists()

    batch = imported(cintra_accountant, books, xlsx([JOURNAL_HEADER, *ROWS]), "march.xlsx")

    rows = trial_balance(lab=books, date_from=date(2025, 1, 1), date_to=date(2025, 12, 31))
    assert {r.account_code: (r.debit, r.credit) for r in rows} == hand_balances()
    assert batch.rows == 13 and batch.created == 5 and batch.posted
    numbers = dict(JournalEntry.objects.values_list("source_key", "number"))
    assert numbers == {
        "OPEN": "AN-2025-000001",
        "INV-SGD": "ACH-2025-000001",
        "INV-EUR": "ACH-2025-000002",
        "INV-USD": "ACH-2025-000003",
        "PAY-1": "BQS-2025-000001",
    }
    assert ledger_verify(lab=books).ok


def test_every_line_keeps_its_batch_row_and_rate(books: Lab, cintra_accountant: User) -> None:
    batch = imported(cintra_accountant, books, xlsx([JOURNAL_HEADER, *ROWS]), "march.xlsx")

    lines = JournalLine.objects.select_related("entry", "account")
    assert {ln.entry.import_batch_id for ln in lines} == {batch.pk}
    by_row = {ln.source_row: ln for ln in lines if ln.source_row}
    assert sorted(by_row) == list(range(2, 15))
    converted = by_row[5]  # INV-EUR, 6063 debit
    assert (converted.debit, converted.fx_rate, converted.fx_rate_date) == (
        Decimal("363.25"),
        EUR_SGD,
        date(2025, 3, 1),
    )
    assert converted.fx_rate_source == "chancellery"
    assert str(converted.amount_currency) in ("€250.00", "250.00 EUR", "EUR 250.00")
    assert converted.budget_line is not None and converted.budget_line.code == "OP-SUP"
    bank = by_row[3]  # PAY-1, 512: book amount given, so the bank's rate is kept
    assert (bank.fx_rate, bank.fx_rate_date, bank.fx_rate_source) == (
        Decimal("1.44"),
        date(2025, 4, 2),
        "bank",
    )
    rounding = lines.get(source_row=None)
    assert (rounding.account.code, rounding.debit, rounding.label) == (
        "666",
        Decimal("0.01"),
        "Conversion rounding",
    )
    assert rounding.entry.source_key == "INV-USD"


def test_french_csv_gives_the_same_entries_as_the_workbook(
    books: Lab, majulab: Lab, cintra_accountant: User, accountant: User
) -> None:
    french = [
        "Écriture",
        "Date",
        "Journal",
        "Compte",
        "Libellé",
        "Débit",
        "Crédit",
        "Devise",
        "Montant devise",
        "Sens",
        "Ligne budgétaire",
        "Réf. pièce",
        "Date pièce",
        "Tiers",
    ]

    def french_row(row: list[object]) -> list[object]:
        out = list(row)
        out[1] = date.fromisoformat(str(out[1])).strftime("%d/%m/%Y")
        for index in (5, 6, 8):
            if out[index]:
                out[index] = str(out[index]).replace(".", ",")
        return out

    data = csv_bytes([french, *(french_row(r) for r in ROWS)], delimiter=";", bom=True)
    imported(cintra_accountant, books, data, "mars.csv")

    rows = trial_balance(lab=books, date_from=date(2025, 1, 1), date_to=date(2025, 12, 31))
    assert {r.account_code: (r.debit, r.credit) for r in rows} == hand_balances()


def test_drafts_are_imported_without_numbers(books: Lab, cintra_accountant: User) -> None:
    imported(cintra_accountant, books, xlsx([JOURNAL_HEADER, *ROWS]), "march.xlsx", post=False)

    entries = JournalEntry.objects.all()
    assert entries.count() == 5
    assert set(entries.values_list("status", flat=True)) == {"draft"}
    assert set(entries.values_list("number", flat=True)) == {None}
    assert not JournalLine.objects.filter(entry_date__isnull=False).exists()


def test_amounts_in_thousands_and_decimal_commas(books: Lab, cintra_accountant: User) -> None:
    rows = [
        line("T1", "6064", "1 234,50", None),
        line("T1", "6064", "1.000,25", None),
        line("T1", "401", None, "2.234,75"),
    ]
    imported(cintra_accountant, books, csv_bytes([JOURNAL_HEADER, *rows]), "t.csv")
    assert sorted(JournalLine.objects.values_list("debit", "credit")) == [
        (Decimal("0.00"), Decimal("2234.75")),
        (Decimal("1000.25"), Decimal("0.00")),
        (Decimal("1234.50"), Decimal("0.00")),
    ]


def test_an_amount_written_against_the_files_decimal_mark_is_a_problem(
    books: Lab, cintra_accountant: User
) -> None:
    rows = [
        line("T1", "6064", "1 234,50", None),
        line("T1", "6064", "1.000,25", None),
        line("T1", "401", None, "2,234.75"),
    ]
    outcome = import_file(
        acting_user=cintra_accountant,
        lab=books,
        kind="journal",
        file_name="t.csv",
        data=csv_bytes([JOURNAL_HEADER, *rows]),
    )
    assert [p.message for p in outcome.problems] == [
        "Row 4, column credit: '2,234.75' is written with a decimal point, but the file's "
        "amounts have a decimal comma ('1 234,50', row 2): write it like the others"
    ]
    assert not JournalEntry.objects.exists()


def test_overspending_a_blocking_budget_line_is_a_problem_before_posting(
    books: Lab, cintra_accountant: User
) -> None:
    budget_line(books, "OP-TIGHT", "100.00", policy="block")
    rows = [
        line("B1", "6063", "150.00", None, budget_line="OP-TIGHT"),
        line("B1", "401", None, "150.00"),
    ]
    outcome = import_file(
        acting_user=cintra_accountant,
        lab=books,
        kind="journal",
        file_name="b.csv",
        data=csv_bytes([JOURNAL_HEADER, *rows]),
        post=True,
    )
    assert [p.message for p in outcome.problems] == [
        BUDGET_BLOCKED.format(code="OP-TIGHT", excess="50.00", currency="SGD")
    ]
    assert not JournalEntry.objects.exists()


def test_opening_entries_need_no_budget_line(books: Lab, cintra_accountant: User) -> None:
    rows = [
        line("O1", "6063", "50.00", None, journal="AN", date="2025-01-01"),
        line("O1", "101", None, "50.00", journal="AN", date="2025-01-01"),
    ]
    imported(cintra_accountant, books, csv_bytes([JOURNAL_HEADER, *rows]), "o.csv")
    assert JournalEntry.objects.get().number == "AN-2025-000001"


def test_continuation_rows_may_leave_date_and_journal_empty(
    books: Lab, cintra_accountant: User
) -> None:
    rows = [line("C1", "6064", "10.00", None), line("C1", "401", None, "10.00")]
    for name in ("date", "journal", "piece_ref"):
        rows[1][JOURNAL_HEADER.index(name)] = ""
    imported(cintra_accountant, books, csv_bytes([JOURNAL_HEADER, *rows]), "c.csv")
    entry = JournalEntry.objects.get()
    assert (entry.journal.code, entry.date, entry.piece_ref) == ("ACH", date(2025, 3, 14), "INV-C1")


def test_only_writers_of_the_lab_import(books: Lab, director_cintra: User) -> None:
    from ledger.exceptions import NotPermittedError

    with pytest.raises(NotPermittedError):
        import_file(
            acting_user=director_cintra,
            lab=books,
            kind="journal",
            file_name="x.csv",
            data=csv_bytes([JOURNAL_HEADER, *ROWS]),
            dry_run=True,
        )


def test_every_problem_is_reported_at_once_and_good_entries_are_previewed(
    books: Lab, cintra_accountant: User
) -> None:
    rows = [
        line("G1", "6064", "10.00", None),
        line("G1", "401", None, "10.00"),
        line("R1", "6064", "abc", None),
        line("R1", "401", None, "10.00"),
        line("U1", "6064", "1200.00", None),
        line("U1", "401", None, "1150.00"),
    ]
    outcome = import_file(
        acting_user=cintra_accountant,
        lab=books,
        kind="journal",
        file_name="mixed.csv",
        data=csv_bytes([JOURNAL_HEADER, *rows]),
        dry_run=True,
    )
    assert [p.message for p in outcome.problems] == [
        "Row 4, column debit: 'abc' is not an amount",
        "Entry U1 (rows 6-7) does not balance: debit 1,200.00, credit 1,150.00",
    ]
    preview = outcome.preview()
    assert preview is not None
    assert [group.title for group in preview.groups] == ["G1 (rows 2-3): ACH 2025-03-14 Supplies"]


def test_statistics_are_refreshed_inside_the_transaction_on_large_imports(
    books: Lab, cintra_accountant: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ledger.services import entries_bulk

    monkeypatch.setattr(entries_bulk, "ANALYZE_FROM", 1)  # PostgreSQL: ANALYZE mid-import
    imported(cintra_accountant, books, xlsx([JOURNAL_HEADER, *ROWS]), "march.xlsx")
    rows = trial_balance(lab=books, date_from=date(2025, 1, 1), date_to=date(2025, 12, 31))
    assert {r.account_code: (r.debit, r.credit) for r in rows} == hand_balances()
