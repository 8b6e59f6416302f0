"""Errors of bank reconciliation, in words an accountant understands.

Templates are module constants (gettext_lazy, named `{placeholders}`), worded in the
language active when the error is raised. `from_integrity_error` turns a refusal of the
database guards (banking/db_guards.py) into the matching error.
"""

from django.db import IntegrityError
from django.utils.translation import gettext_lazy as _

from ledger.exceptions import LedgerError

# -- bank accounts ------------------------------------------------------------------
ACCOUNT_NOT_BANK = _(
    "Account {code} is not a bank account of the chart: a bank account reconciles a 512 "
    "account (512, 5121, 5122...)"
)
ACCOUNT_OTHER_LAB = _("Account {code} belongs to {other}, not to {lab}")
ACCOUNT_TAKEN = _("Account {code} is already reconciled by the bank account {name}")
NAME_TAKEN = _("{lab} already has a bank account named {name}")
JOURNAL_NOT_BANK = _("Journal {code} is not a bank journal of {lab}")
NO_BANK_JOURNAL = _(
    "{lab} has no bank journal for the entries of {name}: choose one on the bank account's "
    "settings page"
)
CURRENCY_CODE = _("{value} is not a currency code (three capital letters, e.g. SGD)")
MAPPING_AMOUNTS = _("Give either the amount column, or both the withdrawal and the deposit columns")
MAPPING_DATE = _("Give the name of the date column")
ACCOUNT_HAS_LINES = _(
    "The bank account {name} already holds statement lines: its ledger account can no longer change"
)

# -- imports --------------------------------------------------------------------------
FILE_EMPTY = _("{name} is empty")
FILE_TOO_LARGE = _("{name} is {size}: a bank statement is at most {limit}")
FILE_TYPE = _(
    "{name} is not a bank statement this page reads: a CSV export, a CAMT.053 XML file or "
    "an OFX file"
)
FILE_EXTENSION = _(
    "{name} holds a {kind} statement, but its name says otherwise: name it {extensions}"
)
FORMAT_MISMATCH = _("{name} is not a {kind} file")
NOT_TEXT = _("The file is not text (it holds binary bytes): export it again as CSV")
NO_MAPPING = _(
    "The bank account {name} has no CSV column mapping yet: say which columns hold the "
    "date and the amounts on its settings page"
)
HEADER_NOT_FOUND = _(
    "No line of the file names the date column “{column}”: check the column mapping "
    "(or the number of lines before the header)"
)
COLUMN_MISSING = _("The file has no column “{column}” (its columns: {columns})")
BAD_DATE = _("“{value}” is not a date in the form {format}")
BAD_AMOUNT = _("“{value}” is not an amount")
BOTH_AMOUNTS = _("both a withdrawal ({debit}) and a deposit ({credit}): one line, one side")
NO_AMOUNT = _("no amount")
ROW_PROBLEM = _("Row {row}, column {column}: {problem}")
ROW_PROBLEM_NO_COLUMN = _("Row {row}: {problem}")
NO_LINES = _("The file holds no transaction")
TOO_MANY_LINES = _("The file holds {count} transactions: at most {limit} are read at once")
XML_INVALID = _("The XML cannot be read: {detail}")
XML_NOT_CAMT = _("The XML is not a CAMT.053 bank-to-customer statement (no BkToCstmrStmt)")
CAMT_ACCOUNTS = _(
    "The file holds statements of several accounts ({accounts}): none is the bank "
    "account's number {number}"
)
CAMT_FIELD = _("Entry {n}, {field}: {problem}")
MISSING_VALUE = _("missing")
CURRENCY_OTHER = _("the amount is in {currency}, the bank account in {expected}")
OFX_INVALID = _("The OFX file cannot be read: {detail}")
OFX_FIELD = _("Transaction {n}, {field}: {problem}")
BALANCES_DISAGREE = _(
    "The file's balances do not agree with its lines: opening {opening} + lines {total} = "
    "{computed}, but the closing balance is {closing} (a line is missing?)"
)
ACCOUNT_NUMBER_OTHER = _("The file is a statement of account {number}, not of {name} ({expected})")
CONTINUITY = _(
    "The bank's opening balance on {date} is {given}, but the lines imported so far give "
    "{computed}: a statement before this one may be missing"
)
UPLOAD_GONE = _("The uploaded file is no longer kept: upload it again")

# -- matching -------------------------------------------------------------------------
NOTHING_SELECTED = _("Select at least one statement line or book line")
AMOUNTS_DISAGREE = _(
    "The amounts do not agree: statement lines {statement}, book lines {book} "
    "(difference {difference}); select lines whose totals are equal"
)
LINE_NOT_OF_ACCOUNT = _("Statement line {id} is not a line of the bank account {name}")
BOOK_LINE_NOT_OF_ACCOUNT = _(
    "Book line {id} is not a posted line of account {code} of {lab}, after the starting "
    "date of {name}"
)
ALREADY_MATCHED = _("{what} {id} is already matched: undo that match first")
WHAT_STATEMENT_LINE = _("Statement line")
WHAT_BOOK_LINE = _("Book line")
NO_SUCH_MATCH = _("No such match in the bank account {name}")
COUNTER_ACCOUNT = _(
    "Account {code} cannot take the other side of a bank line: choose an expense or income account"
)
COUNTER_NEEDS_PARTY = _(
    "Account {code} needs a third party on each line, which an entry created from a bank "
    "line cannot name: book it from the journal entry form, then match it"
)
COUNTER_YEAR_END = _(
    "Account {code} is written by the year-end closing only (retained earnings, result "
    "for the year): choose an expense or income account"
)
BUDGET_LINE_NEEDED = _("Account {code} needs a budget line: choose the budget line it consumes")
REASON_NEEDED = _("Say why the match is undone: the reason is kept in the audit trail")
BANK_LINE_LABEL = _("Bank line of {date}")
DATABASE_REFUSED = _("The database refused the change: {detail}")


class BankingError(LedgerError):
    """A bank reconciliation rule refuses the action."""


class BankAccountError(BankingError):
    """A bank account cannot be created or changed as asked."""


class StatementFileError(BankingError):
    """A statement file cannot be read or imported (its problems say where)."""


class MatchError(BankingError):
    """Lines cannot be matched (or unmatched) as asked."""


_TAGS: dict[str, type[BankingError]] = {
    "BANK_MATCH": MatchError,
    "BANK_LINE": StatementFileError,
    "BANK_ACCOUNT": BankAccountError,
}


def from_integrity_error(error: IntegrityError) -> BankingError | None:
    """The banking error a guard (or the statement-line unique constraint) raised."""
    text = str(error)
    for tag, cls in _TAGS.items():
        if tag in text:
            detail = text[text.index(tag) :].splitlines()[0]
            return cls(DATABASE_REFUSED.format(detail=detail))
    if "bank_line_kept_once" in text or "banking_bankstatementline.bank_account_id" in text:
        return StatementFileError(DATABASE_REFUSED.format(detail="bank_line_kept_once"))
    return None
