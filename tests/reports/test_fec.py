"""The FEC of the worked example, and the checker on good and broken files."""

import inspect
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from djmoney.money import Money

from ledger import services
from reports.exceptions import StatementError
from reports.fec import FIELDS, fec_build, fec_file_name, fec_lines, fec_validate
from tests.books import account, draft, journal
from tests.reports.conftest import Books

TODAY = timezone.localdate().strftime("%Y%m%d")


def records(data: bytes) -> list[list[str]]:
    return [line.split("\t") for line in data.decode("utf-8").split("\r\n") if line]


def test_fec_has_the_18_fields_and_every_posted_entry_in_validation_order(books: Books):
    draft(books.user, books.lab, [("627", "5.00", "0"), ("512", "0", "5.00")])  # left out
    data = fec_build(books.lab, 2025)
    rows = records(data)
    assert rows[0] == list(FIELDS)
    assert len(rows) == 1 + 20
    assert rows[1] == [
        "AN", "À-nouveaux", "1", "20250101", "512", "Banque SGD", "", "", "AN-2025", "20250101",
        "Opening balances", "10000,00", "0,00", "", "", TODAY, "", "",
    ]  # fmt: skip
    # The partner's receivable carries it as auxiliary account: its code and its name.
    assert rows[3][:8] == [
        "OD", "Opérations diverses", "2", "20250120", "411", "Partenaires - créances", "THALES",
        "Thales Solutions Asia",
    ]  # fmt: skip
    # Numbered 1 to 10 in posting order: the receipt of 4 March was posted sixth.
    assert [row[2] for row in rows[1:]] == [str(n) for n in range(1, 11) for _ in range(2)]
    assert rows[11][2:4] == ["6", "20250304"]
    assert [(row[4], row[11], row[12]) for row in rows[17:]] == [
        ("401", "3700,00", "0,00"),
        ("512", "0,00", "3700,00"),
        ("627", "15,03", "0,00"),
        ("512", "0,00", "15,03"),
    ]
    assert fec_validate(data, fec_file_name(books.lab, 2025)) == []


def test_fec_file_name_is_the_identifier_and_closing_date(books: Books):
    assert fec_file_name(books.lab, 2025) == "180089013FEC20251231.txt"
    with pytest.raises(StatementError, match="CINTRA has no fiscal year 2024"):
        fec_file_name(books.lab, 2024)


def test_fec_is_streamed(books: Books):
    lines = fec_lines(books.lab, 2025)
    assert inspect.isgenerator(lines)
    assert next(lines).startswith(b"JournalCode\tJournalLib\tEcritureNum")


def test_fec_keeps_foreign_amounts_and_cleans_text(accountant, cintra):
    from tests.reports.conftest import chancellery_rates

    chancellery_rates()
    entry = services.entry_create_draft(
        acting_user=accountant,
        lab=cintra,
        journal=journal(cintra, "BQS"),
        date=date(2025, 2, 6),
        label="Allocation\tfirst | half\r\nreceived",
        lines=[
            services.LineInput(
                account=account(cintra, "5122"), amount_currency=Money("100.00", "EUR"),
                side="debit",
            ),
            services.LineInput(account=account(cintra, "741"), credit=Decimal("144.00")),
        ],
    )  # fmt: skip
    services.entry_post(acting_user=accountant, entry=entry)
    data = fec_build(cintra, 2025)
    rows = records(data)
    # No piece reference: the entry number stands in; the piece date is the entry's.
    assert rows[1][8:13] == [
        "BQS-2025-000001", "20250206", "Allocation first half received", "144,00", "0,00",
    ]  # fmt: skip
    assert rows[1][16:] == ["100,00", "EUR"]
    assert rows[2][16:] == ["", ""]
    assert fec_validate(data) == []


def test_fec_of_a_year_without_entries_is_its_header(cintra):
    data = fec_build(cintra, 2025)
    assert records(data) == [list(FIELDS)]
    assert fec_validate(data) == ["The file has no entry: only its first line"]


# The checker ---------------------------------------------------------------------------

HEADER = "\t".join(FIELDS)
GOOD = [
    "ACH\tAchats\t1\t20250314\t6064\tFournitures\t\t\tINV-1\t20250314\tSupplies\t100,00\t0,00"
    "\t\t\t20250315\t\t",
    "ACH\tAchats\t1\t20250314\t401\tFournisseurs\tSUP\tSupplier\tINV-1\t20250314\tSupplies"
    "\t0,00\t100,00\t\t\t20250315\t\t",
    "BQS\tBanque\t2\t20250320\t401\tFournisseurs\t\t\tPAY-1\t20250320\tPayment\t100,00\t0,00"
    "\t\t\t20250320\t\t",
    "BQS\tBanque\t2\t20250320\t512\tBanque\t\t\tPAY-1\t20250320\tPayment\t0,00\t100,00"
    "\t\t\t20250320\t\t",
]


def fec(*lines: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *lines, ""]).encode()


def test_a_good_file_passes():
    assert fec_validate(fec(*GOOD)) == []
    pipes = "\n".join(line.replace("\t", "|") for line in [HEADER, *GOOD])
    assert fec_validate(pipes.encode()) == []


def test_numbering_per_journal_is_accepted():
    lines = [GOOD[0], GOOD[1], GOOD[2].replace("\t2\t", "\t1\t"), GOOD[3].replace("\t2\t", "\t1\t")]
    assert fec_validate(fec(*lines)) == []


def test_wrong_field_order_is_reported():
    names = list(FIELDS)
    names[2], names[3] = names[3], names[2]
    problems = fec_validate(fec(*GOOD, header="\t".join(names)))
    assert problems == [
        "The fields are not in the FEC order: field 3 is EcritureDate, where EcritureNum is "
        "expected"
    ]


def test_missing_fields_are_reported():
    problems = fec_validate(fec(header="\t".join(FIELDS[:16])))
    assert problems[0] == (
        "Wrong field names: the first line has 16 fields, 18 are expected; missing: "
        "Montantdevise, Idevise"
    )


def test_two_separators_are_reported():
    header = HEADER.replace("\tJournalLib", "|JournalLib")
    assert fec_validate(fec(*GOOD, header=header))[0] == (
        "The first line mixes tab and | as separators: a FEC uses one of them"
    )
    line = GOOD[0].replace("\tAchats", "|Achats")
    problems = fec_validate(fec(line, *GOOD[1:]))
    assert problems[:2] == [
        "Line 2 contains | as well as the file's separator: a FEC uses one separator, never "
        "inside the data",
        "Line 2 has 17 fields, 18 are expected",
    ]


def test_a_bad_date_is_reported():
    line = GOOD[0].replace("\t20250314\t6064", "\t2025-03-14\t6064")
    assert fec_validate(fec(line, *GOOD[1:])) == [
        "Line 2: EcritureDate '2025-03-14' is not a date written YYYYMMDD",
        "Line 3: entry 1 has two dates, 2025-03-14 and 20250314",
    ]
    impossible = GOOD[2].replace("\t20250320\tPayment", "\t20250231\tPayment")
    assert fec_validate(fec(*GOOD[:2], impossible, GOOD[3])) == [
        "Line 4: PieceDate '20250231' is not a date written YYYYMMDD"
    ]


def test_an_amount_with_a_dot_is_reported():
    line = GOOD[0].replace("100,00", "100.00")
    assert fec_validate(fec(line, *GOOD[1:])) == [
        "Line 2: Debit '100.00' uses a dot; FEC amounts use a decimal comma"
    ]
    grouped = GOOD[0].replace("100,00", "1 100,00")
    assert fec_validate(fec(grouped, *GOOD[1:])) == [
        "Line 2: Debit '1 100,00' is not an amount (digits, a decimal comma, no thousands "
        "separator)"
    ]


def test_a_gap_in_the_numbering_is_reported():
    lines = [*GOOD[:2], GOOD[2].replace("\t2\t", "\t3\t"), GOOD[3].replace("\t2\t", "\t3\t")]
    assert fec_validate(fec(*lines)) == [
        "Line 4: EcritureNum goes from 1 to 3; entries must be numbered without gaps"
    ]


def test_an_unbalanced_entry_is_reported():
    line = GOOD[1].replace("0,00\t100,00", "0,00\t90,00")
    assert fec_validate(fec(GOOD[0], line, *GOOD[2:])) == [
        "Entry 1 of journal ACH (lines 2 to 3) does not balance: debit 100,00, credit 90,00"
    ]


def test_other_problems_are_reported():
    scattered = [GOOD[0], *GOOD[2:], GOOD[1]]
    assert "Line 5: entry 1 of journal ACH appears again, apart from its other lines" in (
        fec_validate(fec(*scattered))
    )
    bad_account = GOOD[0].replace("\t6064\t", "\tFOUR\t")
    assert fec_validate(fec(bad_account, *GOOD[1:])) == [
        "Line 2: CompteNum 'FOUR' does not start with the three digits of the PCG"
    ]
    no_label = GOOD[0].replace("\tSupplies\t", "\t\t")
    assert fec_validate(fec(no_label, *GOOD[1:])) == [
        "Line 2: EcritureLib is empty; it is mandatory"
    ]
    assert fec_validate(b"") == ["The file is empty: the first line must name the 18 fields"]
    assert fec_validate(fec(*GOOD), "CINTRA-FEC.txt") == [
        "The file name 'CINTRA-FEC.txt' is not <identifier>FEC<YYYYMMDD>.txt (the fiscal "
        "year's closing date)"
    ]


def test_the_checker_speaks_the_readers_language():
    """The problems are worded when the file is checked: in French on a French page."""
    unbalanced = GOOD[1].replace("0,00\t100,00", "0,00\t90,00")
    gap = [GOOD[2].replace("\t2\t", "\t3\t"), GOOD[3].replace("\t2\t", "\t3\t")]
    with translation.override("fr"):
        problems = fec_validate(fec(GOOD[0], unbalanced, *gap), "CINTRA-FEC.txt")
        assert fec_validate(fec(header="\t".join(FIELDS[:16])))[0] == (
            "Noms de champs erronés : la première ligne a 16 champs, 18 sont attendus ; "
            "manquants : Montantdevise, Idevise"
        )
    assert problems == [
        "Le nom de fichier 'CINTRA-FEC.txt' n'est pas de la forme "
        "<identifiant>FEC<AAAAMMJJ>.txt (la date de clôture de l'exercice)",
        "L'écriture 1 du journal ACH (lignes 2 à 3) n'est pas équilibrée : "
        "débit 100,00, crédit 90,00",
        "Ligne 4 : EcritureNum passe de 1 à 3 ; les écritures doivent être numérotées "
        "sans interruption",
    ]
