"""Statement builders: pure functions from the books to a `Statement` (reports/statement.py).

One module a statement; `statement_build` picks the builder of a kind and checks that
the options given belong to it.
"""

from collections.abc import Callable
from datetime import date
from typing import Any

from irls.models import Lab
from reports.builders.ageing import payables_ageing_build, receivables_ageing_build
from reports.builders.balance_sheet import balance_sheet_build
from reports.builders.budget_execution import budget_execution_build
from reports.builders.closing import closing_statement_build
from reports.builders.general_ledger import general_ledger_build
from reports.builders.grant import grant_statement_build
from reports.builders.income_statement import income_statement_build
from reports.builders.journal import journal_build
from reports.builders.partner import partner_statement_build
from reports.builders.third_parties import THIRD_PARTY_KINDS
from reports.builders.third_party_balance import third_party_balance_build
from reports.builders.third_party_ledger import third_party_ledger_build
from reports.builders.trial_balance import trial_balance_build
from reports.exceptions import OPTION_NOT_FOR_KIND, OR, UNKNOWN_KIND, StatementError
from reports.statement import Statement

FEC = "fec"
BUILDERS: dict[str, Callable[..., Statement]] = {
    "trial-balance": trial_balance_build,
    "general-ledger": general_ledger_build,
    "journal": journal_build,
    "budget-execution": budget_execution_build,
    "partner": partner_statement_build,
    "grant": grant_statement_build,
    "balance-sheet": balance_sheet_build,
    "income-statement": income_statement_build,
    "closing": closing_statement_build,
    "payables-ageing": payables_ageing_build,
    "receivables-ageing": receivables_ageing_build,
    "third-party-ledger": third_party_ledger_build,
    "third-party-balance": third_party_balance_build,
}
KINDS: tuple[str, ...] = (*BUILDERS, FEC)
# The statements given a funding source (--grant): the grant statement, and the budget
# execution of that funding source over its whole life.
GRANT_KINDS: tuple[str, ...] = ("grant", "budget-execution")
# The statements that read any period, across fiscal years too (the others keep to one
# fiscal year: a balance sheet, an income statement, a budget, the FEC, a closing).
# The ageings are at a date (the period's last day) and count open items of any year.
ACROSS_YEARS: frozenset[str] = frozenset(
    {"trial-balance", "general-ledger", "journal", "partner", *THIRD_PARTY_KINDS}
)


def check_kind(kind: str, *, partner: str = "", grant: str = "", third_party: str = "") -> None:
    """Refuse an unknown kind, and a partner, grant or third party given to another
    statement."""
    if kind not in KINDS:
        raise StatementError(UNKNOWN_KIND.format(kind=kind, kinds=", ".join(KINDS)))
    if partner and kind != "partner":
        raise StatementError(OPTION_NOT_FOR_KIND.format(option="partner", kind="partner"))
    if grant and kind not in GRANT_KINDS:
        raise StatementError(
            OPTION_NOT_FOR_KIND.format(option="grant", kind=str(OR).join(GRANT_KINDS))
        )
    if third_party and kind not in THIRD_PARTY_KINDS:
        raise StatementError(
            OPTION_NOT_FOR_KIND.format(option="third-party", kind=str(OR).join(THIRD_PARTY_KINDS))
        )


def statement_build(
    *,
    kind: str,
    lab: Lab,
    year: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    language: str = "en",
    currency: str | None = None,
    partner: str = "",
    grant: str = "",
    third_party: str = "",
) -> Statement:
    """The statement `kind` of `lab` (every kind but the FEC, which is a file: reports.fec)."""
    check_kind(kind, partner=partner, grant=grant, third_party=third_party)
    if kind == FEC:
        raise StatementError(UNKNOWN_KIND.format(kind=kind, kinds=", ".join(BUILDERS)))
    options: dict[str, Any] = {
        "lab": lab,
        "year": year,
        "date_from": date_from,
        "date_to": date_to,
        "language": language,
        "currency": currency,
    }
    if kind == "partner":
        options["partner"] = partner
    if kind in GRANT_KINDS:  # budget execution: the funding source over its whole life
        options["grant"] = grant
    if kind in THIRD_PARTY_KINDS:
        options["third_party"] = third_party
    return BUILDERS[kind](**options)


__all__ = [
    "ACROSS_YEARS",
    "BUILDERS",
    "FEC",
    "KINDS",
    "THIRD_PARTY_KINDS",
    "balance_sheet_build",
    "budget_execution_build",
    "check_kind",
    "closing_statement_build",
    "general_ledger_build",
    "grant_statement_build",
    "income_statement_build",
    "journal_build",
    "partner_statement_build",
    "payables_ageing_build",
    "receivables_ageing_build",
    "statement_build",
    "third_party_balance_build",
    "third_party_ledger_build",
    "trial_balance_build",
]
