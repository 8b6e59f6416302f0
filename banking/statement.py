"""The bank reconciliation statement of a month (état de rapprochement bancaire), built as
data (`reports.statement.Statement`) from `banking.selectors.reconciliation_at`, so the
reports' renderers print it as PDF or XLSX with the same figures. Its words follow the
statement's language (French or English), not the reader's.

    Bank side                                  Book side
    balance per the bank's statement           balance of the ledger account (512x)
    + book items not yet on the statement      + bank lines not yet in the books
    = adjusted bank balance                    = adjusted book balance
    difference (book - bank): zero when the month is reconciled
"""

from collections.abc import Callable
from datetime import date

from banking.models import BankAccount
from banking.selectors.months import month_end
from banking.selectors.reconciliation import Reconciliation, reconciliation_at
from banking.selectors.state import DIFFERENCE, UNMATCHED
from reports.builders.common import lab_header, now
from reports.statement import Column, Row, Section, Statement, format_amount, format_date

KIND = "bank-reconciliation"

TEXT = {
    "en": {
        "title": "Bank reconciliation statement, {name}, {month}",
        "date": "Date",
        "reference": "Reference",
        "label": "Label",
        "amount": "Amount",
        "bank_side": "Bank side",
        "book_side": "Book side (account {code})",
        "bank_balance": "Balance per the bank's statement at {date}",
        "book_balance": "Balance of account {code} in the books at {date}",
        "book_items": "Book entries not yet on the bank's statement",
        "bank_items": "Bank lines not yet in the books",
        "items_total": "Total of these items ({count})",
        "none": "None",
        "adjusted_bank": "Adjusted bank balance",
        "adjusted_book": "Adjusted book balance",
        "difference": "Difference (adjusted book balance - adjusted bank balance)",
        "reconciled": (
            "Reconciled: every bank line is matched or booked and the adjusted balances agree."
        ),
        "unmatched": (
            "Not reconciled yet: the adjusted balances agree, but {count} bank line(s) dated on "
            "or before {date} are still to match or book."
        ),
        "no_statement": (
            "Not reconciled: the adjusted balances agree, but no statement of the bank covers "
            "this month yet."
        ),
        "before_start": "The month ends before the bank account's statements start.",
        "not_reconciled": (
            "Not reconciled: the adjusted balances differ by {difference}; the items do not "
            "explain it (the starting balance, or a line dated before the starting date)."
        ),
        "open_rule": (
            "An item is listed when it is dated on or before {date} and not matched with "
            "lines all dated on or before that day."
        ),
        "statement_closing": (
            "The bank's statement {file} gives a closing balance of {given}; its lines "
            "imported here give {computed} (difference {gap})."
        ),
        "starting": "Statements start after {date}, with a balance of {balance}.",
        "no_start": "The bank account has no starting balance: its lines start from zero.",
        "account": "Bank: {bank} · account {number} · ledger account {code}",
    },
    "fr": {
        "title": "État de rapprochement bancaire, {name}, {month}",
        "date": "Date",
        "reference": "Référence",
        "label": "Libellé",
        "amount": "Montant",
        "bank_side": "Côté banque",
        "book_side": "Côté comptabilité (compte {code})",
        "bank_balance": "Solde selon le relevé bancaire au {date}",
        "book_balance": "Solde du compte {code} en comptabilité au {date}",
        "book_items": "Écritures comptabilisées non encore passées en banque",
        "bank_items": "Opérations bancaires non encore comptabilisées",
        "items_total": "Total de ces opérations ({count})",
        "none": "Aucune",
        "adjusted_bank": "Solde bancaire rectifié",
        "adjusted_book": "Solde comptable rectifié",
        "difference": "Écart (solde comptable rectifié - solde bancaire rectifié)",
        "reconciled": (
            "Rapprochement effectué : chaque opération bancaire est rapprochée ou "
            "comptabilisée et les soldes rectifiés concordent."
        ),
        "unmatched": (
            "Rapprochement non terminé : les soldes rectifiés concordent, mais {count} "
            "opération(s) bancaire(s) datée(s) du {date} au plus tard reste(nt) à rapprocher "
            "ou à comptabiliser."
        ),
        "no_statement": (
            "Rapprochement non terminé : les soldes rectifiés concordent, mais aucun relevé de "
            "la banque ne couvre encore ce mois."
        ),
        "before_start": "Le mois se termine avant le début des relevés du compte bancaire.",
        "not_reconciled": (
            "Rapprochement non abouti : les soldes rectifiés diffèrent de {difference}, que "
            "les opérations listées n'expliquent pas (solde de départ, ou ligne datée avant "
            "la date de départ)."
        ),
        "open_rule": (
            "Une opération est listée si elle est datée du {date} au plus tard et n'est pas "
            "rapprochée de lignes toutes datées de ce jour au plus tard."
        ),
        "statement_closing": (
            "Le relevé {file} de la banque donne un solde de clôture de {given} ; ses lignes "
            "importées ici donnent {computed} (écart {gap})."
        ),
        "starting": "Les relevés commencent après le {date}, avec un solde de {balance}.",
        "no_start": "Le compte bancaire n'a pas de solde de départ : ses lignes partent de zéro.",
        "account": "Banque : {bank} · compte {number} · compte comptable {code}",
    },
}
MONTHS = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
}


def _words(language: str) -> dict[str, str]:
    return TEXT["fr" if language == "fr" else "en"]


def month_name(month: date, language: str) -> str:
    names = MONTHS["fr" if language == "fr" else "en"]
    return f"{names[month.month - 1]} {month.year}"


def bank_reconciliation_build(
    *, bank_account: BankAccount, month: date, language: str = "en"
) -> Statement:
    """The reconciliation statement of `bank_account` at the end of `month`."""
    language = "fr" if language == "fr" else "en"
    first, last = month.replace(day=1), month_end(month)
    figures = reconciliation_at(bank_account, last)
    words = _words(language)
    code = bank_account.account.code
    day = format_date(last, language)
    columns = (
        Column("date", words["date"], "date", 10),
        Column("reference", words["reference"], "text", 16),
        Column("label", words["label"], "text", 44),
        Column("amount", words["amount"], "amount", 16),
    )
    bank_rows = [
        Row((None, "", words["bank_balance"].format(date=day), figures.bank_balance), "subtotal"),
        Row((None, "", words["book_items"], None), "heading"),
        *_book_rows(figures),
        *_none_row(figures.book_items, words),
        Row(
            (
                None,
                "",
                words["items_total"].format(count=len(figures.book_items)),
                figures.book_items_total,
            ),
            "subtotal",
        ),
        Row((None, "", words["adjusted_bank"], figures.adjusted_bank), "total"),
    ]
    book_rows = [
        Row(
            (None, "", words["book_balance"].format(code=code, date=day), figures.book_balance),
            "subtotal",
        ),
        Row((None, "", words["bank_items"], None), "heading"),
        *_bank_rows(figures),
        *_none_row(figures.bank_items, words),
        Row(
            (
                None,
                "",
                words["items_total"].format(count=len(figures.bank_items)),
                figures.bank_items_total,
            ),
            "subtotal",
        ),
        Row((None, "", words["adjusted_book"], figures.adjusted_book), "total"),
    ]
    return Statement(
        kind=KIND,
        title=words["title"].format(name=bank_account.name, month=month_name(first, language)),
        lab=lab_header(bank_account.lab),
        period_from=first,
        period_to=last,
        currency=bank_account.currency,
        language=language,  # type: ignore[arg-type]
        generated_at=now(),
        columns=columns,
        sections=(
            Section(words["bank_side"], tuple(bank_rows)),
            Section(words["book_side"].format(code=code), tuple(book_rows)),
        ),
        totals=(Row((None, "", words["difference"], figures.difference), "total"),),
        notes=_notes(figures, language),
        parameters={
            "bank_account": bank_account.name,
            "ledger_account": code,
            "month": f"{first:%Y-%m}",
            "date_from": first.isoformat(),
            "date_to": last.isoformat(),
            "language": language,
            "currency": bank_account.currency,
        },
    )


def _book_rows(figures: Reconciliation) -> list[Row]:
    return [
        Row(
            (
                item.date,
                item.number,
                f"{item.label} · {item.piece_ref}" if item.piece_ref else item.label,
                item.amount,
            )
        )
        for item in figures.book_items
    ]


def _bank_rows(figures: Reconciliation) -> list[Row]:
    return [
        Row((item.date, item.reference, item.description, item.amount))
        for item in figures.bank_items
    ]


def _none_row(items: tuple[object, ...], words: dict[str, str]) -> list[Row]:
    return [] if items else [Row((None, "", words["none"], None), "note")]


def _state_note(figures: Reconciliation, language: str, money: Callable[[object], str]) -> str:
    """The month's state (banking/selectors/state.py), as the month's page says it."""
    words = _words(language)
    state = figures.state
    if state == DIFFERENCE or not figures.balances_agree:
        return words["not_reconciled"].format(difference=money(figures.difference))
    if state == UNMATCHED:
        return words["unmatched"].format(
            count=figures.open_bank_lines, date=format_date(figures.on, language)
        )
    return words[state]


def _notes(figures: Reconciliation, language: str) -> tuple[str, ...]:
    words = _words(language)
    bank_account = figures.bank_account

    def money(value: object) -> str:
        return f"{format_amount(value, language)} {bank_account.currency}"  # type: ignore[arg-type]

    notes = [
        _state_note(figures, language, money),
        words["open_rule"].format(date=format_date(figures.on, language)),
    ]
    gap = figures.statement_gap
    if gap:
        notes.append(
            words["statement_closing"].format(
                file=figures.statement_file,
                given=money(figures.statement_closing),
                computed=money(figures.bank_balance),
                gap=money(gap),
            )
        )
    if bank_account.opening_date is not None:
        notes.append(
            words["starting"].format(
                date=format_date(bank_account.opening_date, language),
                balance=money(bank_account.opening_balance),
            )
        )
    else:
        notes.append(words["no_start"])
    notes.append(
        words["account"].format(
            bank=bank_account.bank_name or "—",
            number=bank_account.account_number or "—",
            code=bank_account.account.code,
        )
    )
    return tuple(notes)
