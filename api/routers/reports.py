"""Figures and files: account balances (the trial balance's figures), budget execution
(the director's page), statements issued, archived and downloaded, and the verification
of the lab's hash chain."""

from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from api.errors import WRITE_ERRORS, ApiError
from api.idempotency import idempotent
from api.responses import json_response
from api.schemas import (
    BalanceOut,
    BalancesOut,
    BudgetFiguresOut,
    BudgetLineOut,
    BudgetOut,
    CommitmentOut,
    JobOut,
    StatementIn,
    StatementOut,
    VerifyOut,
)
from api.security import READ, auth, lab_of
from irls.access import READ_ROLES, has_role
from irls.models import Role
from jobs.services import job_enqueue_statement
from ledger.selectors.books import ledger_verify
from ledger.selectors.budget import BudgetFigures, budget_execution
from ledger.selectors.reference import (
    lab_commitments,
    lab_fiscal_year,
    lab_fiscal_year_before,
)
from reports.builders.common import Figures, month_rates, statement_options
from reports.builders.trial_balance import trial_balance_figures
from reports.downloads import statement_attachment
from reports.forms import StatementForm
from reports.models import IssuedStatement
from reports.selectors import issued_statement_for_user_or_404, issued_statements
from reports.services import (
    CONTENT_TYPES,
    statement_download,
    statement_issue,
    statement_size,
)

router = Router(tags=["Figures and statements"])
ERRORS = WRITE_ERRORS
NO_YEAR = _("{lab} has no fiscal year {year}.")
INVALID_STATEMENT = _("The statement asked for is not valid: see the fields named.")
VERIFY_WAIT = _("One verification every {seconds} seconds: it reads every posted entry.")
CHAIN_HOLDS = _("{lab}: the hash chain holds over its {entries} posted entries.")
CHAIN_ALTERED = _("{lab}: altered at {number}: {reason}")
# Who verifies the chain: the audit workspace's people (directors read budgets).
VERIFY_ROLES = READ_ROLES - {Role.DIRECTOR}


class BalanceFilters(Schema):
    year: int | None = Field(None, ge=1900, le=2999, description="A fiscal year, or the dates")
    date_from: date | None = None
    date_to: date | None = Field(None, description="The balances at this date")
    currency: str | None = Field(None, min_length=3, max_length=3, description="Book or EUR")


def _balance(code: str, name_fr: str, name_en: str, figures: Figures) -> BalanceOut:
    return BalanceOut(
        account=code,
        name_fr=name_fr,
        name_en=name_en,
        opening=figures.opening,
        debit=figures.debit,
        credit=figures.credit,
        closing=figures.closing,
    )


@router.get(
    "/labs/{str:code}/balances",
    response={200: BalancesOut, **ERRORS},
    auth=auth(READ),
    summary="Account balances over a period or at a date: the trial balance's figures",
)
def balances(request: HttpRequest, code: str, filters: Query[BalanceFilters]) -> BalancesOut:
    lab = lab_of(request)
    year, date_from, date_to = filters.year, filters.date_from, filters.date_to
    if year is None and date_from is None:
        # At a date (today by default): from the start of its fiscal year, or of the
        # last one begun by then.
        at = date_to or timezone.localdate()
        fiscal_year = lab_fiscal_year(lab, at) or lab_fiscal_year_before(lab, at)
        if fiscal_year is not None:
            date_from = fiscal_year.start_date
            date_to = min(at, fiscal_year.end_date) if date_to is None else date_to
    options = statement_options(
        lab=lab,
        year=year,
        date_from=date_from,
        date_to=date_to,
        currency=filters.currency,
        across_years=True,
    )
    rows = trial_balance_figures(options, month_rates(options))
    total = sum((figures for _account, figures in rows), Figures())
    return BalancesOut(
        lab=lab.code,
        date_from=options.date_from,
        date_to=options.date_to,
        currency=options.currency,
        accounts=[_balance(a.code, a.name_fr, a.name_en, f) for a, f in rows],
        total=_balance("", "Total", "Total", total),
    )


def _figures(figures: BudgetFigures | None) -> BudgetFiguresOut | None:
    if figures is None:
        return None
    return BudgetFiguresOut(
        allocated=figures.allocated,
        amendments=figures.amendments,
        budget=figures.budget,
        committed=figures.committed,
        spent=figures.spent,
        available=figures.available,
    )


class CommitmentFilters(Schema):
    year: int | None = Field(None, ge=1900, le=2999)
    status: str | None = Field(None, max_length=20)


@router.get(
    "/labs/{str:code}/commitments",
    response={200: list[CommitmentOut], **ERRORS},
    auth=auth(READ),
    summary="The lab's commitments (purchase and mission orders): amount, invoiced, open",
)
def commitments(
    request: HttpRequest, code: str, filters: Query[CommitmentFilters]
) -> list[CommitmentOut]:
    return [
        CommitmentOut(
            id=c.pk,
            kind=c.kind,
            reference=c.reference,
            third_party=c.third_party,
            label=c.label,
            budget_line=c.budget_line.code,
            year=c.budget_line.fiscal_year.year,
            date=c.date,
            amount=c.amount,
            settled=c.settled,
            open_amount=c.open_amount,
            status=c.status,
        )
        for c in lab_commitments(lab_of(request), year=filters.year, status=filters.status)
    ]


@router.get(
    "/labs/{str:code}/budget/{int:year}",
    response={200: BudgetOut, **ERRORS},
    auth=auth(READ),
    summary="Budget execution of a fiscal year: the figures of the budget page",
)
def budget(request: HttpRequest, code: str, year: int) -> BudgetOut:
    lab = lab_of(request)
    fiscal_year = lab_fiscal_year(lab, year=year)
    if fiscal_year is None:
        raise ApiError(404, "not_found", NO_YEAR.format(lab=lab.code, year=year), "year")
    execution = budget_execution(lab=lab, fiscal_year=fiscal_year, on=timezone.localdate())
    book_total = _figures(execution.total_book)
    assert book_total is not None
    return BudgetOut(
        lab=lab.code,
        year=execution.year,
        book_currency=execution.book_currency,
        lines=[
            BudgetLineOut(
                code=row.code,
                label_fr=row.label_fr,
                label_en=row.label_en,
                funding_source=row.funding_source,
                envelope=row.envelope,
                nature=row.nature,
                policy=row.policy,
                book=_figures(row.book),  # type: ignore[arg-type]
                eur=_figures(row.eur),
            )
            for row in execution.lines
        ],
        total_book=book_total,
        total_eur=_figures(execution.total_eur),
    )


def _statement_out(issued: IssuedStatement) -> StatementOut:
    lab_code = issued.lab.code
    return StatementOut(
        id=issued.pk,
        kind=issued.kind,
        format=issued.format,
        file_name=issued.file_name,
        size=issued.size,
        sha256=issued.sha256,
        chain_length=issued.chain_length,
        chain_head=issued.chain_head,
        issued_at=issued.issued_at,
        issued_by=issued.issued_by.get_username() if issued.issued_by else None,
        parameters={k: str(v) for k, v in (issued.parameters or {}).items()},
        download=reverse(
            "api:statement_file", kwargs={"code": lab_code, "statement_id": issued.pk}
        ),
    )


class Page(Schema):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10**6)


@router.get(
    "/labs/{str:code}/statements",
    response={200: list[StatementOut], **ERRORS},
    auth=auth(READ),
    summary="The lab's archive of issued statements, latest first",
)
def statements(request: HttpRequest, code: str, page: Query[Page]) -> list[StatementOut]:
    found = issued_statements(lab=lab_of(request)).order_by("-issued_at", "-id")
    return [_statement_out(s) for s in found[page.offset : page.offset + page.limit]]


@router.post(
    "/labs/{str:code}/statements",
    response={201: StatementOut, 202: JobOut, **ERRORS},
    auth=auth(READ),
    summary="Issue a statement (PDF, XLSX or the FEC), archived with its sha256",
    description=(
        "The statement page's rules. A large one goes to a background worker: the answer "
        "is then 202 with the job, whose page shows its progress and then the file."
    ),
)
@idempotent
def statement_request(request: HttpRequest, code: str, payload: StatementIn) -> HttpResponse:
    lab = lab_of(request)
    data = {k: ("" if v is None else v) for k, v in payload.model_dump().items()}
    data["currency"] = data["currency"] or lab.book_currency
    form = StatementForm(data, lab=lab)
    if not form.is_valid():
        errors = [
            (name if name != "__all__" else "", str(message))
            for name, messages in form.errors.items()
            for message in messages
        ]
        field = errors[0][0] if len(errors) == 1 else None
        raise ApiError(422, "invalid", INVALID_STATEMENT, field, errors)
    options = form.statement_options()
    user = request.user
    if statement_size(lab=lab, **options) > settings.JOBS_STATEMENT_LINES:
        job = job_enqueue_statement(acting_user=user, lab=lab, options=options)  # type: ignore[arg-type]
        page = reverse("jobs:job", kwargs={"code": lab.code, "job_id": job.pk})
        return json_response(request, JobOut(id=job.pk, status=job.status, page=page), 202)
    issued = statement_issue(acting_user=user, lab=lab, **options)  # type: ignore[arg-type]
    return json_response(request, _statement_out(issued), 201)


@router.get(
    "/labs/{str:code}/statements/{int:statement_id}",
    response={200: StatementOut, **ERRORS},
    auth=auth(READ),
    summary="One archived statement's record",
)
def statement(request: HttpRequest, code: str, statement_id: int) -> StatementOut:
    issued = issued_statement_for_user_or_404(
        request.user, lab=lab_of(request), statement_id=statement_id
    )
    return _statement_out(issued)


@router.get(
    "/labs/{str:code}/statements/{int:statement_id}/file",
    response={200: bytes, **ERRORS},
    auth=auth(READ),
    url_name="statement_file",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file (PDF, XLSX, or the FEC's text)",
                "content": {
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                    CONTENT_TYPES["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
                    "text/plain": {"schema": {"type": "string"}},
                },
            }
        }
    },
    summary="The archived file, byte for byte (audited as a download)",
)
def statement_file(request: HttpRequest, code: str, statement_id: int) -> HttpResponseBase:
    issued = issued_statement_for_user_or_404(
        request.user, lab=lab_of(request), statement_id=statement_id
    )
    return statement_attachment(statement_download(acting_user=request.user, issued=issued))  # type: ignore[arg-type]


@router.post(
    "/labs/{str:code}/verify",
    response={200: VerifyOut, **ERRORS},
    auth=auth(READ),
    summary="Recompute the lab's hash chain and name the first entry that does not match",
)
def verify(request: HttpRequest, code: str) -> VerifyOut:
    lab = lab_of(request)
    if not has_role(request.user, lab, VERIFY_ROLES):
        raise ApiError(403, "forbidden", _("Your roles do not allow this in this lab."))
    interval = int(getattr(settings, "AUDIT_VERIFY_INTERVAL", 0))
    if interval > 0 and not cache.add(f"audit-verify:{request.user.pk}", 1, timeout=interval):
        raise ApiError(429, "throttled", VERIFY_WAIT.format(seconds=interval))
    result = ledger_verify(lab=lab)
    if result.ok:
        message = CHAIN_HOLDS.format(lab=lab.code, entries=result.entries)
    else:
        message = CHAIN_ALTERED.format(lab=lab.code, number=result.first_bad, reason=result.reason)
    return VerifyOut(lab=lab.code, ok=result.ok, entries=result.entries, message=message)
