"""IPAL's suppliers, partner and staff in the first half of 2025, through the real services:
the worked example of the ageing, the third-party ledger and the third-party balance.

Third parties (payment terms): ALPHA Alpha Optics (30 days), BETA Beta Lasers (60 days),
PARTNER-X Partner X University (45 days), STAFF-1 and STAFF-2 (30 days).
Accounts needing a third party (by default, 40/41/42/46): 401, 411, 421, 467.
Due dates: invoice lines on those accounts in the purchases, sales and missions journals
take the piece date + the terms, unless given.

 n   journal date   piece date   what                               line on 4xx          due
 P1  ACH  01-10                  ALPHA invoice 1,000.00             401 C 1,000.00       02-09
 P3  BQS  02-15                  ALPHA paid 1,000.00                401 D 1,000.00       -
     P1+P3 lettered AA on 02-15, complete
 P10 ACH  02-28                  ALPHA invoice 50.00                401 C 50.00          03-31 (set)
 P9  ACH  03-01                  BETA invoice 400.00                401 C 400.00         04-01 (set)
 R1  VT   01-20                  PARTNER-X invoice 10,000.00        411 D 10,000.00      03-06
 R2  BQS  03-10                  PARTNER-X pays 6,000.00            411 C 6,000.00       -
     R1+R2 lettered AA (411) on 03-10, partial
 P2  ACH  03-20                  ALPHA invoice 500.00               401 C 500.00         04-19
 S2  BQS  04-15                  advance to STAFF-2 300.00          467 D 300.00         -
 P11 ACH  04-20                  ALPHA invoice 70.00                401 C 70.00          05-20
 P6  ACH  04-25                  BETA invoice 300.00                401 C 300.00         05-31 (set)
 P4  ACH  05-05                  BETA invoice 2,000.00              401 C 2,000.00       07-04
 P8  ACH  06-01                  ALPHA invoice 250.00               401 C 250.00         06-30 (set)
 P5  BQS  06-10                  BETA paid 800.00 (part of P4)      401 D 800.00         -
     P4+P5 lettered AB on 06-10, partial
 R3  VT   06-15                  PARTNER-X invoice 2,500.00         411 D 2,500.00       07-30
 S1  MIS  06-20                  STAFF-1 expense claim 120.00       421 C 120.00         07-20
 P7  ACH  06-30                  ALPHA invoice 100.00               401 C 100.00         07-30
 -- after 30 June --
 P12 ACH  07-05                  ALPHA invoice 999.00               401 C 999.00         08-04
 P13 BQS  07-10                  BETA paid 400.00 (P9)              401 D 400.00         -
     P9+P13 lettered AC on 07-10, complete
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User

from irls import services as irls_services
from irls.models import Institution, Lab
from ledger import services
from ledger.models import JournalEntry, JournalLine
from parties.lettering.services import lettering_letter
from parties.models import Lettering
from parties.services import third_party_create
from reports.statement import Row
from tests.books import account, journal

D = Decimal
CHART = [
    ("120", "Résultat de l'exercice (bénéfice)", "Result for the year (surplus)"),
    ("129", "Résultat de l'exercice (perte)", "Result for the year (deficit)"),
    ("401", "Fournisseurs", "Suppliers"),
    ("411", "Partenaires - créances", "Partner receivables"),
    ("421", "Personnel - notes de frais", "Staff expense claims"),
    ("467", "Autres débiteurs et créditeurs", "Other debtors and creditors"),
    ("512", "Banque SGD", "Bank SGD"),
    ("6064", "Fournitures", "Supplies"),
    ("6256", "Missions", "Missions"),
    ("741", "Subventions d'exploitation", "Operating subsidies"),
]
JOURNALS = [
    ("AN", "À-nouveaux", "Opening balances", "opening"),
    ("ACH", "Achats", "Purchases", "purchases"),
    ("VT", "Ventes et refacturations", "Sales and recharges", "sales"),
    ("MIS", "Missions", "Missions", "missions"),
    ("BQS", "Banque SGD", "Bank SGD", "bank"),
    ("OD", "Opérations diverses", "Miscellaneous", "misc"),
]
PARTIES = [
    ("ALPHA", "Alpha Optics Pte Ltd", "supplier", 30),
    ("BETA", "Beta Lasers Pte Ltd", "supplier", 60),
    ("PARTNER-X", "Partner X University", "partner", 45),
    ("STAFF-1", "Staff member one", "staff", 30),
    ("STAFF-2", "Staff member two", "staff", 30),
]


def ipal() -> Lab:
    """A lab whose third-party accounts need a third party (the default chart's flags)."""
    cnrs = Institution.objects.filter(code="CNRS").first() or irls_services.institution_create(
        acting_user=None, code="CNRS", name="CNRS", kind="research", country="FR"
    )
    lab = irls_services.lab_create(
        acting_user=None,
        code="IPAL",
        name="Image & Pervasive Access Lab",
        unit_number="IRL 2955",
        field="artificial intelligence",
        start_date=date(2020, 1, 1),
        fec_identifier="180089013",
    )
    irls_services.partnership_create(
        acting_user=None, lab=lab, institution=cnrs, role="cnrs", start_date=date(2020, 1, 1)
    )
    for code, name_fr, name_en in CHART:
        services.account_create(
            acting_user=None,
            lab=lab,
            code=code,
            name_fr=name_fr,
            name_en=name_en,
            needs_budget_line=False,
        )
    for code, name_fr, name_en, kind in JOURNALS:
        services.journal_create(
            acting_user=None, lab=lab, code=code, name_fr=name_fr, name_en=name_en, kind=kind
        )
    services.fiscal_year_open(acting_user=None, lab=lab, year=2025)
    for code, name, kind, terms in PARTIES:
        third_party_create(
            acting_user=None, code=code, name=name, kind=kind, payment_terms_days=terms
        )
    return lab


Line = tuple[str, str, str, dict[str, Any]]


def post(
    user: User, lab: Lab, journal_code: str, on: date, label: str, piece: str, lines: list[Line]
) -> JournalEntry:
    """Post an entry; `lines` are (account, debit, credit, extra LineInput fields)."""
    entry = services.entry_create_draft(
        acting_user=user,
        lab=lab,
        journal=journal(lab, journal_code),
        date=on,
        label=label,
        piece_ref=piece,
        piece_date=on,
        lines=[
            services.LineInput(account=account(lab, code), debit=D(dr), credit=D(cr), **extra)
            for code, dr, cr, extra in lines
        ],
    )
    return services.entry_post(acting_user=user, entry=entry)


def party_line(entry: JournalEntry) -> JournalLine:
    """The entry's line on a third-party account."""
    return entry.lines.get(account__needs_third_party=True)


def letter(user: User, lab: Lab, on: date, *entries: JournalEntry) -> Lettering:
    """Letter the third-party lines of `entries` together on `on` (the lettering service:
    complete when they sum to zero, partial otherwise; codes AA, AB, ... per account)."""
    return lettering_letter(
        acting_user=user,
        lab=lab,
        line_ids=[party_line(entry).pk for entry in entries],
        lettered_on=on,
    )


@dataclass(frozen=True)
class PartyBooks:
    lab: Lab
    user: User
    entries: dict[str, JournalEntry]


def purchase(party: str, amount: str, due: date | None = None) -> list[Line]:
    extra: dict[str, Any] = {"third_party": party}
    if due is not None:
        extra["due_date"] = due
    return [("6064", amount, "0", {}), ("401", "0", amount, extra)]


def payment(party: str, amount: str) -> list[Line]:
    return [("401", amount, "0", {"third_party": party}), ("512", "0", amount, {})]


def invoice(party: str, amount: str) -> list[Line]:
    return [("411", amount, "0", {"third_party": party}), ("741", "0", amount, {})]


def receipt(party: str, amount: str) -> list[Line]:
    return [("512", amount, "0", {}), ("411", "0", amount, {"third_party": party})]


def party_books(user: User) -> PartyBooks:
    lab = ipal()
    d = date
    e: dict[str, JournalEntry] = {}

    def p(key: str, jnl: str, on: date, label: str, lines: list[Line]) -> None:
        e[key] = post(user, lab, jnl, on, label, key, lines)

    p("P1", "ACH", d(2025, 1, 10), "Lenses", purchase("ALPHA", "1000.00"))
    p("R1", "VT", d(2025, 1, 20), "Contribution 2025", invoice("PARTNER-X", "10000.00"))
    p("P3", "BQS", d(2025, 2, 15), "Alpha paid", payment("ALPHA", "1000.00"))
    p("P10", "ACH", d(2025, 2, 28), "Filters", purchase("ALPHA", "50.00", d(2025, 3, 31)))
    p("P9", "ACH", d(2025, 3, 1), "Laser diodes", purchase("BETA", "400.00", d(2025, 4, 1)))
    p("R2", "BQS", d(2025, 3, 10), "Partner X pays part", receipt("PARTNER-X", "6000.00"))
    p("P2", "ACH", d(2025, 3, 20), "Mirrors", purchase("ALPHA", "500.00"))
    advance: list[Line] = [
        ("467", "300.00", "0", {"third_party": "STAFF-2"}),
        ("512", "0", "300.00", {}),
    ]
    p("S2", "BQS", d(2025, 4, 15), "Mission advance", advance)
    p("P11", "ACH", d(2025, 4, 20), "Mounts", purchase("ALPHA", "70.00"))
    p("P6", "ACH", d(2025, 4, 25), "Laser repair", purchase("BETA", "300.00", d(2025, 5, 31)))
    p("P4", "ACH", d(2025, 5, 5), "Laser source", purchase("BETA", "2000.00"))
    p("P8", "ACH", d(2025, 6, 1), "Optical table", purchase("ALPHA", "250.00", d(2025, 6, 30)))
    p("P5", "BQS", d(2025, 6, 10), "Beta paid in part", payment("BETA", "800.00"))
    p("R3", "VT", d(2025, 6, 15), "Recharge of equipment", invoice("PARTNER-X", "2500.00"))
    claim: list[Line] = [
        ("6256", "120.00", "0", {}),
        ("421", "0", "120.00", {"third_party": "STAFF-1"}),
    ]
    p("S1", "MIS", d(2025, 6, 20), "Expense claim, Hanoi", claim)
    p("P7", "ACH", d(2025, 6, 30), "Cleaning kit", purchase("ALPHA", "100.00"))
    p("P12", "ACH", d(2025, 7, 5), "Spectrometer", purchase("ALPHA", "999.00"))
    p("P13", "BQS", d(2025, 7, 10), "Beta paid", payment("BETA", "400.00"))
    codes = [
        letter(user, lab, d(2025, 2, 15), e["P1"], e["P3"]).code,
        letter(user, lab, d(2025, 3, 10), e["R1"], e["R2"]).code,
        letter(user, lab, d(2025, 6, 10), e["P4"], e["P5"]).code,
        letter(user, lab, d(2025, 7, 10), e["P9"], e["P13"]).code,
    ]
    assert codes == ["AA", "AA", "AB", "AC"]  # per account: 401 AA AB AC, 411 AA
    return PartyBooks(lab, user, e)


def money(row: Row, index: int) -> Decimal:
    """The amount in cell `index` of `row` (none: zero)."""
    value = row.cells[index]
    assert value is None or isinstance(value, Decimal), value
    return value if value is not None else D("0.00")


def moneys(row: Row, start: int, end: int | None = None) -> tuple[Decimal, ...]:
    stop = len(row.cells) if end is None else end
    return tuple(money(row, i) for i in range(start, stop))


def text(row: Row, index: int) -> str:
    value = row.cells[index]
    assert isinstance(value, str), value
    return value
