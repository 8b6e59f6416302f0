"""OFX statements: version 1.x (SGML, where a value's closing tag may be left out) by a
small reader of our own, version 2.x (XML) through defusedxml. Both become the same
nested (tag, children or text) tree, from which the bank statement is read: currency
(`CURDEF`), account (`ACCTID`), period (`DTSTART`, `DTEND`), transactions (`STMTTRN`:
`DTPOSTED`, `TRNAMT`, `FITID`, `NAME`, `MEMO`, `CHECKNUM`, `REFNUM`) and the ledger
balance (`LEDGERBAL`: `BALAMT` on `DTASOF`).

ofxtools (PyPI) was considered: it validates every aggregate against the specification
and raises on the first deviation, where a preview must list every problem of a bank's
real file by transaction; the subset read here is small.
"""

import html
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from banking.exceptions import (
    BAD_AMOUNT,
    BAD_DATE,
    MISSING_VALUE,
    OFX_FIELD,
    OFX_INVALID,
    TOO_MANY_LINES,
)
from banking.importing.base import MAX_LINES, ParsedLine, ParsedStatement, clean_text, parse_amount

_TAG = re.compile(r"<(/?)([A-Za-z0-9._]+)>([^<]*)")
MAX_DEPTH = 50


@dataclass
class Node:
    tag: str
    text: str = ""
    children: list["Node"] = field(default_factory=list)

    def find(self, *path: str) -> "Node | None":
        node: Node | None = self
        for name in path:
            if node is None:
                return None
            node = next((c for c in node.children if c.tag == name), None)
        return node

    def value(self, *path: str) -> str:
        node = self.find(*path)
        return node.text.strip() if node is not None else ""

    def walk(self, tag: str) -> list["Node"]:
        found = []
        stack = [self]
        while stack:
            node = stack.pop()
            if node.tag == tag:
                found.append(node)
            stack.extend(reversed(node.children))
        return found


class OfxSyntaxError(ValueError):
    pass


def _sgml_tree(text: str) -> Node:
    """The tree of an SGML OFX body (from <OFX>): an element followed by text is a value
    whose closing tag is optional; one followed by another tag is an aggregate, closed
    by its own closing tag."""
    start = text.upper().find("<OFX>")
    if start < 0:
        raise OfxSyntaxError("no <OFX> element")
    root = Node("ROOT")
    stack = [root]
    for closing, name, after in _TAG.findall(text[start:]):
        tag = name.upper()
        if closing:
            if tag == stack[-1].tag:
                stack.pop()
            elif any(node.tag == tag for node in stack):
                while stack[-1].tag != tag:
                    stack.pop()
                stack.pop()
            # else: the optional closing tag of a value, already closed
            if not stack:
                raise OfxSyntaxError(f"</{tag}> closes the document")
            continue
        value = html.unescape(after.strip())
        node = Node(tag, value)
        stack[-1].children.append(node)
        if not value:
            stack.append(node)
            if len(stack) > MAX_DEPTH:
                raise OfxSyntaxError("elements nested too deep")
    return root


def _xml_tree(data: bytes) -> Node:
    element = fromstring(data, forbid_dtd=True)

    def convert(source: Element) -> Node:
        return Node(
            source.tag.rsplit("}", 1)[-1].upper(),
            (source.text or "").strip(),
            [convert(child) for child in source],
        )

    root = Node("ROOT")
    root.children.append(convert(element))
    return root


def _decode(data: bytes) -> str:
    header = data[:1024].decode("ascii", errors="replace").upper()
    if "CHARSET:1252" in header or "ENCODING:USASCII" in header:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("cp1252", errors="replace")
    return data.decode("utf-8", errors="replace")


def _date(text: str) -> date | None:
    """An OFX date: YYYYMMDD, then optional time, fraction and zone."""
    digits = text.strip()[:8]
    if not re.fullmatch(r"\d{8}", digits):
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def _amount(text: str) -> Decimal | None:
    value = text.strip()
    if "," in value and "." not in value:  # a decimal comma (some European banks)
        return parse_amount(value, ",")
    return parse_amount(value, ".")


def read_ofx(data: bytes) -> ParsedStatement:
    """The transactions of the (first) bank statement of an OFX file."""
    parsed = ParsedStatement(format="ofx")
    try:
        if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<?xml"):
            root = _xml_tree(data)
        else:
            root = _sgml_tree(_decode(data))
    except (ParseError, DefusedXmlException, OfxSyntaxError, ValueError) as error:
        return parsed.refuse(str(OFX_INVALID.format(detail=error)))
    statements = root.walk("STMTRS") or root.walk("CCSTMTRS")
    if not statements:
        return parsed.refuse(str(OFX_INVALID.format(detail="no STMTRS")))
    statement = statements[0]
    parsed.currency = statement.value("CURDEF")
    parsed.account_number = statement.value("BANKACCTFROM", "ACCTID") or statement.value(
        "CCACCTFROM", "ACCTID"
    )
    tranlist = statement.find("BANKTRANLIST")
    if tranlist is not None:
        parsed.period_start = _date(tranlist.value("DTSTART"))
        parsed.period_end = _date(tranlist.value("DTEND"))
    balance = statement.find("LEDGERBAL")
    if balance is not None:
        parsed.closing_balance = _amount(balance.value("BALAMT"))
        as_of = _date(balance.value("DTASOF"))
        if as_of is not None and parsed.period_end is None:
            parsed.period_end = as_of
    transactions = tranlist.walk("STMTTRN") if tranlist is not None else []
    if len(transactions) > MAX_LINES:
        return parsed.refuse(str(TOO_MANY_LINES.format(count=len(transactions), limit=MAX_LINES)))
    for n, transaction in enumerate(transactions, start=1):
        _read_transaction(parsed, n, transaction)
    if parsed.lines:
        first = min(line.booking_date for line in parsed.lines)
        last = max(line.booking_date for line in parsed.lines)
        parsed.period_start = min(parsed.period_start or first, first)
        parsed.period_end = max(parsed.period_end or last, last)
    return parsed


def _read_transaction(parsed: ParsedStatement, n: int, transaction: Node) -> None:
    posted_text = transaction.value("DTPOSTED")
    amount_text = transaction.value("TRNAMT")
    posted = _date(posted_text)
    amount = _amount(amount_text)
    problems = []
    if posted is None:
        shown = BAD_DATE.format(value=posted_text, format="YYYYMMDD") if posted_text else None
        problems.append(("DTPOSTED", str(shown or MISSING_VALUE)))
    if amount is None:
        shown = BAD_AMOUNT.format(value=amount_text) if amount_text else None
        problems.append(("TRNAMT", str(shown or MISSING_VALUE)))
    for name, problem in problems:
        parsed.problem(None, "", str(OFX_FIELD.format(n=n, field=name, problem=problem)))
    if posted is None or amount is None:
        return
    if amount == 0:
        parsed.left_out += 1
        return
    name, memo = transaction.value("NAME"), transaction.value("MEMO")
    description = " ".join(part for part in (name, memo) if part)
    reference = transaction.value("REFNUM") or transaction.value("CHECKNUM")
    parsed.lines.append(
        ParsedLine(
            row=n,
            booking_date=posted,
            value_date=_date(transaction.value("DTUSER")) if transaction.value("DTUSER") else None,
            amount=amount,
            description=clean_text(description, 500),
            reference=clean_text(reference, 140),
            transaction_id=clean_text(transaction.value("FITID"), 100),
        )
    )
