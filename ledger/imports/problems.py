"""Problems found in a spreadsheet, in the accountant's words.

Every message is a module constant so tests can assert the exact text; each is
translated (gettext_lazy, named `{placeholders}`) and formatted when the problem is
found, in the language active then. A problem names its row and column when it has
them; file-level refusals have neither.
"""

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# -- the file itself ---------------------------------------------------------------------
FILE_EMPTY = _("The file is empty")
FILE_TOO_LARGE = _("The file is {size}; files over {limit} are refused")
FILE_UNKNOWN_TYPE = _(
    "'{name}' is not a spreadsheet this import reads: save it as .xlsx, .ods, .xls or .csv"
)
FILE_MACROS = _("'{name}' is a macro-enabled workbook: save it as an .xlsx workbook without macros")
FILE_NOT_WHAT_IT_SAYS = _("'{name}' is not really {expected}: its content is {actual}")
FILE_OLD_EXCEL = _(
    "'{name}' is an old-format (.xls) workbook named .xlsx: rename it .xls, or save it "
    "as an .xlsx workbook"
)
FILE_PASSWORD = _("'{name}' is protected by a password: save it without a password")
FILE_NOT_UTF8 = _(
    "The file is not UTF-8 text (byte {offset} of the file): in Excel, save it as 'CSV UTF-8'"
)
FILE_LINE_TOO_LONG = _(
    "Line {line} of the file is {length} characters long (at most {limit}): "
    "it is not a table of rows; save the sheet as CSV UTF-8 again"
)
FILE_ENCRYPTED = _("The workbook is encrypted ({part}): save it without a password")
FILE_BINARY = _("The file holds binary data, not text: it is not a .csv file")
FILE_CSV_DAMAGED = _("The .csv file cannot be read ({detail})")
FILE_ZIP_BOMB = _("The workbook would expand to {size} (limit {limit}): refused")
FILE_TOO_MANY_PARTS = _("The workbook has {count} parts (limit {limit}): refused")
FILE_DAMAGED = _("The workbook is damaged or not what its name says ({detail})")
FILE_XML_ENTITIES = _("The workbook declares XML entities or a DTD in {part}: refused")
FILE_NO_SHEET = _("The workbook has no worksheet")
FILE_NO_HEADER = _("The sheet is empty: the first row must hold the column names")
FILE_ALL_HIDDEN = _(
    "Every sheet of the workbook is hidden ({names}): show the sheet to import, "
    "then save the file again"
)
FILE_TOO_FAR = _(
    "{cell} holds a value far outside the table: the sheet would span {columns} "
    "columns by {rows} rows (at most {limit} cells are read); delete what lies beyond "
    "the table, or copy the table alone into a new workbook"
)

FILE_NO_ROWS = _("The sheet has column names but no rows to import")
FILE_TOO_MANY_ROWS = _("The sheet has more than {limit} rows: split it into several files")
FILE_ROWS_FORMATTED = _(
    "The sheet has more than {limit} rows, counting rows formatted but left empty: "
    "delete the empty rows below the table, or copy the table alone into a new workbook"
)
FORMULA = _(
    "Row {row}, column {column}: cell {cell} holds a formula ({formula}); formulas are "
    "refused, never evaluated: type the value instead"
)
FORMULAS_MORE = _("{total} cells hold formulas; the first {listed} are listed")

# -- headers -----------------------------------------------------------------------------
COLUMN_MISSING = _("Column '{column}' is missing (columns found: {found})")
COLUMN_DUPLICATED = _(
    "Columns {first} '{first_header}' and {second} '{second_header}' both mean '{column}'"
)
COLUMN_UNKNOWN = _(
    "Column {letter} '{header}' is not a column of a {kind} sheet (columns: {expected})"
)
COLUMNS_UNKNOWN = _(
    "Columns {first} to {last} ({count} columns) are not columns of a {kind} sheet "
    "(columns: {expected})"
)
COLUMN_UNNAMED = _("Column {letter} holds values but has no name in the header row")

# -- what was read (notes shown in the preview and by the command) --------------------------
READ_SHEET = _("Read sheet '{sheet}' of the workbook, column names on row {row}")
READ_CSV = _("Read as CSV: separator '{separator}', encoding {encoding}, column names on row {row}")
READ_CP1252 = _(
    "The file is not UTF-8: read as Windows-1252 (Excel's 'CSV (semicolon)'); check the "
    "accents in the preview, or save it as 'CSV UTF-8'"
)
OTHER_SHEETS = _("The workbook's other sheets are not read: {names}")
HIDDEN_SHEETS = _("Hidden sheets are never read: {names}")
HEADER_BELOW = _("The rows above the column names (row {row}) are not imported: {skipped}")
HIDDEN_ROWS = _(
    "Hidden rows are imported all the same ({count}: {rows}), as every row of the sheet: "
    "check them in the preview"
)
DATES_DAY_FIRST = _(
    "Dates such as '{example}' (row {row}) are read day first, DD/MM/YYYY: {example} is {reading}"
)
DATES_MONTH_FIRST = _(
    "Dates such as '{example}' (row {row}) are read month first, MM/DD/YYYY, as you chose: "
    "{example} is {reading}"
)
DECIMAL_MARK = _(
    "Amounts are read with a decimal {mark} ({why}): '{example}' (row {row}) is {reading}"
)
DECIMAL_MARK_FROM_CELL = _("as in '{example}', row {row}")
DECIMAL_MARK_FROM_SEPARATOR = _("the mark of CSV files separated by {separator}")

# -- cells ---------------------------------------------------------------------------------
REQUIRED = _("Row {row}, column {column}: a value is required")
NOT_AN_AMOUNT = _("Row {row}, column {column}: '{value}' is not an amount")
TOO_MANY_DECIMALS = _("Row {row}, column {column}: {value} has more than {places} decimals")
NEGATIVE = _("Row {row}, column {column}: {value} is negative")
# A budget line's alert thresholds that are not thresholds: the field's own message.
ALERT_THRESHOLDS_CELL = _("Row {row}, column {column}: {problem}")
NEGATIVE_SIDE = _(
    "Row {row}, column {column}: '{value}' is negative: negative amounts go in the other "
    "column ({other}), written positive"
)
NEGATIVE_CURRENCY = _(
    "Row {row}, column {column}: '{value}' is negative: write the amount positive and "
    "give its side (column side: debit or credit)"
)
AMOUNT_AMBIGUOUS = _(
    "Row {row}, column {column}: '{value}' could be {as_point} (decimal point) or "
    "{as_comma} (decimal comma), and nothing in the file tells which: write it without "
    "a thousands separator"
)
AMOUNT_OTHER_MARK = _(
    "Row {row}, column {column}: '{value}' is written with a decimal {mark}, but the "
    "file's amounts have a decimal {file_mark} ('{example}', row {example_row}): write "
    "it like the others"
)
AMOUNT_READ_DECIMALS = _(
    "Row {row}, column {column}: '{value}' reads as {reading} with the file's decimal "
    "{mark}: more than {places} decimals; if it means {other}, write it without the "
    "thousands separator"
)
AMOUNT_CURRENCY = _(
    "Row {row}, column {column}: '{value}' is written in {written}, but {column} is in "
    "{expected}{hint}"
)
AMOUNT_SYMBOL = _(
    "Row {row}, column {column}: '{value}' names the currency '{symbol}', which does not "
    "say which currency it is: write the amount alone"
)
NOT_POSITIVE = _("Row {row}, column {column}: {value} must be greater than zero")
NOT_A_DATE = _(
    "Row {row}, column {column}: '{value}' is not a date (write YYYY-MM-DD or DD/MM/YYYY)"
)
DATE_MONTH_FIRST = _(
    "Row {row}, column {column}: '{value}' is only a date month first ({reading}), but "
    "the file's dates are read day first (DD/MM/YYYY): the whole file is refused; say "
    "that its dates are month first (MM/DD/YYYY), or write them YYYY-MM-DD"
)
DATE_DAY_FIRST = _(
    "Row {row}, column {column}: '{value}' is only a date day first ({reading}), but you "
    "chose month first (MM/DD/YYYY): the whole file is refused; check the order you chose"
)
DATE_SERIAL = _(
    "Row {row}, column {column}: {value} is a number, read as an Excel date it is "
    "{reading}, outside the years {first} to {last}: type the date"
)
NOT_A_YEAR = _("Row {row}, column {column}: '{value}' is not a year")
TOO_LONG = _("Row {row}, column {column}: {length} characters, at most {limit}")
NOT_A_CHOICE = _("Row {row}, column {column}: '{value}' is not one of {choices}")
NOT_A_CURRENCY = _(
    "Row {row}, column {column}: '{value}' is not a currency code (such as EUR or USD)"
)
NOT_YES_NO = _("Row {row}, column {column}: '{value}' is neither yes nor no")

# -- journal rows and entries --------------------------------------------------------------
UNKNOWN_ACCOUNT = _("Row {row}: account {code} does not exist in {lab}'s chart")
UNKNOWN_JOURNAL = _("Row {row}: journal {code} does not exist in {lab}")
UNKNOWN_BUDGET_LINE = _("Row {row}: budget line {code} does not exist in {lab} for {year}")
BUDGET_LINE_REQUIRED = _("Row {row}: account {code} needs a budget line (column budget_line)")
UNKNOWN_THIRD_PARTY = _(
    "Row {row}: third party {code} does not exist (column third_party); create it on the "
    "Third parties page or correct the code"
)
INACTIVE_THIRD_PARTY = _(
    "Row {row}: third party {code} is deactivated (column third_party): reactivate it on "
    "the Third parties page, or name another third party"
)
THIRD_PARTY_REQUIRED = _(
    "Row {row}: account {code} needs a third party (column third_party): the supplier, "
    "customer, partner or staff member the line is with"
)
BOTH_SIDES = _("Row {row}: give a debit or a credit, not both")
AMOUNT_AND_SIDES = _(
    "Row {row}: give either an amount and its side, or a debit or a credit, not both"
)
NO_AMOUNT = _("Row {row}: give a debit or a credit (or an amount in currency and its side)")
CURRENCY_WITHOUT_AMOUNT = _("Row {row}: currency {currency} is given without an amount_currency")
AMOUNT_WITHOUT_CURRENCY = _("Row {row}: amount_currency {amount} is given without its currency")
BOOK_CURRENCY_GIVEN = _(
    "Row {row}: {currency} is the book currency: put the amount in debit or credit"
)
NO_SIDE = _("Row {row}: say whether {amount} {currency} is a debit or a credit (column side)")
SIDE_CONFLICT = _("Row {row}: the side says {side} but the amount is in {column}")
NO_RATE = _("Row {row}: no chancellery rate for {currency} on or before {date}")
OUT_OF_YEAR = _("Row {row}: {written} read as {reading}, outside the fiscal years of {lab}")
PERIOD_CLOSED = _("Row {row}: {written} read as {reading}, in {period} which is closed")
YEAR_CLOSED_ROW = _(
    "Row {row}: {written} read as {reading}, in the fiscal year {year} which is closed; "
    "correct it in the open year"
)
OPENING_TYPED = _(
    "Row {row}: journal {code} holds the opening balances of {year}, which come from "
    "closing {previous}; they are not imported"
)
PERIOD_MISSING = _(
    "Row {row}: {written} read as {reading}, in {period}, for which {lab} has no open period"
)
ENTRY_CONFLICT = _(
    "Row {row}, column {column}: '{value}' differs from '{first}' on row {first_row} "
    "of the same entry {key}"
)
ENTRY_ONE_LINE = _("Entry {key} ({rows}) has a single line; an entry needs at least two")
ENTRY_NO_LABEL = _("Entry {key} ({rows}) has no label")
ENTRY_UNBALANCED = _("Entry {key} ({rows}) does not balance: debit {debit}, credit {credit}")
ENTRY_ALREADY_IMPORTED = _(
    "Entry {key} ({rows}) was already imported from {file} on {when} by {who}: "
    "it is not imported twice"
)
ROUNDING_ACCOUNT_MISSING = _(
    "Entry {key} ({rows}) needs a conversion rounding line on account {code}, "
    "which is not in {lab}'s chart"
)
ROUNDING_NOTE = _(
    "Entry {key} ({rows}): conversion rounding of {amount} {currency} booked on {code} "
    "({what}), line 'Conversion rounding'"
)
ROUNDING_NEEDS_BUDGET_LINE = _(
    "Entry {key} ({rows}) needs a conversion rounding line of {amount} {currency} on "
    "{code}, which needs a budget line, and no line of the entry names one: give the "
    "entry a budget line or book its amounts in {currency}"
)
CONVERTS_TO_ZERO = _(
    "Row {row}: {amount} {currency} is 0.00 {book} at {rate}; enter it in {book} or leave it out"
)
CONVERTS_TOO_LARGE = _(
    "Row {row}: {amount} {currency} is {converted} {book} at {rate}, more than a line can "
    "hold: check the amount and the rate"
)
RATE_NOT_KEPT = _(
    "Row {row}: {amount} {currency} is booked at {rate} {book} per {currency}, a rate the "
    "books cannot keep (above 0 and below 10,000,000, with 8 decimals): check the amounts"
)
BUDGET_BLOCKED = _(
    "Budget line {code}: the file would overspend it by {excess} {currency}, "
    "and its policy is to block overspending"
)
FILE_ALREADY_IMPORTED = _(
    "This file was already imported into {lab} on {when} by {who} ({file}, batch {batch})"
)

# -- chart, rates, budget lines -------------------------------------------------------------
ACCOUNT_CODE = _(
    "Row {row}, column code: '{value}' is not a PCG account number (class 1 to 7, 3 to 12 digits)"
)
ACCOUNT_EXISTS = _("Row {row}: account {code} already exists in {lab}'s chart")
DUPLICATE_IN_FILE = _("Row {row}: {what} {key} already appears on row {first_row}")
UNKNOWN_FUNDING = _("Row {row}: funding source {code} does not exist in {lab}")
UNKNOWN_YEAR = _("Row {row}: {lab} has no fiscal year {year}")
BUDGET_LINE_EXISTS = _("Row {row}: budget line {code} already exists in {lab} for {year}")
RATE_CORRECTED = _("Row {row}: {currency} {source} rate from {date} corrected from {old} to {new}")
RATE_UNCHANGED = _("Row {row}: {currency} {source} rate from {date} is already {value}")

# -- writing ---------------------------------------------------------------------------------
WRITE_REFUSED = _("Nothing was imported: {detail}")
MORE_PROBLEMS = _("... and {count} more problems")

# -- fragments put into the messages above (lazy: `.format` gives them in its language) ----
ROW_ONE = _("row {row}")
ROWS_MANY = _("rows {rows}")
SIZE_MB = _("{size} MB")
SIZE_KB = _("{size} kB")
SIZE_BYTES = _("{size} bytes")
SIZE_MORE_THAN = _("more than {size}")
MARK_POINT = pgettext_lazy("decimal mark", "point")
MARK_COMMA = pgettext_lazy("decimal mark", "comma")
SEPARATED_BY_SEMICOLONS = _("semicolons")
SEPARATED_BY_COMMAS = _("commas")
AMOUNT_CURRENCY_HINT = _(": put it in amount_currency, with {code} in column currency")
ROUNDING_GAIN = pgettext_lazy("conversion rounding", "gain")
ROUNDING_LOSS = pgettext_lazy("conversion rounding", "loss")
ANOTHER_FILE = _("another file")
THE_SYSTEM = _("the system")
BLANK_ROWS = _("blank rows")
NO_NAMES = pgettext_lazy("no column names", "none")
DUPLICATE_ACCOUNT = pgettext_lazy("duplicate in a file", "account")
DUPLICATE_RATE = pgettext_lazy("duplicate in a file", "rate")
DUPLICATE_BUDGET_LINE = pgettext_lazy("duplicate in a file", "budget line")
DAMAGED_TOO_LARGE = _("{name} is too large")
DAMAGED_NOT_UTF8_XML = _("{name} is not UTF-8 XML")
DAMAGED_NOT_ZIP = _("not a zip archive")
DAMAGED_NO_STREAM = _("no workbook stream")
DAMAGED_CSV_ROW = _("row {row}: {error}")
# What a file is (FILE_NOT_WHAT_IT_SAYS): the readers name it in English, shown translated.
FILE_KINDS = {
    "a zip archive": _("a zip archive"),
    "an Office file of the old format": _("an Office file of the old format"),
    "a PDF document": _("a PDF document"),
    "an image": _("an image"),
    "a compressed archive": _("a compressed archive"),
    "UTF-16 text": _("UTF-16 text"),
    "binary data": _("binary data"),
    "text": pgettext_lazy("kind of file", "text"),
    "an .xlsx workbook": _("an .xlsx workbook"),
    "an .ods spreadsheet": _("an .ods spreadsheet"),
    "an .xls workbook": _("an .xls workbook"),
    "a .csv file": _("a .csv file"),
    "a Word document": _("a Word document"),
    "a PowerPoint presentation": _("a PowerPoint presentation"),
    "a binary Excel workbook (.xlsb)": _("a binary Excel workbook (.xlsb)"),
    "a zip archive of another kind": _("a zip archive of another kind"),
    "an OpenDocument file of another kind": _("an OpenDocument file of another kind"),
}

SHOWN_LIMIT = 60


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file; `row` and `column` when it has them."""

    message: str
    row: int | None = None
    column: str | None = None

    def __post_init__(self) -> None:
        # A constant passed as it is (lazy) is fixed in the language active now: problems
        # are stored with the batch and compared as text.
        object.__setattr__(self, "message", str(self.message))

    def __str__(self) -> str:
        return self.message


def shown(value: object, limit: int = SHOWN_LIMIT) -> str:
    """A cell value as shown back in a message: control characters replaced, cut short.

    HTML escaping is the template's job; this keeps terminals and logs readable."""
    text = str(value)
    cleaned = "".join(
        " "
        if unicodedata.category(ch) == "Zs"
        else ch
        if ch.isprintable() and unicodedata.category(ch) not in ("Cf", "Co")
        else "?"
        for ch in text[: limit + 1]
    )
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def file_kind(kind: str) -> str:
    """What a reader says a file is, in the active language."""
    return str(FILE_KINDS.get(kind, kind))


def rows_text(rows: list[int]) -> str:
    """[40, 41, 42] -> 'rows 40-42'; [7] -> 'row 7'; [3, 7, 8] -> 'rows 3, 7-8' (in the
    active language)."""
    ordered = sorted(set(rows))
    if len(ordered) == 1:
        return ROW_ONE.format(row=ordered[0])
    spans: list[str] = []
    start = prev = ordered[0]
    for row in ordered[1:]:
        if row == prev + 1:
            prev = row
            continue
        spans.append(f"{start}" if start == prev else f"{start}-{prev}")
        start = prev = row
    spans.append(f"{start}" if start == prev else f"{start}-{prev}")
    return ROWS_MANY.format(rows=", ".join(spans))


def size_text(size: int) -> str:
    """12_345_678 -> '12.3 MB' (French: '12,3 Mo')."""
    if size >= 1_000_000:
        return SIZE_MB.format(size=number_format(round(size / 1_000_000, 1), 1))
    if size >= 1_000:
        return SIZE_KB.format(size=number_format(round(size / 1_000, 1), 1))
    return SIZE_BYTES.format(size=size)


def when_text(moment: datetime) -> str:
    """A moment in the office's time zone, to the minute, with its zone:
    '2025-03-04 14:05 +08'."""
    local = timezone.localtime(moment)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def count_text(count: int) -> str:
    """1048576 -> '1,048,576' (French: '1 048 576')."""
    return number_format(count, force_grouping=True)


def column_letter(index: int) -> str:
    """0 -> 'A', 27 -> 'AB'."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
