"""Chart of accounts, exchange rates and budget lines from spreadsheets, through the
setup services; and a failure half-way through a journal import writes nothing."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import tablib
from django.contrib.auth.models import User

from irls.models import Lab
from ledger.imports.problems import RATE_CORRECTED, RATE_UNCHANGED
from ledger.imports.resources import AccountResource, JournalResource, RateResource
from ledger.models import (
    Account,
    AuditEvent,
    BudgetLine,
    ExchangeRate,
    ImportBatch,
    JournalEntry,
    JournalLine,
    LedgerSequence,
    Period,
)
from ledger.selectors import book_rate
from ledger.services import entries_bulk, period_close
from ledger.services.imports import import_file
from tests.books import close_months
from tests.imports.sheets import JOURNAL_HEADER, csv_bytes, line, xlsx


def run(user: User | None, lab: Lab, kind: str, name: str, data: bytes, **kw: Any) -> Any:
    return import_file(acting_user=user, lab=lab, kind=kind, file_name=name, data=data, **kw)


def test_rates_are_set_and_corrections_are_noted(books: Lab, accountant: User) -> None:
    """Rates are the office's: imported by an office-wide accountant (an accountant of
    CINTRA only is refused: tests/security/test_office_walls.py)."""
    data = csv_bytes(
        [
            ["Devise", "Date", "Taux", "Source"],
            ["USD", "01/03/2025", "1,0860", "chancellerie"],  # the stored March rate
            ["USD", "01/04/2025", "1,0900", ""],  # corrects 1.0880
            ["JPY", "01/03/2025", "161,25", "bce"],
        ],
        delimiter=";",
    )
    outcome = run(accountant, books, "rates", "taux.csv", data)

    assert outcome.ok
    assert outcome.notes == [
        "Read as CSV: separator 'semicolon', encoding UTF-8, column names on row 1",
        "Dates such as '01/03/2025' (row 2) are read day first, DD/MM/YYYY: 01/03/2025 is "
        "1 March 2025",
        RATE_UNCHANGED.format(
            row=2, currency="USD", source="chancellery", date=date(2025, 3, 1), value="1.0860"
        ),
        RATE_CORRECTED.format(
            row=3,
            currency="USD",
            source="chancellery",
            date=date(2025, 4, 1),
            old="1.088",
            new="1.0900",
        ),
    ]
    assert outcome.batch.created == 2
    assert ExchangeRate.objects.get(currency="JPY").source == "ecb"
    assert ExchangeRate.objects.get(
        currency="USD", valid_from=date(2025, 4, 1), source="chancellery"
    ).units_per_eur == Decimal("1.09")


def test_budget_lines_are_opened(books: Lab, cintra_accountant: User) -> None:
    data = xlsx(
        [
            [
                "code",
                "Exercice",
                "Origine de crédit",
                "Libellé",
                "Libellé anglais",
                "Enveloppe",
                "nature",
                "Dotation",
                "Date de notification",
                "Politique",
            ],
            [
                "INV-EQ",
                2025,
                "CNRS-DOT",
                "Équipement",
                "Equipment",
                "investissement",
                "equipment",
                30000,
                date(2025, 2, 1),
                "bloquer",
            ],
            [
                "FCT-MIS",
                2025,
                "CNRS-DOT",
                "Missions",
                "Missions",
                "Fonctionnement",
                "Missions",
                "12 500,50",
                "15/01/2025",
                "",
            ],
        ]
    )
    outcome = run(cintra_accountant, books, "budget", "budget.xlsx", data)

    assert outcome.ok, outcome.problems
    equipment = BudgetLine.objects.get(code="INV-EQ")
    assert (equipment.envelope, equipment.policy, equipment.allocated) == (
        "equipment",
        "block",
        Decimal("30000.00"),
    )
    missions = BudgetLine.objects.get(code="FCT-MIS")
    assert (missions.envelope, missions.nature, missions.allocated) == (
        "operating",
        "missions",
        Decimal("12500.50"),
    )
    assert dict(outcome.preview().summary)["Total allocated"] == "42,500.50 SGD"


def test_book_rates_answer_as_book_rate(books: Lab) -> None:
    from ledger.selectors import BookRates

    rates = BookRates(book_currency="SGD")
    for currency in ("USD", "EUR", "SGD"):
        for on in (date(2025, 1, 1), date(2025, 3, 31), date(2025, 12, 31)):
            assert rates.rate(currency, on) == book_rate(
                book_currency="SGD", currency=currency, on=on
            )


def test_a_failure_half_way_writes_nothing(
    books: Lab, cintra_accountant: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process fails after some entries were posted (the progress report after the
    second block of entries raises): nothing of the import remains."""
    monkeypatch.setattr(entries_bulk, "WRITE_BATCH", 2)
    posted_blocks = []

    def fail_on_second_block(phase: str, done: int, total: int) -> None:
        if phase == "post":
            posted_blocks.append(done)
            assert JournalEntry.objects.filter(status="posted").count() == done
            if done == 4:
                raise RuntimeError("the machine fell over")

    rows = []
    for n in range(6):
        rows += [line(f"E{n}", "6064", "1.00", None), line(f"E{n}", "401", None, "1.00")]
    audit_before = AuditEvent.objects.count()

    with pytest.raises(RuntimeError):
        run(
            cintra_accountant,
            books,
            "journal",
            "j.csv",
            csv_bytes([JOURNAL_HEADER, *rows]),
            post=True,
            progress=fail_on_second_block,
        )

    assert posted_blocks == [0, 2, 4]
    assert not JournalEntry.objects.exists() and not JournalLine.objects.exists()
    assert not ImportBatch.objects.exists()
    assert AuditEvent.objects.count() == audit_before
    assert not LedgerSequence.objects.filter(last_seq__gt=0).exists()


def test_a_month_closed_after_the_check_refuses_the_import_and_writes_nothing(
    books: Lab, cintra_accountant: User, office_head: User
) -> None:
    """The month is closed between the check of the file and its writing: the posting
    refuses it, the import reports why, and nothing but the refused batch is written."""

    close_months(books, 1, 2, user=office_head)  # months close in order: March comes next

    def close_march_once_read(phase: str, done: int, total: int) -> None:
        if phase == "rows" and done == total:
            march = Period.objects.get(fiscal_year__lab=books, start_date=date(2025, 3, 1))
            period_close(acting_user=office_head, period=march)

    rows = [line("E1", "6064", "1.00", None), line("E1", "401", None, "1.00")]
    outcome = run(
        cintra_accountant,
        books,
        "journal",
        "j.csv",
        csv_bytes([JOURNAL_HEADER, *rows]),
        post=True,
        progress=close_march_once_read,
    )
    assert [p.message for p in outcome.problems] == [
        "Nothing was imported: Entry ACH entry E1 of 2025-03-14: the period 2025-03 of CINTRA"
        " is closed"
    ]
    assert not JournalEntry.objects.exists()
    assert ImportBatch.objects.get().result == "refused"


def test_resources_import_through_the_service_and_export_the_same_columns(
    books: Lab, majulab: Lab, accountant: User
) -> None:
    chart = AccountResource(lab=books).export()
    assert chart.headers == ["code", "name_fr", "name_en", "needs_budget_line"]
    assert ["6063", "Petit équipement", "Small equipment", "yes"] in [list(r) for r in chart]

    new_lab_chart = tablib.Dataset(headers=chart.headers)
    for row in chart:
        if row[0] not in set(Account.objects.filter(lab=majulab).values_list("code", flat=True)):
            new_lab_chart.append(row)
    resource = AccountResource(lab=majulab, acting_user=accountant)
    checked = resource.import_data(new_lab_chart, dry_run=True)
    assert not checked.has_errors() and not checked.has_validation_errors()
    assert not Account.objects.filter(lab=majulab, code="766").exists()
    result = resource.import_data(new_lab_chart)
    assert result.totals["new"] == 1
    assert Account.objects.filter(lab=majulab, code="766").exists()

    bad = tablib.Dataset(headers=["currency", "valid_from", "units_per_eur"])
    bad.append(["usd!", "2025-05-01", "1.1"])
    refused = RateResource(lab=books, acting_user=accountant).import_data(bad)
    assert refused.has_validation_errors()
    assert refused.invalid_rows[0].error_dict == {
        "currency": ["Row 2, column currency: 'USD!' is not a currency code (such as EUR or USD)"]
    }


def test_an_exported_journal_is_imported_into_another_lab(
    books: Lab, majulab: Lab, accountant: User
) -> None:
    from ledger import services

    rows = [line("E1", "6064", "10.00", None), line("E1", "401", None, "10.00")]
    assert run(
        accountant, books, "journal", "j.csv", csv_bytes([JOURNAL_HEADER, *rows]), post=True
    ).ok
    exported = JournalResource(lab=books).export()
    assert exported.headers == JOURNAL_HEADER
    assert exported[0][:7] == (
        "ACH-2025-000001",
        "2025-03-14",
        "ACH",
        "6064",
        "Supplies",
        "10.00",
        "",
    )
    services.account_create(acting_user=None, lab=majulab, code="766", name_fr="G", name_en="G")
    result = JournalResource(lab=majulab, acting_user=accountant, post=True).import_data(exported)
    assert not result.has_validation_errors() and not result.base_errors
    assert JournalEntry.objects.get(lab=majulab).source_key == "ACH-2025-000001"
