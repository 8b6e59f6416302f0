"""The Entries list of a lab, and its XLSX export: for the accountants, also read by the
lab's director and auditor.

Thin: look the lab up inside the labs the user may read (404 otherwise), read the
filters from the query string (a journal, account, batch or budget line of another lab
answers 404, as if it did not exist; a value of the wrong shape answers 400 with the
reason, and no entry), call the selector, render. Nothing here writes.
"""

import tempfile
from collections.abc import Iterable
from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.validators import RegexValidator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from irls.access import WRITE_ROLES, has_role, lab_for_user_or_404
from irls.models import Lab
from ledger.entry_list_xlsx import MAX_ROWS, entry_list_xlsx
from ledger.models import Account, BudgetLine, ImportBatch, Journal, JournalEntry
from ledger.selectors.entry_list import (
    Cursor,
    EntryFilters,
    amount_typed,
    entry_list_page,
    entry_rows_all,
    entry_totals,
)

BAD_REQUEST = 400
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Keeps the export in memory up to this size, in a temporary file beyond.
SPOOL_BYTES = 8 * 1024 * 1024
ALL = gettext_lazy("All")
NOT_AN_AMOUNT = gettext_lazy("Give an amount, such as 1 000,50 or 1,000.50.")
NOT_A_MONTH = gettext_lazy("Give a month as YYYY-MM, such as 2025-03.")
AMOUNTS_REVERSED = gettext_lazy("The smallest amount is above the largest.")
NOT_IN_LAB = gettext_lazy("This lab has no such choice.")
# The filters naming an object of the lab: another lab's id is "no such object" (404).
LAB_OBJECTS = ("journal", "account", "batch", "budget_line")
CHOICES = (*LAB_OBJECTS, "status")
ENTRY_SENTINEL = 987654321


def _lab_choice(label: Any) -> forms.IntegerField:
    """A choice among the lab's own objects, by id (checked against the lab's choices)."""
    return forms.IntegerField(label=label, required=False, min_value=1)


class EntryFilterForm(forms.Form):
    """The list's filters, read from the query string; choices are the lab's own, read
    as plain values (four queries) and written out as options without widget templates
    (a chart of accounts is a few hundred options)."""

    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("A number, piece reference, label or amount"),
    )
    journal = _lab_choice(pgettext_lazy("entries filter", "Journal"))
    month = forms.CharField(
        label=gettext_lazy("Month"),
        required=False,
        validators=[RegexValidator(r"^[0-9]{4}-(0[1-9]|1[0-2])$", NOT_A_MONTH)],
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", ALL), *JournalEntry.Status.choices],
    )
    account = _lab_choice(pgettext_lazy("entries filter", "Account"))
    third_party = forms.CharField(label=gettext_lazy("Third party"), required=False, max_length=40)
    amount_min = forms.CharField(label=gettext_lazy("Total from"), required=False, max_length=30)
    amount_max = forms.CharField(label=gettext_lazy("Total up to"), required=False, max_length=30)
    batch = _lab_choice(gettext_lazy("Import batch"))
    budget_line = _lab_choice(pgettext_lazy("entries filter", "Budget line"))

    def __init__(self, data: QueryDict, *, lab: Lab) -> None:
        super().__init__(data)
        self.lab = lab
        self.language = get_language() or "en"
        self.lab_choices: dict[str, dict[int, str]] = {}
        name = "name_fr" if self.language.startswith("fr") else "name_en"
        journals = Journal.objects.filter(lab=lab).order_by("code")
        self._choices("journal", (j for j in journals.values_list("pk", "code", name)))
        accounts = Account.objects.filter(lab=lab).order_by("code")
        self._choices("account", (a for a in accounts.values_list("pk", "code", name)))
        batches = ImportBatch.objects.filter(
            lab=lab, kind=ImportBatch.Kind.JOURNAL, result=ImportBatch.Result.IMPORTED
        ).order_by("-created_at", "-id")
        self._choices(
            "batch",
            (
                (pk, file_name, f"{timezone.localtime(at):%Y-%m-%d %H:%M}")
                for pk, file_name, at in batches.values_list("pk", "file_name", "created_at")
            ),
        )
        label = "label_fr" if self.language.startswith("fr") else "label_en"
        lines = BudgetLine.objects.filter(lab=lab).order_by("-fiscal_year__year", "code")
        self._choices(
            "budget_line",
            (
                (pk, str(year), f"{code} · {text}")
                for pk, year, code, text in lines.values_list(
                    "pk", "fiscal_year__year", "code", label
                )
            ),
        )

    def _choices(self, name: str, rows: Iterable[tuple[int, str, str]]) -> None:
        # Plain dicts, not ChoiceField.choices: Django normalises those item by item.
        self.lab_choices[name] = {pk: f"{a} · {b}" for pk, a, b in rows}

    def options(self, name: str) -> SafeString:
        """The <option> elements of a choice ("All" first), the value asked for selected."""
        if name in self.lab_choices:
            choices: list[tuple[Any, Any]] = list(self.lab_choices[name].items())
        else:
            choices = [c for c in self.fields[name].choices if c[0] != ""]  # type: ignore[attr-defined]
        chosen = self.data.get(name, "")
        return format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (value, mark_safe(" selected") if str(value) == chosen else "", text)
                for value, text in [("", ALL), *choices]
            ),
        )

    def _lab_object(self, name: str) -> int | None:
        value = self.cleaned_data.get(name)
        if value is not None and value not in self.lab_choices[name]:
            raise forms.ValidationError(NOT_IN_LAB, code="invalid_choice")
        return value

    def clean_journal(self) -> int | None:
        return self._lab_object("journal")

    def clean_account(self) -> int | None:
        return self._lab_object("account")

    def clean_batch(self) -> int | None:
        return self._lab_object("batch")

    def clean_budget_line(self) -> int | None:
        return self._lab_object("budget_line")

    def _amount(self, name: str) -> Any:
        text = self.cleaned_data.get(name) or ""
        if not text.strip():
            return None
        value = amount_typed(text, self.language)
        if value is None:
            raise forms.ValidationError(NOT_AN_AMOUNT, code="not_an_amount")
        return value

    def clean_amount_min(self) -> Any:
        return self._amount("amount_min")

    def clean_amount_max(self) -> Any:
        return self._amount("amount_max")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        low, high = cleaned.get("amount_min"), cleaned.get("amount_max")
        if low is not None and high is not None and low > high:
            self.add_error("amount_max", AMOUNTS_REVERSED)
        return cleaned

    @property
    def names_another_lab(self) -> bool:
        """True when a filter names a journal, account, batch or budget line the lab does
        not have (another lab's, or none at all)."""
        return any(
            error.code == "invalid_choice"
            for name in LAB_OBJECTS
            for error in self.errors.as_data().get(name, [])
        )

    def filters(self) -> EntryFilters:
        """The selector's filters, from a valid form."""
        data = self.cleaned_data
        month = data.get("month") or ""
        return EntryFilters(
            journal_id=data.get("journal"),
            month=date(int(month[:4]), int(month[5:7]), 1) if month else None,
            status=data.get("status") or "",
            account_id=data.get("account"),
            third_party=(data.get("third_party") or "").strip(),
            amount_min=data.get("amount_min"),
            amount_max=data.get("amount_max"),
            import_batch_id=data.get("batch"),
            budget_line_id=data.get("budget_line"),
            search=(data.get("q") or "").strip(),
            language=self.language,
        )

    def applied(self) -> list[tuple[str, str]]:
        """(label, value as shown) of each filter in use, from a valid form."""
        shown = []
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            if value is None or value == "":
                continue
            if name in self.lab_choices:
                text = self.lab_choices[name][value]
            elif isinstance(field, forms.ChoiceField):
                text = str(dict(field.choices).get(value, value))  # type: ignore[arg-type]
            elif name.startswith("amount"):
                text = self.data.get(name, "").strip()  # as typed
            else:
                text = value
            shown.append((str(field.label), text))
        return shown


def _form(request: HttpRequest, lab: Lab) -> EntryFilterForm:
    """The filters of the request; Http404 when one names another lab's object."""
    form = EntryFilterForm(request.GET, lab=lab)
    if not form.is_valid() and form.names_another_lab:
        raise Http404("No such object in this lab")
    return form


def _entry_url(lab: Lab) -> tuple[str, str]:
    """What comes before and after an entry's id in its page's address: fifty links
    without fifty URL reversals."""
    before, after = reverse("ledger:entry", args=[lab.code, ENTRY_SENTINEL]).rsplit(
        str(ENTRY_SENTINEL), 1
    )
    return before, after


def _page(
    request: HttpRequest, lab: Lab, form: EntryFilterForm, extra: dict[str, Any], status: int
) -> HttpResponse:
    context = {
        "lab": lab,
        "form": form,
        "currency": lab.book_currency,
        "may_record": has_role(request.user, lab, WRITE_ROLES),
        "filtered": form.is_bound and any(request.GET.get(name) for name in form.fields),
        "options": {name: form.options(name) for name in CHOICES},
        "entry_url": _entry_url(lab),
        **extra,
    }
    return render(request, "ledger/entries/list.html", context, status=status)


@login_required
@require_GET
def entries(request: HttpRequest, code: str) -> HttpResponse:
    """The lab's entries, newest first, filtered, 50 a page, with the filtered totals."""
    lab = lab_for_user_or_404(request.user, code)
    form = _form(request, lab)
    if not form.is_valid():
        return _page(request, lab, form, {"page": None}, BAD_REQUEST)
    page = entry_list_page(
        lab=lab,
        filters=form.filters(),
        older=Cursor.parse(request.GET.get("older", "")),
        newer=Cursor.parse(request.GET.get("newer", "")),
    )
    return _page(request, lab, form, {"page": page}, 200)


@login_required
@require_GET
def entries_export(request: HttpRequest, code: str) -> HttpResponse | FileResponse:
    """The filtered list (every page) as an XLSX workbook."""
    lab = lab_for_user_or_404(request.user, code)
    form = _form(request, lab)
    if not form.is_valid():
        return _page(request, lab, form, {"page": None}, BAD_REQUEST)
    filters = form.filters()
    totals = entry_totals(lab, filters)
    if totals.entries > MAX_ROWS:
        form.add_error(None, _("Too many entries for one sheet: narrow the filters."))
        return _page(request, lab, form, {"page": None}, BAD_REQUEST)
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (the response closes it)
    entry_list_xlsx(
        out,
        lab=lab,
        applied=form.applied(),
        rows=entry_rows_all(lab, filters),
        totals=totals,
        exported_by=request.user.get_username(),
    )
    out.seek(0)
    name = f"entries-{lab.code}-{timezone.localtime():%Y%m%d-%H%M%S}.xlsx"
    response = FileResponse(out, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    response["Cache-Control"] = "no-store"
    return response
