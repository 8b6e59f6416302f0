"""A deactivated third party stays on the lines and statements that name it, but no new
line may name it: not the entry form's service, not the journal import (a problem naming
the row and the column); reversing an entry that names it, and closing the year that
carries its balance, still work (they carry over what the lines had)."""

from datetime import date
from decimal import Decimal

import pytest

from ledger import services
from ledger.exceptions import ThirdPartyError
from ledger.models import FiscalYear, JournalEntry, JournalLine
from ledger.services.imports import import_file
from ledger.services.years import fiscal_year_close
from parties.services import third_party_deactivate, third_party_reactivate
from tests.books import close_months
from tests.imports.sheets import JOURNAL_HEADER, csv_bytes, line
from tests.parties.third_parties import invoice

pytestmark = pytest.mark.django_db


def test_a_new_line_cannot_name_a_deactivated_third_party(accountant, cintra, supplier):
    posted = invoice(accountant, cintra, supplier, "400.00")
    third_party_deactivate(acting_user=accountant, third_party=supplier)
    drafts = JournalEntry.objects.count()
    with pytest.raises(ThirdPartyError) as refused:
        invoice(accountant, cintra, supplier, "50.00", post=False, ref="HO-LATE")
    assert str(refused.value) == (
        "Third party HARBOUR-OPTICS is deactivated: new lines cannot name it. Reactivate it "
        "on the Third parties page, or name another third party"
    )
    assert JournalEntry.objects.count() == drafts  # nothing written
    # What is booked stays: the reversal carries the third party over.
    reversal = services.entry_reverse(
        acting_user=accountant, entry=posted, date=date(2025, 3, 20), reason="wrong supplier"
    )
    assert JournalLine.objects.filter(entry=reversal, third_party=supplier).count() == 1
    third_party_reactivate(acting_user=accountant, third_party=supplier)
    assert invoice(accountant, cintra, supplier, "50.00", post=False, ref="HO-LATE").pk


def test_the_import_names_the_row_and_column_of_a_deactivated_third_party(
    accountant, cintra, supplier
):
    third_party_deactivate(acting_user=accountant, third_party=supplier)
    rows = [
        JOURNAL_HEADER,
        line("E1", "6064", "10.00", None),
        line("E1", "401", None, "10.00", third_party=supplier.code),
    ]
    outcome = import_file(
        acting_user=accountant,
        lab=cintra,
        kind="journal",
        file_name="late.csv",
        data=csv_bytes(rows),
        dry_run=True,
    )
    problems = [(p.row, p.column, p.message) for p in outcome.problems]
    assert problems == [
        (
            3,
            "third_party",
            "Row 3: third party HARBOUR-OPTICS is deactivated (column third_party): reactivate "
            "it on the Third parties page, or name another third party",
        )
    ]


def test_the_year_closes_with_the_balance_of_a_deactivated_third_party(
    accountant, cintra, supplier
):
    invoice(accountant, cintra, supplier, "300.00", on=date(2025, 12, 10))
    third_party_deactivate(acting_user=accountant, third_party=supplier)
    services.fiscal_year_open(acting_user=accountant, lab=cintra, year=2026)
    close_months(cintra, *range(1, 13), user=accountant)
    fiscal_year_close(
        acting_user=accountant, fiscal_year=FiscalYear.objects.get(lab=cintra, year=2025)
    )
    carried = JournalLine.objects.get(third_party=supplier, entry__year_end="opening")
    assert carried.credit == Decimal("300.00")
