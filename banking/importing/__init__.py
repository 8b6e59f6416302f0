"""Reading bank statement files: CSV exports (a column mapping per bank account), CAMT.053
(ISO 20022 XML, through defusedxml) and OFX (SGML 1.x by a small reader of our own, XML
2.x through defusedxml). Each reader returns a `ParsedStatement`: the transactions it
read and every problem it met, by row and field, so the preview lists them all at once.
Nothing here writes; `banking.services.imports` decides what to keep.
"""

from banking.importing.base import (
    MAX_LINES,
    CsvMapping,
    ParsedLine,
    ParsedStatement,
    Problem,
    parse_amount,
)
from banking.importing.detect import detect_format, extension_problem
from banking.importing.read import statement_read

__all__ = [
    "MAX_LINES",
    "CsvMapping",
    "ParsedLine",
    "ParsedStatement",
    "Problem",
    "detect_format",
    "extension_problem",
    "parse_amount",
    "statement_read",
]
