"""The FEC (fichier des écritures comptables), the audit export of DOMAIN.md: writing it
for a lab's fiscal year, and checking any FEC file an auditor hands over.

Written as UTF-8 text, one line a ledger line, 18 tab-separated fields, dates YYYYMMDD,
amounts with a decimal comma and no thousands separator, every posted entry of the
fiscal year in validation order, its opening entries (AN, à-nouveaux) first, EcritureNum
numbering the entries 1, 2, 3... without gaps. The opening entries of a year are posted
when the year before is closed, often after January's entries: they still open the file,
as the FEC rules ask, the others following in the order they were posted. The lines are
streamed from the database, never held as a list.

A line on a third-party account (class 4) names its third party: CompAuxNum its code,
CompAuxLib its name. A lettered line carries its lettering: EcritureLet the code (in
lower case while the lettering is partial, as Sage writes it: the line is not settled
yet), DateLet the day it was lettered. Both read in the same query as the lines (joins).
"""

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from irls.models import Lab
from ledger.models import FiscalYear, Journal, JournalEntry, JournalLine
from parties.lettering.codes import code_shown
from reports.exceptions import NO_FISCAL_YEAR, StatementError

FIELDS: tuple[str, ...] = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)
SEPARATOR = "\t"
SEPARATORS = ("\t", "|")
ENCODING = "utf-8"
NEWLINE = "\r\n"
CHUNK = 2000
# Lines on third-party accounts (class 4) carry their third party as auxiliary account.
AUXILIARY_CLASS = "4"
_UNSAFE = re.compile(r" *[\t|\r\n][\t|\r\n ]*")


def fec_file_name(lab: Lab, year: int) -> str:
    """<identifier>FEC<closing date YYYYMMDD>.txt"""
    return f"{lab.fec_identifier}FEC{_fiscal_year(lab, year).end_date:%Y%m%d}.txt"


def fec_build(lab: Lab, year: int) -> bytes:
    """The FEC of `lab`'s fiscal year `year`, as the bytes of the file."""
    buffer = io.BytesIO()
    for line in fec_lines(lab, year):
        buffer.write(line)
    return buffer.getvalue()


def fec_lines(lab: Lab, year: int) -> Iterator[bytes]:
    """The FEC's lines one by one (header first), encoded: for streaming responses."""
    fiscal_year = _fiscal_year(lab, year)
    yield _encode(FIELDS)
    lines = (
        JournalLine.objects.filter(
            entry__lab=lab,
            entry__fiscal_year=fiscal_year,
            entry__status=JournalEntry.Status.POSTED,
        )
        .annotate(
            carried=Case(
                When(
                    Q(entry__journal__kind=Journal.Kind.OPENING)
                    | Q(entry__year_end=JournalEntry.YearEnd.OPENING),
                    then=Value(0),
                ),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("carried", "entry__chain_index", "id")
        .values_list(
            "entry_id",
            "entry__journal__code",
            "entry__journal__name_fr",
            "entry__date",
            "account__code",
            "account__name_fr",
            "third_party_id",
            "third_party__name",
            "entry__piece_ref",
            "entry__piece_date",
            "label",
            "entry__label",
            "entry__number",
            "debit",
            "credit",
            "entry__posted_at",
            "amount_currency",
            "amount_currency_currency",
            # The lettering as it stands when the file is made, even one made after the
            # end of the fiscal year (an auditor reads what is settled today).
            "lettered__lettering__code",
            "lettered__lettering__complete",
            "lettered__lettering__lettered_on",
        )
    )
    number, current = 0, None
    for row in lines.iterator(CHUNK):
        (entry_id, journal, journal_name, on, account, account_name, third_party,
         third_party_name, piece_ref, piece_date, label, entry_label, entry_number, debit,
         credit, posted_at, foreign, foreign_currency, lettering, complete,
         lettered_on) = row  # fmt: skip
        if entry_id != current:
            number, current = number + 1, entry_id
        auxiliary = bool(third_party) and account.startswith(AUXILIARY_CLASS)
        yield _encode(
            (
                journal,
                journal_name,
                str(number),
                _date(on),
                account,
                account_name,
                str(third_party) if auxiliary else "",
                third_party_name if auxiliary else "",
                piece_ref or entry_number or "",
                _date(piece_date or on),
                label or entry_label,
                _amount(debit),
                _amount(credit),
                code_shown(lettering, complete),
                _date(lettered_on) if lettering else "",
                _date(timezone.localtime(posted_at).date()),
                _amount(foreign) if foreign is not None else "",
                foreign_currency or "" if foreign is not None else "",
            )
        )


def _fiscal_year(lab: Lab, year: int) -> FiscalYear:
    found = FiscalYear.objects.filter(lab=lab, year=year).first()
    if found is None:
        raise StatementError(NO_FISCAL_YEAR.format(lab=lab.code, year=year))
    return found


def _encode(fields: tuple[str, ...]) -> bytes:
    text = SEPARATOR.join(_UNSAFE.sub(" ", value).strip() for value in fields)
    return (text + NEWLINE).encode(ENCODING)


def _date(value: date) -> str:
    return f"{value:%Y%m%d}"


def _amount(value: Decimal) -> str:
    """1234.5 -> '1234,50': a decimal comma, no thousands separator."""
    return f"{Decimal(value):.2f}".replace(".", ",")


# Checking any FEC file -----------------------------------------------------------------

# The checker's problems: module constants (tests assert the exact text), translated and
# worded in the language active when the file is checked (the reader's, on the page).
# The field names (EcritureNum, CompteNum...) are the FEC's own and stay as they are.
FILE_NAME = _(
    "The file name {name!r} is not <identifier>FEC<YYYYMMDD>.txt (the fiscal year's closing date)"
)
FILE_EMPTY = _("The file is empty: the first line must name the 18 fields")
NO_SEPARATOR = _("The first line has no separator: fields are separated by a tab or by |")
MIXED_SEPARATORS = _("The first line mixes tab and | as separators: a FEC uses one of them")
FIELDS_ORDER = _(
    "The fields are not in the FEC order: field {index} is {found}, where {expected} is expected"
)
FIELDS_WRONG = _("Wrong field names: {details}")
FIELDS_COUNT = _("the first line has {count} fields, 18 are expected")
FIELDS_MISSING = _("missing: {names}")
FIELDS_UNKNOWN = _("unknown: {names}")
# Between the parts of FIELDS_WRONG's {details} (French puts a space before ";").
PARTS_SEPARATOR = pgettext_lazy("between the parts of a problem", "; ")
OTHER_SEPARATOR = _(
    "Line {line} contains {separator} as well as the file's separator: a FEC uses one "
    "separator, never inside the data"
)
TAB = _("tab")
LINE_FIELDS = _("Line {line} has {count} fields, 18 are expected")
ENTRY_AGAIN = _(
    "Line {line}: entry {entry} of journal {journal} appears again, apart from its other lines"
)
ENTRY_TWO_DATES = _("Line {line}: entry {entry} has two dates, {first} and {second}")
NO_ENTRY = _("The file has no entry: only its first line")
MANDATORY_EMPTY = _("Line {line}: {name} is empty; it is mandatory")
CURRENCY_MISSING = _("Line {line}: Montantdevise is given without its Idevise")
ACCOUNT_NOT_PCG = _(
    "Line {line}: CompteNum {account!r} does not start with the three digits of the PCG"
)
NOT_A_DATE = _("Line {line}: {name} {value!r} is not a date written YYYYMMDD")
DECIMAL_DOT = _("Line {line}: {name} {value!r} uses a dot; FEC amounts use a decimal comma")
NOT_AN_AMOUNT = _(
    "Line {line}: {name} {value!r} is not an amount (digits, a decimal comma, no "
    "thousands separator)"
)
NUMBER_WITHOUT_SEQUENCE = _(
    "Line {line}: EcritureNum {value!r} does not end with a sequence number"
)
JOURNAL_STARTS_LATE = _(
    "Line {line}: EcritureNum of journal {journal} starts at {value}, not at {first}; "
    "entries must be numbered without gaps"
)
NUMBERING_GAP = _(
    "Line {line}: EcritureNum goes from {previous} to {value}; entries must be numbered "
    "without gaps"
)
NUMBERING_GAP_IN_JOURNAL = _(
    "Line {line}: EcritureNum goes from {previous} to {value} in journal {journal}; "
    "entries must be numbered without gaps"
)
UNBALANCED = _(
    "Entry {entry} of journal {journal} ({lines}) does not balance: debit {debit}, credit {credit}"
)
ONE_LINE = _("line {line}")
LINES_FROM_TO = _("lines {first} to {last}")
MORE_PROBLEMS = _("... and {count} more problems")

MAX_PROBLEMS = 50
MANDATORY = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "ValidDate",
)
DATES = ("EcritureDate", "PieceDate", "ValidDate")
OPTIONAL_DATES = ("DateLet",)
AMOUNTS = ("Debit", "Credit")
OPTIONAL_AMOUNTS = ("Montantdevise",)
_AMOUNT = re.compile(r"[+-]?\d+(,\d+)?")
_NUMBERED = re.compile(r"(.*?)(\d+)")
_FILE_NAME = re.compile(r"(?P<identifier>.+)FEC(?P<closing>\d{8})\.(txt|csv|xml)")


@dataclass
class _Entry:
    key: tuple[str, str]
    first_line: int
    last_line: int
    date: str
    debit: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)
    unreadable: bool = False  # an amount could not be read: its balance is not judged


@dataclass
class _Numbering:
    """Checks that entry numbers follow each other, per prefix (EcritureNum 1, 2, 3 or
    AC0001, AC0002): file-wide, or journal by journal (both conventions exist)."""

    per_journal: bool
    last: dict[tuple[str, str], int] = field(default_factory=dict)
    gaps: list[str] = field(default_factory=list)

    def follow(self, journal: str, prefix: str, number: int, raw: str, line: int) -> None:
        key = (journal if self.per_journal else "", prefix)
        previous = self.last.get(key)
        if previous is None and self.per_journal and number != 1:
            # A file-wide sequence may go on from the year before; a journal's starts at 1.
            self.gaps.append(
                JOURNAL_STARTS_LATE.format(
                    line=line, journal=journal, value=raw, first=f"{prefix}1"
                )
            )
        elif previous is not None and number != previous + 1:
            gap = NUMBERING_GAP_IN_JOURNAL if self.per_journal else NUMBERING_GAP
            self.gaps.append(
                gap.format(line=line, previous=f"{prefix}{previous}", value=raw, journal=journal)
            )
        self.last[key] = number


def fec_validate(data: bytes, file_name: str | None = None) -> list[str]:
    """The problems of FEC file `data`, in plain words; an empty list means it is valid.

    Checks the field names and their order, one separator, dates, amounts, mandatory
    fields, account numbers, entries balanced, contiguous and continuously numbered
    (and the file name, when given). The problems are worded in the active language."""
    problems: list[str] = []
    if file_name is not None and not _FILE_NAME.fullmatch(file_name.rsplit("/", 1)[-1]):
        problems.append(FILE_NAME.format(name=file_name))
    lines = re.split(r"\r\n|\n|\r", _decode(data))
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        return [*problems, str(FILE_EMPTY)]
    separator = _header(lines[0], problems)
    if separator is None:
        return _capped(problems)
    _body(lines, separator, problems)
    return _capped(problems)


def _decode(data: bytes) -> str:
    # UTF-8 (with or without BOM); ISO 8859-15 files read as Latin-1 (same letters here).
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _header(header: str, problems: list[str]) -> str | None:
    """The file's separator, after checking the field names and order of the header."""
    present = [s for s in SEPARATORS if s in header]
    if not present:
        problems.append(str(NO_SEPARATOR))
        return None
    if len(present) > 1:
        problems.append(str(MIXED_SEPARATORS))
    separator = max(present, key=header.count)
    names = [name.strip() for name in header.split(separator)]
    if names != list(FIELDS):
        problems.append(_header_problem(names))
    return separator


def _header_problem(names: list[str]) -> str:
    if sorted(names) == sorted(FIELDS):
        for i, (found, expected) in enumerate(zip(names, FIELDS, strict=True), start=1):
            if found != expected:
                return FIELDS_ORDER.format(index=i, found=found, expected=expected)
    missing = [name for name in FIELDS if name not in names]
    unknown = [name for name in names if name not in FIELDS]
    parts = [FIELDS_COUNT.format(count=len(names))]
    if missing:
        parts.append(FIELDS_MISSING.format(names=", ".join(missing)))
    if unknown:
        parts.append(FIELDS_UNKNOWN.format(names=", ".join(unknown)))
    return FIELDS_WRONG.format(details=str(PARTS_SEPARATOR).join(parts))


def _body(lines: list[str], separator: str, problems: list[str]) -> None:
    other = next(s for s in SEPARATORS if s != separator)
    other_name = str(TAB) if other == "\t" else "|"
    numbering = (_Numbering(per_journal=False), _Numbering(per_journal=True))
    seen: set[tuple[str, str]] = set()
    entry: _Entry | None = None
    entries = 0
    for number, line in enumerate(lines[1:], start=2):
        cells = line.split(separator)
        if other in line:
            problems.append(OTHER_SEPARATOR.format(line=number, separator=other_name))
        if len(cells) != len(FIELDS):
            problems.append(LINE_FIELDS.format(line=number, count=len(cells)))
            continue
        record = dict(zip(FIELDS, cells, strict=True))
        debit, credit = _line_problems(record, number, problems)
        key = (record["JournalCode"], record["EcritureNum"])
        if entry is None or key != entry.key:
            if entry is not None:
                _close(entry, problems)
            if key in seen:
                problems.append(ENTRY_AGAIN.format(line=number, entry=key[1], journal=key[0]))
            seen.add(key)
            entries += 1
            entry = _Entry(key, number, number, record["EcritureDate"])
            _number(record, number, numbering, problems)
        elif record["EcritureDate"] != entry.date:
            problems.append(
                ENTRY_TWO_DATES.format(
                    line=number, entry=key[1], first=entry.date, second=record["EcritureDate"]
                )
            )
        entry.last_line = number
        if debit is None or credit is None:
            entry.unreadable = True
        else:
            entry.debit += debit
            entry.credit += credit
    if entry is not None:
        _close(entry, problems)
    if not entries:
        problems.append(str(NO_ENTRY))
    gaps = min((n.gaps for n in numbering), key=len)
    problems.extend(gaps)


def _line_problems(
    record: dict[str, str], number: int, problems: list[str]
) -> tuple[Decimal | None, Decimal | None]:
    for name in MANDATORY:
        if not record[name].strip():
            problems.append(MANDATORY_EMPTY.format(line=number, name=name))
    for name in (*DATES, *OPTIONAL_DATES):
        _check_date(record[name], name, number, problems)
    amounts = [_check_amount(record[name], name, number, problems) for name in AMOUNTS]
    for name in OPTIONAL_AMOUNTS:
        if record[name].strip():
            _check_amount(record[name], name, number, problems)
            if not record["Idevise"].strip():
                problems.append(CURRENCY_MISSING.format(line=number))
    account = record["CompteNum"]
    if account.strip() and not account[:3].isdigit():
        problems.append(ACCOUNT_NOT_PCG.format(line=number, account=account))
    return amounts[0], amounts[1]


def _check_date(value: str, name: str, number: int, problems: list[str]) -> None:
    if not value.strip():
        return  # optional, or mandatory and reported once as empty
    try:
        if len(value) != 8 or not value.isdigit():
            raise ValueError
        datetime.strptime(value, "%Y%m%d")  # a calendar date: no time zone involved
    except ValueError:
        problems.append(NOT_A_DATE.format(line=number, name=name, value=value))


def _check_amount(value: str, name: str, number: int, problems: list[str]) -> Decimal | None:
    """The amount `value`, or None (and a problem) when it is not written as FEC asks."""
    text = value.strip()
    if not text:
        return None
    if not _AMOUNT.fullmatch(text):
        if "." in text and _AMOUNT.fullmatch(text.replace(".", ",", 1)):
            problems.append(DECIMAL_DOT.format(line=number, name=name, value=value))
        else:
            problems.append(NOT_AN_AMOUNT.format(line=number, name=name, value=value))
        return None
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return None


def _number(
    record: dict[str, str], line: int, numbering: tuple[_Numbering, ...], problems: list[str]
) -> None:
    raw = record["EcritureNum"].strip()
    if not raw:
        return
    match = _NUMBERED.fullmatch(raw)
    if match is None:
        problems.append(NUMBER_WITHOUT_SEQUENCE.format(line=line, value=raw))
        return
    for convention in numbering:
        convention.follow(record["JournalCode"], match[1], int(match[2]), raw, line)


def _close(entry: _Entry, problems: list[str]) -> None:
    if not entry.unreadable and entry.debit != entry.credit:
        where = (
            ONE_LINE.format(line=entry.first_line)
            if entry.first_line == entry.last_line
            else LINES_FROM_TO.format(first=entry.first_line, last=entry.last_line)
        )
        problems.append(
            UNBALANCED.format(
                entry=entry.key[1],
                journal=entry.key[0],
                lines=where,
                debit=_amount(entry.debit),
                credit=_amount(entry.credit),
            )
        )


def _capped(problems: list[str]) -> list[str]:
    if len(problems) <= MAX_PROBLEMS:
        return list(problems)
    more = len(problems) - MAX_PROBLEMS
    return [*problems[:MAX_PROBLEMS], MORE_PROBLEMS.format(count=more)]
