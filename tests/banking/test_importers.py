"""Each statement reader on realistic files (tests/banking/files/): DBS, OCBC and UOB CSV
exports with their preambles, a French semicolon CSV, CAMT.053 and OFX 1.x and 2.x; and
every problem of a broken file listed by row and column. Pure reading: no database."""

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

import pytest

from banking.importing import CsvMapping, parse_amount, statement_read
from banking.importing.base import ParsedStatement
from tests.banking.story import DBS_MAPPING, FRENCH_MAPPING, OCBC_MAPPING, UOB_MAPPING, file

D = Decimal
MARCH_TOTAL = D("68556.06")  # the eight March lines of the story
MARCH_AMOUNTS = [
    D("75000.00"),
    D("-1351.60"),
    D("-267.92"),
    D("-2450.00"),
    D("-1351.60"),
    D("-980.00"),
    D("-55.30"),
    D("12.48"),
]


def mapping(fields: Mapping[str, object]) -> CsvMapping:
    columns = tuple(c.strip() for c in str(fields["csv_description_columns"]).split(","))
    return CsvMapping(
        date_column=str(fields["csv_date_column"]),
        date_format=str(fields.get("csv_date_format", "%d/%m/%Y")),
        value_date_column=str(fields.get("csv_value_date_column", "")),
        amount_column=str(fields.get("csv_amount_column", "")),
        debit_column=str(fields.get("csv_debit_column", "")),
        credit_column=str(fields.get("csv_credit_column", "")),
        description_columns=columns,
        reference_column=str(fields.get("csv_reference_column", "")),
        delimiter=str(fields.get("csv_delimiter", ",")),
        decimal_separator=str(fields.get("csv_decimal_separator", ".")),
    )


def read(name: str, fields: Mapping[str, object] | None = None, **kwargs: str) -> ParsedStatement:
    return statement_read(
        data=file(name),
        file_name=name,
        mapping=mapping(fields) if fields else None,
        **kwargs,
    )


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        ("dbs-cintra-2025-03.csv", DBS_MAPPING),
        ("ocbc-cintra-2025-03.csv", OCBC_MAPPING),
        ("uob-cintra-2025-03.csv", UOB_MAPPING),
        ("camt053-cintra-2025-03.xml", None),
        ("ofx-cintra-2025-03.ofx", None),
    ],
)
def test_every_reader_finds_the_eight_march_lines(name: str, fields: dict[str, object] | None):
    parsed = read(name, fields)

    assert parsed.problems == []
    assert [line.amount for line in parsed.lines] == MARCH_AMOUNTS
    assert sum(line.amount for line in parsed.lines) == MARCH_TOTAL
    assert parsed.lines[0].booking_date == date(2025, 3, 3)
    assert parsed.lines[-1].booking_date == date(2025, 3, 31)
    assert parsed.period_end == date(2025, 3, 31)


def test_dbs_reads_its_preamble_three_reference_columns_and_named_months():
    parsed = read("dbs-cintra-2025-03.csv", DBS_MAPPING)

    first = parsed.lines[0]
    assert first.description == "THALES SOLUTIONS ASIA PTE LTD CONTRIBUTION 2025 H1"
    assert first.reference == "CINTRA-VT-2025-001"
    assert first.row == 7  # the five lines above the headings are the bank's preamble
    assert parsed.lines[1].amount == D("-1351.60")  # "1,351.60" under Debit Amount


def test_ocbc_joins_a_description_continued_on_the_next_line():
    parsed = read("ocbc-cintra-2025-03.csv", OCBC_MAPPING)

    assert parsed.lines[0].description == (
        "FAST TRANSFER THALES SOLUTIONS ASIA CINTRA-VT-2025-001 CONTRIBUTION 2025 H1"
    )
    assert parsed.lines[4].value_date == date(2025, 3, 19)  # the cheque's value date


def test_uob_passes_over_its_totals_line_and_keeps_its_references():
    parsed = read("uob-cintra-2025-03.csv", UOB_MAPPING)

    assert len(parsed.lines) == 8
    assert [line.reference for line in parsed.lines[:2]] == ["CINTRA-VT-2025-001", "OLS-2025-0212"]


def test_a_french_export_with_semicolons_decimal_commas_and_a_signed_amount():
    parsed = read("eur-semicolon-2025-03.csv", FRENCH_MAPPING)

    assert parsed.problems == []
    assert [line.amount for line in parsed.lines] == [D("75000.00"), D("-1351.60"), D("-55.30")]
    assert parsed.lines[1].description == "PRLV ORCHID LAB SUPPLIES"


def test_camt053_gives_balances_references_and_leaves_pending_entries_out():
    parsed = read("camt053-cintra-2025-03.xml")

    assert (parsed.opening_balance, parsed.closing_balance) == (D("85000.00"), D("153556.06"))
    assert (parsed.period_start, parsed.period_end) == (date(2025, 3, 1), date(2025, 3, 31))
    assert parsed.account_number == "0123456789"
    assert parsed.currency == "SGD"
    assert parsed.statement_ref == "STMT-2025-03"
    assert parsed.left_out == 1  # the pending card payment
    first = parsed.lines[0]
    assert first.transaction_id == "BK250303000101"
    assert first.reference == "CINTRA-VT-2025-001"
    assert first.description == "THALES SOLUTIONS ASIA PTE LTD CONTRIBUTION 2025 H1"
    assert parsed.lines[4].reference == ""  # NOTPROVIDED is no reference


def test_ofx_sgml_and_xml():
    sgml = read("ofx-cintra-2025-03.ofx")
    assert sgml.closing_balance == D("153556.06")
    assert sgml.currency == "SGD" and sgml.account_number == "0123456789"
    assert sgml.lines[0].transaction_id == "BK250303000101"
    assert sgml.lines[1].description == "ORCHID LAB SUPPLIES PTE LTD INVOICE OLS-2025-0212"

    xml = read("ofx2-cintra-2025-04.ofx")
    assert [line.amount for line in xml.lines] == [D("5000.00"), D("-3200.00")]
    assert xml.lines[0].description == "NATIONAL UNIVERSITY OF SINGAPORE RECHARGE MARCH & APRIL"
    assert xml.lines[1].reference == "000123"  # the cheque number


def test_a_broken_csv_lists_every_problem_by_row_and_column():
    parsed = read("dbs-broken.csv", DBS_MAPPING | {"csv_description_columns": "Transaction Ref1"})

    assert [str(p) for p in parsed.problems] == [
        "Row 3, column Transaction Date: “31 Feb 2025” is not a date in the form DD Mon YYYY",
        "Row 4, column Debit Amount: “1.234,5x” is not an amount",
        "Row 5: both a withdrawal (5.00) and a deposit (7.00): one line, one side",
        "Row 6: no amount",
    ]


def test_a_mapping_naming_a_missing_column_says_which_columns_the_file_has():
    parsed = read("dbs-cintra-2025-03.csv", DBS_MAPPING | {"csv_reference_column": "Ref"})

    assert len(parsed.problems) == 1
    assert str(parsed.problems[0]).startswith("The file has no column “Ref” (its columns: ")
    assert "“Transaction Ref2”" in str(parsed.problems[0])


def test_the_content_decides_the_kind_and_the_name_must_agree():
    wrong_name = statement_read(
        data=file("camt053-cintra-2025-03.xml"), file_name="march.csv", mapping=None
    )
    assert [str(p) for p in wrong_name.problems] == [
        "march.csv holds a CAMT.053 statement, but its name says otherwise: name it "
        ".xml / .053 / .camt"
    ]
    binary = statement_read(data=b"PK\x03\x04 a workbook", file_name="march.xlsx")
    assert [str(p) for p in binary.problems] == [
        "march.xlsx is not a bank statement this page reads: a CSV export, a CAMT.053 XML "
        "file or an OFX file"
    ]
    forced = statement_read(
        data=file("ofx-cintra-2025-03.ofx"), file_name="x.ofx", format="camt053"
    )
    assert [str(p) for p in forced.problems] == ["x.ofx is not a CAMT.053 file"]
    assert [str(p) for p in statement_read(data=b"", file_name="e.csv").problems] == [
        "e.csv is empty"
    ]


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
<BkToCstmrStmt>&lol2;</BkToCstmrStmt></Document>"""


OFX_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>&lol2;</CURDEF></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>"""


def test_xml_with_a_dtd_is_refused_without_expanding_anything():
    camt = statement_read(data=BOMB, file_name="bomb.xml")
    ofx = statement_read(data=OFX_BOMB, file_name="bomb.ofx")

    assert camt.lines == [] and ofx.lines == []
    assert [str(p) for p in camt.problems] == [
        "The XML cannot be read: DTDForbidden(name='lolz', system_id=None, public_id=None)"
    ]
    assert [str(p) for p in ofx.problems] == [
        "The OFX file cannot be read: DTDForbidden(name='lolz', system_id=None, public_id=None)"
    ]


def test_camt_entries_with_missing_or_foreign_values_are_problems():
    data = (
        file("camt053-cintra-2025-03.xml")
        .replace(b'<Amt Ccy="SGD">267.92</Amt>', b'<Amt Ccy="USD">267.92</Amt>')
        .replace(b"<Dt>2025-03-14</Dt></BookgDt>", b"</BookgDt>", 1)
    )
    parsed = statement_read(data=data, file_name="march.xml", currency="SGD")

    assert [str(p) for p in parsed.problems] == [
        "Entry 3, Amt: the amount is in USD, the bank account in SGD",
        "Entry 4, BookgDt: missing",
    ]


@pytest.mark.parametrize(
    ("text", "separator", "amount"),
    [
        ("1,234.50", ".", D("1234.50")),
        ("(1,234.50)", ".", D("-1234.50")),
        ("12.30-", ".", D("-12.30")),
        ("45.00 DR", ".", D("-45.00")),
        ("SGD 1,000.00", ".", D("1000.00")),
        ("1 234,56", ",", D("1234.56")),
        ("1.234.567,8", ",", D("1234567.80")),
        ("1,23", ".", None),  # not thousands: refused, never read as 123
        ("1.234,5x", ".", None),
        ("abc", ".", None),
        ("1e5", ".", None),
    ],
)
def test_amounts_as_banks_write_them(text: str, separator: str, amount: Decimal | None):
    assert parse_amount(text, separator) == amount
