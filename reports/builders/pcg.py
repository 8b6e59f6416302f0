"""The balance sheet and income statement read the books by PCG class and two-digit
prefix: the names of those groups, and balances per prefix for the period asked and the
same period one year earlier (from the same SQL aggregation as the trial balance)."""

from dataclasses import dataclass, replace
from decimal import Decimal

from reports.builders.common import (
    ZERO,
    Figures,
    MonthRates,
    StatementOptions,
    account_figures,
    accounts_by_id,
    date_range_text,
    previous_options,
    word,
)
from reports.statement import format_date

PREFIX_NAMES: dict[str, dict[str, str]] = {
    "en": {
        "10": "Capital and reserves",
        "11": "Retained earnings",
        "12": "Result for the year",
        "13": "Investment subsidies",
        "14": "Regulated provisions",
        "15": "Provisions for liabilities and charges",
        "16": "Borrowings and similar debts",
        "17": "Debts related to participations",
        "18": "Liaison accounts",
        "20": "Intangible assets",
        "21": "Tangible fixed assets",
        "23": "Fixed assets in progress",
        "26": "Participations",
        "27": "Other financial assets",
        "28": "Depreciation of fixed assets",
        "29": "Impairment of fixed assets",
        "31": "Raw materials",
        "32": "Other supplies",
        "33": "Work in progress (goods)",
        "34": "Work in progress (services)",
        "35": "Finished products",
        "37": "Goods for resale",
        "39": "Impairment of stocks",
        "40": "Suppliers",
        "41": "Customers and partners",
        "42": "Staff",
        "43": "Social security bodies",
        "44": "State and public bodies",
        "45": "Group and associates",
        "46": "Sundry debtors and creditors",
        "47": "Suspense accounts",
        "48": "Accruals and deferrals",
        "49": "Impairment of third-party accounts",
        "50": "Short-term investments",
        "51": "Banks",
        "52": "Treasury instruments",
        "53": "Cash",
        "54": "Imprest accounts",
        "58": "Internal transfers",
        "59": "Impairment of financial accounts",
        "60": "Purchases",
        "61": "External services",
        "62": "Other external services",
        "63": "Taxes and duties",
        "64": "Personnel costs",
        "65": "Other operating expenses",
        "66": "Financial expenses",
        "67": "Exceptional expenses",
        "68": "Depreciation, impairment and provisions",
        "69": "Income tax",
        "70": "Sales and services",
        "71": "Change in production stocks",
        "72": "Own work capitalised",
        "74": "Operating subsidies",
        "75": "Other operating income",
        "76": "Financial income",
        "77": "Exceptional income",
        "78": "Reversals of depreciation, impairment and provisions",
        "79": "Expense transfers",
    },
    "fr": {
        "10": "Capital et réserves",
        "11": "Report à nouveau",
        "12": "Résultat de l'exercice",
        "13": "Subventions d'investissement",
        "14": "Provisions réglementées",
        "15": "Provisions pour risques et charges",
        "16": "Emprunts et dettes assimilées",
        "17": "Dettes rattachées à des participations",
        "18": "Comptes de liaison",
        "20": "Immobilisations incorporelles",
        "21": "Immobilisations corporelles",
        "23": "Immobilisations en cours",
        "26": "Participations et créances rattachées",
        "27": "Autres immobilisations financières",
        "28": "Amortissements des immobilisations",
        "29": "Dépréciations des immobilisations",
        "31": "Matières premières",
        "32": "Autres approvisionnements",
        "33": "En-cours de production de biens",
        "34": "En-cours de production de services",
        "35": "Stocks de produits",
        "37": "Stocks de marchandises",
        "39": "Dépréciations des stocks et en-cours",
        "40": "Fournisseurs et comptes rattachés",
        "41": "Clients et comptes rattachés",
        "42": "Personnel et comptes rattachés",
        "43": "Sécurité sociale et autres organismes sociaux",
        "44": "État et autres collectivités publiques",
        "45": "Groupe et associés",
        "46": "Débiteurs divers et créditeurs divers",
        "47": "Comptes transitoires ou d'attente",
        "48": "Comptes de régularisation",
        "49": "Dépréciations des comptes de tiers",
        "50": "Valeurs mobilières de placement",
        "51": "Banques, établissements financiers et assimilés",
        "52": "Instruments de trésorerie",
        "53": "Caisse",
        "54": "Régies d'avances et accréditifs",
        "58": "Virements internes",
        "59": "Dépréciations des comptes financiers",
        "60": "Achats",
        "61": "Services extérieurs",
        "62": "Autres services extérieurs",
        "63": "Impôts, taxes et versements assimilés",
        "64": "Charges de personnel",
        "65": "Autres charges de gestion courante",
        "66": "Charges financières",
        "67": "Charges exceptionnelles",
        "68": "Dotations aux amortissements, dépréciations et provisions",
        "69": "Impôts sur les bénéfices",
        "70": "Ventes de produits et prestations de services",
        "71": "Production stockée",
        "72": "Production immobilisée",
        "74": "Subventions d'exploitation",
        "75": "Autres produits de gestion courante",
        "76": "Produits financiers",
        "77": "Produits exceptionnels",
        "78": "Reprises sur amortissements, dépréciations et provisions",
        "79": "Transferts de charges",
    },
}

TEXT = {
    "en": {
        "code": "Code",
        "heading": "Heading",
        "at": "At {day}",
        "prefix": "Accounts {prefix}",
        "no_previous": "The books hold no fiscal year {year}: no comparative figures.",
    },
    "fr": {
        "code": "Code",
        "heading": "Rubrique",
        "at": "Au {day}",
        "prefix": "Comptes {prefix}",
        "no_previous": "Les livres ne contiennent pas d'exercice {year} : pas de comparatif.",
    },
}


def prefix_name(prefix: str, language: str) -> str:
    return PREFIX_NAMES[language].get(prefix) or word(TEXT, language, "prefix", prefix=prefix)


@dataclass(frozen=True)
class PrefixBalances:
    """Signed balances (debit positive) per two-digit prefix, this period and last year's
    (None when the books have no previous fiscal year)."""

    current: dict[str, Decimal]
    previous: dict[str, Decimal] | None
    previous_options: StatementOptions | None

    def prefixes(self, pcg_class: str) -> list[str]:
        """The prefixes of `pcg_class` with a balance in either period (settled ones, nil
        in both, are left out)."""
        found = {p for p, v in self.current.items() if v} | {
            p for p, v in (self.previous or {}).items() if v
        }
        return sorted(p for p in found if p.startswith(pcg_class))

    def get(self, prefix: str) -> tuple[Decimal, Decimal | None]:
        previous = None if self.previous is None else self.previous.get(prefix, ZERO)
        return self.current.get(prefix, ZERO), previous


def prefix_balances(
    options: StatementOptions, rates: MonthRates | None, *, cumulative: bool
) -> PrefixBalances:
    """Per prefix: the closing balance at the period's end (`cumulative`, for the balance
    sheet: from the start of the fiscal year, opening entries included, and the closing
    entry too, so that a closed year's result is on 120/129) or the movements of the
    period (debit - credit, for the income statement), without the closing entry, which
    would otherwise bring every income and expense account back to zero."""
    previous = previous_options(options)
    return PrefixBalances(
        _by_prefix(options, rates, cumulative),
        _by_prefix(previous, rates, cumulative) if previous is not None else None,
        previous,
    )


def _by_prefix(
    options: StatementOptions, rates: MonthRates | None, cumulative: bool
) -> dict[str, Decimal]:
    if cumulative:
        options = replace(options, date_from=options.fiscal_year.start_date)
    figures = account_figures(options, rates, without_closing=not cumulative)
    totals: dict[str, Decimal] = {}
    for account in accounts_by_id(figures):
        own: Figures = figures[account.id]
        amount = own.closing if cumulative else own.debit - own.credit
        totals[account.code[:2]] = totals.get(account.code[:2], ZERO) + amount
    return totals


def column_heading(options: StatementOptions | None, *, at_end: bool, year: int) -> str:
    """'At 31/12/2025' for a balance sheet, '2025' or a date range for an income statement."""
    if options is None:
        return str(year)
    if at_end:
        return word(
            TEXT, options.language, "at", day=format_date(options.date_to, options.language)
        )
    if options.whole_year:
        return str(options.fiscal_year.year)
    return date_range_text(options)


def no_previous_note(options: StatementOptions, balances: PrefixBalances) -> tuple[str, ...]:
    if balances.previous is not None:
        return ()
    return (word(TEXT, options.language, "no_previous", year=options.fiscal_year.year - 1),)
