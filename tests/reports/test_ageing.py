"""Payables and receivables ageing, hledger-oracle style: the statement at a date equals
a hand computation of the worked example (tests/reports/third_party_books.py), item by
item and column by column; then the files (PDF text, XLSX reopened), both languages,
one third party, later dates, exact sums and neutralised cells."""

import io
import zipfile
from datetime import date
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.contrib.auth.models import User
from pypdf import PdfReader

from ledger.models import JournalLine
from reports.builders import statement_build
from reports.builders.ageing import open_items
from reports.exceptions import NO_THIRD_PARTY, StatementError
from reports.services import render
from reports.statement import Row, Statement
from tests.reports.tables import sections
from tests.reports.third_party_books import (
    Line,
    PartyBooks,
    money,
    moneys,
    party_books,
    post,
    purchase,
    text,
)

D = Decimal
AT = date(2025, 6, 30)
# Bounds on 30 June: due on 30 June or later is not yet due; 1-30 days overdue is due
# 31 May to 29 June; 31-60: 1 to 30 May; 61-90: 1 April to 30 April; over 90: before
# 1 April.
#
# Payables on 30 June, by hand (P1 and P3 lettered AA on 15 February: closed; P12 and
# P13 are July's; P9 lettered AC only on 10 July: still open on 30 June):
#   401 ALPHA  P10  50.00 due 03-31 (91 days)            over 90
#              P2  500.00 due 04-19 (72 days)            61-90
#              P11  70.00 due 05-20 (41 days)            31-60
#              P8  250.00 due 06-30 (0 days)             not due
#              P7  100.00 due 07-30                      not due
#   401 BETA   P9  400.00 due 04-01 (90 days)            61-90
#              P6  300.00 due 05-31 (30 days)            1-30
#              P4 2000.00 due 07-04, partial AB          not due
#              P5 -800.00 paid 06-10 (20 days), part AB  1-30
#   421 STAFF-1 S1 120.00 due 07-20 (a credit: payable)  not due
PAYABLE_ITEMS = [
    ("401 · ALPHA Alpha Optics Pte Ltd", "P10", "over_90", "50.00", ""),
    ("401 · ALPHA Alpha Optics Pte Ltd", "P2", "d61_90", "500.00", ""),
    ("401 · ALPHA Alpha Optics Pte Ltd", "P11", "d31_60", "70.00", ""),
    ("401 · ALPHA Alpha Optics Pte Ltd", "P8", "not_due", "250.00", ""),
    ("401 · ALPHA Alpha Optics Pte Ltd", "P7", "not_due", "100.00", ""),
    ("401 · BETA Beta Lasers Pte Ltd", "P9", "d61_90", "400.00", ""),
    ("401 · BETA Beta Lasers Pte Ltd", "P6", "d1_30", "300.00", ""),
    ("401 · BETA Beta Lasers Pte Ltd", "P4", "not_due", "2000.00", "ab"),
    ("401 · BETA Beta Lasers Pte Ltd", "P5", "d1_30", "-800.00", "ab"),
    ("421 · STAFF-1 Staff member one", "S1", "not_due", "120.00", ""),
]
# Receivables on 30 June (R1 and R2 lettered AA, partial: both open):
#   411 PARTNER-X R1 10000.00 due 03-06 (116 days)           over 90
#                 R2 -6000.00 received 03-10 (112 days)      over 90
#                 R3  2500.00 due 07-30                      not due
#   467 STAFF-2   S2   300.00 advance of 04-15 (76 days; a debit: receivable)  61-90
RECEIVABLE_ITEMS = [
    ("411 · PARTNER-X Partner X University", "R1", "over_90", "10000.00", "aa"),
    ("411 · PARTNER-X Partner X University", "R2", "over_90", "-6000.00", "aa"),
    ("411 · PARTNER-X Partner X University", "R3", "not_due", "2500.00", ""),
    ("467 · STAFF-2 Staff member two", "S2", "d61_90", "300.00", ""),
]
COLUMNS = ["not_due", "d1_30", "d31_60", "d61_90", "over_90"]


@pytest.fixture
def books(accountant: User) -> PartyBooks:
    return party_books(accountant)


def ageing(books: PartyBooks, kind: str, at: date = AT, **options: Any) -> Statement:
    return statement_build(kind=kind, lab=books.lab, date_to=at, **options)


def by_hand(items: list[tuple[str, str, str, str, str]]) -> dict[str, dict[str, Decimal]]:
    """Per section, the total of each column of the hand-written items."""
    totals: dict[str, dict[str, Decimal]] = {}
    for section, _piece, column, amount, _let in items:
        sums = totals.setdefault(section, dict.fromkeys(COLUMNS, D("0.00")))
        sums[column] += D(amount)
    return totals


def items_of(rows: list[Row]) -> list[tuple[str, str, Decimal, str]]:
    """(piece, column, amount, lettering) of each item row."""
    found = []
    for row in rows:
        if row.style != "normal":
            continue
        amounts = row.cells[6:11]
        [column] = [COLUMNS[i] for i, amount in enumerate(amounts) if amount is not None]
        assert money(row, 11) == amounts[COLUMNS.index(column)]  # the item's total
        found.append((text(row, 2), column, money(row, 11), text(row, 5)))
    return found


def subtotal(rows: list[Row]) -> dict[str, Decimal]:
    [row] = [r for r in rows if r.style == "subtotal"]
    assert money(row, 11) == sum(moneys(row, 6, 11), D(0))
    return dict(zip(COLUMNS, moneys(row, 6, 11), strict=True))


@pytest.mark.parametrize(
    ("kind", "items"),
    [("payables-ageing", PAYABLE_ITEMS), ("receivables-ageing", RECEIVABLE_ITEMS)],
)
def test_the_ageing_on_30_june_is_the_hand_computation(books: PartyBooks, kind: str, items):
    statement = ageing(books, kind)

    found = sections(statement)
    assert list(found) == list(dict.fromkeys(section for section, *_ in items))
    for title, rows in found.items():
        wanted = [(p, c, D(a), let) for s, p, c, a, let in items if s == title]
        assert items_of(rows) == wanted
        assert subtotal(rows) == by_hand(items)[title]
    grand = statement.totals[-1]
    assert grand.style == "total"
    columns = {c: sum((by_hand(items)[s][c] for s in by_hand(items)), D(0)) for c in COLUMNS}
    assert dict(zip(COLUMNS, grand.cells[6:11], strict=True)) == columns
    assert grand.cells[11] == sum(columns.values(), D(0))


def test_the_grand_totals_worked_out(books: PartyBooks):
    payables = ageing(books, "payables-ageing").totals
    receivables = ageing(books, "receivables-ageing").totals
    # not due, 1-30, 31-60, 61-90, over 90, total
    assert [r.cells[3] for r in payables] == [
        "Total 401 Suppliers",
        "Total 421 Staff expense claims",
        "Total payables",
    ]
    assert payables[-1].cells[6:] == tuple(
        D(x) for x in ("2470.00", "-500.00", "70.00", "900.00", "50.00", "2990.00")
    )
    assert receivables[-1].cells[6:] == tuple(
        D(x) for x in ("2500.00", "0.00", "0.00", "300.00", "4000.00", "6800.00")
    )


def test_the_ageing_moves_with_its_date(books: PartyBooks):
    """On 31 July: P12 (due 08-04) is not due yet, P9 and P13 are lettered AC on 10 July
    (complete: both gone), everything else a month older."""
    statement = ageing(books, "payables-ageing", at=date(2025, 7, 31))
    found = sections(statement)  # the rows are streamed: read once
    beta = found["401 · BETA Beta Lasers Pte Ltd"]
    assert [(p, c, a) for p, c, a, _let in items_of(beta)] == [
        ("P6", "d61_90", D("300.00")),  # due 05-31: 61 days
        ("P4", "d1_30", D("2000.00")),  # due 07-04: 27 days
        ("P5", "d31_60", D("-800.00")),  # 06-10: 51 days
    ]
    alpha = found["401 · ALPHA Alpha Optics Pte Ltd"]
    assert ("P12", "not_due", D("999.00"), "") in items_of(alpha)
    assert statement.totals[-1].cells[11] == D("2990.00") + D("999.00") - D("400.00")


def test_a_date_before_the_lettering_keeps_both_lines_open(books: PartyBooks):
    """On 14 February, P1 (due 02-09) is 5 days overdue and not yet lettered."""
    statement = ageing(books, "payables-ageing", at=date(2025, 2, 14))
    alpha = sections(statement)["401 · ALPHA Alpha Optics Pte Ltd"]
    assert items_of(alpha) == [("P1", "d1_30", D("1000.00"), "")]
    assert statement.title == "Payables ageing at 2025-02-14"
    assert statement.parameters["at"] == "2025-02-14"


def test_one_third_party(books: PartyBooks):
    statement = ageing(books, "payables-ageing", third_party="BETA")
    assert list(sections(statement)) == ["401 · BETA Beta Lasers Pte Ltd"]
    assert statement.totals[-1].cells[11] == D("1900.00")
    assert statement.parameters["third_party"] == "BETA"
    with pytest.raises(StatementError) as refused:
        ageing(books, "payables-ageing", third_party="NOBODY")
    assert str(refused.value) == NO_THIRD_PARTY.format(code="NOBODY")


@pytest.mark.parametrize("repaid", ["500.00", "300.00"])
def test_staff_and_other_accounts_go_by_the_side_of_their_balance(books: PartyBooks, repaid: str):
    """STAFF-2 repays 500 on 467 (more than the 300 advance: a credit balance), or exactly
    300 (nil, not lettered yet): its 467 items move from the receivables (a debit balance)
    to the payables."""
    lines: list[Line] = [
        ("512", repaid, "0", {}),
        ("467", "0", repaid, {"third_party": "STAFF-2"}),
    ]
    post(books.user, books.lab, "BQS", date(2025, 6, 25), "Advance repaid", "S3", lines)
    receivables = sections(ageing(books, "receivables-ageing"))
    payables = sections(ageing(books, "payables-ageing"))
    assert "467 · STAFF-2 Staff member two" not in receivables
    assert items_of(payables["467 · STAFF-2 Staff member two"]) == [
        ("S2", "d61_90", D("-300.00"), ""),
        ("S3", "d1_30", D(repaid), ""),
    ]


def test_items_are_summed_exactly(books: PartyBooks):
    """Ten lines of 0.10 and one of 1,234,567.89 on one invoice: float sums would drift."""
    lines: list[Line] = [("6064", "1234568.89", "0", {})]
    lines += [("401", "0", "0.10", {"third_party": "ALPHA"})] * 10
    lines += [("401", "0", "1234567.89", {"third_party": "ALPHA"})]
    post(books.user, books.lab, "ACH", date(2025, 6, 30), "Many lines", "MANY", lines)
    alpha = sections(ageing(books, "payables-ageing"))["401 · ALPHA Alpha Optics Pte Ltd"]
    assert subtotal(alpha)["not_due"] == D("350.00") + D("1234568.89")


def test_the_open_items_are_read_in_sql(books: PartyBooks, django_assert_max_num_queries):
    items = open_items(books.lab, AT, "payables-ageing")
    statement = ageing(books, "payables-ageing")
    with django_assert_max_num_queries(3):  # one streamed query for every section's items
        for section in statement.sections:
            list(section.rows)
    assert items.count() == len(PAYABLE_ITEMS)
    assert JournalLine.objects.filter(lab=books.lab, entry_date__lte=AT).count() > len(
        PAYABLE_ITEMS
    )


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_pdf_in_english_and_french(books: PartyBooks):
    english = pdf_text(render(ageing(books, "payables-ageing"), "pdf"))
    assert "Payables ageing at 2025-06-30" in english
    assert "Not yet due" in english and "Over 90 days" in english
    assert "401 · BETA Beta Lasers Pte Ltd" in english
    assert "Total payables 2,470.00 -500.00 70.00 900.00 50.00 2,990.00" in english
    # The label wraps inside its column; the row reads piece, label, lettering, amounts.
    assert "P5 Beta paid in part ab -800.00 -800.00" in " ".join(english.split())
    assert "lower case for a partial one" in english

    french = pdf_text(render(ageing(books, "receivables-ageing", language="fr"), "pdf"))
    assert "Balance âgée clients et débiteurs au 30/06/2025" in french
    assert "Non échu" in french and "Plus de 90 jours" in french
    nbsp = "\u00a0"
    assert f"Total des créances 2{nbsp}500,00 0,00 0,00 300,00 4{nbsp}000,00 6{nbsp}800,00" in (
        french
    )
    assert "échéance (à défaut la date de l'écriture)" in french


def test_xlsx_reopened(books: PartyBooks):
    data = render(ageing(books, "payables-ageing", language="fr"), "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    rows = [row for row in sheet.iter_rows(values_only=True)]
    headings = next(r for r in rows if r[0] == "Date")
    assert headings[6:] == (
        "Non échu", "1 à 30 jours", "31 à 60 jours", "61 à 90 jours", "Plus de 90 jours",
        "Total",
    )  # fmt: skip
    p6 = next(r for r in rows if r[2] == "P6")
    assert p6[7] == pytest.approx(300.0) and p6[6] is None and p6[11] == pytest.approx(300.0)
    total = next(r for r in rows if r[3] == "Total des dettes")
    assert [round(v, 2) for v in total[6:]] == [2470.0, -500.0, 70.0, 900.0, 50.0, 2990.0]


def test_formula_like_labels_are_neutralised(books: PartyBooks):
    label = '=HYPERLINK("http://evil.example","x")'
    entry = post(books.user, books.lab, "ACH", date(2025, 6, 30), label, "+PIECE",
                 purchase("ALPHA", "10.00"))  # fmt: skip
    assert entry.number
    data = render(ageing(books, "payables-ageing"), "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    [cell] = [c for row in sheet.iter_rows() for c in row if c.value == label]
    assert cell.data_type == "s"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()
