"""Issuing statements: build, render, and keep the file in the archive with the proof an
auditor checks it against (sha256, and the ledger's hash-chain head at issue)."""

import dataclasses
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO

from django.contrib.auth.models import User
from django.db import transaction

from irls.access import READ_ROLES
from irls.models import Lab
from ledger.models import LedgerChain
from ledger.services import audit_record
from ledger.services.access import require_role
from reports.archive import archive_store
from reports.builders import ACROSS_YEARS, FEC, check_kind, statement_build
from reports.builders.common import StatementOptions, statement_options
from reports.exceptions import (
    BAD_FORMAT,
    FEC_IN_BOOK_CURRENCY,
    LEDGER_MOVING,
    OR,
    RENDERER_MISSING,
    WHOLE_YEAR_ONLY,
    StatementError,
)
from reports.fec import fec_file_name, fec_lines
from reports.models import IssuedStatement
from reports.selectors import statement_line_count
from reports.statement import Row, Section, Statement

PDF, XLSX, TXT = IssuedStatement.Format.PDF, IssuedStatement.Format.XLSX, IssuedStatement.Format.TXT
ZIP = IssuedStatement.Format.ZIP
CONTENT_TYPES: dict[str, str] = {
    PDF: "application/pdf",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    TXT: "text/plain; charset=utf-8",
    ZIP: "application/zip",
}
# Postings while a statement is built would make it match no single state of the books:
# it is built again, a few times at most.
ATTEMPTS = 3
# (stage, done, total): told as the statement is built ("build"), then every
# PROGRESS_EVERY lines read by the renderer ("lines"), as an import tells its rows.
Progress = Callable[[str, int, int], None]
PROGRESS_EVERY = 1_000


@dataclass(frozen=True)
class StatementFile:
    """A rendered statement: the file it was written to (the caller's, binary and
    seekable), its standard file name and recorded parameters."""

    file: IO[bytes]
    file_name: str
    parameters: dict[str, str]


def formats_for(kind: str) -> tuple[str, ...]:
    return (TXT,) if kind == FEC else (PDF, XLSX)


def statement_issue(
    *,
    acting_user: User | None,
    lab: Lab,
    kind: str,
    year: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    language: str = "en",
    currency: str | None = None,
    partner: str = "",
    grant: str = "",
    format: str | None = None,  # the option's name on the command line
    progress: Progress | None = None,
    third_party: str = "",
) -> IssuedStatement:
    """Build statement `kind` of `lab`, render it, and archive the file with who asked,
    when, its sha256 and the ledger's chain head; audited as 'statement.issue'.

    `acting_user` None is the system (a management command run by the operator).
    `progress` is told how far the building is (a worker shows it on the job's page)."""
    if acting_user is not None:
        require_role(acting_user, lab, "issue statements", READ_ROLES)
    fmt, options = _checked_options(
        lab,
        kind,
        year,
        date_from,
        date_to,
        language,
        currency,
        partner,
        grant,
        format,
        third_party,
    )
    # The file is written to disk, hashed and archived in chunks: a million-line ledger
    # never sits whole in memory (reports/archive.py).
    with tempfile.TemporaryFile(prefix="statement-") as spool:
        for _attempt in range(ATTEMPTS):
            spool.seek(0)
            spool.truncate()
            chain = _chain_state(lab)
            produced = _produce(
                options,
                kind,
                fmt,
                into=spool,
                partner=partner,
                grant=grant,
                third_party=third_party,
                progress=progress,
            )
            if _chain_state(lab) == chain:
                break
        else:
            raise StatementError(LEDGER_MOVING.format(lab=lab.code))
        with transaction.atomic():
            issued = archive_store(
                file=spool,
                lab=lab,
                kind=kind,
                format=fmt,
                parameters={**produced.parameters, "format": fmt},
                file_name=produced.file_name,
                chain_length=chain[0],
                chain_head=chain[1],
                issued_by=acting_user,
            )
            _audit_issue(acting_user, issued)
    return issued


def _audit_issue(acting_user: User | None, issued: IssuedStatement) -> None:
    audit_record(
        actor=acting_user,
        action="statement.issue",
        obj=issued,
        lab=issued.lab,
        after={
            "kind": issued.kind,
            "format": issued.format,
            "parameters": issued.parameters,
            "file_name": issued.file_name,
            "sha256": issued.sha256,
            "size": issued.size,
            "chain_length": issued.chain_length,
            "chain_head": issued.chain_head,
        },
    )


def statement_size(
    *,
    lab: Lab,
    kind: str,
    year: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    language: str = "en",
    currency: str | None = None,
    partner: str = "",
    grant: str = "",
    format: str | None = None,
    third_party: str = "",
) -> int:
    """The posted lines in the period of the statement asked for (one count in SQL), the
    options checked as `statement_issue` checks them (StatementError when wrong)."""
    _fmt, options = _checked_options(
        lab,
        kind,
        year,
        date_from,
        date_to,
        language,
        currency,
        partner,
        grant,
        format,
        third_party,
    )
    return statement_line_count(lab=lab, date_from=options.date_from, date_to=options.date_to)


def _checked_options(
    lab: Lab,
    kind: str,
    year: int | None,
    date_from: date | None,
    date_to: date | None,
    language: str,
    currency: str | None,
    partner: str,
    grant: str,
    format: str | None,
    third_party: str = "",
) -> tuple[str, StatementOptions]:
    check_kind(kind, partner=partner, grant=grant, third_party=third_party)
    fmt = format or formats_for(kind)[0]
    if fmt not in formats_for(kind):
        raise StatementError(
            BAD_FORMAT.format(value=fmt, kind=kind, formats=str(OR).join(formats_for(kind)))
        )
    options = statement_options(
        lab=lab,
        year=year,
        date_from=date_from,
        date_to=date_to,
        language=language,
        currency=currency,
        across_years=kind in ACROSS_YEARS,
    )
    return fmt, options


def statement_file(
    *,
    lab: Lab,
    kind: str,
    year: int,
    language: str = "en",
    currency: str | None = None,
    partner: str = "",
    grant: str = "",
    format: str | None = None,
    into: IO[bytes],
) -> StatementFile:
    """Statement `kind` of `lab`'s fiscal year `year` rendered exactly as `statement_issue`
    renders it, written to `into` (binary, seekable) without archiving it (the members of
    an audit package)."""
    fmt, options = _checked_options(
        lab, kind, year, None, None, language, currency, partner, grant, format
    )
    return _produce(options, kind, fmt, into=into, partner=partner, grant=grant)


def statement_download(*, acting_user: User, issued: IssuedStatement) -> IssuedStatement:
    """Hand an archived statement out again, byte for byte; audited as 'statement.download'."""
    require_role(acting_user, issued.lab, "download statements", READ_ROLES)
    audit_record(
        actor=acting_user,
        action="statement.download",
        obj=issued,
        lab=issued.lab,
        after={"sha256": issued.sha256, "file_name": issued.file_name},
    )
    return issued


def _chain_state(lab: Lab) -> tuple[int, str]:
    state = LedgerChain.objects.filter(lab=lab).values_list("length", "head_hash").first()
    return state if state is not None else (0, "")


def _produce(
    options: StatementOptions,
    kind: str,
    fmt: str,
    *,
    into: IO[bytes],
    partner: str,
    grant: str,
    third_party: str = "",
    progress: Progress | None = None,
) -> StatementFile:
    """The statement written to `into`, from its current position."""
    lab = options.lab
    if progress is not None:
        progress("build", 0, 0)
    if kind == FEC:
        if not options.whole_year:
            raise StatementError(WHOLE_YEAR_ONLY.format(kind=FEC))
        if options.converting:
            raise StatementError(FEC_IN_BOOK_CURRENCY.format(book=lab.book_currency))
        year = options.fiscal_year.year
        parameters = options.parameters(FEC)
        del parameters["language"]
        for line in fec_lines(lab, year):
            into.write(line)
        return StatementFile(into, fec_file_name(lab, year), parameters)
    statement = statement_build(
        kind=kind,
        lab=lab,
        # A period across fiscal years is given by its dates alone.
        year=None if options.across_years else options.fiscal_year.year,
        date_from=options.date_from,
        date_to=options.date_to,
        language=options.language,
        currency=options.currency,
        partner=partner,
        grant=grant,
        third_party=third_party,
    )
    if progress is not None:
        total = statement_line_count(lab=lab, date_from=options.date_from, date_to=options.date_to)
        statement = _counted(statement, _LineCounter(progress, total))
    render_to(statement, fmt, into)
    return StatementFile(
        into,
        statement_file_name(options, kind, fmt, partner or grant or third_party),
        statement.parameters,
    )


class _LineCounter:
    """Counts the statement's lines (its plain rows) as the renderer reads them."""

    def __init__(self, progress: Progress, total: int) -> None:
        self.progress = progress
        self.total = total
        self.done = 0
        progress("lines", 0, total)

    def rows(self, rows: Iterable[Row]) -> Iterator[Row]:
        for row in rows:
            if row.style == "normal":
                self.done += 1
                if self.done % PROGRESS_EVERY == 0:
                    self.progress("lines", self.done, max(self.total, self.done))
            yield row


def _counted(statement: Statement, counter: _LineCounter) -> Statement:
    """`statement` whose sections' rows are counted as they are read (still streamed)."""
    sections = tuple(
        Section(section.title, counter.rows(section.rows)) for section in statement.sections
    )
    return dataclasses.replace(statement, sections=sections)


def render(statement: Statement, fmt: str) -> bytes:
    """The statement as a PDF or XLSX file, in memory (small statements)."""
    with tempfile.TemporaryFile() as file:
        render_to(statement, fmt, file)
        file.seek(0)
        return file.read()


def render_to(statement: Statement, fmt: str, file: IO[bytes]) -> None:
    """Write the statement as a PDF or XLSX file to `file` (binary, seekable). The XLSX
    is streamed (a million-line ledger never held whole); a PDF is written in one piece."""
    try:
        if fmt == PDF:
            from reports.render.pdf import render_pdf

            file.write(render_pdf(statement))
            return
        from reports.render.xlsx import write_xlsx
    except ImportError as exc:
        raise StatementError(RENDERER_MISSING.format(format=fmt.upper(), detail=exc)) from exc
    write_xlsx(statement, file)


def statement_file_name(options: StatementOptions, kind: str, fmt: str, subject: str = "") -> str:
    """CINTRA_trial-balance_2025_en_SGD.pdf; any other period (inside a year or across
    years) is written 20250101-20250630; a partner or grant statement names its partner
    or grant, a third-party statement asked for one third party names it."""
    period = (
        str(options.fiscal_year.year)
        if options.whole_year
        else f"{options.date_from:%Y%m%d}-{options.date_to:%Y%m%d}"
    )
    parts = [options.lab.code, kind, period]
    if subject:
        parts.append("".join(c if c.isalnum() or c in "-." else "-" for c in subject))
    parts += [options.language, options.currency]
    return "_".join(parts) + f".{fmt}"
