"""The FEC carries the lettering (EcritureLet, DateLet) and names the third party
(CompAuxNum its code, CompAuxLib its name), read in the same query as the lines."""

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from parties.lettering.services import lettering_letter
from reports.fec import FIELDS, fec_build, fec_file_name, fec_validate
from tests.parties.lettering.books import invoice, payment

SHOWN = ("CompteNum", "CompAuxNum", "CompAuxLib", "PieceRef", "Debit", "Credit", "EcritureLet",
         "DateLet")  # fmt: skip
COLUMNS = [FIELDS.index(name) for name in SHOWN]


def _rows(data: bytes) -> list[list[str]]:
    lines = [line.split("\t") for line in data.decode("utf-8").split("\r\n") if line]
    return [[row[i] for i in COLUMNS] for row in lines[1:]]


def test_the_fec_shows_the_lettering_and_the_third_partys_name(accountant, cintra):
    bill = invoice(accountant, cintra, "1000.00", piece="INV-1", on=date(2025, 3, 1))
    paid = payment(accountant, cintra, "1000.00", piece="PAY-1", on=date(2025, 3, 20))
    half = invoice(accountant, cintra, "500.00", piece="INV-2", on=date(2025, 3, 5))
    part = payment(accountant, cintra, "200.00", piece="PAY-2", on=date(2025, 4, 2))
    invoice(accountant, cintra, "80.00", piece="INV-3", party="SUP-01", on=date(2025, 4, 3))
    lettering_letter(
        acting_user=accountant,
        lab=cintra,
        line_ids=[bill.pk, paid.pk],
        lettered_on=date(2025, 6, 30),
    )
    lettering_letter(
        acting_user=accountant,
        lab=cintra,
        line_ids=[half.pk, part.pk],
        lettered_on=date(2025, 5, 2),
    )
    data = fec_build(cintra, 2025)
    assert fec_validate(data, fec_file_name(cintra, 2025)) == []
    assert _rows(data) == [
        ["6064", "", "", "INV-1", "1000,00", "0,00", "", ""],
        ["401", "SUP-A", "Supplier A Pte Ltd", "INV-1", "0,00", "1000,00", "AA", "20250630"],
        ["401", "SUP-A", "Supplier A Pte Ltd", "PAY-1", "1000,00", "0,00", "AA", "20250630"],
        ["512", "", "", "PAY-1", "0,00", "1000,00", "", ""],
        ["6064", "", "", "INV-2", "500,00", "0,00", "", ""],
        ["401", "SUP-A", "Supplier A Pte Ltd", "INV-2", "0,00", "500,00", "ab", "20250502"],
        ["401", "SUP-A", "Supplier A Pte Ltd", "PAY-2", "200,00", "0,00", "ab", "20250502"],
        ["512", "", "", "PAY-2", "0,00", "200,00", "", ""],
        ["6064", "", "", "INV-3", "80,00", "0,00", "", ""],
        ["401", "SUP-01", "Supplier One Pte Ltd", "INV-3", "0,00", "80,00", "", ""],
    ]


def test_the_fec_reads_the_lettering_without_a_query_per_line(accountant, cintra):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            fec_build(cintra, 2025)
        return len(captured)

    bill = invoice(accountant, cintra, "10.00")
    paid = payment(accountant, cintra, "10.00")
    lettering_letter(acting_user=accountant, lab=cintra, line_ids=[bill.pk, paid.pk])
    few = queries()
    for n in range(5):
        bill = invoice(accountant, cintra, "10.00", piece=f"INV-{n}")
        paid = payment(accountant, cintra, "10.00")
        lettering_letter(acting_user=accountant, lab=cintra, line_ids=[bill.pk, paid.pk])
    assert queries() == few
