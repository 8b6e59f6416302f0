"""One entry point for every format: check the file's kind, then read it."""

from banking.exceptions import FILE_EMPTY, FILE_TYPE, FORMAT_MISMATCH, NO_LINES
from banking.importing.base import CsvMapping, ParsedStatement
from banking.importing.camt053 import read_camt053
from banking.importing.csv_reader import read_csv
from banking.importing.detect import CAMT053, CSV, KIND_NAMES, OFX, detect_format, extension_problem
from banking.importing.ofx import read_ofx


def statement_read(
    *,
    data: bytes,
    file_name: str,
    format: str | None = None,
    mapping: CsvMapping | None = None,
    account_number: str = "",
    currency: str = "",
) -> ParsedStatement:
    """The statement in `data`; `format` None: as its content says. A CSV needs the
    bank account's `mapping` (its absence is the caller's problem to word)."""
    if not data:
        return ParsedStatement(format=format or "").refuse(str(FILE_EMPTY.format(name=file_name)))
    detected = detect_format(data)
    if detected is None:
        return ParsedStatement(format=format or "").refuse(str(FILE_TYPE.format(name=file_name)))
    if format and format != detected:
        problem = FORMAT_MISMATCH.format(name=file_name, kind=KIND_NAMES.get(format, format))
        return ParsedStatement(format=format).refuse(str(problem))
    wrong_name = extension_problem(file_name, detected)
    if wrong_name is not None:
        return ParsedStatement(format=detected).refuse(wrong_name)
    if detected == CSV:
        assert mapping is not None, "a CSV statement is read with its bank account's mapping"
        parsed = read_csv(data, mapping)
    elif detected == CAMT053:
        parsed = read_camt053(data, account_number=account_number, currency=currency)
    else:
        assert detected == OFX
        parsed = read_ofx(data)
    if not parsed.problems and not parsed.lines:
        parsed.refuse(str(NO_LINES))
    return parsed
