"""The accountant's entry pages: record (and change) a draft, read an entry, post it,
reverse it with a date and a reason, delete a draft.

Thin: the lab is looked up inside the labs the user may read and the entry inside the
lab (another lab's entry answers 404); writing needs the accountant's or the office
head's role (403); the services check everything again, and their refusals come back
as messages in the accountant's words (never a constraint's name).
"""

from datetime import date
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from irls.access import WRITE_ROLES, has_role, lab_for_user_or_404, lab_to_act_in_or_404
from irls.models import Lab
from ledger.audit.readable import readable_events
from ledger.exceptions import LedgerError
from ledger.forms import (
    EntryHeaderForm,
    LineChoices,
    blank_lines,
    initial_lines,
    line_formset,
)
from ledger.models import JournalEntry
from ledger.selectors.audit import AuditScope
from ledger.selectors.documents import entry_documents
from ledger.selectors.entry_form import (
    default_reversal_date,
    entry_detail,
    entry_in_lab_or_none,
    form_data,
)
from ledger.services import (
    entry_create_draft,
    entry_delete_draft,
    entry_post,
    entry_reverse,
    entry_update_draft,
)
from ledger.services.budget import posting_budget_effects
from ledger.templatetags.ledger_format import amount

SAVE, POST = "save", "post"


class ReverseForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("Date of the reversal"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        error_messages={
            "required": gettext_lazy("Say why it is reversed: the reason is kept with the entry.")
        },
    )


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # login_required: an authenticated user


def _writer_lab(request: HttpRequest, code: str) -> Lab:
    return lab_to_act_in_or_404(request.user, code)


def _entry_or_404(lab: Lab, entry_id: int) -> JournalEntry:
    entry = entry_in_lab_or_none(lab, entry_id)
    if entry is None:
        raise Http404("No such entry")
    return entry


def _entry_url(entry: JournalEntry) -> str:
    return reverse("ledger:entry", kwargs={"code": entry.lab.code, "entry_id": entry.pk})


# -- the form ------------------------------------------------------------------------------


def _form_page(
    request: HttpRequest,
    lab: Lab,
    header: EntryHeaderForm,
    lines: Any,
    choices: LineChoices,
    entry: JournalEntry | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "lab": lab,
        "entry": entry,
        "header": header,
        "lines": lines,
        "account_options": choices.account_options(),
        "third_party_options": choices.third_party_options(),
        **choices.select_options(),
        "form_data": form_data(lab, choices.budget_line_values()),
        "today": timezone.localdate(),
    }
    return render(request, "ledger/entries/form.html", context, status=status)


def _save(
    request: HttpRequest,
    lab: Lab,
    header: EntryHeaderForm,
    lines: Any,
    entry: JournalEntry | None,
) -> JournalEntry:
    data = header.cleaned_data
    fields = {
        "journal": data["journal"],
        "date": data["date"],
        "label": data["label"],
        "piece_ref": data.get("piece_ref") or "",
        "piece_date": data.get("piece_date"),
    }
    if entry is None:
        return entry_create_draft(
            acting_user=_user(request),
            lab=lab,
            lines=lines.line_inputs(),
            round_conversion=True,
            **fields,
        )
    return entry_update_draft(
        acting_user=_user(request),
        entry=entry,
        lines=lines.line_inputs(),
        round_conversion=True,
        **fields,
    )


def _post_from_form(request: HttpRequest, entry: JournalEntry) -> None:
    """Post the saved draft; a 'warn' overspending is said first (the draft waits on
    its page with the excess), a refusal leaves the draft with the reason."""
    warn = [e for e in _budget_effects(entry) if e.excess and e.budget_line.policy == "warn"]
    if warn and not request.POST.get("confirm_overspend"):
        messages.warning(
            request,
            _(
                "Saved as a draft, not posted: posting it overspends %(lines)s. Post it from "
                "this page if that is intended."
            )
            % {"lines": _excess_text(warn, entry.lab)},
        )
        return
    try:
        posted = entry_post(acting_user=_user(request), entry=entry)
    except LedgerError as error:
        messages.error(request, _("Saved as a draft, not posted: %(reason)s") % {"reason": error})
        return
    messages.success(request, _("Entry %(number)s posted.") % {"number": posted.number})


def _edit(request: HttpRequest, lab: Lab, entry: JournalEntry | None) -> HttpResponse:
    choices = LineChoices(lab, _user(request))
    if request.method == "POST":
        header = EntryHeaderForm(request.POST, lab=lab)
        lines = line_formset(lab, choices, data=request.POST)
        if header.is_valid() and lines.is_valid():
            try:
                with transaction.atomic():
                    saved = _save(request, lab, header, lines, entry)
            except LedgerError as error:
                messages.error(request, str(error))
            else:
                if request.POST.get("action") == POST:
                    _post_from_form(request, saved)
                else:
                    messages.success(request, _("Draft saved."))
                return redirect(_entry_url(saved))
        return _form_page(request, lab, header, lines, choices, entry, status=400)
    if entry is None:
        header = EntryHeaderForm(lab=lab, initial={"date": timezone.localdate()})
        lines = line_formset(lab, choices, initial=blank_lines(lab.book_currency))
    else:
        header = EntryHeaderForm(
            lab=lab,
            initial={
                "journal": entry.journal_id,
                "date": entry.date,
                "label": entry.label,
                "piece_ref": entry.piece_ref,
                "piece_date": entry.piece_date,
            },
        )
        lines = line_formset(lab, choices, initial=initial_lines(entry, lab.book_currency))
    return _form_page(request, lab, header, lines, choices, entry)


@login_required
@require_http_methods(["GET", "POST"])
def entry_new(request: HttpRequest, code: str) -> HttpResponse:
    """A new entry of the lab, saved as a draft or posted at once."""
    return _edit(request, _writer_lab(request, code), None)


@login_required
@require_http_methods(["GET", "POST"])
def entry_edit(request: HttpRequest, code: str, entry_id: int) -> HttpResponse:
    """Change a draft (a posted entry is never changed: its page offers the reversal)."""
    lab = _writer_lab(request, code)
    entry = _entry_or_404(lab, entry_id)
    if entry.status != JournalEntry.Status.DRAFT:
        messages.error(request, _("A posted entry is never changed: reverse it instead."))
        return redirect(_entry_url(entry))
    return _edit(request, lab, entry)


# -- the entry page ------------------------------------------------------------------------


def _budget_effects(entry: JournalEntry) -> list[Any]:
    lines = entry.lines.values("budget_line_id", "commitment_id", "debit", "credit")
    try:
        return posting_budget_effects(list(lines))
    except LedgerError:
        return []  # a commitment no longer invoiceable: the posting says so


def _excess_text(effects: list[Any], lab: Lab) -> str:
    return ", ".join(
        _("%(code)s by %(excess)s %(currency)s")
        % {"code": e.budget_line.code, "excess": amount(e.excess), "currency": lab.book_currency}
        for e in effects
    )


def _page(
    request: HttpRequest,
    lab: Lab,
    entry: JournalEntry,
    reverse_form: ReverseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    detail = entry_detail(entry)
    may_write = has_role(request.user, lab, WRITE_ROLES)
    today = timezone.localdate()
    if reverse_form is None:
        reverse_form = ReverseForm(initial={"date": default_reversal_date(lab, entry, today)})
    effects = _budget_effects(entry) if entry.status == JournalEntry.Status.DRAFT else []
    documents = list(entry_documents(entry))
    context = {
        "lab": lab,
        "entry": entry,
        "detail": detail,
        "history": readable_events(detail.history, AuditScope((lab,), False)),
        "may_write": may_write,
        "reverse_form": reverse_form,
        "effects": effects,
        "documents": documents,
        "today": today,
    }
    return render(request, "ledger/entries/page.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def entry(request: HttpRequest, code: str, entry_id: int) -> HttpResponse:
    """An entry: its lines and totals, links, documents, history; Post, Reverse, Edit."""
    lab = lab_for_user_or_404(request.user, code)
    return _page(request, lab, _entry_or_404(lab, entry_id))


@login_required
@require_POST
def entry_post_view(request: HttpRequest, code: str, entry_id: int) -> HttpResponse:
    """Post a draft from its page (its overspending was shown on the page)."""
    lab = _writer_lab(request, code)
    # The service reads and locks the entry itself: here only whether it is the lab's.
    entry = JournalEntry.objects.filter(lab=lab, pk=entry_id).only("pk").first()
    if entry is None:
        raise Http404("No such entry")
    try:
        posted = entry_post(acting_user=_user(request), entry=entry)
    except LedgerError as error:
        messages.error(request, str(error))
        return _page(request, lab, _entry_or_404(lab, entry_id), status=400)
    messages.success(request, _("Entry %(number)s posted.") % {"number": posted.number})
    return redirect(_entry_url(posted))


@login_required
@require_POST
def entry_reverse_view(request: HttpRequest, code: str, entry_id: int) -> HttpResponse:
    """Reverse a posted entry on the day and for the reason given."""
    lab = _writer_lab(request, code)
    entry = _entry_or_404(lab, entry_id)
    form = ReverseForm(request.POST)
    if not form.is_valid():
        return _page(request, lab, entry, form, status=400)
    on: date = form.cleaned_data["date"]
    try:
        reversal = entry_reverse(
            acting_user=_user(request),
            entry=entry,
            date=on,
            reason=form.cleaned_data["reason"],
        )
    except LedgerError as error:
        form.add_error(None, str(error))
        return _page(request, lab, entry, form, status=400)
    messages.success(
        request,
        _("Entry %(number)s reversed by %(reversal)s.")
        % {"number": entry.number, "reversal": reversal.number},
    )
    return redirect(_entry_url(reversal))


@login_required
@require_POST
def entry_delete_view(request: HttpRequest, code: str, entry_id: int) -> HttpResponse:
    """Delete a draft (audited); a posted entry is refused."""
    lab = _writer_lab(request, code)
    entry = _entry_or_404(lab, entry_id)
    try:
        entry_delete_draft(acting_user=_user(request), entry=entry)
    except LedgerError as error:
        messages.error(request, str(error))
        return _page(request, lab, entry, status=400)
    messages.success(request, _("Draft deleted."))
    return redirect("ledger:entries", code=lab.code)
