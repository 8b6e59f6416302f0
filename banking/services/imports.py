"""Importing a bank statement file: read it, check it, keep each line once.

All or nothing: a file with a problem writes nothing (the preview lists every problem,
by row and field). A line is known by its fingerprint: the bank's transaction id when
the file gives one, else a hash of its date, amount, description and reference; either
way with the rank of identical lines in the file (the second "12.00 CHEQUE BOOK FEE" of
a day is another line), so importing the same file again, or a file overlapping an
earlier one, adds only the lines not kept yet.
"""

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Sum

from banking.exceptions import (
    ACCOUNT_NUMBER_OTHER,
    BALANCES_DISAGREE,
    CONTINUITY,
    CURRENCY_OTHER,
    FILE_TOO_LARGE,
    NO_MAPPING,
    from_integrity_error,
)
from banking.importing import (
    CsvMapping,
    ParsedLine,
    ParsedStatement,
    Problem,
    detect_format,
    statement_read,
)
from banking.models import BankAccount, BankStatement, BankStatementLine
from ledger.fields import CENT
from ledger.imports.problems import size_text
from ledger.selectors.books import format_amount
from ledger.services.audit import audit_record

from .access import require

DEFAULT_MAX_BYTES = 10_000_000
CSV = BankStatement.Format.CSV
LOOKUP_BLOCK = 5_000


def max_bytes() -> int:
    """The largest statement file accepted (setting BANK_STATEMENT_MAX_BYTES)."""
    return int(getattr(settings, "BANK_STATEMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


@dataclass
class BankImportOutcome:
    """What an import found (preview) or did."""

    bank_account: BankAccount
    file_name: str
    sha256: str
    size: int
    format: str
    parsed: ParsedStatement | None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    new_lines: list[ParsedLine] = field(default_factory=list)
    new_fingerprints: list[str] = field(default_factory=list)  # of new_lines, in order
    known: int = 0  # lines of the file already kept
    statement: BankStatement | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def lines_in_file(self) -> int:
        return len(self.parsed.lines) if self.parsed is not None else 0

    @property
    def new_total(self) -> Decimal:
        return sum((line.amount for line in self.new_lines), Decimal("0.00"))


def csv_mapping(bank_account: BankAccount) -> CsvMapping | None:
    """The bank account's saved CSV mapping; None when it has none yet."""
    if not bank_account.has_csv_mapping:
        return None
    columns = tuple(c.strip() for c in bank_account.csv_description_columns.split(",") if c.strip())
    return CsvMapping(
        date_column=bank_account.csv_date_column,
        date_format=bank_account.csv_date_format,
        value_date_column=bank_account.csv_value_date_column,
        amount_column=bank_account.csv_amount_column,
        debit_column=bank_account.csv_debit_column,
        credit_column=bank_account.csv_credit_column,
        description_columns=columns,
        reference_column=bank_account.csv_reference_column,
        decimal_separator=bank_account.csv_decimal_separator,
        delimiter=bank_account.csv_delimiter,
        skip_rows=bank_account.csv_skip_rows,
    )


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def line_fingerprints(lines: Iterable[ParsedLine]) -> list[str]:
    """Each line's fingerprint, in order (see the module's docstring)."""
    seen: Counter[str] = Counter()
    prints = []
    for line in lines:
        if line.transaction_id:
            base = f"id\x1f{line.transaction_id}"
        else:
            cents = int(line.amount * 100)
            base = "\x1f".join(
                (
                    "line",
                    line.booking_date.isoformat(),
                    str(cents),
                    _fold(line.description),
                    _fold(line.reference),
                )
            )
        seen[base] += 1
        key = f"{base}\x1f{seen[base]}"
        prints.append(hashlib.sha256(key.encode("utf-8")).hexdigest())
    return prints


def _known(bank_account: BankAccount, prints: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(prints), LOOKUP_BLOCK):
        block = prints[start : start + LOOKUP_BLOCK]
        found.update(
            BankStatementLine.objects.filter(
                bank_account=bank_account, fingerprint__in=block
            ).values_list("fingerprint", flat=True)
        )
    return found


def _alnum(text: str) -> str:
    return "".join(c for c in text if c.isalnum()).upper()


def _check(bank_account: BankAccount, parsed: ParsedStatement) -> None:
    """Problems of a file that reads well: another account, another currency, balances
    that its lines do not explain."""
    number, given = _alnum(bank_account.account_number), _alnum(parsed.account_number)
    if number and given and not (number.endswith(given) or given.endswith(number)):
        parsed.refuse(
            str(
                ACCOUNT_NUMBER_OTHER.format(
                    number=parsed.account_number,
                    name=bank_account.name,
                    expected=bank_account.account_number,
                )
            )
        )
    if parsed.currency and parsed.currency.upper() != bank_account.currency:
        parsed.refuse(
            str(CURRENCY_OTHER.format(currency=parsed.currency, expected=bank_account.currency))
        )
    if parsed.opening_balance is not None and parsed.closing_balance is not None:
        total = sum((line.amount for line in parsed.lines), Decimal("0.00"))
        computed = parsed.opening_balance + total
        if computed != parsed.closing_balance:
            parsed.refuse(
                str(
                    BALANCES_DISAGREE.format(
                        opening=format_amount(parsed.opening_balance),
                        total=format_amount(total),
                        computed=format_amount(computed),
                        closing=format_amount(parsed.closing_balance),
                    )
                )
            )


def _continuity(bank_account: BankAccount, parsed: ParsedStatement) -> list[str]:
    """A warning when the file's opening balance is not what the lines kept so far give
    (a statement in between not imported yet); nothing when nothing comes before."""
    if parsed.opening_balance is None or parsed.period_start is None:
        return []
    before = parsed.period_start - timedelta(days=1)
    if bank_account.opening_date is None or bank_account.opening_date > before:
        return []
    moved = BankStatementLine.objects.filter(
        bank_account=bank_account,
        booking_date__gt=bank_account.opening_date,
        booking_date__lte=before,
    ).aggregate(total=Sum("amount"))["total"] or Decimal("0.00")
    computed = bank_account.opening_balance + moved
    if computed == parsed.opening_balance:
        return []
    return [
        str(
            CONTINUITY.format(
                date=parsed.period_start.isoformat(),
                given=format_amount(parsed.opening_balance),
                computed=format_amount(computed),
            )
        )
    ]


def bank_statement_import(
    *,
    acting_user: User | None,
    bank_account: BankAccount,
    file_name: str,
    data: bytes,
    format: str | None = None,
    dry_run: bool = False,
) -> BankImportOutcome:
    """Read `data` (format as its content says, or `format`), check it, and keep its new
    lines as one statement of `bank_account`; `dry_run`: check only (the preview).
    Nothing is written when the file has a problem or no new line."""
    require(acting_user, bank_account.lab, "import bank statements")
    outcome = BankImportOutcome(
        bank_account=bank_account,
        file_name=file_name[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        format=format or detect_format(data) or "",
        parsed=None,
    )
    if len(data) > max_bytes():
        limit = size_text(max_bytes())
        problem = FILE_TOO_LARGE.format(name=file_name, size=size_text(len(data)), limit=limit)
        outcome.problems.append(Problem(None, "", str(problem)))
        return outcome
    mapping = csv_mapping(bank_account)
    if outcome.format == CSV and mapping is None:
        outcome.problems.append(Problem(None, "", str(NO_MAPPING.format(name=bank_account.name))))
        return outcome
    parsed = statement_read(
        data=data,
        file_name=file_name,
        format=format,
        mapping=mapping,
        account_number=bank_account.account_number,
        currency=bank_account.currency,
    )
    outcome.parsed, outcome.format = parsed, parsed.format or outcome.format
    if not parsed.problems:
        _check(bank_account, parsed)
    outcome.problems = list(parsed.problems)
    if not outcome.ok:
        return outcome
    outcome.warnings = _continuity(bank_account, parsed)
    if dry_run:
        _sort_new(outcome)
        return outcome
    try:
        with transaction.atomic():
            # One import of an account at a time: the second sees what the first kept.
            BankAccount.objects.select_for_update().filter(pk=bank_account.pk).first()
            _sort_new(outcome)
            if outcome.new_lines:
                outcome.statement = _write(acting_user, bank_account, outcome)
    except IntegrityError as error:
        refused = from_integrity_error(error)
        if refused is None:
            raise
        raise refused from error
    return outcome


def _sort_new(outcome: BankImportOutcome) -> None:
    assert outcome.parsed is not None
    lines = outcome.parsed.lines
    prints = line_fingerprints(lines)
    known = _known(outcome.bank_account, prints)
    new = [(line, p) for line, p in zip(lines, prints, strict=True) if p not in known]
    outcome.new_lines = [line for line, _print in new]
    outcome.new_fingerprints = [p for _line, p in new]
    outcome.known = len(lines) - len(outcome.new_lines)


def _write(
    acting_user: User | None, bank_account: BankAccount, outcome: BankImportOutcome
) -> BankStatement:
    parsed = outcome.parsed
    assert parsed is not None and parsed.period_start is not None
    assert parsed.period_end is not None
    statement = BankStatement.objects.create(
        lab_id=bank_account.lab_id,
        bank_account=bank_account,
        format=outcome.format,
        file_name=outcome.file_name,
        sha256=outcome.sha256,
        size=outcome.size,
        statement_ref=parsed.statement_ref,
        period_start=parsed.period_start,
        period_end=max(parsed.period_end, parsed.period_start),
        opening_balance=parsed.opening_balance,
        closing_balance=parsed.closing_balance,
        lines_in_file=len(parsed.lines),
        lines_added=len(outcome.new_lines),
        imported_by=acting_user,
    )
    BankStatementLine.objects.bulk_create(
        [
            BankStatementLine(
                statement=statement,
                bank_account=bank_account,
                lab_id=bank_account.lab_id,
                booking_date=line.booking_date,
                value_date=line.value_date,
                amount=line.amount.quantize(CENT),
                description=line.description,
                reference=line.reference,
                bank_transaction_id=line.transaction_id,
                fingerprint=fingerprint,
                source_row=line.row,
            )
            for line, fingerprint in zip(outcome.new_lines, outcome.new_fingerprints, strict=True)
        ],
        batch_size=2_000,
    )
    starting = {}
    if bank_account.opening_date is None and parsed.opening_balance is not None:
        # The first statement that gives its opening balance sets the starting point.
        bank_account.opening_date = parsed.period_start - timedelta(days=1)
        bank_account.opening_balance = parsed.opening_balance
        bank_account.save(update_fields=["opening_date", "opening_balance"])
        starting = {
            "starting_date": bank_account.opening_date.isoformat(),
            "starting_balance": str(bank_account.opening_balance),
        }
    audit_record(
        actor=acting_user,
        action="bank_statement.import",
        obj=statement,
        lab=bank_account.lab,
        after={
            "bank_account": bank_account.name,
            "file_name": statement.file_name,
            "sha256": statement.sha256,
            "format": statement.format,
            "period_start": statement.period_start.isoformat(),
            "period_end": statement.period_end.isoformat(),
            "lines_in_file": statement.lines_in_file,
            "lines_added": statement.lines_added,
            "lines_known": outcome.known,
            "opening_balance": _text(statement.opening_balance),
            "closing_balance": _text(statement.closing_balance),
            **starting,
        },
    )
    return statement


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
