"""Totals are exact to the cent on SQLite and PostgreSQL (ARCHITECTURE.md, Money)."""

import math
from datetime import date
from decimal import Decimal

from django.db.models import Sum

from ledger import services
from ledger.models import JournalLine
from ledger.selectors import lab_totals, trial_balance
from tests.books import draft

# Amounts chosen to break floating-point sums: ten dimes do not make a dollar in binary,
# and above 2**53 / 100 a double cannot hold the cents at all.
DIMES = ["0.10"] * 10
HUGE = "90071992547409.93"


def test_amounts_chosen_here_do_break_float_sums():
    assert math.fsum([0.1] * 10) == 1.0 and sum([0.1] * 10) != 1.0
    assert f"{float(HUGE):.2f}" == "90071992547409.94"  # a double cannot hold .93


def test_trial_balance_is_exact_to_the_cent(accountant, cintra):
    lines = [("6064", dime, "0") for dime in DIMES] + [("6064", HUGE, "0")]
    lines.append(("401", "0", "90071992547410.93"))
    entry = draft(accountant, cintra, lines)
    services.entry_post(acting_user=accountant, entry=entry)

    rows = {
        r.account_code: r
        for r in trial_balance(lab=cintra, date_from=date(2025, 1, 1), date_to=date(2025, 12, 31))
    }
    assert rows["6064"].debit == Decimal("90071992547410.93")
    assert rows["401"].credit == Decimal("90071992547410.93")
    assert rows["6064"].closing + rows["401"].closing == Decimal("0.00")
    assert lab_totals(lab=cintra) == (Decimal("90071992547410.93"),) * 2
    dimes = JournalLine.objects.filter(debit=Decimal("0.10")).aggregate(total=Sum("debit"))
    assert dimes["total"] == Decimal("1.00")
