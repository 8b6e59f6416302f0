"""Issue 11: the journal import's preview asks the posting rulebook its questions, so a
closed fiscal year and typed-in opening balances are named by row before anything is
written, in the words of the preview; a file the preview accepts posts."""

from datetime import date
from decimal import Decimal

import pytest

from ledger import services
from ledger.models import FiscalYear, JournalEntry, Period
from ledger.services.imports import import_file
from ledger.services.years import fiscal_year_close
from tests.imports.sheets import JOURNAL_HEADER, csv_bytes, line


def _close_2025(user, lab) -> None:
    entry = services.entry_create_draft(
        acting_user=user,
        lab=lab,
        journal=lab.journals.get(code="BQS"),
        date=date(2025, 2, 10),
        label="Grant",
        lines=[
            services.LineInput(account=lab.accounts.get(code="512"), debit=Decimal("500")),
            services.LineInput(account=lab.accounts.get(code="741"), credit=Decimal("500")),
        ],
    )
    services.entry_post(acting_user=user, entry=entry)
    for period in Period.objects.filter(lab=lab, fiscal_year__year=2025).order_by("month"):
        services.period_close(acting_user=None, period=period)
    fiscal_year_close(acting_user=user, fiscal_year=FiscalYear.objects.get(lab=lab, year=2025))


def _import(user, lab, rows, dry_run):
    return import_file(
        acting_user=user,
        lab=lab,
        kind="journal",
        file_name="entries.csv",
        data=csv_bytes([JOURNAL_HEADER, *rows]),
        post=True,
        dry_run=dry_run,
    )


def test_rows_in_a_closed_year_or_typed_opening_balances_are_named_by_row(accountant, cintra):
    _close_2025(accountant, cintra)
    rows = [
        line("E1", "6064", "10.00", None, date="2025-12-31"),  # the closed year
        line("E1", "401", None, "10.00", date="2025-12-31"),
        line("E2", "512", "5.00", None, date="2026-01-01", journal="AN"),  # typed openings
        line("E2", "101", None, "5.00", date="2026-01-01", journal="AN"),
        line("E3", "6064", "7.00", None, date="2026-01-15"),  # fine
        line("E3", "401", None, "7.00", date="2026-01-15"),
    ]
    entries_before = JournalEntry.objects.count()
    outcome = _import(accountant, cintra, rows, dry_run=True)
    assert [p.message for p in outcome.problems] == [
        "Row 2: 2025-12-31 read as 31 December 2025, in the fiscal year 2025 which is closed; "
        "correct it in the open year",
        "Row 4: journal AN holds the opening balances of 2026, which come from closing 2025; "
        "they are not imported",
    ]
    outcome = _import(accountant, cintra, rows, dry_run=False)
    assert outcome.problems and JournalEntry.objects.count() == entries_before
    # Without them, what the preview accepts is posted.
    outcome = _import(accountant, cintra, rows[4:], dry_run=False)
    assert not outcome.problems
    posted = JournalEntry.objects.get(source_key="E3")
    assert (posted.status, posted.number) == ("posted", "ACH-2026-000001")


@pytest.mark.parametrize("today", [date(2026, 12, 3), date(2027, 1, 15)])
def test_the_template_of_the_day_imports_into_the_demo_of_the_day(db, today):
    """The template the import page hands out on `today` dates its example the last day
    of the month before, which the demo loaded that day still takes: it posts as it comes."""
    from django.contrib.auth.models import User

    from irls.models import Lab
    from ledger.demo import demo_load
    from ledger.imports.templates import example_day, template_workbook

    demo_load(today=today)
    lab = Lab.objects.get(code="CINTRA")
    user = User.objects.get(username="accountant")
    outcome = import_file(
        acting_user=user,
        lab=lab,
        kind="journal",
        file_name="irl-ledger-journal-template.xlsx",
        data=template_workbook("journal", on=example_day(today)),
        post=True,
        dry_run=False,
    )
    assert not outcome.problems, [p.message for p in outcome.problems]
    entry = JournalEntry.objects.get(lab=lab, import_batch=outcome.batch)
    assert (entry.status, entry.date) == ("posted", example_day(today))
    assert entry.fiscal_year.year == example_day(today).year
