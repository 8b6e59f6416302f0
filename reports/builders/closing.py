"""Closing statement (procès-verbal de clôture) of a closed fiscal year: the paper anchor
an auditor compares with the books years later.

Per journal, the first and last entry numbers, the count of entries and their totals;
the trial balance totals before and after the closing entries (movements, and debit and
credit balances); the result, from the closing entry (credited to 120 for a profit,
debited to 129 for a loss), beside classes 6 and 7 before closing; the numbers of the
closing entry and of the next year's opening entries; the head of the hash chain for
the year: the posted entry of that fiscal year with the highest chain index, its
number, index and hash (what `verify_ledger` recomputes).

In the book currency only, for a closed year only, and for the whole year.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, F, Max, Min, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from irls.models import Lab
from ledger.models import FiscalYear, Journal, JournalEntry, JournalLine
from reports.builders.common import (
    ZERO,
    StatementOptions,
    cents_sum,
    common,
    currency_notes,
    lab_header,
    now,
    statement_options,
    when_cents,
    word,
)
from reports.exceptions import WHOLE_YEAR_ONLY, StatementError
from reports.statement import Column, Row, RowStyle, Section, Statement, format_date

KIND = "closing"
RESULT_PREFIX = "12"

NOT_CLOSED = _(
    "The fiscal year {year} of {lab} is not closed: its closing statement is issued once "
    "the year is closed"
)
IN_BOOK_CURRENCY = _(
    "The closing statement is kept in the book currency ({book}): it has no EUR version"
)

TEXT = {
    "en": {
        "title": "Closing statement {year}",
        "journal": "Journal",
        "label": "Label",
        "first": "First number",
        "last": "Last number",
        "count": "Entries",
        "journals": "Journals of the fiscal year {year}",
        "journals_total": "Total of the journals",
        "trial_balance": "Trial balance totals",
        "moves_before": "Movements before closing",
        "moves_closing": "Closing entries",
        "moves_after": "Movements after closing",
        "balances_before": "Debit and credit balances before closing",
        "balances_after": "Debit and credit balances after closing",
        "result": "Result of the year",
        "income": "Income, class 7 (before closing)",
        "expenses": "Expenses, class 6 (before closing)",
        "profit": "Profit of the year, credited to 120 by the closing entry",
        "loss": "Loss of the year, debited to 129 by the closing entry",
        "nil": "Nil result of the year",
        "year_end": "Year-end entries",
        "closing_entry": "Closing entry of {year}, dated {day}",
        "opening_entry": "Opening entry of {year}, dated {day}",
        "no_opening": "No opening entry of {year} is posted",
        "no_next_year": "The books hold no fiscal year {year}",
        "chain": "Hash chain",
        "chain_head": "Last entry of {year} in the lab's hash chain (position {index})",
        "chain_empty": "No entry of {year} is posted",
        "hash": "Its hash (sha256)",
        "closed": "Fiscal year {year} closed on {when}{by}.",
        "closed_by": " by {user}",
        "continuous": "Numbering: no gap in any journal (entries = last - first + 1).",
        "gaps": "Numbering: the count of entries does not match the numbers in {journals}.",
        "balances": (
            "Trial balance: movements of every posted line of the year, opening entries "
            "included; balances summed over the accounts with a debit, and with a credit, "
            "balance."
        ),
        "chain_note": (
            "Chain head: the year's posted entry that comes last in the lab's hash chain; "
            "verify_ledger must find this hash at this position."
        ),
        "signature": "Signature of the office head (authorising officer):",
    },
    "fr": {
        "title": "Procès-verbal de clôture de l'exercice {year}",
        "journal": "Journal",
        "label": "Libellé",
        "first": "Premier numéro",
        "last": "Dernier numéro",
        "count": "Écritures",
        "journals": "Journaux de l'exercice {year}",
        "journals_total": "Total des journaux",
        "trial_balance": "Totaux de la balance",
        "moves_before": "Mouvements avant clôture",
        "moves_closing": "Écritures de clôture",
        "moves_after": "Mouvements après clôture",
        "balances_before": "Soldes débiteurs et créditeurs avant clôture",
        "balances_after": "Soldes débiteurs et créditeurs après clôture",
        "result": "Résultat de l'exercice",
        "income": "Produits, classe 7 (avant clôture)",
        "expenses": "Charges, classe 6 (avant clôture)",
        "profit": "Bénéfice de l'exercice, porté au crédit du 120 par l'écriture de clôture",
        "loss": "Perte de l'exercice, portée au débit du 129 par l'écriture de clôture",
        "nil": "Résultat nul de l'exercice",
        "year_end": "Écritures de fin d'exercice",
        "closing_entry": "Écriture de clôture de {year}, datée du {day}",
        "opening_entry": "Écriture d'à-nouveaux de {year}, datée du {day}",
        "no_opening": "Aucune écriture d'à-nouveaux de {year} n'est validée",
        "no_next_year": "Les livres ne contiennent pas d'exercice {year}",
        "chain": "Chaîne d'empreintes",
        "chain_head": "Dernière écriture de {year} dans la chaîne du laboratoire (rang {index})",
        "chain_empty": "Aucune écriture de {year} n'est validée",
        "hash": "Son empreinte (sha256)",
        "closed": "Exercice {year} clôturé le {when}{by}.",
        "closed_by": " par {user}",
        "continuous": (
            "Numérotation : aucune rupture dans les journaux (écritures = dernier - premier + 1)."
        ),
        "gaps": (
            "Numérotation : le nombre d'écritures ne correspond pas aux numéros dans {journals}."
        ),
        "balances": (
            "Balance : mouvements de toutes les lignes validées de l'exercice, à-nouveaux "
            "compris ; soldes additionnés sur les comptes à solde débiteur, et créditeur."
        ),
        "chain_note": (
            "Tête de chaîne : l'écriture validée de l'exercice qui vient en dernier dans la "
            "chaîne d'empreintes du laboratoire ; verify_ledger doit y trouver cette empreinte."
        ),
        "signature": "Signature du chef de bureau (ordonnateur) :",
    },
}


@dataclass(frozen=True)
class _JournalFigures:
    code: str
    name: str
    first: str
    last: str
    count: int
    debit: Decimal
    credit: Decimal
    continuous: bool


def closing_statement_build(
    *,
    lab: Lab,
    year: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    language: str = "en",
    currency: str | None = None,
) -> Statement:
    """The closing statement of `lab`'s closed fiscal year `year`."""
    options = statement_options(
        lab=lab,
        year=year,
        date_from=date_from,
        date_to=date_to,
        language=language,
        currency=currency,
    )
    fiscal_year = options.fiscal_year
    if not options.whole_year:
        raise StatementError(WHOLE_YEAR_ONLY.format(kind=KIND))
    if options.converting:
        raise StatementError(IN_BOOK_CURRENCY.format(book=lab.book_currency))
    if fiscal_year.status != FiscalYear.Status.CLOSED:
        raise StatementError(NOT_CLOSED.format(year=fiscal_year.year, lab=lab.code))
    lang = options.language
    journals = _journals(options)
    closing = _entries(fiscal_year, Q(year_end=JournalEntry.YearEnd.CLOSING))
    sections = (
        _journal_section(journals, lang, fiscal_year.year),
        _trial_balance_section(options, closing, lang),
        _result_section(options, closing, lang),
        _year_end_section(options, closing, lang),
        _chain_section(fiscal_year, lang),
    )
    gaps = [j.code for j in journals if not j.continuous]
    return Statement(
        kind=KIND,
        title=word(TEXT, lang, "title", year=fiscal_year.year),
        lab=lab_header(lab),
        period_from=fiscal_year.start_date,
        period_to=fiscal_year.end_date,
        currency=options.currency,
        language=lang,
        generated_at=now(),
        columns=columns(lang),
        sections=sections,
        notes=(
            _closed_note(fiscal_year, lang),
            word(TEXT, lang, "gaps", journals=", ".join(gaps))
            if gaps
            else word(TEXT, lang, "continuous"),
            word(TEXT, lang, "balances"),
            word(TEXT, lang, "chain_note"),
            *currency_notes(options),
            word(TEXT, lang, "signature"),
        ),
        parameters=options.parameters(KIND),
    )


def columns(language: str) -> tuple[Column, ...]:
    return (
        Column("journal", word(TEXT, language, "journal"), "text", 8),
        Column("label", word(TEXT, language, "label"), "text", 28),
        Column("first", word(TEXT, language, "first"), "text", 17),
        Column("last", word(TEXT, language, "last"), "text", 17),
        Column("count", word(TEXT, language, "count"), "number", 8),
        Column("debit", common(language, "debit"), "amount", 14),
        Column("credit", common(language, "credit"), "amount", 14),
    )


def _row(
    label: str,
    *,
    journal: str = "",
    first: str = "",
    last: str = "",
    count: int | None = None,
    debit: Decimal | None = None,
    credit: Decimal | None = None,
    style: RowStyle = "normal",
) -> Row:
    return Row((journal, label, first, last, count, debit, credit), style=style)


def _entries(fiscal_year: FiscalYear, condition: Q | None = None) -> QuerySet[JournalEntry]:
    """The posted entries of `fiscal_year` (meeting `condition`)."""
    entries = JournalEntry.objects.filter(
        lab_id=fiscal_year.lab_id, fiscal_year=fiscal_year, status=JournalEntry.Status.POSTED
    )
    return entries.filter(condition) if condition is not None else entries


def _year_lines(fiscal_year: FiscalYear) -> QuerySet[JournalLine]:
    # Posted lines carry their entry's date, always inside the entry's fiscal year.
    return JournalLine.objects.filter(
        lab_id=fiscal_year.lab_id,
        entry_date__gte=fiscal_year.start_date,
        entry_date__lte=fiscal_year.end_date,
    )


# Journals -------------------------------------------------------------------------------


def _journals(options: StatementOptions) -> list[_JournalFigures]:
    """Per journal with posted entries in the year: first and last numbers, count and
    totals (one GROUP BY on the entries, one on the lines, one read of the end numbers)."""
    fiscal_year, lang = options.fiscal_year, options.language
    counts = {
        row["journal_id"]: row
        for row in _entries(fiscal_year)
        .values("journal_id")
        .annotate(first=Min("seq"), last=Max("seq"), n=Count("id"))
        .order_by()
    }
    if not counts:
        return []
    ends = Q()
    for journal_id, row in counts.items():
        ends |= Q(journal_id=journal_id, seq__in=(row["first"], row["last"]))
    numbers = {
        (journal_id, seq): number
        for journal_id, seq, number in _entries(fiscal_year, ends).values_list(
            "journal_id", "seq", "number"
        )
    }
    totals = {
        row["entry__journal_id"]: row
        for row in _year_lines(fiscal_year)
        .values("entry__journal_id")
        .annotate(debit=cents_sum("debit"), credit=cents_sum("credit"))
        .order_by()
    }
    journals = Journal.objects.filter(id__in=list(counts)).order_by("code")
    result = []
    for journal in journals:
        row, sums = counts[journal.pk], totals.get(journal.pk, {})
        result.append(
            _JournalFigures(
                code=journal.code,
                name=journal.name_fr if lang == "fr" else journal.name_en,
                first=numbers.get((journal.pk, row["first"])) or "",
                last=numbers.get((journal.pk, row["last"])) or "",
                count=row["n"],
                debit=sums.get("debit", ZERO),
                credit=sums.get("credit", ZERO),
                continuous=row["n"] == row["last"] - row["first"] + 1,
            )
        )
    return result


def _journal_section(journals: list[_JournalFigures], language: str, year: int) -> Section:
    rows = [
        _row(
            j.name,
            journal=j.code,
            first=j.first,
            last=j.last,
            count=j.count,
            debit=j.debit,
            credit=j.credit,
        )
        for j in journals
    ]
    rows.append(
        _row(
            word(TEXT, language, "journals_total"),
            count=sum(j.count for j in journals),
            debit=sum((j.debit for j in journals), ZERO),
            credit=sum((j.credit for j in journals), ZERO),
            style="subtotal",
        )
    )
    return Section(word(TEXT, language, "journals", year=year), tuple(rows))


# Trial balance totals and result --------------------------------------------------------


@dataclass(frozen=True)
class _AccountSums:
    code: str
    debit: Decimal  # every posted line of the year
    credit: Decimal
    closing_debit: Decimal  # of which the closing entries
    closing_credit: Decimal

    @property
    def balance_before(self) -> Decimal:
        return self.debit - self.closing_debit - (self.credit - self.closing_credit)

    @property
    def balance_after(self) -> Decimal:
        return self.debit - self.credit


def _account_sums(fiscal_year: FiscalYear, closing: list[int]) -> list[_AccountSums]:
    """Per account: debits and credits of the year, and those of the closing entries
    (one GROUP BY)."""
    in_closing = Q(entry_id__in=closing)
    rows = (
        _year_lines(fiscal_year)
        .values("account_id", "account__code")
        .annotate(
            all_debit=cents_sum("debit"),
            all_credit=cents_sum("credit"),
            closing_debit=cents_sum(when_cents(in_closing, "debit")),
            closing_credit=cents_sum(when_cents(in_closing, "credit")),
        )
        .order_by()
    )
    return [
        _AccountSums(
            row["account__code"],
            row["all_debit"],
            row["all_credit"],
            row["closing_debit"],
            row["closing_credit"],
        )
        for row in rows
    ]


def _trial_balance_section(
    options: StatementOptions, closing: QuerySet[JournalEntry], language: str
) -> Section:
    fiscal_year = options.fiscal_year
    closing_ids = list(closing.values_list("id", flat=True))
    sums = _account_sums(fiscal_year, closing_ids)
    entries = _entries(fiscal_year).count()
    debit = sum((a.debit for a in sums), ZERO)
    credit = sum((a.credit for a in sums), ZERO)
    closing_debit = sum((a.closing_debit for a in sums), ZERO)
    closing_credit = sum((a.closing_credit for a in sums), ZERO)

    def balances(key: str, values: list[Decimal]) -> Row:
        return _row(
            word(TEXT, language, key),
            debit=sum((v for v in values if v > 0), ZERO),
            credit=-sum((v for v in values if v < 0), ZERO),
            style="subtotal",
        )

    rows = (
        _row(
            word(TEXT, language, "moves_before"),
            count=entries - len(closing_ids),
            debit=debit - closing_debit,
            credit=credit - closing_credit,
        ),
        _row(
            word(TEXT, language, "moves_closing"),
            count=len(closing_ids),
            debit=closing_debit,
            credit=closing_credit,
        ),
        _row(
            word(TEXT, language, "moves_after"),
            count=entries,
            debit=debit,
            credit=credit,
            style="subtotal",
        ),
        balances("balances_before", [a.balance_before for a in sums]),
        balances("balances_after", [a.balance_after for a in sums]),
    )
    return Section(word(TEXT, language, "trial_balance"), rows)


def _result_section(
    options: StatementOptions, closing: QuerySet[JournalEntry], language: str
) -> Section:
    """Classes 6 and 7 before closing, and the result the closing entries carried to 12."""
    fiscal_year = options.fiscal_year
    closing_ids = list(closing.values_list("id", flat=True))
    by_class = {
        row["pcg_class"]: row["net"]
        for row in _year_lines(fiscal_year)
        .exclude(entry_id__in=closing_ids)
        .filter(Q(account__code__startswith="6") | Q(account__code__startswith="7"))
        .annotate(pcg_class=Substr("account__code", 1, 1))
        .values("pcg_class")
        .annotate(net=cents_sum(F("debit") - F("credit")))
        .order_by()
    }
    income = -by_class.get("7", ZERO)
    expenses = by_class.get("6", ZERO)
    result = -JournalLine.objects.filter(
        entry_id__in=closing_ids, account__code__startswith=RESULT_PREFIX
    ).aggregate(net=cents_sum(F("debit") - F("credit")))["net"]
    numbers = ", ".join(
        number or "" for number in closing.order_by("chain_index").values_list("number", flat=True)
    )
    key = "profit" if result > 0 else "loss" if result < 0 else "nil"
    rows = (
        _row(word(TEXT, language, "income"), credit=income),
        _row(word(TEXT, language, "expenses"), debit=expenses),
        _row(
            word(TEXT, language, key),
            first=numbers,
            debit=-result if result < 0 else None,
            credit=result if result >= 0 else None,
            style="total",
        ),
    )
    return Section(word(TEXT, language, "result"), rows)


# Year-end entries and chain head --------------------------------------------------------


def _entry_rows(entries: QuerySet[JournalEntry], key: str, year: int, language: str) -> list[Row]:
    """One row an entry: its journal, number and totals."""
    totals = {
        row["entry_id"]: row
        for row in JournalLine.objects.filter(entry_id__in=entries.values("id"))
        .values("entry_id")
        .annotate(debit=cents_sum("debit"), credit=cents_sum("credit"))
        .order_by()
    }
    rows = []
    for entry_id, journal, number, on in entries.order_by("chain_index").values_list(
        "id", "journal__code", "number", "date"
    ):
        sums = totals.get(entry_id, {})
        rows.append(
            _row(
                word(TEXT, language, key, year=year, day=format_date(on, language)),
                journal=journal,
                first=number or "",
                debit=sums.get("debit", ZERO),
                credit=sums.get("credit", ZERO),
            )
        )
    return rows


def _year_end_section(
    options: StatementOptions, closing: QuerySet[JournalEntry], language: str
) -> Section:
    fiscal_year = options.fiscal_year
    rows = _entry_rows(closing, "closing_entry", fiscal_year.year, language)
    following = FiscalYear.objects.filter(
        lab_id=fiscal_year.lab_id, start_date=fiscal_year.end_date + timedelta(days=1)
    ).first()
    if following is None:
        rows.append(
            _row(word(TEXT, language, "no_next_year", year=fiscal_year.year + 1), style="note")
        )
    else:
        opening = _entries(following, Q(year_end=JournalEntry.YearEnd.OPENING))
        found = _entry_rows(opening, "opening_entry", following.year, language)
        rows += found or [
            _row(word(TEXT, language, "no_opening", year=following.year), style="note")
        ]
    return Section(word(TEXT, language, "year_end"), tuple(rows))


def _chain_section(fiscal_year: FiscalYear, language: str) -> Section:
    head = (
        _entries(fiscal_year)
        .order_by("-chain_index")
        .values_list("number", "chain_index", "hash")
        .first()
    )
    if head is None:
        rows: tuple[Row, ...] = (
            _row(word(TEXT, language, "chain_empty", year=fiscal_year.year), style="note"),
        )
    else:
        number, index, digest = head
        rows = (
            _row(
                word(TEXT, language, "chain_head", year=fiscal_year.year, index=index),
                first=number or "",
            ),
            # A note row: the hash runs over the empty cells after it, on one line.
            _row(word(TEXT, language, "hash"), first=digest, style="note"),
        )
    return Section(word(TEXT, language, "chain"), rows)


def _closed_note(fiscal_year: FiscalYear, language: str) -> str:
    changed = fiscal_year.status_changed_at
    when = format_date(timezone.localtime(changed).date(), language) if changed else "—"
    user = fiscal_year.status_changed_by
    by = word(TEXT, language, "closed_by", user=user.get_username()) if user else ""
    return word(TEXT, language, "closed", year=fiscal_year.year, when=when, by=by)
