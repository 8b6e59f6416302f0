"""Problems found in a spreadsheet, in the accountant's words.

Every message is a module constant so tests can assert the exact text. A problem
names its row and column when it has them; file-level refusals have neither.
"""

import unicodedata
from dataclasses import dataclass

# -- the file itself ---------------------------------------------------------------------
FILE_EMPTY = "The file is empty"
FILE_TOO_LARGE = "The file is {size}; files over {limit} are refused"
FILE_UNKNOWN_TYPE = (
    "'{name}' is not a spreadsheet this import reads: save it as .xlsx, .ods, .xls or .csv"
)
FILE_MACROS = "'{name}' is a macro-enabled workbook: save it as an .xlsx workbook without macros"
FILE_NOT_WHAT_IT_SAYS = "'{name}' is not really {expected}: its content is {actual}"
FILE_OLD_EXCEL = (
    "'{name}' is an old-format (.xls) workbook named .xlsx: rename it .xls, or save it "
    "as an .xlsx workbook"
)
FILE_PASSWORD = "'{name}' is protected by a password: save it without a password"  # noqa: S105
FILE_NOT_UTF8 = (
    "The file is not UTF-8 text (byte {offset} of the file): in Excel, save it as 'CSV UTF-8'"
)
FILE_LINE_TOO_LONG = (
    "Line {line} of the file is {length} characters long (at most {limit}): "
    "it is not a table of rows; save the sheet as CSV UTF-8 again"
)
FILE_ENCRYPTED = "The workbook is encrypted ({part}): save it without a password"
FILE_BINARY = "The file holds binary data, not text: it is not a .csv file"
FILE_CSV_DAMAGED = "The .csv file cannot be read ({detail})"
FILE_ZIP_BOMB = "The workbook would expand to {size} (limit {limit}): refused"
FILE_TOO_MANY_PARTS = "The workbook has {count} parts (limit {limit}): refused"
FILE_DAMAGED = "The workbook is damaged or not what its name says ({detail})"
FILE_XML_ENTITIES = "The workbook declares XML entities or a DTD in {part}: refused"
FILE_NO_SHEET = "The workbook has no worksheet"
FILE_NO_HEADER = "The sheet is empty: the first row must hold the column names"
FILE_ALL_HIDDEN = (
    "Every sheet of the workbook is hidden ({names}): show the sheet to import, "
    "then save the file again"
)
FILE_TOO_FAR = (
    "{cell} holds a value far outside the table: the sheet would span {columns} "
    "columns by {rows} rows (at most {limit} cells are read); delete what lies beyond "
    "the table, or copy the table alone into a new workbook"
)

FILE_NO_ROWS = "The sheet has column names but no rows to import"
FILE_TOO_MANY_ROWS = "The sheet has more than {limit} rows: split it into several files"
FILE_ROWS_FORMATTED = (
    "The sheet has more than {limit} rows, counting rows formatted but left empty: "
    "delete the empty rows below the table, or copy the table alone into a new workbook"
)
FORMULA = (
    "Row {row}, column {column}: cell {cell} holds a formula ({formula}); formulas are "
    "refused, never evaluated: type the value instead"
)
FORMULAS_MORE = "{total} cells hold formulas; the first {listed} are listed"

# -- headers -----------------------------------------------------------------------------
COLUMN_MISSING = "Column '{column}' is missing (columns found: {found})"
COLUMN_DUPLICATED = (
    "Columns {first} '{first_header}' and {second} '{second_header}' both mean '{column}'"
)
COLUMN_UNKNOWN = (
    "Column {letter} '{header}' is not a column of a {kind} sheet (columns: {expected})"
)
COLUMNS_UNKNOWN = (
    "Columns {first} to {last} ({count} columns) are not columns of a {kind} sheet "
    "(columns: {expected})"
)
COLUMN_UNNAMED = "Column {letter} holds values but has no name in the header row"

# -- what was read (notes shown in the preview and by the command) --------------------------
READ_SHEET = "Read sheet '{sheet}' of the workbook, column names on row {row}"
READ_CSV = "Read as CSV: separator '{separator}', encoding {encoding}, column names on row {row}"
READ_CP1252 = (
    "The file is not UTF-8: read as Windows-1252 (Excel's 'CSV (semicolon)'); check the "
    "accents in the preview, or save it as 'CSV UTF-8'"
)
OTHER_SHEETS = "The workbook's other sheets are not read: {names}"
HIDDEN_SHEETS = "Hidden sheets are never read: {names}"
HEADER_BELOW = "The rows above the column names (row {row}) are not imported: {skipped}"
HIDDEN_ROWS = (
    "Hidden rows are imported all the same ({count}: {rows}), as every row of the sheet: "
    "check them in the preview"
)
DATES_DAY_FIRST = (
    "Dates such as '{example}' (row {row}) are read day first, DD/MM/YYYY: {example} is {reading}"
)
DATES_MONTH_FIRST = (
    "Dates such as '{example}' (row {row}) are read month first, MM/DD/YYYY, as you chose: "
    "{example} is {reading}"
)
DECIMAL_MARK = (
    "Amounts are read with a decimal {mark} ({why}): '{example}' (row {row}) is {reading}"
)
DECIMAL_MARK_FROM_CELL = "as in '{example}', row {row}"
DECIMAL_MARK_FROM_SEPARATOR = "the mark of CSV files separated by {separator}"

# -- cells ---------------------------------------------------------------------------------
REQUIRED = "Row {row}, column {column}: a value is required"
NOT_AN_AMOUNT = "Row {row}, column {column}: '{value}' is not an amount"
TOO_MANY_DECIMALS = "Row {row}, column {column}: {value} has more than {places} decimals"
NEGATIVE = "Row {row}, column {column}: {value} is negative"
NEGATIVE_SIDE = (
    "Row {row}, column {column}: '{value}' is negative: negative amounts go in the other "
    "column ({other}), written positive"
)
NEGATIVE_CURRENCY = (
    "Row {row}, column {column}: '{value}' is negative: write the amount positive and "
    "give its side (column side: debit or credit)"
)
AMOUNT_AMBIGUOUS = (
    "Row {row}, column {column}: '{value}' could be {as_point} (decimal point) or "
    "{as_comma} (decimal comma), and nothing in the file tells which: write it without "
    "a thousands separator"
)
AMOUNT_OTHER_MARK = (
    "Row {row}, column {column}: '{value}' is written with a decimal {mark}, but the "
    "file's amounts have a decimal {file_mark} ('{example}', row {example_row}): write "
    "it like the others"
)
AMOUNT_READ_DECIMALS = (
    "Row {row}, column {column}: '{value}' reads as {reading} with the file's decimal "
    "{mark}: more than {places} decimals; if it means {other}, write it without the "
    "thousands separator"
)
AMOUNT_CURRENCY = (
    "Row {row}, column {column}: '{value}' is written in {written}, but {column} is in "
    "{expected}{hint}"
)
AMOUNT_SYMBOL = (
    "Row {row}, column {column}: '{value}' names the currency '{symbol}', which does not "
    "say which currency it is: write the amount alone"
)
NOT_POSITIVE = "Row {row}, column {column}: {value} must be greater than zero"
NOT_A_DATE = "Row {row}, column {column}: '{value}' is not a date (write YYYY-MM-DD or DD/MM/YYYY)"
DATE_MONTH_FIRST = (
    "Row {row}, column {column}: '{value}' is only a date month first ({reading}), but "
    "the file's dates are read day first (DD/MM/YYYY): the whole file is refused; say "
    "that its dates are month first (MM/DD/YYYY), or write them YYYY-MM-DD"
)
DATE_DAY_FIRST = (
    "Row {row}, column {column}: '{value}' is only a date day first ({reading}), but you "
    "chose month first (MM/DD/YYYY): the whole file is refused; check the order you chose"
)
DATE_SERIAL = (
    "Row {row}, column {column}: {value} is a number, read as an Excel date it is "
    "{reading}, outside the years {first} to {last}: type the date"
)
NOT_A_YEAR = "Row {row}, column {column}: '{value}' is not a year"
TOO_LONG = "Row {row}, column {column}: {length} characters, at most {limit}"
NOT_A_CHOICE = "Row {row}, column {column}: '{value}' is not one of {choices}"
NOT_A_CURRENCY = "Row {row}, column {column}: '{value}' is not a currency code (such as EUR or USD)"
NOT_YES_NO = "Row {row}, column {column}: '{value}' is neither yes nor no"

# -- journal rows and entries --------------------------------------------------------------
UNKNOWN_ACCOUNT = "Row {row}: account {code} does not exist in {lab}'s chart"
UNKNOWN_JOURNAL = "Row {row}: journal {code} does not exist in {lab}"
UNKNOWN_BUDGET_LINE = "Row {row}: budget line {code} does not exist in {lab} for {year}"
BUDGET_LINE_REQUIRED = "Row {row}: account {code} needs a budget line (column budget_line)"
BOTH_SIDES = "Row {row}: give a debit or a credit, not both"
AMOUNT_AND_SIDES = "Row {row}: give either an amount and its side, or a debit or a credit, not both"
NO_AMOUNT = "Row {row}: give a debit or a credit (or an amount in currency and its side)"
CURRENCY_WITHOUT_AMOUNT = "Row {row}: currency {currency} is given without an amount_currency"
AMOUNT_WITHOUT_CURRENCY = "Row {row}: amount_currency {amount} is given without its currency"
BOOK_CURRENCY_GIVEN = (
    "Row {row}: {currency} is the book currency: put the amount in debit or credit"
)
NO_SIDE = "Row {row}: say whether {amount} {currency} is a debit or a credit (column side)"
SIDE_CONFLICT = "Row {row}: the side says {side} but the amount is in {column}"
NO_RATE = "Row {row}: no chancellery rate for {currency} on or before {date}"
OUT_OF_YEAR = "Row {row}: {written} read as {reading}, outside the fiscal years of {lab}"
PERIOD_CLOSED = "Row {row}: {written} read as {reading}, in {period} which is closed"
YEAR_CLOSED_ROW = (
    "Row {row}: {written} read as {reading}, in the fiscal year {year} which is closed; "
    "correct it in the open year"
)
OPENING_TYPED = (
    "Row {row}: journal {code} holds the opening balances of {year}, which come from "
    "closing {previous}; they are not imported"
)
PERIOD_MISSING = (
    "Row {row}: {written} read as {reading}, in {period}, for which {lab} has no open period"
)
ENTRY_CONFLICT = (
    "Row {row}, column {column}: '{value}' differs from '{first}' on row {first_row} "
    "of the same entry {key}"
)
ENTRY_ONE_LINE = "Entry {key} ({rows}) has a single line; an entry needs at least two"
ENTRY_NO_LABEL = "Entry {key} ({rows}) has no label"
ENTRY_UNBALANCED = "Entry {key} ({rows}) does not balance: debit {debit}, credit {credit}"
ENTRY_ALREADY_IMPORTED = (
    "Entry {key} ({rows}) was already imported from {file} on {when} by {who}: "
    "it is not imported twice"
)
ROUNDING_ACCOUNT_MISSING = (
    "Entry {key} ({rows}) needs a conversion rounding line on account {code}, "
    "which is not in {lab}'s chart"
)
ROUNDING_NOTE = (
    "Entry {key} ({rows}): conversion rounding of {amount} {currency} booked on {code} "
    "({what}), line 'Conversion rounding'"
)
ROUNDING_NEEDS_BUDGET_LINE = (
    "Entry {key} ({rows}) needs a conversion rounding line of {amount} {currency} on "
    "{code}, which needs a budget line, and no line of the entry names one: give the "
    "entry a budget line or book its amounts in {currency}"
)
CONVERTS_TO_ZERO = (
    "Row {row}: {amount} {currency} is 0.00 {book} at {rate}; enter it in {book} or leave it out"
)
CONVERTS_TOO_LARGE = (
    "Row {row}: {amount} {currency} is {converted} {book} at {rate}, more than a line can "
    "hold: check the amount and the rate"
)
RATE_NOT_KEPT = (
    "Row {row}: {amount} {currency} is booked at {rate} {book} per {currency}, a rate the "
    "books cannot keep (above 0 and below 10,000,000, with 8 decimals): check the amounts"
)
BUDGET_BLOCKED = (
    "Budget line {code}: the file would overspend it by {excess} {currency}, "
    "and its policy is to block overspending"
)
FILE_ALREADY_IMPORTED = (
    "This file was already imported into {lab} on {when} by {who} ({file}, batch {batch})"
)

# -- chart, rates, budget lines -------------------------------------------------------------
ACCOUNT_CODE = (
    "Row {row}, column code: '{value}' is not a PCG account number (class 1 to 7, 3 to 12 digits)"
)
ACCOUNT_EXISTS = "Row {row}: account {code} already exists in {lab}'s chart"
DUPLICATE_IN_FILE = "Row {row}: {what} {key} already appears on row {first_row}"
UNKNOWN_FUNDING = "Row {row}: funding source {code} does not exist in {lab}"
UNKNOWN_YEAR = "Row {row}: {lab} has no fiscal year {year}"
BUDGET_LINE_EXISTS = "Row {row}: budget line {code} already exists in {lab} for {year}"
RATE_CORRECTED = "Row {row}: {currency} {source} rate from {date} corrected from {old} to {new}"
RATE_UNCHANGED = "Row {row}: {currency} {source} rate from {date} is already {value}"

# -- writing ---------------------------------------------------------------------------------
WRITE_REFUSED = "Nothing was imported: {detail}"
MORE_PROBLEMS = "... and {count} more problems"

SHOWN_LIMIT = 60


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file; `row` and `column` when it has them."""

    message: str
    row: int | None = None
    column: str | None = None

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


def rows_text(rows: list[int]) -> str:
    """[40, 41, 42] -> 'rows 40-42'; [7] -> 'row 7'; [3, 7, 8] -> 'rows 3, 7-8'."""
    ordered = sorted(set(rows))
    if len(ordered) == 1:
        return f"row {ordered[0]}"
    spans: list[str] = []
    start = prev = ordered[0]
    for row in ordered[1:]:
        if row == prev + 1:
            prev = row
            continue
        spans.append(f"{start}" if start == prev else f"{start}-{prev}")
        start = prev = row
    spans.append(f"{start}" if start == prev else f"{start}-{prev}")
    return "rows " + ", ".join(spans)


def size_text(size: int) -> str:
    """12_345_678 -> '12.3 MB'."""
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    if size >= 1_000:
        return f"{size / 1_000:.1f} kB"
    return f"{size} bytes"


def column_letter(index: int) -> str:
    """0 -> 'A', 27 -> 'AB'."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
