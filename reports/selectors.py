"""Reads of the statement archive: a lab's issued statements, and the check of a file in
hand against it (was it issued here, when, for whom, and have the books moved since)."""

import hashlib
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from irls.access import UserLike, labs_for_user
from irls.models import FundingSource, Institution, Lab
from ledger.models import FiscalYear, JournalEntry, JournalLine, LedgerChain
from reports.models import IssuedStatement


def issued_statements(*, lab: Lab) -> QuerySet[IssuedStatement]:
    """The statements issued for `lab`, latest first, without their bytes."""
    return IssuedStatement.objects.filter(lab=lab).defer("content").select_related("issued_by")


def issued_statement_for_user_or_404(
    user: UserLike, *, lab: Lab, statement_id: int
) -> IssuedStatement:
    """Statement `statement_id` of `lab`, if `user` may read that lab; Http404 otherwise,
    whether it exists or not. Without its bytes: they are read in chunks
    (reports.archive.archive_chunks)."""
    return get_object_or_404(
        IssuedStatement.objects.select_related("lab", "issued_by").defer("content"),
        pk=statement_id,
        lab=lab,
        lab__in=labs_for_user(user),
    )


def statement_line_count(*, lab: Lab, date_from: date, date_to: date) -> int:
    """The posted lines of `lab` dated in the period: a statement's size (one count,
    read from the lines' balance index)."""
    return JournalLine.objects.filter(
        lab=lab, entry_date__gte=date_from, entry_date__lte=date_to
    ).count()


def ledger_chain_state(*, lab: Lab) -> tuple[int, str]:
    """The lab's hash chain now: (posted entries in it, hash of the last one)."""
    state = LedgerChain.objects.filter(lab=lab).values_list("length", "head_hash").first()
    return state if state is not None else (0, "")


def lab_partner_codes(*, lab: Lab) -> list[str]:
    """The institutions a partner statement of `lab` may be issued for: its partners and
    the funders of its funding sources, by code."""
    return list(
        Institution.objects.filter(Q(partnerships__lab=lab) | Q(funded__lab=lab))
        .distinct()
        .order_by("code")
        .values_list("code", flat=True)
    )


def year_grant_codes(*, fiscal_year: FiscalYear) -> list[str]:
    """The funding sources of the lab running during `fiscal_year`, by code."""
    return list(
        FundingSource.objects.filter(
            lab_id=fiscal_year.lab_id, start_date__lte=fiscal_year.end_date
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=fiscal_year.start_date))
        .order_by("code")
        .values_list("code", flat=True)
    )


@dataclass(frozen=True)
class StatementCheck:
    """What the archive says of a file: issued here or not, and the books since."""

    sha256: str
    size: int
    issued: IssuedStatement | None = None
    times_issued: int = 0
    entries_since: int = 0  # posted entries of the lab since the file was issued
    altered: bool = False  # the chain no longer passes through the head recorded at issue

    @property
    def found(self) -> bool:
        return self.issued is not None

    @property
    def ledger_changed(self) -> bool:
        return self.entries_since != 0 or self.altered

    @property
    def message(self) -> str:
        """The verdict in one sentence (English; the page words it in the reader's language)."""
        if self.issued is None:
            return "This file was not issued by IRL Ledger: no statement has its sha256."
        issued = self.issued
        text = (
            f"Issued by IRL Ledger on {issued.issued_at:%Y-%m-%d %H:%M} for {issued.lab.code}"
            f" ({issued.kind}, {issued.file_name}), by "
            f"{issued.issued_by.get_username() if issued.issued_by else 'the system'}."
        )
        if self.altered:
            return text + " The books were ALTERED since: the hash chain no longer matches."
        if self.entries_since:
            return text + f" The ledger has changed since: {self.entries_since} entries posted."
        return text + " The ledger has not changed since."


def statement_check(*, data: bytes, labs: QuerySet[Lab] | None = None) -> StatementCheck:
    """Whether `data` is exactly a statement the project issued (by sha256, within `labs`
    when given), and whether the lab's ledger has changed since."""
    digest = hashlib.sha256(data).hexdigest()
    matches = IssuedStatement.objects.filter(sha256=digest).defer("content")
    if labs is not None:
        matches = matches.filter(lab__in=labs)
    first = matches.select_related("lab", "issued_by").order_by("issued_at", "id").first()
    if first is None:
        return StatementCheck(digest, len(data))
    chain = LedgerChain.objects.filter(lab=first.lab).first()
    length = chain.length if chain is not None else 0
    return StatementCheck(
        sha256=digest,
        size=len(data),
        issued=first,
        times_issued=matches.count(),
        entries_since=length - first.chain_length,
        altered=not _chain_passes_through(first),
    )


def _chain_passes_through(issued: IssuedStatement) -> bool:
    """True when the entry that was the chain's head at issue still carries that hash."""
    if issued.chain_length == 0:
        return True
    head = (
        JournalEntry.objects.filter(lab=issued.lab, chain_index=issued.chain_length)
        .values_list("hash", flat=True)
        .first()
    )
    return head == issued.chain_head
