"""The .csv part of reading: encodings (UTF-8 with or without BOM, UTF-16 from Excel's
'Unicode text', Windows-1252 from French Excel's 'CSV (semicolon)'), Excel's `sep=`
hint, the separator, and the decimal mark the separator suggests."""

import codecs
import csv
import io
import re
from collections.abc import Iterator
from typing import Any

from ledger.imports.problems import (
    DAMAGED_CSV_ROW,
    FILE_BINARY,
    FILE_CSV_DAMAGED,
    FILE_LINE_TOO_LONG,
    FILE_NOT_UTF8,
    READ_CP1252,
    count_text,
)
from ledger.imports.reading.base import FileRefused, Sheet

# A row of a table is a few hundred characters; a longer line is not a table.
MAX_LINE = 100_000
SEPARATORS = (";", ",", "\t", "|")
SEP_HINT = re.compile(r'\s*"?sep=(.)"?\s*')
NAMES = {";": "semicolon", ",": "comma", "\t": "tab", "|": "vertical bar"}
# Bytes that Windows-1252 leaves undefined: a file holding them is not Windows-1252.
UNDEFINED_1252 = frozenset(b"\x81\x8d\x8f\x90\x9d")


def read_text(data: bytes) -> tuple[Sheet, str, str]:
    """The rows of a CSV file, the name of its separator and its encoding; the header is
    found by the caller."""
    content, encoding = _decode(data)
    if "\x00" in content:
        raise FileRefused(str(FILE_BINARY))
    _check_lines(content)
    lines = content.splitlines()
    first = lines[0] if lines else ""
    hint = SEP_HINT.fullmatch(first)
    skip = 0
    if hint and hint.group(1) in SEPARATORS:
        separator, skip = hint.group(1), 1
    else:
        separator = _separator(lines[:20])
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=separator)
    rows = _rows(reader, skip)
    notes = []
    if encoding == "Windows-1252":
        notes.append(str(READ_CP1252))
    # French Excel separates with semicolons because its decimal mark is the comma.
    hint_mark = {";": ",", ",": "."}.get(separator)
    sheet = Sheet(0, [], rows, 0, content.count("\n"), notes=notes, decimal_hint=hint_mark)
    return sheet, NAMES[separator], encoding


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError as error:
            raise FileRefused(FILE_NOT_UTF8.format(offset=error.start + 1)) from None
    if b"\x00" in data:
        raise FileRefused(str(FILE_BINARY))
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as error:
        offset = error.start
    if UNDEFINED_1252.isdisjoint(data):
        return data.decode("cp1252"), "Windows-1252"
    raise FileRefused(FILE_NOT_UTF8.format(offset=offset + 1))


def _check_lines(content: str) -> None:
    start = 0
    line = 1
    size = len(content)
    while start < size:
        end = content.find("\n", start)
        if end < 0:
            end = size
        if end - start > MAX_LINE:
            raise FileRefused(
                FILE_LINE_TOO_LONG.format(
                    line=line, length=count_text(end - start), limit=count_text(MAX_LINE)
                )
            )
        start = end + 1
        line += 1


def _separator(lines: list[str]) -> str:
    """The separator used most in the first lines (semicolon on a tie: French Excel)."""
    counts = {separator: sum(line.count(separator) for line in lines) for separator in SEPARATORS}
    best = max(SEPARATORS, key=lambda separator: counts[separator])
    return best if counts[best] else ","


def _rows(reader: Any, skip: int) -> Iterator[tuple[int, list[Any]]]:
    number = 0
    try:
        for cells in reader:
            number += 1
            if number <= skip:
                continue
            if any(cell.strip() for cell in cells):
                yield number - skip, cells
    except csv.Error as error:
        raise FileRefused(
            FILE_CSV_DAMAGED.format(detail=DAMAGED_CSV_ROW.format(row=number + 1, error=error))
        ) from None
