"""A bank account's month: /labs/<CODE>/bank/<id>/<YYYY>/<M>/ — the reconciliation page
(the bank's lines and the books' lines side by side, the suggestions, one click for the
obvious matches, matching by hand, creating the missing entries, undoing a match) and
the month's reconciliation statement (PDF or XLSX, French or English, archived).

Readers of the lab see the page; only accountants and the office head act (403 for the
others); a form that holds nothing usable answers 400 and writes nothing.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from banking.forms import EntriesForm, MatchForm, ObviousForm, StatementForm, UnmatchForm
from banking.models import BankAccount, BankMatch, BankMatchBookLine, BankMatchStatementLine
from banking.selectors import (
    DEFAULT_WINDOW,
    MAX_WINDOW,
    book_items,
    month_end,
    reconciliation_at,
    statement_items,
    suggestions,
)
from banking.services import (
    bank_entries_create,
    bank_match_create,
    bank_match_undo,
    bank_matches_confirm_obvious,
    bank_reconciliation_issue,
)
from banking.views import bank_account_or_404
from irls.access import WRITE_ROLES, has_role, lab_for_user_or_404, lab_to_act_in_or_404
from irls.models import Lab
from ledger.exceptions import LedgerError
from ledger.models import Account
from ledger.selectors import format_amount
from reports import archive
from reports.services import CONTENT_TYPES

# The lists of the page show at most this many lines each (the oldest first).
LIST_LIMIT = 1_000
MATCHES_SHOWN = 200
SUGGESTIONS_SHOWN = 300  # bank lines with their candidates; the obvious ones go in one click
BAD_WINDOW = "The date window is a number of days from 0 to 60."


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # login_required: an authenticated user


def _month_or_404(year: int, month: int) -> date:
    if not (1 <= month <= 12 and 1900 <= year <= 9998):
        raise Http404("No such month")
    return date(year, month, 1)


def _window(value: str | None) -> int:
    if not value:
        return DEFAULT_WINDOW
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_WINDOW:
        raise BadRequest(BAD_WINDOW)
    return int(value)


def _month_url(lab: Lab, bank_account: BankAccount, month: date, window: int | None = None) -> str:
    url = reverse(
        "banking:month",
        kwargs={
            "code": lab.code,
            "bank_account_id": bank_account.pk,
            "year": month.year,
            "month": month.month,
        },
    )
    return f"{url}?window={window}" if window not in (None, DEFAULT_WINDOW) else url


@dataclass(frozen=True)
class MatchView:
    match: BankMatch
    statement_lines: list[tuple[date, Decimal, str]]
    book_lines: list[tuple[date, Decimal, str, str]]  # date, amount, number, label


def _month_matches(
    bank_account: BankAccount, first: date, last: date
) -> tuple[list[MatchView], int]:
    """The matches holding a line of the month, latest first (MATCHES_SHOWN of them)."""
    ids = set(
        BankMatchStatementLine.objects.filter(
            match__bank_account=bank_account,
            statement_line__booking_date__gte=first,
            statement_line__booking_date__lte=last,
        ).values_list("match_id", flat=True)
    ) | set(
        BankMatchBookLine.objects.filter(
            match__bank_account=bank_account,
            journal_line__entry_date__gte=first,
            journal_line__entry_date__lte=last,
        ).values_list("match_id", flat=True)
    )
    shown = sorted(ids, reverse=True)[:MATCHES_SHOWN]
    matches = {m.pk: m for m in BankMatch.objects.filter(pk__in=shown).select_related("matched_by")}
    statement: dict[int, list[tuple[date, Decimal, str]]] = defaultdict(list)
    for match_id, day, amount, text in BankMatchStatementLine.objects.filter(
        match_id__in=shown
    ).values_list(
        "match_id",
        "statement_line__booking_date",
        "statement_line__amount",
        "statement_line__description",
    ):
        statement[match_id].append((day, amount, text))
    books: dict[int, list[tuple[date, Decimal, str, str]]] = defaultdict(list)
    for match_id, on, debit, credit, number, label in BankMatchBookLine.objects.filter(
        match_id__in=shown
    ).values_list(
        "match_id",
        "journal_line__entry_date",
        "journal_line__debit",
        "journal_line__credit",
        "journal_line__entry__number",
        "journal_line__entry__label",
    ):
        books[match_id].append((cast(date, on), debit - credit, number or "", label))
    views = [
        MatchView(matches[pk], sorted(statement[pk]), sorted(books[pk]))
        for pk in shown
        if pk in matches
    ]
    return views, len(ids)


def _default_account(lab: Lab, code: str) -> int | None:
    return Account.objects.filter(lab=lab, code=code).values_list("pk", flat=True).first()


def _page(
    request: HttpRequest,
    lab: Lab,
    bank_account: BankAccount,
    month: date,
    *,
    entries_form: EntriesForm | None = None,
    status: int = 200,
) -> HttpResponse:
    window = _window(request.GET.get("window"))
    first, last = month, month_end(month)
    figures = reconciliation_at(bank_account, last)
    found = suggestions(bank_account, first, last, window=window)
    grouped: dict[int, list[Any]] = defaultdict(list)
    for suggestion in found:
        grouped[suggestion.statement.id].append(suggestion)
    bank_items = statement_items(bank_account, None, last)
    books = book_items(bank_account, None, last + timedelta(days=window))
    matches, match_count = _month_matches(bank_account, first, last)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = last + timedelta(days=1)
    context = {
        "lab": lab,
        "bank_account": bank_account,
        "month": first,
        "month_end": last,
        "window": window,
        "figures": figures,
        "suggestions": [(items[0].statement, items) for items in grouped.values()][
            :SUGGESTIONS_SHOWN
        ],
        "suggestions_more": max(0, len(grouped) - SUGGESTIONS_SHOWN),
        "obvious": sum(1 for s in found if s.obvious),
        "bank_items": bank_items[:LIST_LIMIT],
        "bank_more": max(0, len(bank_items) - LIST_LIMIT),
        "book_items": books[:LIST_LIMIT],
        "book_more": max(0, len(books) - LIST_LIMIT),
        "matches": matches,
        "match_count": match_count,
        "entries_form": entries_form
        or EntriesForm(lab=lab, initial={"account": _default_account(lab, "627")}),
        "statement_form": StatementForm(initial={"language": "fr", "format": "pdf"}),
        "may_write": has_role(request.user, lab, WRITE_ROLES),
        "previous": _month_url(lab, bank_account, previous, window),
        "next": _month_url(lab, bank_account, following, window),
    }
    return render(request, "banking/month.html", context, status=status)


def _lab_account_month(
    request: HttpRequest, code: str, bank_account_id: int, year: int, month: int, *, act: bool
) -> tuple[Lab, BankAccount, date]:
    lab = (
        lab_to_act_in_or_404(request.user, code) if act else lab_for_user_or_404(request.user, code)
    )
    return lab, bank_account_or_404(lab, bank_account_id), _month_or_404(year, month)


@login_required
@require_GET
def month_page(
    request: HttpRequest, code: str, bank_account_id: int, year: int, month: int
) -> HttpResponse:
    lab, bank_account, first = _lab_account_month(
        request, code, bank_account_id, year, month, act=False
    )
    return _page(request, lab, bank_account, first)


def _invalid(
    request: HttpRequest, form: forms.Form, lab: Lab, bank_account: BankAccount, month: date
) -> HttpResponse:
    """The month's page again, 400, saying what the form lacked; nothing written."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))
    entries_form = form if isinstance(form, EntriesForm) else None
    return _page(request, lab, bank_account, month, entries_form=entries_form, status=400)


def _done(request: HttpRequest, action: Any, done: Any) -> None:
    try:
        result = action()
    except LedgerError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done(result))


@login_required
@require_POST
def month_obvious(
    request: HttpRequest, code: str, bank_account_id: int, year: int, month: int
) -> HttpResponse:
    """Confirm every obvious match of the month at once."""
    lab, bank_account, first = _lab_account_month(
        request, code, bank_account_id, year, month, act=True
    )
    form = ObviousForm(request.POST)
    window = DEFAULT_WINDOW
    if not form.is_valid():
        return _invalid(request, form, lab, bank_account, first)
    window = form.cleaned_data["window"] if form.cleaned_data["window"] is not None else window
    _done(
        request,
        lambda: bank_matches_confirm_obvious(
            acting_user=_user(request),
            bank_account=bank_account,
            date_from=first,
            date_to=month_end(first),
            window=window,
        ),
        lambda count: (
            ngettext(
                "%(count)d obvious match confirmed.", "%(count)d obvious matches confirmed.", count
            )
            % {"count": count}
        ),
    )
    return redirect(_month_url(lab, bank_account, first, window))


@login_required
@require_POST
def month_match(
    request: HttpRequest, code: str, bank_account_id: int, year: int, month: int
) -> HttpResponse:
    """Match the selected statement lines with the selected book lines (totals equal)."""
    lab, bank_account, first = _lab_account_month(
        request, code, bank_account_id, year, month, act=True
    )
    form = MatchForm(request.POST)
    back = _month_url(lab, bank_account, first)
    if not form.is_valid():
        return _invalid(request, form, lab, bank_account, first)
    kind = BankMatch.Kind.SUGGESTED if form.cleaned_data["kind"] == "suggested" else None
    _done(
        request,
        lambda: bank_match_create(
            acting_user=_user(request),
            bank_account=bank_account,
            statement_line_ids=form.statement_ids,
            book_line_ids=form.book_ids,
            kind=kind or BankMatch.Kind.MANUAL,
        ),
        lambda match: (
            _("The lines are matched (%(amount)s).") % {"amount": format_amount(match.amount)}
        ),
    )
    return redirect(back)


@login_required
@require_POST
def month_entries(
    request: HttpRequest, code: str, bank_account_id: int, year: int, month: int
) -> HttpResponse:
    """Create, post and match the entries of the selected statement lines."""
    lab, bank_account, first = _lab_account_month(
        request, code, bank_account_id, year, month, act=True
    )
    form = EntriesForm(request.POST, lab=lab)
    back = _month_url(lab, bank_account, first)
    if not form.is_valid():
        return _invalid(request, form, lab, bank_account, first)
    _done(
        request,
        lambda: bank_entries_create(
            acting_user=_user(request),
            bank_account=bank_account,
            statement_line_ids=form.statement_ids,
            account=form.cleaned_data["account"],
            budget_line=form.cleaned_data["budget_line"],
            label=form.cleaned_data["label"],
        ),
        lambda entries: (
            ngettext(
                "%(count)d entry posted and matched: %(numbers)s.",
                "%(count)d entries posted and matched: %(numbers)s.",
                len(entries),
            )
            % {"count": len(entries), "numbers": ", ".join(str(e.number) for e in entries)}
        ),
    )
    return redirect(back)


@login_required
@require_POST
def month_unmatch(
    request: HttpRequest, code: str, bank_account_id: int, year: int, month: int
) -> HttpResponse:
    """Undo a match (its lines are unmatched again); audited with the reason given."""
    lab, bank_account, first = _lab_account_month(
        request, code, bank_account_id, year, month, act=True
    )
    form = UnmatchForm(request.POST)
    back = _month_url(lab, bank_account, first)
    if not form.is_valid():
        return _invalid(request, form, lab, bank_account, first)
    _done(
        request,
        lambda: bank_match_undo(
            acting_user=_user(request),
            bank_account=bank_account,
            match_id=form.cleaned_data["match"],
            reason=form.cleaned_data["reason"],
        ),
        lambda _none: _("The match is undone: its lines wait to be matched again."),
    )
    return redirect(back)


@login_required
@require_POST
def month_statement(
    request: HttpRequest, code: str, bank_account_id: int, year: int, month: int
) -> HttpResponse:
    """The month's reconciliation statement, issued, archived and handed out."""
    lab, bank_account, first = _lab_account_month(
        request, code, bank_account_id, year, month, act=False
    )
    form = StatementForm(request.POST)
    if not form.is_valid():
        return _invalid(request, form, lab, bank_account, first)
    try:
        issued = bank_reconciliation_issue(
            acting_user=_user(request),
            bank_account=bank_account,
            month=first,
            language=form.cleaned_data["language"],
            format=form.cleaned_data["format"],
        )
    except LedgerError as error:
        messages.error(request, str(error))
        return redirect(_month_url(lab, bank_account, first))
    response = HttpResponse(
        b"".join(archive.archive_chunks(issued)), content_type=CONTENT_TYPES[issued.format]
    )
    response["Content-Disposition"] = (
        content_disposition_header(True, issued.file_name) or "attachment"
    )
    response["Cache-Control"] = "no-store"
    response["X-Statement-SHA256"] = issued.sha256
    return response
