"""Payables and receivables ageing (balance âgée) at a date: every item still open on that
date, per account and third party, in the column of its age past its due date, with
totals per third party, per account and in all, column by column.

At a date D (the period's last day: `--to`, or `--at`):
- the items are the posted lines of the lab's third-party accounts dated D or earlier,
  except those in a complete lettering made on D or earlier (a line in a partial
  lettering is still open), and except the opening entries of the fiscal years after the
  lab's first one, which only restate per third party the balances of lines already in
  the books;
- payables are the items of the accounts 40 (suppliers), receivables those of the
  accounts 41 (customers and partners); on the other third-party accounts (staff 42,
  other debtors and creditors 46), each third party's items on an account go to the
  receivables when their balance on D is a debit (it owes the lab: an advance), to the
  payables otherwise (a claim or salary owed; a nil balance is an item to letter, shown
  with what the lab owes);
- an item's age is counted from its due date, else its entry date: not yet due (due on
  D or later), 1-30, 31-60, 61-90 and over 90 days overdue on D;
- amounts are what is owed: payables credit minus debit, receivables debit minus credit,
  so a payment not yet lettered with its invoice shows negative, in the column of its
  own date.

The columns are computed by the database (a CASE on the due date against the column's
bounds, computed here as dates, so SQLite and PostgreSQL compare dates alike, never date
differences); the totals are SUMs of integer cents, exact on both. The items are read in
one sorted, streamed query.
"""

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Final, Literal, cast

from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When

from irls.models import Lab
from ledger.fields import CentsField
from ledger.models import JournalLine
from ledger.selectors.years import carried_openings
from parties.models import LetteredLine
from reports.builders.common import (
    ZERO,
    AccountInfo,
    MonthRates,
    StatementOptions,
    annex,
    cents_sum,
    common,
    currency_notes,
    grouped_sums,
    lab_header,
    month_rates,
    now,
    statement_options,
    word,
)
from reports.builders.third_parties import (
    LETTERING,
    PartyKey,
    RunReader,
    accounts_note,
    checked_party,
    lettering_text,
    of_party,
    ordered_keys,
    party_accounts,
    party_label,
    party_names,
    party_order,
    words,
)
from reports.statement import Column, Row, RowStyle, Section, Statement
from reports.statement import format_date as format_day

PAYABLES: Final = "payables-ageing"
RECEIVABLES: Final = "receivables-ageing"
Side = Literal["payables-ageing", "receivables-ageing"]
PREFIXES: dict[str, str] = {PAYABLES: "40", RECEIVABLES: "41"}
# (name, first day overdue, last day overdue): None is open-ended.
BUCKETS: tuple[tuple[str, int | None, int | None], ...] = (
    ("not_due", None, 0),
    ("d1_30", 1, 30),
    ("d31_60", 31, 60),
    ("d61_90", 61, 90),
    ("over_90", 91, None),
)
BUCKET_NAMES: tuple[str, ...] = tuple(name for name, _first, _last in BUCKETS)
CHUNK = 2000

TEXT = {
    "en": {
        PAYABLES: "Payables ageing at {at}",
        RECEIVABLES: "Receivables ageing at {at}",
        "account_total": "Total {code} {name}",
        "not_due": "Not yet due",
        "d1_30": "1–30 days",
        "d31_60": "31–60 days",
        "d61_90": "61–90 days",
        "over_90": "Over 90 days",
        "total": "Total",
        "party_total": "Total {party}",
        "grand_total_" + PAYABLES: "Total payables",
        "grand_total_" + RECEIVABLES: "Total receivables",
        "rounding": "Conversion rounding of the items (EUR)",
        "nothing": "No open item on this date.",
        "sides": (
            "Payables: the accounts 40 (suppliers); receivables: the accounts 41 (customers "
            "and partners). On the other third-party accounts (staff 42, other debtors and "
            "creditors 46), a third party's open items on an account are receivables when "
            "their balance on {at} is a debit (it owes the lab), payables otherwise."
        ),
        "open": (
            "Open items: posted lines dated {at} or earlier that are not in a complete "
            "lettering made on {at} or earlier; a line in a partial lettering is still open. "
            "The opening entries of later fiscal years are left out: they restate balances "
            "whose lines are listed."
        ),
        "age": (
            "Age: days from the due date (else the entry date) to {at}. Not yet due: due on "
            "{at} or later; then 1–30, 31–60, 61–90 and over 90 days overdue."
        ),
        "sign_" + PAYABLES: (
            "Amounts owed by the lab (credit minus debit): an unlettered payment or credit "
            "note is negative, in the column of its own date."
        ),
        "sign_" + RECEIVABLES: (
            "Amounts owed to the lab (debit minus credit): an unlettered receipt or credit "
            "note is negative, in the column of its own date."
        ),
        "items_converted": (
            "Each item is converted at the rate of its month; the totals are converted per "
            "month, and any difference is shown as the rounding of the items."
        ),
    },
    "fr": {
        PAYABLES: "Balance âgée fournisseurs et créanciers au {at}",
        RECEIVABLES: "Balance âgée clients et débiteurs au {at}",
        "account_total": "Total {code} {name}",
        "not_due": "Non échu",
        "d1_30": "1 à 30 jours",
        "d31_60": "31 à 60 jours",
        "d61_90": "61 à 90 jours",
        "over_90": "Plus de 90 jours",
        "total": "Total",
        "party_total": "Total {party}",
        "grand_total_" + PAYABLES: "Total des dettes",
        "grand_total_" + RECEIVABLES: "Total des créances",
        "rounding": "Écart d'arrondi de conversion des pièces (EUR)",
        "nothing": "Aucune pièce ouverte à cette date.",
        "sides": (
            "Dettes : comptes 40 (fournisseurs) ; créances : comptes 41 (clients et "
            "partenaires). Sur les autres comptes de tiers (personnel 42, débiteurs et "
            "créditeurs divers 46), les pièces ouvertes d'un tiers sur un compte sont des "
            "créances si leur solde au {at} est débiteur (le tiers doit au laboratoire), des "
            "dettes sinon."
        ),
        "open": (
            "Pièces ouvertes : lignes validées datées du {at} ou avant, hors lettrage complet "
            "fait au {at} ou avant ; une ligne d'un lettrage partiel reste ouverte. Les "
            "à-nouveaux des exercices suivants sont exclus : ils reprennent des soldes dont "
            "les lignes figurent ici."
        ),
        "age": (
            "Ancienneté : jours entre l'échéance (à défaut la date de l'écriture) et le {at}. "
            "Non échu : échéance au {at} ou après ; puis 1 à 30, 31 à 60, 61 à 90 et plus de "
            "90 jours de retard."
        ),
        "sign_" + PAYABLES: (
            "Montants dus par le laboratoire (crédit moins débit) : un règlement ou un avoir "
            "non lettré est négatif, dans la colonne de sa propre date."
        ),
        "sign_" + RECEIVABLES: (
            "Montants dus au laboratoire (débit moins crédit) : un encaissement ou un avoir "
            "non lettré est négatif, dans la colonne de sa propre date."
        ),
        "items_converted": (
            "Chaque pièce est convertie au taux de son mois ; les totaux sont convertis par "
            "mois, et l'écart éventuel figure comme arrondi des pièces."
        ),
    },
}


def payables_ageing_build(
    *,
    lab: Lab,
    year: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    language: str = "en",
    currency: str | None = None,
    third_party: str = "",
) -> Statement:
    """What the lab owes its suppliers and other creditors on the period's last day, by age."""
    return ageing_build(
        side=PAYABLES,
        lab=lab,
        year=year,
        date_from=date_from,
        date_to=date_to,
        language=language,
        currency=currency,
        third_party=third_party,
    )


def receivables_ageing_build(
    *,
    lab: Lab,
    year: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    language: str = "en",
    currency: str | None = None,
    third_party: str = "",
) -> Statement:
    """What the lab's partners, customers and other debtors owe it on the period's last
    day, by age."""
    return ageing_build(
        side=RECEIVABLES,
        lab=lab,
        year=year,
        date_from=date_from,
        date_to=date_to,
        language=language,
        currency=currency,
        third_party=third_party,
    )


def ageing_build(
    *,
    side: Side,
    lab: Lab,
    year: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    language: str = "en",
    currency: str | None = None,
    third_party: str = "",
) -> Statement:
    """The ageing of `side` at the period's last day (the period's first day plays no
    part: the ageing counts every open item, from any earlier year too)."""
    options = statement_options(
        lab=lab,
        year=year,
        date_from=date_from,
        date_to=date_to,
        language=language,
        currency=currency,
        across_years=True,
    )
    at, lang = options.date_to, options.language
    code = checked_party(third_party)
    rates = month_rates(options)
    accounts = {a.id: a for a in party_accounts(lab)}
    items = open_items(lab, at, side, accounts=list(accounts.values()), third_party=code)
    figures = bucket_totals(items, side, at, rates)
    keys = ordered_keys(items)
    names = party_names(party for _account, party in keys)
    reader = RunReader(lambda: _item_rows(items, at), key=lambda row: (row[0], row[1]))
    sections = tuple(
        Section(
            _title(accounts[key[0]].code, key[1], names, lang),
            _party_rows(options, side, reader, key, figures[key], rates),
        )
        for key in keys
    )
    by_account: dict[int, dict[str, Decimal]] = {}  # in the sections' order
    for key in keys:
        by_account[key[0]] = _added(by_account.get(key[0], _zero()), figures[key])
    totals = []
    for account_id, subtotal in by_account.items():
        account = accounts[account_id]
        label = word(TEXT, lang, "account_total", code=account.code, name=account.name(lang))
        totals.append(_figures_row(label, subtotal, "subtotal"))
    grand = _zero()
    for subtotal in by_account.values():
        grand = _added(grand, subtotal)
    totals.append(_figures_row(word(TEXT, lang, f"grand_total_{side}"), grand, "total"))
    if not sections:
        totals.insert(0, Row((None, "", "", word(TEXT, lang, "nothing")), "note"))
    day = format_day(at, lang)
    notes = [
        *currency_notes(options),
        word(TEXT, lang, "sides", at=day),
        accounts_note(lang, accounts.values()),
        word(TEXT, lang, "open", at=day),
        word(TEXT, lang, "age", at=day),
        word(TEXT, lang, f"sign_{side}"),
        words(lang, "lettering_note", date=day),
        common(lang, "posted_only"),
    ]
    if code:
        notes.append(words(lang, "one_party", party=party_label(code, names, lang)))
    if rates is not None:
        notes.append(word(TEXT, lang, "items_converted"))
    return Statement(
        kind=side,
        title=word(TEXT, lang, side, at=day),
        lab=lab_header(lab),
        period_from=at,
        period_to=at,
        currency=options.currency,
        language=lang,
        generated_at=now(),
        columns=columns(lang),
        sections=sections,
        totals=tuple(totals),
        notes=tuple(notes),
        landscape=True,
        parameters=options.parameters(side, at=at.isoformat(), third_party=code),
        **annex(options, rates),
    )


def columns(language: str) -> tuple[Column, ...]:
    return (
        Column("date", words(language, "date"), "date", 9),
        # Landscape A4 holds the six amount columns and what is left is shared by the
        # text: an entry number (ACH-2025-000001) and a supplier's invoice number of as
        # many characters each fit on one line (the label wraps).
        Column("entry", words(language, "entry"), "text", 25),
        Column("piece", words(language, "piece"), "text", 23),
        Column("label", words(language, "label"), "text", 17),
        Column("due", words(language, "due"), "date", 9),
        Column("lettering", words(language, "lettering"), "text", 8),
        *(Column(name, word(TEXT, language, name), "amount", 11) for name, *_ in BUCKETS),
        Column("total", word(TEXT, language, "total"), "amount", 12),
    )


# The items --------------------------------------------------------------------------


def open_items(
    lab: Lab,
    at: date,
    side: Side,
    *,
    accounts: list[AccountInfo] | None = None,
    third_party: str = "",
) -> QuerySet[JournalLine]:
    """The lines open on `at` on the accounts of `side` (see the module's docstring);
    `accounts`: the lab's third-party accounts, when already read."""
    if accounts is None:
        accounts = party_accounts(lab)
    own = [a.id for a in accounts if a.code.startswith(PREFIXES[side])]
    by_sign = [a.id for a in accounts if not a.code.startswith(tuple(PREFIXES.values()))]
    lines = JournalLine.objects.filter(lab=lab, entry_date__lte=at, account_id__in=own + by_sign)
    lines = of_party(lines, third_party)
    carried = carried_openings(lab, at)
    if carried:
        lines = lines.exclude(entry_id__in=carried)
    closed = LetteredLine.objects.filter(
        line_id=OuterRef("pk"), lettering__complete=True, lettering__lettered_on__lte=at
    )
    lines = lines.filter(~Exists(closed))
    if not by_sign:
        return lines
    # Staff and other debtors and creditors: each third party's items on an account go to
    # the side of their balance, a debit to the receivables (one GROUP BY over the open
    # items of those accounts).
    balances = (
        lines.filter(account_id__in=by_sign)
        .values("account_id", "third_party_id")
        .annotate(net=cents_sum(F("debit") - F("credit")))
        .order_by()
    )
    parties: dict[int, list[str]] = {}
    nameless: list[int] = []  # accounts whose lines without a third party go to this side
    for pair in balances:
        if (pair["net"] > 0) == (side == RECEIVABLES):
            if pair["third_party_id"] is None:
                nameless.append(pair["account_id"])
            else:
                parties.setdefault(pair["account_id"], []).append(pair["third_party_id"])
    # One condition an account (not one a third party: thousands of ORs would pass
    # SQLite's expression depth).
    wanted = Q(account_id__in=own) | Q(account_id__in=nameless, third_party_id__isnull=True)
    for account_id, codes in parties.items():
        wanted |= Q(account_id=account_id, third_party_id__in=codes)
    return lines.filter(wanted)


def bucket_conditions(at: date) -> dict[str, Q]:
    """Per column, the lines whose due date (else entry date) falls in it on `at`: the
    bounds are dates computed here, compared as dates by either database."""
    conditions = {}
    for name, first, last in BUCKETS:
        # Overdue by `n` days: due on at - n. So `first`..`last` days overdue is a due
        # date from at - last to at - first, both included.
        since = None if last is None else at - timedelta(days=last)
        until = None if first is None else at - timedelta(days=first)
        conditions[name] = _due_between(since, until)
    return conditions


def _due_between(since: date | None, until: date | None) -> Q:
    """Due date (else entry date) from `since` to `until`, both included; None: no bound."""

    def bounded(field: str) -> Q:
        bounds = Q()
        if since is not None:
            bounds &= Q(**{f"{field}__gte": since})
        if until is not None:
            bounds &= Q(**{f"{field}__lte": until})
        return bounds

    return Q(due_date__isnull=False) & bounded("due_date") | Q(due_date__isnull=True) & bounded(
        "entry_date"
    )


def _owed(side: Side) -> Any:
    """What an item is owed, in the side's sense."""
    return F("credit") - F("debit") if side == PAYABLES else F("debit") - F("credit")


def bucket_totals(
    items: QuerySet[JournalLine], side: Side, at: date, rates: MonthRates | None
) -> dict[PartyKey, dict[str, Decimal]]:
    """Per account and third party, the amount owed in each column: one GROUP BY with a conditional
    SUM a column (and by month when converting)."""
    owed = _owed(side)
    groups = grouped_sums(
        items,
        ["account_id", "third_party_id"],
        {
            name: cents_sum(
                Case(When(condition, then=owed), default=Value(0), output_field=CentsField())
            )
            for name, condition in bucket_conditions(at).items()
        },
        rates,
    )
    return {(key[0], key[1]): sums for key, sums in groups.items()}


def _item_rows(items: QuerySet[JournalLine], at: date) -> Iterator[tuple[Any, ...]]:
    """Every open item with its column number, sorted by account and third party (as the
    sections are), then by date."""
    column = Case(
        *(
            When(condition, then=Value(n))
            for n, condition in enumerate(bucket_conditions(at).values())
        ),
        output_field=IntegerField(),
    )
    rows = (
        items.annotate(column=column)
        .order_by("account__code", party_order(), "entry_date", "entry__number", "id")
        .values_list(
            "account_id",
            "third_party_id",
            "entry_date",
            "entry__number",
            "entry__piece_ref",
            "label",
            "entry__label",
            "due_date",
            "debit",
            "credit",
            "column",
            *LETTERING,
        )
    )
    return rows.iterator(CHUNK)


def _party_rows(
    options: StatementOptions,
    side: Side,
    reader: RunReader,
    key: PartyKey,
    figures: dict[str, Decimal],
    rates: MonthRates | None,
) -> Iterator[Row]:
    """The open items of one third party on one account, then its total per column."""
    lang, at = options.language, options.date_to
    sums = _zero()
    for row in reader.run(key):
        (_a, _p, on, number, piece, label, entry_label, due, debit, credit, column,
         let_code, let_complete, let_on) = row  # fmt: skip
        owed = credit - debit if side == PAYABLES else debit - credit
        if rates is not None:
            owed = rates.to_eur(owed, cast(date, on))
        sums[BUCKET_NAMES[column]] += owed
        amounts: list[Decimal | None] = [None] * len(BUCKETS)
        amounts[column] = owed
        yield Row(
            (
                on,
                number,
                piece,
                label or entry_label,
                due,
                lettering_text(let_code, let_complete, let_on, at),
                *amounts,
                owed,
            )
        )
    if sums != figures:  # EUR only: the items' own conversions against the month groups
        gap = {name: figures[name] - sums[name] for name in sums}
        yield _figures_row(word(TEXT, lang, "rounding"), gap, "note")
    party = key[1] or words(lang, "no_party")
    yield _figures_row(word(TEXT, lang, "party_total", party=party), figures, "subtotal")


def _title(account: str, party: str | None, names: dict[str, str], language: str) -> str:
    """'401 · ALPHA Alpha Optics Pte Ltd'."""
    return f"{account} · {party_label(party, names, language)}"


def _zero() -> dict[str, Decimal]:
    return dict.fromkeys(BUCKET_NAMES, ZERO)


def _added(a: dict[str, Decimal], b: dict[str, Decimal]) -> dict[str, Decimal]:
    return {name: a[name] + b[name] for name in BUCKET_NAMES}


def _figures_row(label: str, figures: dict[str, Decimal], style: RowStyle) -> Row:
    amounts = [figures[name] for name in BUCKET_NAMES]
    return Row((None, "", "", label, None, "", *amounts, sum(amounts, ZERO)), style=style)
