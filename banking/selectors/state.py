"""What "reconciled" means for a bank account's month, written once: the month's page,
the account list and page, the Closing page and the reconciliation statement all ask
`month_state`.

A month is reconciled when every bank line dated on or before its end is matched (or
booked from the page, which matches it) and the adjusted balances agree at its end.
Book lines not yet on the bank's statement (a cheque not cleared) are normal outstanding
items: they are listed, and leave the month reconciled.
"""

from decimal import Decimal

RECONCILED, UNMATCHED, DIFFERENCE, NO_STATEMENT, BEFORE_START = (
    "reconciled",
    "unmatched",
    "difference",
    "no_statement",
    "before_start",
)


def month_state(
    *, before_start: bool, open_bank_lines: int, covered: bool, difference: Decimal
) -> str:
    """The state of a month at its end.

    before_start: the month ends on or before the bank account's starting date;
    open_bank_lines: bank lines dated on or before the month's end not matched yet;
    covered: a statement of the bank covers the month (its period, or a line of it);
    difference: adjusted book balance - adjusted bank balance at the month's end.
    """
    if before_start:
        return BEFORE_START
    if open_bank_lines:
        return UNMATCHED
    if not covered:
        return NO_STATEMENT
    if difference:
        return DIFFERENCE
    return RECONCILED
