from decimal import Decimal

from ledger import services
from ledger.selectors import ledger_verify, trial_balance
from tests.books import draft, posted


def test_purchase_is_posted_numbered_and_chained(accountant, cintra):
    first = posted(accountant, cintra, "1200.00")
    second = posted(accountant, cintra, "35.10", piece_ref="INV-2")
    assert (first.number, second.number) == ("ACH-2025-000001", "ACH-2025-000002")
    assert second.prev_hash == first.hash
    assert ledger_verify(lab=cintra).ok
    rows = {
        r.account_code: r
        for r in trial_balance(
            lab=cintra, date_from=first.fiscal_year.start_date, date_to=first.fiscal_year.end_date
        )
    }
    assert rows["6064"].debit == Decimal("1235.10")
    assert rows["401"].credit == Decimal("1235.10")


def test_reversal_points_both_ways(accountant, cintra):
    entry = posted(accountant, cintra)
    from datetime import date

    reversal = services.entry_reverse(acting_user=accountant, entry=entry, date=date(2025, 4, 2))
    entry.refresh_from_db()
    assert reversal.reversal_of == entry and entry.reversed_by == reversal
    assert ledger_verify(lab=cintra).ok


def test_draft_has_no_number(accountant, cintra):
    entry = draft(accountant, cintra, [("6064", "10", "0"), ("401", "0", "10")])
    assert entry.number is None and entry.hash == ""
