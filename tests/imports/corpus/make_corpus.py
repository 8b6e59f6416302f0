"""The corpus of bad spreadsheets: every file an import must refuse, with its exact messages.

    python tests/imports/corpus/make_corpus.py DIRECTORY

writes the files and `manifest.json` (file name, kind, settings, expected messages) into
DIRECTORY. The tests generate them into a temporary directory at each run
(tests/imports/test_corpus.py), so nothing binary is committed and the files always
match the code that makes them.

The books they are checked against are those of tests/imports/conftest.py: CINTRA's
small chart (no account 6258), journals AN, ACH, BQS, OD, fiscal year 2025 with
February closed, budget lines OP-SUP and OP-MIS, chancellery rates for SGD and USD.
"""

import io
import json
import re
import struct
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from tests.imports.sheets import JOURNAL_HEADER, csv_bytes, line, xlsx

GOOD = [line("E1", "6064", "100.00", None), line("E1", "401", None, "100.00")]
CLEAN_XLSX_ROWS = [JOURNAL_HEADER, *GOOD]


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[], bytes]
    expected: list[str]
    kind: str = "journal"
    settings: dict[str, int] = field(default_factory=dict)


def journal_csv(*rows: Sequence[Any], header: Sequence[str] = JOURNAL_HEADER) -> bytes:
    return csv_bytes([header, *rows])


def changed(row: list[Any], **values: Any) -> list[Any]:
    copy = list(row)
    for name, value in values.items():
        copy[JOURNAL_HEADER.index(name)] = value
    return copy


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_MANIFEST = (
    b'<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
    b"<manifest:file-entry><manifest:encryption-data/></manifest:file-entry>"
    b"</manifest:manifest>"
)


def ods_zip(parts: dict[str, bytes]) -> bytes:
    """A bare .ods archive (mimetype, content.xml) with `parts` added or replaced."""
    base = {
        "mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
        "content.xml": b"<office:document-content/>",
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name, content in {**base, **parts}.items():
            target.writestr(name, content)
    return out.getvalue()


def rezip(
    data: bytes, change: Callable[[str, bytes], bytes | None], extra: dict[str, bytes] | None = None
) -> bytes:
    """A copy of the zip `data` whose members pass through `change` (None drops one)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = change(info.filename, source.read(info.filename))
            if content is not None:
                target.writestr(info.filename, content)
        for name, content in (extra or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def in_part(part: str, edit: Callable[[bytes], bytes]) -> Callable[[str, bytes], bytes]:
    def change(name: str, content: bytes) -> bytes:
        return edit(content) if name == part else content

    return change


def clean_xlsx() -> bytes:
    return xlsx(CLEAN_XLSX_ROWS)


SHEET = "xl/worksheets/sheet1.xml"
LAUGHS = (
    b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)


def with_doctype(doctype: bytes) -> Callable[[bytes], bytes]:
    def edit(content: bytes) -> bytes:
        start = content.index(b"<", content.index(b"?>") + 2) if content.startswith(b"<?xml") else 0
        return content[:start] + doctype + content[start:]

    return edit


def lying_sizes() -> bytes:
    """A zip whose member says it inflates to 1 kB but inflates to 8 MB."""
    data = rezip(
        clean_xlsx(), lambda name, content: content, {"xl/media/blob.bin": b"\0" * 8_000_000}
    )
    name = b"xl/media/blob.bin"
    patched = bytearray(data)
    for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        name_at = 30 if signature == b"PK\x03\x04" else 46
        for match in re.finditer(re.escape(signature), data):
            header = match.start()
            if data[header + name_at : header + name_at + len(name)] == name:
                patched[header + size_at : header + size_at + 4] = struct.pack("<I", 1000)
    return bytes(patched)


def encrypted_sheet() -> bytes:
    """A workbook whose sheet part says it is encrypted (general purpose flag, bit 0)."""
    data = bytearray(clean_xlsx())
    name = SHEET.encode()
    for signature, flag_at, name_at in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
        for match in re.finditer(re.escape(signature), bytes(data)):
            header = match.start()
            if data[header + name_at : header + name_at + len(name)] == name:
                data[header + flag_at] |= 1
    return bytes(data)


def formulas(count: int) -> bytes:
    rows: list[list[Any]] = [JOURNAL_HEADER, *GOOD]
    for n in range(count):
        rows.append(line("E1", "6064", f"=SUM(F2:F{n + 3})", None))
    return xlsx(rows)


def bad_rows(*rows: Sequence[Any]) -> Callable[[], bytes]:
    return lambda: journal_csv(*rows)


def closed_february() -> bytes:
    return journal_csv(*(changed(row, date="2025-02-10") for row in GOOD))


FORMULA = (
    "Row {row}, column debit: cell F{row} holds a formula (=SUM(F2:F{end})); formulas are "
    "refused, never evaluated: type the value instead"
)
MANY_FORMULAS = ["25 cells hold formulas; the first 20 are listed"] + [
    FORMULA.format(row=n + 4, end=n + 3) for n in range(20)
]
SHORT_HEADER = [h for h in JOURNAL_HEADER if h != "credit"]
COLUMNS_FOUND = ", ".join(SHORT_HEADER)
CHART = "code, name_fr, name_en, needs_budget_line"

CASES = [
    # -- the file as a whole ------------------------------------------------------------
    Case("empty.csv", lambda: b"", ["The file is empty"]),
    Case("blank_lines.csv", lambda: b"\r\n \r\n\t\r\n", ["The file is empty"]),
    Case(
        "too_large.csv",
        lambda: journal_csv(*GOOD).ljust(2000, b"\n"),
        ["The file is 2.0 kB; files over 1.0 kB are refused"],
        settings={"IMPORT_MAX_BYTES": 1000},
    ),
    Case(
        "journal.numbers",
        lambda: journal_csv(*GOOD),
        [
            "'journal.numbers' is not a spreadsheet this import reads: save it as .xlsx, "
            ".ods, .xls or .csv"
        ],
    ),
    Case(
        "macros.xlsm",
        clean_xlsx,
        ["'macros.xlsm' is a macro-enabled workbook: save it as an .xlsx workbook without macros"],
    ),
    Case(
        "vba_project_inside.xlsx",
        lambda: rezip(clean_xlsx(), lambda n, c: c, {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0vba"}),
        [
            "'vba_project_inside.xlsx' is a macro-enabled workbook: save it as an .xlsx "
            "workbook without macros"
        ],
    ),
    Case(
        "macro_content_type.xlsx",
        lambda: rezip(
            clean_xlsx(),
            in_part(
                "[Content_Types].xml",
                lambda c: c.replace(
                    b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml"
                ),
            ),
        ),
        [
            "'macro_content_type.xlsx' is a macro-enabled workbook: save it as an .xlsx "
            "workbook without macros"
        ],
    ),
    Case(
        "report_pdf_renamed.xlsx",
        lambda: b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n",
        [
            "'report_pdf_renamed.xlsx' is not really an .xlsx workbook: "
            "its content is a PDF document"
        ],
    ),
    Case(
        "csv_renamed.xlsx",
        lambda: journal_csv(*GOOD),
        ["'csv_renamed.xlsx' is not really an .xlsx workbook: its content is text"],
    ),
    Case(
        "workbook_renamed.csv",
        clean_xlsx,
        ["'workbook_renamed.csv' is not really a .csv file: its content is a zip archive"],
    ),
    Case(
        "photo_renamed.csv",
        lambda: b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
        ["'photo_renamed.csv' is not really a .csv file: its content is an image"],
    ),
    Case(
        "letter_docx_renamed.xlsx",
        lambda: rezip(
            clean_xlsx(),
            lambda n, c: None,
            {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"},
        ),
        [
            "'letter_docx_renamed.xlsx' is not really an .xlsx workbook: "
            "its content is a Word document"
        ],
    ),
    Case(
        "sheet_ods_renamed.xlsx",
        lambda: rezip(
            clean_xlsx(),
            lambda n, c: None,
            {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<o/>"},
        ),
        [
            "'sheet_ods_renamed.xlsx' is not really an .xlsx workbook: "
            "its content is an .ods spreadsheet"
        ],
    ),
    Case(
        "old_format.xlsx",
        lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504,
        [
            "'old_format.xlsx' is an old-format (.xls) workbook named .xlsx: rename it .xls, "
            "or save it as an .xlsx workbook"
        ],
    ),
    Case(
        # Office's encryption: an OLE2 container holding an EncryptedPackage stream.
        "password_protected.xlsx",
        lambda: OLE2 + b"\0" * 504 + "EncryptedPackage".encode("utf-16-le"),
        ["'password_protected.xlsx' is protected by a password: save it without a password"],
    ),
    Case(
        "password_protected.ods",
        lambda: ods_zip({"META-INF/manifest.xml": ENCRYPTED_MANIFEST}),
        ["'password_protected.ods' is protected by a password: save it without a password"],
    ),
    Case(
        "macros.ods",
        lambda: ods_zip({"Basic/Standard/Module1.xml": b"<script/>"}),
        ["'macros.ods' is a macro-enabled workbook: save it as an .xlsx workbook without macros"],
    ),
    Case(
        "text_document.ods",
        lambda: ods_zip({"mimetype": b"application/vnd.oasis.opendocument.text"}),
        [
            "'text_document.ods' is not really an .ods spreadsheet: its content is an "
            "OpenDocument file of another kind"
        ],
    ),
    Case(
        "zip_named.xls",
        lambda: ods_zip({}),
        ["'zip_named.xls' is not really an .xls workbook: its content is a zip archive"],
    ),
    Case(
        "damaged.xls",
        lambda: OLE2 + b"\x01" * 600,
        ["The workbook is damaged or not what its name says (OLE sector index out of range)"],
    ),
    Case(
        "truncated_zip.xlsx",
        lambda: clean_xlsx()[:300],
        ["The workbook is damaged or not what its name says (File is not a zip file)"],
    ),
    Case(
        "zip_bomb.xlsx",
        lambda: rezip(clean_xlsx(), lambda n, c: c, {"xl/media/blob.bin": b"\0" * 8_000_000}),
        ["The workbook would expand to 8.0 MB (limit 5.0 MB): refused"],
        settings={"IMPORT_MAX_UNCOMPRESSED": 5_000_000},
    ),
    Case(
        "zip_bomb_lying_sizes.xlsx",
        lying_sizes,
        [
            "The workbook is damaged or not what its name says (xl/media/blob.bin: "
            "Bad CRC-32 for file 'xl/media/blob.bin')"
        ],
    ),
    Case(
        "billion_laughs.xlsx",
        lambda: rezip(clean_xlsx(), in_part(SHEET, with_doctype(LAUGHS))),
        ["The workbook declares XML entities or a DTD in xl/worksheets/sheet1.xml: refused"],
    ),
    Case(
        "external_entity.xlsx",
        lambda: rezip(
            clean_xlsx(),
            in_part(
                SHEET, with_doctype(b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')
            ),
        ),
        ["The workbook declares XML entities or a DTD in xl/worksheets/sheet1.xml: refused"],
    ),
    Case(
        "entities_in_workbook_part.xlsx",
        lambda: rezip(clean_xlsx(), in_part("xl/workbook.xml", with_doctype(LAUGHS))),
        ["The workbook declares XML entities or a DTD in xl/workbook.xml: refused"],
    ),
    Case(
        "utf16_sheet.xlsx",
        lambda: rezip(
            clean_xlsx(),
            in_part(SHEET, lambda c: c.decode().replace("utf-8", "utf-16").encode("utf-16")),
        ),
        [
            "The workbook is damaged or not what its name says "
            "(xl/worksheets/sheet1.xml is not UTF-8 XML)"
        ],
    ),
    Case(
        "encrypted_part.xlsx",
        encrypted_sheet,
        ["The workbook is encrypted (xl/worksheets/sheet1.xml): save it without a password"],
    ),
    Case("formula.xlsx", lambda: formulas(1), [FORMULA.format(row=4, end=3)]),
    Case("many_formulas.xlsx", lambda: formulas(25), MANY_FORMULAS),
    Case(
        "blank_sheet.xlsx",
        lambda: xlsx([]),
        ["The sheet is empty: the first row must hold the column names"],
    ),
    Case(
        # Neither UTF-8 nor Windows-1252 (0x81 is undefined there): Mac Roman, say.
        "mac_roman.csv",
        lambda: (
            "entry;date;journal;account;label;debit;credit\nE1;2025-03-14;ACH;6064;Matériel;1;\n".encode(
                "mac_roman"
            )
            + b"\x81"
        ),
        ["The file is not UTF-8 text (byte 73 of the file): in Excel, save it as 'CSV UTF-8'"],
    ),
    Case(
        "nul_bytes.csv",
        lambda: journal_csv(*GOOD) + b"\0\0",
        ["'nul_bytes.csv' is not really a .csv file: its content is binary data"],
    ),
    Case(
        "huge_field.csv",
        lambda: journal_csv(changed(GOOD[0], label="x" * 200_000), GOOD[1]),
        [
            "Line 2 of the file is 200,045 characters long (at most 100,000): it is not a "
            "table of rows; save the sheet as CSV UTF-8 again"
        ],
    ),
    Case(
        "too_many_rows.csv",
        lambda: journal_csv(*(GOOD * 4)),
        ["The sheet has more than 5 rows: split it into several files"],
        settings={"IMPORT_MAX_ROWS": 5},
    ),
    Case(
        "too_many_rows.xlsx",
        lambda: xlsx([JOURNAL_HEADER, *(GOOD * 4)]),
        ["The sheet has more than 5 rows: split it into several files"],
        settings={"IMPORT_MAX_ROWS": 5},
    ),
    # -- the header ----------------------------------------------------------------------
    Case(
        "header_only.csv",
        lambda: journal_csv(),
        ["The sheet has column names but no rows to import"],
    ),
    Case(
        "missing_credit_column.csv",
        lambda: journal_csv(
            *(
                [c for h, c in zip(JOURNAL_HEADER, row, strict=True) if h != "credit"]
                for row in GOOD
            ),
            header=SHORT_HEADER,
        ),
        [f"Column 'credit' is missing (columns found: {COLUMNS_FOUND})"],
    ),
    Case(
        "duplicated_debit.csv",
        lambda: journal_csv(*([*row, "1"] for row in GOOD), header=[*JOURNAL_HEADER, "Débit"]),
        ["Columns F 'debit' and O 'Débit' both mean 'debit'"],
    ),
    Case(
        "unknown_column.csv",
        lambda: journal_csv(*([*row, "x"] for row in GOOD), header=[*JOURNAL_HEADER, "note"]),
        [
            "Column O 'note' is not a column of a journal sheet (columns: entry, date, "
            "journal, account, label, debit, credit, currency, amount_currency, side, "
            "budget_line, piece_ref, piece_date, third_party, amount)"
        ],
    ),
    Case(
        "unnamed_column.csv",
        lambda: journal_csv(*([*row, "note"] for row in GOOD), header=[*JOURNAL_HEADER, ""]),
        ["Column O holds values but has no name in the header row"],
    ),
    # -- rows ----------------------------------------------------------------------------
    Case(
        "not_an_amount.csv",
        bad_rows(changed(GOOD[0], debit="abc"), GOOD[1]),
        ["Row 2, column debit: 'abc' is not an amount"],
    ),
    Case(
        # A semicolon file with decimal commas: '100,005' is 100.005, three decimals.
        "three_decimals.csv",
        lambda: csv_bytes(
            [
                JOURNAL_HEADER,
                changed(GOOD[0], debit="100,005"),
                changed(GOOD[1], credit="100,00"),
            ],
            ";",
        ),
        [
            "Row 2, column debit: '100,005' reads as 100.005 with the file's decimal comma: "
            "more than 2 decimals; if it means 100,005.00, write it without the thousands "
            "separator"
        ],
    ),
    Case(
        # A comma file with decimal points: '100,005' is 100,005.00, which does not balance.
        "english_grouping.csv",
        bad_rows(changed(GOOD[0], debit="100,005"), GOOD[1]),
        ["Entry E1 (rows 2-3) does not balance: debit 100,005.00, credit 100.00"],
    ),
    Case(
        "negative_credit.csv",
        bad_rows(GOOD[0], changed(GOOD[1], credit="-100.00")),
        [
            "Row 3, column credit: '-100.00' is negative: negative amounts go in the other "
            "column (debit), written positive"
        ],
    ),
    Case(
        "debit_and_credit.csv",
        bad_rows(changed(GOOD[0], credit="5"), GOOD[1]),
        ["Row 2: give a debit or a credit, not both"],
    ),
    Case(
        "no_amount.csv",
        bad_rows(changed(GOOD[0], debit=""), GOOD[1]),
        ["Row 2: give a debit or a credit (or an amount in currency and its side)"],
    ),
    Case(
        "unknown_account.csv",
        bad_rows(changed(GOOD[0], account="6258"), GOOD[1]),
        ["Row 2: account 6258 does not exist in CINTRA's chart"],
    ),
    Case(
        "unknown_journal.csv",
        bad_rows(*(changed(row, journal="XYZ") for row in GOOD)),
        ["Row 2: journal XYZ does not exist in CINTRA"],
    ),
    Case(
        "impossible_date.csv",
        bad_rows(changed(GOOD[0], date="31/02/2025"), GOOD[1]),
        ["Row 2, column date: '31/02/2025' is not a date (write YYYY-MM-DD or DD/MM/YYYY)"],
    ),
    Case(
        "outside_fiscal_year.csv",
        bad_rows(*(changed(row, date="2024-12-31") for row in GOOD)),
        ["Row 2: 2024-12-31 read as 31 December 2024, outside the fiscal years of CINTRA"],
    ),
    Case(
        "closed_month.csv",
        closed_february,
        ["Row 2: 2025-02-10 read as 10 February 2025, in 2025-02 which is closed"],
    ),
    Case(
        "unbalanced.csv",
        bad_rows(GOOD[0], changed(GOOD[1], credit="99.99")),
        ["Entry E1 (rows 2-3) does not balance: debit 100.00, credit 99.99"],
    ),
    Case(
        "single_line.csv",
        bad_rows(GOOD[0]),
        ["Entry E1 (row 2) has a single line; an entry needs at least two"],
    ),
    Case(
        "budget_line_missing.csv",
        bad_rows(changed(GOOD[0], account="6063"), GOOD[1]),
        ["Row 2: account 6063 needs a budget line (column budget_line)"],
    ),
    Case(
        "budget_line_unknown.csv",
        bad_rows(changed(GOOD[0], account="6063", budget_line="OP-XXX"), GOOD[1]),
        ["Row 2: budget line OP-XXX does not exist in CINTRA for 2025"],
    ),
    Case(
        "dates_differ_in_entry.csv",
        bad_rows(GOOD[0], changed(GOOD[1], date="2025-03-15")),
        [
            "Row 3, column date: '2025-03-15' differs from '2025-03-14' on row 2 "
            "of the same entry E1"
        ],
    ),
    Case(
        "entry_key_missing.csv",
        bad_rows(GOOD[0], changed(GOOD[1], entry=""), changed(GOOD[1], credit="100")),
        ["Row 3, column entry: a value is required"],
    ),
    Case(
        "currency_code.csv",
        bad_rows(
            changed(GOOD[0], debit="", currency="EURO", amount_currency="10", side="D"), GOOD[1]
        ),
        ["Row 2, column currency: 'EURO' is not a currency code (such as EUR or USD)"],
    ),
    Case(
        "currency_without_amount.csv",
        bad_rows(changed(GOOD[0], currency="USD"), GOOD[1]),
        ["Row 2: currency USD is given without an amount_currency"],
    ),
    Case(
        "foreign_amount_without_side.csv",
        bad_rows(changed(GOOD[0], debit="", currency="USD", amount_currency="74.50"), GOOD[1]),
        ["Row 2: say whether 74.50 USD is a debit or a credit (column side)"],
    ),
    Case(
        "no_rate_for_currency.csv",
        bad_rows(
            changed(GOOD[0], debit="", currency="GBP", amount_currency="50", side="debit"), GOOD[1]
        ),
        ["Row 2: no chancellery rate for GBP on or before 2025-03-14"],
    ),
    Case(
        "label_too_long.csv",
        bad_rows(changed(GOOD[0], label="L" * 201), GOOD[1]),
        ["Row 2, column label: 201 characters, at most 200"],
    ),
    Case(
        "markup_in_cells.csv",
        bad_rows(changed(GOOD[0], account="<script>alert(1)</script>"), GOOD[1]),
        ["Row 2: account <script>alert(1)</script> does not exist in CINTRA's chart"],
    ),
    Case(
        "control_characters.csv",
        bad_rows(changed(GOOD[0], debit="12\x1b[31m"), GOOD[1]),
        ["Row 2, column debit: '12?[31m' is not an amount"],
    ),
    # -- chart, rates, budget lines --------------------------------------------------------
    Case(
        "chart_bad_code.csv",
        lambda: csv_bytes([["code", "name_fr", "name_en"], ["9999", "Neuf", "Nine"]]),
        ["Row 2, column code: '9999' is not a PCG account number (class 1 to 7, 3 to 12 digits)"],
        kind="accounts",
    ),
    Case(
        "chart_existing_account.csv",
        lambda: csv_bytes(
            [["Compte", "Intitulé", "Intitulé anglais"], ["6064", "Fournitures", "Supplies"]]
        ),
        ["Row 2: account 6064 already exists in CINTRA's chart"],
        kind="accounts",
    ),
    Case(
        "chart_missing_names.csv",
        lambda: csv_bytes([["code"], ["6065"]]),
        [
            "Column 'name_fr' is missing (columns found: code)",
            "Column 'name_en' is missing (columns found: code)",
        ],
        kind="accounts",
    ),
    Case(
        "rates_negative.csv",
        lambda: csv_bytes(
            [["currency", "valid_from", "units_per_eur"], ["USD", "2025-04-01", "-1.08"]]
        ),
        ["Row 2, column units_per_eur: -1.08 is negative"],
        kind="rates",
    ),
    Case(
        "rates_decimal_comma_bad_date.csv",
        lambda: csv_bytes([["Devise", "Date", "Taux"], ["USD", "2025-13-01", "1,0850"]], ";"),
        ["Row 2, column valid_from: '2025-13-01' is not a date (write YYYY-MM-DD or DD/MM/YYYY)"],
        kind="rates",
    ),
    Case(
        "budget_unknown_funding.csv",
        lambda: csv_bytes(
            [
                [
                    "code",
                    "year",
                    "funding_source",
                    "label_fr",
                    "label_en",
                    "envelope",
                    "nature",
                    "allocated",
                    "allocated_on",
                ],
                [
                    "OP-NEW",
                    "2025",
                    "ANR-X",
                    "Nouveau",
                    "New",
                    "fonctionnement",
                    "supplies",
                    "1000",
                    "2025-01-15",
                ],
            ]
        ),
        ["Row 2: funding source ANR-X does not exist in CINTRA"],
        kind="budget",
    ),
    Case(
        "budget_unknown_year_and_nature.csv",
        lambda: csv_bytes(
            [
                [
                    "code",
                    "year",
                    "funding_source",
                    "label_fr",
                    "label_en",
                    "envelope",
                    "nature",
                    "allocated",
                    "allocated_on",
                ],
                [
                    "OP-NEW",
                    "2031",
                    "CNRS-DOT",
                    "Nouveau",
                    "New",
                    "operating",
                    "toys",
                    "1000",
                    "2025-01-15",
                ],
            ]
        ),
        [
            "Row 2: CINTRA has no fiscal year 2031",
            "Row 2, column nature: 'toys' is not one of equipment, fixed_term_staff, "
            "missions, other, receptions, services, supplies",
        ],
        kind="budget",
    ),
]


def write_corpus(directory: Path) -> list[dict[str, Any]]:
    """Write every file of the corpus and its manifest into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    manifest = []
    for case in CASES:
        (directory / case.name).write_bytes(case.build())
        manifest.append(
            {
                "file": case.name,
                "kind": case.kind,
                "settings": case.settings,
                "expected": case.expected,
            }
        )
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    return manifest


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "corpus-out")
    written = write_corpus(target)
    print(f"{len(written)} files written to {target}")
