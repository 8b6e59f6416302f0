"""Partner statement: what one partner institution contributed over the period, what was
received and what is still due, and what was spent on its funding sources, by cost
category, with the balance left.

Whose money is whose, in the books:
- contributions are income on accounts 74 of the entries that name the partner as third
  party on one of their lines (its receivable 411 on an invoice, or a direct receipt);
- what it owes is the balance of the receivable 411 lines naming it as third party;
- its spending is every posted line on a budget line of a funding source it funds.

Any period, across fiscal years too (a Singapore partner's April-March year): what is
due at the start is the receivable's balance on the period's first day; movements run
by the trial balance's rule (the opening entries of a later fiscal year, which only
carry the receivable over, are not movements); closing entries are never income nor
spending.
"""

from datetime import date
from decimal import Decimal

from django.db.models import Exists, F, OuterRef, Q

from irls.models import FundingSource, Institution, Lab, Partnership
from ledger.models import JournalLine
from reports.builders.categories import category_name, category_of, shown
from reports.builders.common import (
    ZERO,
    MonthRates,
    StatementOptions,
    annex,
    cents_sum,
    closing_entries,
    currency_notes,
    grouped_sums,
    lab_header,
    month_rates,
    now,
    opening_condition,
    opening_entries,
    period_lines,
    statement_options,
    when_cents,
    word,
)
from reports.exceptions import NOT_A_PARTNER, PARTNER_NEEDED, StatementError
from reports.statement import Column, Row, RowStyle, Section, Statement

KIND = "partner"
RECEIVABLE, INCOME = "411", "74"

TEXT = {
    "en": {
        "title": "Contribution and expenditure statement {year}: {name}",
        "item": "Item",
        "amount": "Amount",
        "contribution": "Contribution of {name}",
        "due_start": "Due at the start of the period (partner receivable 411)",
        "income": "Contributions recorded as income in the period (accounts 74)",
        "invoiced": "Invoiced in the period (411)",
        "received": "Received in the period",
        "settled": "of which settlement of invoices (411)",
        "direct": "of which received without invoice",
        "due_end": "Still due at the end of the period (411)",
        "expenditure": "Expenditure on the funding sources of {name}, by category",
        "source_total": "Total {code}",
        "expenditure_total": "Total expenditure",
        "no_source": "No funding source of the lab is funded by {name}.",
        "balance_title": "Balance",
        "balance_income": "Contributions recorded in the period",
        "balance_spent": "Expenditure in the period",
        "balance_left": "Balance left (contributions less expenditure)",
        "how": (
            "Contributions: income on accounts 74 of the entries naming {code} as third party. "
            "Expenditure: posted lines on the budget lines of the funding sources {code} funds, "
            "by the funder's cost category (or the line's nature)."
        ),
    },
    "fr": {
        "title": "État des contributions et des dépenses {year} : {name}",
        "item": "Poste",
        "amount": "Montant",
        "contribution": "Contribution de {name}",
        "due_start": "Dû en début de période (créance partenaire 411)",
        "income": "Contributions comptabilisées en produits sur la période (comptes 74)",
        "invoiced": "Facturé sur la période (411)",
        "received": "Encaissé sur la période",
        "settled": "dont règlement de factures (411)",
        "direct": "dont encaissé sans facture",
        "due_end": "Restant dû en fin de période (411)",
        "expenditure": "Dépenses sur les origines de crédit financées par {name}, par catégorie",
        "source_total": "Total {code}",
        "expenditure_total": "Total des dépenses",
        "no_source": "Aucune origine de crédit du laboratoire n'est financée par {name}.",
        "balance_title": "Solde",
        "balance_income": "Contributions comptabilisées sur la période",
        "balance_spent": "Dépenses de la période",
        "balance_left": "Solde disponible (contributions moins dépenses)",
        "how": (
            "Contributions : produits des comptes 74 des écritures portant {code} comme tiers. "
            "Dépenses : lignes validées imputées sur les lignes budgétaires des origines de "
            "crédit financées par {code}, par catégorie du financeur (ou nature de la ligne)."
        ),
    },
}


def partner_statement_build(
    *,
    lab: Lab,
    partner: str,
    year: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    language: str = "en",
    currency: str | None = None,
) -> Statement:
    """What partner institution `partner` (its code) contributed to `lab` over the period
    (any period, across years too), and how its funding sources were spent."""
    options = statement_options(
        lab=lab,
        year=year,
        date_from=date_from,
        date_to=date_to,
        language=language,
        currency=currency,
        across_years=True,
    )
    institution = _partner(lab, partner)
    lang = options.language
    rates = month_rates(options)
    money = _contribution(options, institution.code, rates)
    contribution = Section(
        word(TEXT, lang, "contribution", name=institution.name),
        (
            _row(lang, "due_start", money["due_start"]),
            _row(lang, "income", money["income"]),
            _row(lang, "invoiced", money["invoiced"]),
            _row(lang, "received", money["settled"] + money["direct"]),
            _row(lang, "settled", money["settled"], "note"),
            _row(lang, "direct", money["direct"], "note"),
            _row(lang, "due_end", money["due_end"], "subtotal"),
        ),
    )
    expenditure, spent = _expenditure(options, institution, rates)
    left = money["income"] - spent
    return Statement(
        kind=KIND,
        title=word(TEXT, lang, "title", year=options.year_label, name=institution.name),
        lab=lab_header(lab),
        period_from=options.date_from,
        period_to=options.date_to,
        currency=options.currency,
        language=lang,
        generated_at=now(),
        columns=(
            Column("item", word(TEXT, lang, "item"), "text", 50),
            Column("amount", word(TEXT, lang, "amount"), "amount", 16),
        ),
        sections=(contribution, expenditure),
        totals=(
            _row(lang, "balance_income", money["income"], "subtotal"),
            _row(lang, "balance_spent", spent, "subtotal"),
            _row(lang, "balance_left", left, "total"),
        ),
        notes=(*currency_notes(options), word(TEXT, lang, "how", code=institution.code)),
        parameters=options.parameters(KIND, partner=institution.code),
        **annex(options, rates),
    )


def _partner(lab: Lab, code: str) -> Institution:
    if not code:
        raise StatementError(str(PARTNER_NEEDED))
    institution = Institution.objects.filter(code=code).first()
    if institution is None or not (
        Partnership.objects.filter(lab=lab, institution=institution).exists()
        or FundingSource.objects.filter(lab=lab, funder=institution).exists()
    ):
        raise StatementError(NOT_A_PARTNER.format(code=code, lab=lab.code))
    return institution


def _row(language: str, key: str, amount: Decimal, style: RowStyle = "normal") -> Row:
    return Row((word(TEXT, language, key), amount), style=style)


def _contribution(
    options: StatementOptions, code: str, rates: MonthRates | None
) -> dict[str, Decimal]:
    """Receivable (opening, invoiced, settled, closing) and income of the period: two
    aggregate queries."""
    opening = opening_condition(options)
    year_lines = period_lines(options)
    not_movements = opening_entries(options) + closing_entries(options)
    receivable = grouped_sums(
        year_lines.filter(account__code__startswith=RECEIVABLE, third_party__code=code),
        [],
        {
            "open_debit": cents_sum(when_cents(opening, "debit")),
            "open_credit": cents_sum(when_cents(opening, "credit")),
            "debit": cents_sum(when_cents(~opening, "debit")),
            "credit": cents_sum(when_cents(~opening, "credit")),
        },
        rates,
    ).get((), {})
    partner_entries = JournalLine.objects.filter(lab=options.lab, third_party__code=code).values(
        "entry_id"
    )
    invoiced_entry = JournalLine.objects.filter(
        entry_id=OuterRef("entry_id"), account__code__startswith=RECEIVABLE, third_party__code=code
    )
    income = grouped_sums(
        year_lines.filter(
            ~Q(entry_id__in=not_movements),
            account__code__startswith=INCOME,
            entry_id__in=partner_entries,
            entry_date__gte=options.date_from,
        ).annotate(invoiced=Exists(invoiced_entry)),
        ["invoiced"],
        {"net": cents_sum(F("credit") - F("debit"))},
        rates,
    )
    due_start = receivable.get("open_debit", ZERO) - receivable.get("open_credit", ZERO)
    invoiced = receivable.get("debit", ZERO)
    settled = receivable.get("credit", ZERO)
    return {
        "due_start": due_start,
        "invoiced": invoiced,
        "settled": settled,
        "due_end": due_start + invoiced - settled,
        "income": sum((sums["net"] for sums in income.values()), ZERO),
        "direct": sum((s["net"] for key, s in income.items() if not key[0]), ZERO),
    }


def _expenditure(
    options: StatementOptions, institution: Institution, rates: MonthRates | None
) -> tuple[Section, Decimal]:
    """Spending of the period on the funding sources `institution` funds, by source and
    category: one GROUP BY."""
    lang = options.language
    sources = list(
        FundingSource.objects.filter(lab=options.lab, funder=institution).order_by("code")
    )
    groups = grouped_sums(
        JournalLine.objects.filter(
            ~Q(entry_id__in=opening_entries(options) + closing_entries(options)),
            lab=options.lab,
            budget_line__funding_source__in=sources,
            entry_date__gte=options.date_from,
            entry_date__lte=options.date_to,
        ),
        [
            "budget_line__funding_source_id",
            "budget_line__funder_category",
            "budget_line__nature",
        ],
        {"net": cents_sum(F("debit") - F("credit"))},
        rates,
    )
    spent: dict[int, dict[str, Decimal]] = {}
    for (source_id, funder_category, nature), sums in groups.items():
        by_category = spent.setdefault(source_id, {})
        category = category_of(funder_category, nature)
        by_category[category] = by_category.get(category, ZERO) + sums["net"]
    rows: list[Row] = []
    total = ZERO
    for source in sources:
        by_category = spent.get(source.pk, {})
        rows.append(Row((f"{source.code} {source.name}", None), style="heading"))
        for category in shown(set(by_category)):
            rows.append(Row((category_name(category, lang), by_category.get(category, ZERO))))
        subtotal = sum(by_category.values(), ZERO)
        rows.append(
            Row((word(TEXT, lang, "source_total", code=source.code), subtotal), style="subtotal")
        )
        total += subtotal
    if not sources:
        rows.append(Row((word(TEXT, lang, "no_source", name=institution.name), None), "note"))
    rows.append(Row((word(TEXT, lang, "expenditure_total"), total), style="subtotal"))
    title = word(TEXT, lang, "expenditure", name=institution.name)
    return Section(title, tuple(rows)), total
