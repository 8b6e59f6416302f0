"""What the bench's ledgers hold: a PCG chart, journals, budget lines, and the kinds of
entries an IRL books (purchases, payments, missions, payroll, recharges, EUR transfers),
with realistic line counts and log-normal amounts. Pure data and functions: no database.
"""

import bisect
import itertools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

LAB_CODES = ["CINTRA", "MAJULAB", "IPAL", "BMC2", "LAB5", "LAB6", "LAB7", "LAB8"]
BENCH_USER = "bench.accountant"

# A PCG chart as an IRL abroad keeps it, in SGD: (code, French name, English name).
CHART = [
    ("101", "Capital", "Capital"),
    ("110", "Report à nouveau (créditeur)", "Retained earnings (credit)"),
    ("119", "Report à nouveau (débiteur)", "Retained earnings (debit)"),
    ("2154", "Matériel scientifique", "Scientific equipment"),
    ("2183", "Matériel informatique", "IT equipment"),
    ("2184", "Mobilier", "Furniture"),
    ("401", "Fournisseurs", "Suppliers"),
    ("404", "Fournisseurs d'immobilisations", "Suppliers of fixed assets"),
    ("411", "Partenaires - créances", "Partner receivables"),
    ("421", "Personnel - rémunérations dues", "Salaries payable"),
    ("4286", "Personnel - missions à payer", "Missions payable"),
    ("431", "CPF", "CPF (social security)"),
    ("44566", "GST déductible", "GST receivable"),
    ("471", "Compte d'attente", "Suspense account"),
    ("512", "Banque SGD", "Bank SGD"),
    ("5122", "Banque EUR", "Bank EUR"),
    ("580", "Virements internes", "Internal transfers"),
    ("6061", "Eau et énergie", "Utilities"),
    ("6063", "Petit équipement", "Small equipment"),
    ("6064", "Fournitures administratives", "Office supplies"),
    ("6068", "Fournitures de laboratoire", "Laboratory supplies"),
    ("611", "Sous-traitance", "Subcontracting"),
    ("6132", "Locations immobilières", "Rent"),
    ("6135", "Locations mobilières", "Equipment rental"),
    ("6152", "Entretien des locaux", "Building maintenance"),
    ("6156", "Maintenance", "Maintenance"),
    ("616", "Assurances", "Insurance"),
    ("6181", "Documentation", "Documentation"),
    ("6185", "Colloques et séminaires", "Conferences and seminars"),
    ("6226", "Honoraires", "Fees"),
    ("6231", "Annonces", "Advertising"),
    ("6251", "Voyages et déplacements", "Travel"),
    ("6256", "Missions", "Missions"),
    ("6257", "Réceptions", "Receptions"),
    ("626", "Frais postaux et télécommunications", "Post and telecoms"),
    ("627", "Services bancaires", "Bank charges"),
    ("6281", "Cotisations", "Memberships"),
    ("6411", "Salaires", "Salaries"),
    ("6451", "Cotisations CPF", "CPF contributions"),
    ("651", "Redevances et licences", "Licences"),
    ("666", "Pertes de change", "FX losses"),
    ("706", "Prestations de services", "Services rendered"),
    ("7088", "Refacturations", "Recharges"),
    ("7411", "Dotation CNRS", "CNRS allocation"),
    ("766", "Gains de change", "FX gains"),
]
SUPPLIERS = [f"401{n:04d}" for n in range(1, 61)]
PARTNERS = ["NTU", "NUS", "ASTAR", "THALES", "UCA", "SORBONNE", "UGA", "IMT", "MBI", "NRF"]
PARTNER_ACCOUNTS = [f"411{n:04d}" for n in range(1, len(PARTNERS) + 1)]
ACCOUNTS = (
    CHART
    + [(code, f"Fournisseur {code[3:]}", f"Supplier {code[3:]}") for code in SUPPLIERS]
    + [
        (code, f"Partenaire {name}", f"Partner {name}")
        for code, name in zip(PARTNER_ACCOUNTS, PARTNERS, strict=True)
    ]
)
JOURNALS = [
    ("AN", "À-nouveaux", "Opening balances", "opening"),
    ("ACH", "Achats", "Purchases", "purchases"),
    ("BQS", "Banque SGD", "Bank SGD", "bank"),
    ("BQE", "Banque EUR", "Bank EUR", "bank"),
    ("MIS", "Missions", "Missions", "missions"),
    ("VT", "Refacturations", "Recharges", "sales"),
    ("PAIE", "Paie", "Payroll", "misc"),
    ("OD", "Opérations diverses", "Miscellaneous", "misc"),
]
# Budget lines of a lab and year: one per funding source and nature; every expense and
# equipment account (`needs_budget_line`) is consumed through the nature holding it.
FUNDING_SOURCES = [
    # code, name, funder (institution), kind, currency, share of the spending
    ("DOT", "Dotation CNRS", "CNRS", "cnrs_allocation", "EUR"),
    ("NTU", "Contribution NTU", "NTU", "partner_contribution", "SGD"),
]
BUDGET_NATURES = [
    # code, envelope, nature, accounts
    ("MIS", "operating", "missions", ("6251", "6256")),
    ("REC", "operating", "receptions", ("6257",)),
    ("FOU", "operating", "supplies", ("6061", "6063", "6064", "6068")),
    ("SER", "operating", "services", ("611", "6132", "6135", "6152", "6156", "616", "6181")),
    ("SER", "operating", "services", ("6185", "6226", "6231", "626", "627", "6281", "651")),
    ("SER", "operating", "services", ("666",)),
    ("CDD", "personnel", "fixed_term_staff", ("6411", "6451")),
    ("EQP", "equipment", "equipment", ("2154", "2183", "2184")),
]
NATURE_OF = {code: nature for nature, _, _, codes in BUDGET_NATURES for code in codes}
# For ledgers with many budget lines (generate.py --budget-lines): more funding sources,
# each with several lines of each nature (projects, teams, work packages).
MORE_FUNDING_SOURCES = [
    ("NUS", "Contribution NUS", "NUS", "partner_contribution", "SGD"),
    ("ASTAR", "A*STAR research contract", "ASTAR", "contract", "SGD"),
    ("NRF", "NRF grant", "NRF", "grant", "SGD"),
    ("ANR", "ANR grant", "ANR", "grant", "EUR"),
    ("ERC", "ERC grant", "ERC", "grant", "EUR"),
    ("THALES", "Thales research contract", "THALES", "contract", "SGD"),
]
INSTITUTIONS = {
    # code: name, kind, country
    "CNRS": ("Centre national de la recherche scientifique", "research", "FR"),
    "NTU": ("Nanyang Technological University", "university", "SG"),
    "NUS": ("National University of Singapore", "university", "SG"),
    "ASTAR": ("Agency for Science, Technology and Research", "agency", "SG"),
    "NRF": ("National Research Foundation", "agency", "SG"),
    "ANR": ("Agence nationale de la recherche", "agency", "FR"),
    "ERC": ("European Research Council", "agency", "BE"),
    "THALES": ("Thales", "company", "FR"),
}
if set(NATURE_OF) != {code for code, _, _ in CHART if code[0] == "6" or code[:2] == "21"}:
    raise AssertionError("every expense and equipment account belongs to one budget nature")


@dataclass(frozen=True)
class PlannedBudgetLine:
    code: str
    source: str
    nature: str  # a code of BUDGET_NATURES
    part: int | None = None  # its number among the lines of its source and nature


def budget_line_plan(count: int | None) -> list[PlannedBudgetLine]:
    """A lab's budget lines of a year. None: one line per funding source of
    FUNDING_SOURCES and nature (DOT-FOU, NTU-FOU, ...: 12). A count (at least one per
    nature): that many lines over every source (FUNDING_SOURCES + MORE_FUNDING_SOURCES)
    and nature, numbered round after round (DOT-FOU-1, ..., THALES-EQP-1, DOT-MIS-2, ...),
    so that each source and nature holds about as many lines."""
    natures = list(dict.fromkeys(nature for nature, _, _, _ in BUDGET_NATURES))
    if count is None:
        return [
            PlannedBudgetLine(f"{source}-{nature}", source, nature)
            for source, *_ in FUNDING_SOURCES
            for nature in natures
        ]
    if count < len(natures):
        raise ValueError(f"at least {len(natures)} budget lines: one per nature")
    sources = [source for source, *_ in FUNDING_SOURCES + MORE_FUNDING_SOURCES]
    rounds = itertools.count(1)
    planned: list[PlannedBudgetLine] = []
    while len(planned) < count:
        k = next(rounds)
        for source, nature in itertools.product(sources, natures):
            if len(planned) < count:
                planned.append(PlannedBudgetLine(f"{source}-{nature}-{k}", source, nature, k))
    return planned


# Operating expenses an invoice is booked to, with how often.
OPERATING = ["6061", "6063", "6064", "6068", "611", "6132", "6135", "6152", "6156", "616"]
OPERATING += ["6181", "6185", "6226", "6231", "626", "6281", "651"]
OPERATING_CUM = list(itertools.accumulate([4, 6, 10, 14, 3, 2, 2, 2, 3, 1, 2, 3, 2, 1, 3, 1, 2]))
MISSION = ["6251", "6256", "6257"]
GST = Decimal("0.09")


# One line: account code, debit cents, credit cents, third party, (EUR cents, rate) or None.
Spec = tuple[str, int, int, str, tuple[int, Decimal] | None]
Built = tuple[str, str, list[Spec]]  # entry label, piece reference, lines


def amount(r: random.Random, median: float, sigma: float) -> int:
    """Cents, log-normally spread around `median` SGD (as invoices are)."""
    return max(100, min(10**10, int(median * 100 * math.exp(r.gauss(0.0, sigma)))))


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _operating(r: random.Random, k: int) -> list[str]:
    return r.choices(OPERATING, cum_weights=OPERATING_CUM, k=k)


def _purchase(r: random.Random, n: int, k: int, rate: Decimal) -> Built:
    supplier = r.choice(SUPPLIERS)
    tp = "S" + supplier[3:]
    if n == 3 and r.random() < 0.5:
        net = amount(r, 400, 1.1)
        gst = _round(net * GST)
        lines: list[Spec] = [
            (_operating(r, 1)[0], net, 0, "", None),
            ("44566", gst, 0, "", None),
            (supplier, 0, net + gst, tp, None),
        ]
    else:
        debits = [amount(r, 300, 1.2) for _ in range(n - 1)]
        lines = [
            (code, d, 0, "", None) for code, d in zip(_operating(r, n - 1), debits, strict=True)
        ]
        lines.append((supplier, 0, sum(debits), tp, None))
    return f"Invoice {tp} {k}", f"INV-{k:07d}", lines


def _supplier_payment(r: random.Random, n: int, k: int, rate: Decimal) -> Built:
    supplier = r.choice(SUPPLIERS)
    paid = amount(r, 500, 1.2)
    lines: list[Spec] = [(supplier, paid, 0, "S" + supplier[3:], None)]
    fee = 0
    if n == 3:
        fee = amount(r, 8, 0.5)
        lines.append(("627", fee, 0, "", None))
    lines.append(("512", 0, paid + fee, "", None))
    return f"Payment S{supplier[3:]} {k}", f"PAY-{k:07d}", lines


def _mission(r: random.Random, n: int, k: int, rate: Decimal) -> Built:
    staff = f"E{r.randrange(1, 41):03d}"
    debits = [amount(r, 350, 1.0) for _ in range(n - 1)]
    lines: list[Spec] = [(r.choice(MISSION), d, 0, staff, None) for d in debits]
    lines.append(("4286", 0, sum(debits), staff, None))
    return f"Mission {staff} {k}", f"OM-{k:07d}", lines


def _mission_refund(r: random.Random, n: int, k: int, rate: Decimal) -> Built:
    staff = f"E{r.randrange(1, 41):03d}"
    paid = amount(r, 900, 0.9)
    return (
        f"Mission refund {staff} {k}",
        f"RMB-{k:07d}",
        [("4286", paid, 0, staff, None), ("512", 0, paid, "", None)],
    )


def _payroll(r: random.Random, n: int, k: int, rate: Decimal) -> Built:
    staff = f"E{r.randrange(1, 41):03d}"
    gross = amount(r, 6500, 0.4)
    employer = _round(gross * Decimal("0.17"))
    employee = _round(gross * Decimal("0.20"))
    return (
        f"Payroll {staff} {k}",
        f"PAIE-{k:07d}",
        [
            ("6411", gross, 0, staff, None),
            ("6451", employer, 0, staff, None),
            ("421", 0, gross - employee, staff, None),
            ("431", 0, employee + employer, "", None),
        ],
    )


def _salary_payment(r: random.Random, n: int, k: int, rate: Decimal) -> Built:
    staff = f"E{r.randrange(1, 41):03d}"
    paid = amount(r, 5200, 0.4)
    return (
        f"Salary {staff} {k}",
        f"SAL-{k:07d}",
        [("421", paid, 0, staff, None), ("512", 0, paid, "", None)],
    )


def _recharge(r: random.Random, n: int, k: int, rate: Decimal) -> Built:
    i = r.randrange(len(PARTNERS))
    billed = amount(r, 2500, 1.0)
    return (
        f"Recharge {PARTNERS[i]} {k}",
        f"FAC-{k:07d}",
        [
            (PARTNER_ACCOUNTS[i], billed, 0, PARTNERS[i], None),
            (r.choice(["706", "7088"]), 0, billed, "", None),
        ],
    )


def _partner_receipt(r: random.Random, n: int, k: int, rate: Decimal) -> Built:
    i = r.randrange(len(PARTNERS))
    received = amount(r, 2500, 1.0)
    return (
        f"Receipt {PARTNERS[i]} {k}",
        f"REC-{k:07d}",
        [("512", received, 0, "", None), (PARTNER_ACCOUNTS[i], 0, received, PARTNERS[i], None)],
    )


def _cnrs_allocation(r: random.Random, n: int, k: int, rate: Decimal) -> Built:
    eur = amount(r, 30000, 0.6)
    book = _round(eur * rate)
    return (
        f"CNRS allocation {k}",
        f"DOT-{k:07d}",
        [("5122", book, 0, "CNRS", (eur, rate)), ("7411", 0, book, "CNRS", None)],
    )


def _eur_payment(r: random.Random, n: int, k: int, rate: Decimal) -> Built:
    supplier = r.choice(SUPPLIERS)
    tp = "S" + supplier[3:]
    eur = amount(r, 800, 1.1)
    book = _round(eur * rate)
    if n == 2:
        return (
            f"EUR payment {tp} {k}",
            f"VIR-{k:07d}",
            [(supplier, book, 0, tp, None), ("5122", 0, book, "", (eur, rate))],
        )
    loss = amount(r, 5, 1.0)  # the bank's rate was worse than the invoice's
    return (
        f"EUR payment {tp} {k}",
        f"VIR-{k:07d}",
        [
            (supplier, book, 0, tp, None),
            ("666", loss, 0, "", None),
            ("5122", 0, book + loss, "", (eur, rate)),
        ],
    )


def _equipment(r: random.Random, n: int, k: int, rate: Decimal) -> Built:
    cost = amount(r, 6000, 0.8)
    return (
        f"Equipment {k}",
        f"IMMO-{k:07d}",
        [(r.choice(["2154", "2183", "2184"]), cost, 0, "", None), ("404", 0, cost, "", None)],
    )


def _reclassification(r: random.Random, n: int, k: int, rate: Decimal) -> Built:
    debits = [amount(r, 200, 1.0) for _ in range(n - 1)]
    lines: list[Spec] = [
        (code, d, 0, "", None) for code, d in zip(_operating(r, n - 1), debits, strict=True)
    ]
    lines.append(("471", 0, sum(debits), "", None))
    return f"Reclassification {k}", f"OD-{k:07d}", lines


@dataclass(frozen=True)
class Template:
    journal: str
    weight: int
    sizes: tuple[int, ...]  # line counts, drawn uniformly
    build: Callable[[random.Random, int, int, Decimal], Built]


TEMPLATES = [
    Template("ACH", 30, (2,) * 36 + (3,) * 9 + (4, 4, 5, 6, 8), _purchase),
    Template("BQS", 22, (2,) * 9 + (3,), _supplier_payment),
    Template("MIS", 8, (2, 3, 3, 4, 5), _mission),
    Template("BQS", 6, (2,), _mission_refund),
    Template("PAIE", 3, (4,), _payroll),
    Template("BQS", 3, (2,), _salary_payment),
    Template("VT", 6, (2,), _recharge),
    Template("BQS", 6, (2,), _partner_receipt),
    Template("BQE", 1, (2,), _cnrs_allocation),
    Template("BQE", 3, (2,) * 4 + (3,), _eur_payment),
    Template("ACH", 1, (2,), _equipment),
    Template("OD", 2, (2, 3, 4, 6), _reclassification),
]
TEMPLATE_CUM = list(itertools.accumulate(t.weight for t in TEMPLATES))
FILLER = len(TEMPLATES) - 1  # takes any line count: ends a block on its exact total


def plan(r: random.Random, total: int) -> list[tuple[int, int]]:
    """(template, line count) of the entries of a block of exactly `total` lines."""
    entries: list[tuple[int, int]] = []
    remaining = total if total >= 2 else 0
    while remaining:
        t = bisect.bisect_right(TEMPLATE_CUM, r.random() * TEMPLATE_CUM[-1])
        n = r.choice(TEMPLATES[t].sizes)
        if remaining - n < 2 and remaining != n:
            t, n = FILLER, remaining  # never leaves a single line over
        entries.append((t, n))
        remaining -= n
    return entries
