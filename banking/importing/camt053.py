"""CAMT.053 (ISO 20022 bank-to-customer statement), parsed with defusedxml: no entity
expansion, no external references. Any version of the schema: elements are found by
their local names.

Read per statement (`Stmt`): the account (IBAN or other id), its currency, the period
(`FrToDt`), the booked opening and closing balances (`OPBD`/`PRCD`, `CLBD`), and each
booked entry (`Ntry` with status BOOK; pending entries are left out): amount and side
(`CdtDbtInd`), booking and value dates, the bank's reference (`AcctSvcrRef`, else the
end-to-end id), the remittance text, the other party's name and the additional text.
"""

from datetime import date
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from banking.exceptions import (
    CAMT_ACCOUNTS,
    CAMT_FIELD,
    CURRENCY_OTHER,
    MISSING_VALUE,
    TOO_MANY_LINES,
    XML_INVALID,
    XML_NOT_CAMT,
)
from banking.importing.base import (
    CENT,
    MAX_AMOUNT,
    MAX_LINES,
    ParsedLine,
    ParsedStatement,
    clean_text,
)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: Element | None, *path: str) -> Element | None:
    """The first descendant along `path` of local names (direct children each step)."""
    for name in path:
        if element is None:
            return None
        element = next((c for c in element if _local(c.tag) == name), None)
    return element


def _children(element: Element, name: str) -> list[Element]:
    return [c for c in element if _local(c.tag) == name]


def _text(element: Element | None, *path: str) -> str:
    found = _child(element, *path) if path else element
    return (found.text or "").strip() if found is not None else ""


def _date(element: Element | None) -> date | None:
    """A `Dt` or `DtTm` child's day."""
    text = _text(element, "Dt") or _text(element, "DtTm")
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _amount(element: Element | None) -> tuple[Decimal | None, str]:
    """The amount of an `Amt` element (positive as written) and its currency."""
    if element is None:
        return None, ""
    try:
        value = Decimal((element.text or "").strip())
    except InvalidOperation:
        return None, element.get("Ccy", "")
    if not value.is_finite() or value < 0 or value >= MAX_AMOUNT or value != value.quantize(CENT):
        return None, element.get("Ccy", "")
    return value, element.get("Ccy", "")


def _signed(value: Decimal, indicator: str) -> Decimal:
    return -value if indicator == "DBIT" else value


def read_camt053(data: bytes, *, account_number: str = "", currency: str = "") -> ParsedStatement:
    """The booked entries of the statement of `account_number` (the only one if the file
    holds one account)."""
    parsed = ParsedStatement(format="camt053")
    try:
        root = fromstring(data, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError) as error:
        return parsed.refuse(str(XML_INVALID.format(detail=error)))
    statement_root = _child(root, "BkToCstmrStmt") if _local(root.tag) != "BkToCstmrStmt" else root
    if statement_root is None:
        return parsed.refuse(str(XML_NOT_CAMT))
    statements = _children(statement_root, "Stmt")
    statement = _pick(parsed, statements, account_number)
    if statement is None:
        return parsed
    _read_header(parsed, statement)
    entries = _children(statement, "Ntry")
    if len(entries) > MAX_LINES:
        return parsed.refuse(str(TOO_MANY_LINES.format(count=len(entries), limit=MAX_LINES)))
    for n, entry in enumerate(entries, start=1):
        _read_entry(parsed, n, entry, currency or parsed.currency)
    if parsed.lines:
        first = min(line.booking_date for line in parsed.lines)
        last = max(line.booking_date for line in parsed.lines)
        parsed.period_start = min(parsed.period_start or first, first)
        parsed.period_end = max(parsed.period_end or last, last)
    return parsed


def _account_id(statement: Element) -> str:
    account = _child(statement, "Acct", "Id")
    return _text(account, "IBAN") or _text(account, "Othr", "Id")


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isalnum()).upper()


def _pick(
    parsed: ParsedStatement, statements: list[Element], account_number: str
) -> Element | None:
    if not statements:
        parsed.refuse(str(XML_NOT_CAMT))
        return None
    if len(statements) == 1:
        return statements[0]
    wanted = _digits(account_number)
    for statement in statements:
        if wanted and _digits(_account_id(statement)).endswith(wanted):
            return statement
    accounts = ", ".join(_account_id(s) for s in statements)
    parsed.refuse(str(CAMT_ACCOUNTS.format(accounts=accounts, number=account_number or "—")))
    return None


def _read_header(parsed: ParsedStatement, statement: Element) -> None:
    parsed.statement_ref = clean_text(_text(statement, "Id"), 100)
    parsed.account_number = _account_id(statement)
    parsed.currency = _text(statement, "Acct", "Ccy")
    period = _child(statement, "FrToDt")
    for name, attribute in (("FrDtTm", "period_start"), ("ToDtTm", "period_end")):
        text = _text(period, name)
        try:
            setattr(parsed, attribute, date.fromisoformat(text[:10]) if text else None)
        except ValueError:
            setattr(parsed, attribute, None)
    for balance in _children(statement, "Bal"):
        code = _text(balance, "Tp", "CdOrPrtry", "Cd")
        value, _currency = _amount(_child(balance, "Amt"))
        if value is None:
            continue
        signed = _signed(value, _text(balance, "CdtDbtInd"))
        on = _date(_child(balance, "Dt"))
        if code in ("OPBD", "PRCD") and parsed.opening_balance is None:
            parsed.opening_balance = signed
            if on is not None and parsed.period_start is None:
                parsed.period_start = on
        elif code == "CLBD":
            parsed.closing_balance = signed
            if on is not None and parsed.period_end is None:
                parsed.period_end = on


def _read_entry(parsed: ParsedStatement, n: int, entry: Element, currency: str) -> None:
    status = _text(entry, "Sts", "Cd") or _text(entry, "Sts")
    if status and status != "BOOK":
        parsed.left_out += 1  # pending or information only: not on the booked balance
        return
    value, entry_currency = _amount(_child(entry, "Amt"))
    indicator = _text(entry, "CdtDbtInd")
    booking = _date(_child(entry, "BookgDt"))
    problems = []
    if value is None:
        shown = _text(entry, "Amt") or str(MISSING_VALUE)
        problems.append(("Amt", str(shown if shown == str(MISSING_VALUE) else f"“{shown}”")))
    elif currency and entry_currency and entry_currency != currency:
        problems.append(
            ("Amt", str(CURRENCY_OTHER.format(currency=entry_currency, expected=currency)))
        )
    if indicator not in ("CRDT", "DBIT"):
        problems.append(("CdtDbtInd", indicator or str(MISSING_VALUE)))
    if booking is None:
        problems.append(("BookgDt", str(MISSING_VALUE)))
    for field, problem in problems:
        parsed.problem(None, "", str(CAMT_FIELD.format(n=n, field=field, problem=problem)))
    if problems or value is None or booking is None:
        return
    if value == 0:
        parsed.left_out += 1
        return
    details = _child(entry, "NtryDtls", "TxDtls")
    refs = _child(details, "Refs")
    remittance = " ".join(
        (u.text or "").strip()
        for u in _children(_child(details, "RmtInf") or Element("x"), "Ustrd")
    )
    parties = _child(details, "RltdPties")
    party = _text(parties, "Cdtr", "Nm") or _text(parties, "Dbtr", "Nm")
    party = party or _text(parties, "Cdtr", "Pty", "Nm") or _text(parties, "Dbtr", "Pty", "Nm")
    additional = _text(entry, "AddtlNtryInf")
    description = " ".join(part for part in (party, remittance, additional) if part)
    transaction_id = _text(entry, "AcctSvcrRef") or _text(refs, "AcctSvcrRef")
    reference = _text(refs, "EndToEndId")
    if reference == "NOTPROVIDED":
        reference = ""
    parsed.lines.append(
        ParsedLine(
            row=n,
            booking_date=booking,
            value_date=_date(_child(entry, "ValDt")),
            amount=_signed(value, indicator),
            description=clean_text(description, 500),
            reference=clean_text(reference or _text(refs, "InstrId"), 140),
            transaction_id=clean_text(transaction_id, 100),
        )
    )
