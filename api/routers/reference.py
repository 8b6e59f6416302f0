"""The labs the caller may read and their reference data: chart of accounts, journals,
fiscal years and months, and the office's exchange rates."""

from datetime import date

from django.http import HttpRequest
from ninja import Query, Router, Schema

from api.errors import READ_ERRORS
from api.schemas import AccountOut, FiscalYearOut, JournalOut, LabOut, PeriodOut, RateOut
from api.security import READ, auth, lab_of
from irls.access import WRITE_ROLES, labs_for_user, roles_in
from irls.models import Lab
from ledger.selectors.entry_form import lab_accounts, lab_journals
from ledger.selectors.reference import exchange_rates, fiscal_years_with_periods

router = Router(tags=["Labs and reference data"], auth=auth(READ))


def _lab_out(request: HttpRequest, lab: Lab) -> LabOut:
    roles = roles_in(request.user, lab)
    return LabOut(
        code=lab.code,
        name=lab.name,
        unit_number=lab.unit_number,
        field=lab.field,
        book_currency=lab.book_currency,
        start_date=lab.start_date,
        end_date=lab.end_date,
        status=lab.status,
        roles=roles,
        may_write=any(role in roles for role in WRITE_ROLES),
    )


@router.get("/labs", response={200: list[LabOut], **READ_ERRORS}, summary="The labs you may read")
def labs(request: HttpRequest) -> list[LabOut]:
    return [_lab_out(request, lab) for lab in labs_for_user(request.user).order_by("code")]


@router.get("/labs/{str:code}", response={200: LabOut, **READ_ERRORS}, summary="One lab")
def lab(request: HttpRequest, code: str) -> LabOut:
    return _lab_out(request, lab_of(request))


@router.get(
    "/labs/{str:code}/accounts",
    response={200: list[AccountOut], **READ_ERRORS},
    summary="The lab's chart of accounts",
)
def accounts(request: HttpRequest, code: str) -> list[AccountOut]:
    return [AccountOut.from_orm(account) for account in lab_accounts(lab_of(request))]


@router.get(
    "/labs/{str:code}/journals",
    response={200: list[JournalOut], **READ_ERRORS},
    summary="The lab's journals",
)
def journals(request: HttpRequest, code: str) -> list[JournalOut]:
    return [JournalOut.from_orm(journal) for journal in lab_journals(lab_of(request))]


@router.get(
    "/labs/{str:code}/years",
    response={200: list[FiscalYearOut], **READ_ERRORS},
    summary="The lab's fiscal years and their months, open or closed",
)
def years(request: HttpRequest, code: str) -> list[FiscalYearOut]:
    return [
        FiscalYearOut(
            year=year.year,
            start_date=year.start_date,
            end_date=year.end_date,
            status=year.status,
            periods=[PeriodOut.from_orm(period) for period in year.periods.all()],
        )
        for year in fiscal_years_with_periods(lab_of(request))
    ]


class RateFilters(Schema):
    currency: str | None = None
    date_from: date | None = None
    date_to: date | None = None


@router.get(
    "/rates",
    response={200: list[RateOut], **READ_ERRORS},
    summary="The office's exchange rates (units of the currency for 1 EUR), by date",
)
def rates(request: HttpRequest, filters: Query[RateFilters]) -> list[RateOut]:
    return [
        RateOut.from_orm(rate)
        for rate in exchange_rates(
            currency=filters.currency, date_from=filters.date_from, date_to=filters.date_to
        )
    ]
