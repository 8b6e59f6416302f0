"""The columns of each kind of sheet: names, French aliases, meaning, an example.

One source for the header matching, the templates and the resources. A header matches
a column when, accents, case, spaces, dots, dashes and underscores aside, it equals the
column's name or one of its aliases ("Réf. pièce" and "piece_ref" both mean piece_ref).
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from ledger.imports.problems import (
    COLUMN_DUPLICATED,
    COLUMN_MISSING,
    COLUMN_UNKNOWN,
    COLUMN_UNNAMED,
    COLUMNS_UNKNOWN,
    NO_NAMES,
    Problem,
    column_letter,
    count_text,
    shown,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Column:
    name: str
    description: "StrOrPromise"  # what the column means, in the template's second sheet
    example: object
    required: bool = False
    aliases: tuple[str, ...] = ()


JOURNAL = (
    Column(
        "entry",
        _(
            "The sheet's own key of the entry: rows with the same key form one entry "
            "(imported once per lab, journal and piece reference)"
        ),
        "B-17",
        True,
        ("écriture", "ecriture", "n° écriture", "numéro d'écriture", "entry key"),
    ),
    Column(
        "date",
        _(
            "Entry date: an Excel date, YYYY-MM-DD or DD/MM/YYYY (MM/DD/YYYY when the import "
            "is told so; may be left empty after the entry's first row)"
        ),
        date(2025, 11, 14),
        True,
        ("date écriture", "date de l'écriture", "date comptable"),
    ),
    Column(
        "journal",
        _("Journal code of the lab (AN, ACH, BQS, BQE, MIS, VT, OD)"),
        "ACH",
        True,
        ("code journal",),
    ),
    Column(
        "account",
        _("Account number of the lab's chart"),
        "6064",
        True,
        ("compte", "n° compte", "numéro de compte", "compte général", "compte comptable"),
    ),
    Column(
        "label",
        _("Line label; the entry's label is the label of its first row"),
        "Lab supplies, invoice 2025-118",
        True,
        ("libellé", "libelle", "libellé écriture", "libellé ligne"),
    ),
    Column(
        "debit",
        _(
            "Debit in book currency (SGD), decimal point or comma (one mark for the whole "
            "file); leave empty on credit lines"
        ),
        Decimal("1090.00"),
        True,
        ("débit", "montant débit", "debit sgd"),
    ),
    Column(
        "credit",
        _("Credit in book currency (SGD); leave empty on debit lines"),
        None,
        True,
        ("crédit", "montant crédit", "credit sgd"),
    ),
    Column(
        "currency",
        _("Currency of a foreign-currency amount (EUR, USD, ...); empty for SGD"),
        "",
        False,
        ("devise",),
    ),
    Column(
        "amount_currency",
        _(
            "The amount in that currency; with debit and credit empty it is converted at "
            "the chancellery rate of the entry date"
        ),
        None,
        False,
        ("montant devise", "montant en devise"),
    ),
    Column(
        "side",
        _(
            "debit or credit (D or C): the side of an amount (column amount), or of an amount "
            "in currency given without book amounts"
        ),
        "",
        False,
        ("sens", "d/c"),
    ),
    Column(
        "budget_line",
        _(
            "Budget line code of the lab and year; required on accounts that consume a "
            "budget line (expenses, equipment)"
        ),
        "CNRS-OP-SUP",
        False,
        ("ligne budgétaire", "ligne budgetaire", "budget"),
    ),
    Column(
        "piece_ref",
        _("Reference of the supporting document (invoice number)"),
        "INV-2025-118",
        False,
        (
            "réf pièce",
            "ref pièce",
            "référence pièce",
            "pièce",
            "n° pièce",
            "numéro de pièce",
            "n° de pièce",
            "référence",
        ),
    ),
    Column(
        "piece_date",
        _("Date of the supporting document"),
        date(2025, 11, 12),
        False,
        ("date pièce",),
    ),
    Column(
        "third_party",
        _("Supplier, partner or staff code (optional)"),
        "SUP-FISHER",
        False,
        ("tiers", "code tiers"),
    ),
    Column(
        "amount",
        _("Instead of debit and credit: the amount in book currency, its side in column side"),
        None,
        False,
        ("montant", "montant sgd", "amount sgd"),
    ),
)
# The rows after the example row of a template: the journal's example entry balances.
MORE_EXAMPLES: dict[str, list[dict[str, object]]] = {
    "journal": [{"account": "401", "debit": None, "credit": Decimal("1090.00"), "budget_line": ""}]
}
# Columns that may stand for two others: an amount and its side for debit and credit.
ALTERNATIVES = {"journal": {"debit": ("amount", "side"), "credit": ("amount", "side")}}

ACCOUNTS = (
    Column(
        "code",
        _("PCG account number: class 1 to 7, then 2 to 11 digits"),
        "6064",
        True,
        ("compte", "numéro", "n° compte"),
    ),
    Column(
        "name_fr", _("French name"), "Fournitures de laboratoire", True, ("intitulé", "libellé")
    ),
    Column(
        "name_en",
        _("English name"),
        "Lab supplies",
        True,
        ("intitulé anglais", "libellé anglais", "name"),
    ),
    Column(
        "needs_budget_line",
        _(
            "yes when lines on this account must name the budget line they consume; empty: "
            "yes for expense and equipment accounts (classes 6 and 2) except depreciation "
            "and provisions, no for the others"
        ),
        "yes",
        False,
        ("ligne budgétaire requise", "budget requis"),
    ),
)

RATES = (
    Column("currency", _("ISO currency code"), "SGD", True, ("devise",)),
    Column(
        "valid_from",
        _("First day the rate applies (it holds until the next rate of the same source)"),
        date(2025, 3, 1),
        True,
        ("date", "valable du", "date d'effet"),
    ),
    Column(
        "units_per_eur",
        _("Units of the currency for one euro (up to 8 decimals)"),
        Decimal("1.4567"),
        True,
        ("taux", "unités pour 1 eur"),
    ),
    Column(
        "source",
        _("chancellery (default), ecb or bank"),
        "chancellery",
        False,
        ("origine",),
    ),
)

BUDGET = (
    Column("code", _("Budget line code, unique in the lab and year"), "OP-SUP-2025", True, ()),
    Column("year", _("Fiscal year"), 2025, True, ("exercice", "année", "annee")),
    Column(
        "funding_source",
        _("Code of the lab's funding source"),
        "CNRS-DOT",
        True,
        ("origine de crédit", "origine des crédits", "source de financement"),
    ),
    Column("label_fr", _("French label"), "Fournitures", True, ("libellé", "libelle")),
    Column("label_en", _("English label"), "Supplies", True, ("libellé anglais", "label")),
    Column(
        "envelope",
        _("personnel, operating (fonctionnement) or equipment (investissement)"),
        "operating",
        True,
        ("enveloppe",),
    ),
    Column(
        "nature",
        _("missions, supplies, services, equipment, fixed_term_staff, receptions or other"),
        "supplies",
        True,
        (),
    ),
    Column(
        "allocated",
        _("Original allocation in book currency (SGD)"),
        Decimal("25000.00"),
        True,
        ("alloué", "montant alloué", "dotation"),
    ),
    Column(
        "allocated_on",
        _("Date the allocation was notified"),
        date(2025, 1, 15),
        True,
        ("date de notification", "notifié le"),
    ),
    Column(
        "funder_category",
        _(
            "Funder's cost category (personnel, travel, equipment, other_goods_services, "
            "indirect_costs, subcontracting); optional"
        ),
        "",
        False,
        ("catégorie financeur",),
    ),
    Column("policy", _("warn (default) or block overspending"), "warn", False, ("politique",)),
    Column(
        "alert_thresholds",
        _(
            "Percentages consumed at which the lab's director and accountants are alerted, "
            "e.g. 80,100 (the default when empty); optional"
        ),
        "80,100",
        False,
        ("seuils d'alerte", "seuils"),
    ),
)

# Other apps add their kinds here, with their sheet names in reading.SHEET_NAMES, when
# their import module loads (parties.imports: third_parties, office-wide).
KIND_COLUMNS: dict[str, tuple[Column, ...]] = {
    "accounts": ACCOUNTS,
    "rates": RATES,
    "budget": BUDGET,
    "journal": JOURNAL,
}


def export_columns(kind: str) -> list[str]:
    """The columns an export writes: all but those that only stand for others."""
    stand_ins = {name for names in ALTERNATIVES.get(kind, {}).values() for name in names}
    stand_ins.discard("side")  # the side of an amount in currency is a column of its own
    return [column.name for column in KIND_COLUMNS[kind] if column.name not in stand_ins]


_SEPARATORS = re.compile(r"[\s_.\-'’/°]+")


def normalized(header: str) -> str:
    """'Réf. pièce' -> 'ref piece'; 'piece_ref' -> 'piece ref'."""
    decomposed = unicodedata.normalize("NFKD", header)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SEPARATORS.sub(" ", plain.casefold()).strip()


def _lookup(columns: tuple[Column, ...]) -> dict[str, Column]:
    table: dict[str, Column] = {}
    for column in columns:
        for name in (column.name, *column.aliases):
            table[normalized(name)] = column
    return table


def match_headers(
    kind: str, headers: list[tuple[int, str]]
) -> tuple[dict[str, int], list[Problem]]:
    """Map each column name of `kind` to the index of its column in the sheet.

    `headers` are (column index, text) of the header row. Unknown, duplicated and
    missing columns are problems (a nameless column is checked on the rows: it is a
    problem only if it holds values)."""
    columns = KIND_COLUMNS[kind]
    table = _lookup(columns)
    found: dict[str, int] = {}
    header_of: dict[int, str] = dict(headers)
    problems: list[Problem] = []
    unknown: list[tuple[int, str]] = []
    for index, text in headers:
        if not text:
            continue
        column = table.get(normalized(text))
        if column is None:
            unknown.append((index, text))
        elif column.name in found:
            first = found[column.name]
            problems.append(
                Problem(
                    COLUMN_DUPLICATED.format(
                        first=column_letter(first),
                        first_header=shown(header_of[first]),
                        second=column_letter(index),
                        second_header=shown(text),
                        column=column.name,
                    )
                )
            )
        else:
            found[column.name] = index
    problems[:0] = _unknown_problems(kind, columns, unknown)
    names = ", ".join(shown(text) for _, text in headers[:40] if text) or str(NO_NAMES)
    for column in columns:
        instead = ALTERNATIVES.get(kind, {}).get(column.name, ())
        if instead and all(name in found for name in instead):
            continue
        if column.required and column.name not in found:
            problems.append(Problem(COLUMN_MISSING.format(column=column.name, found=names)))
    return found, problems


def _unknown_problems(
    kind: str, columns: tuple[Column, ...], unknown: list[tuple[int, str]]
) -> list[Problem]:
    """One problem an unknown column, or one for a run of three or more side by side
    ("Columns P to BXW (2,000 columns) ...")."""
    expected = ", ".join(c.name for c in columns)
    problems: list[Problem] = []
    start = 0
    while start < len(unknown):
        end = start
        while end + 1 < len(unknown) and unknown[end + 1][0] == unknown[end][0] + 1:
            end += 1
        if end - start >= 2:
            first, last = unknown[start][0], unknown[end][0]
            problems.append(
                Problem(
                    COLUMNS_UNKNOWN.format(
                        first=column_letter(first),
                        last=column_letter(last),
                        count=count_text(end - start + 1),
                        kind=kind,
                        expected=expected,
                    )
                )
            )
        else:
            for index, text in unknown[start : end + 1]:
                problems.append(
                    Problem(
                        COLUMN_UNKNOWN.format(
                            letter=column_letter(index),
                            header=shown(text),
                            kind=kind,
                            expected=expected,
                        )
                    )
                )
        start = end + 1
    return problems


def unnamed_problem(index: int) -> Problem:
    return Problem(COLUMN_UNNAMED.format(letter=column_letter(index)))
