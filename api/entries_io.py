"""Entries as the API reads and writes them. A written entry goes through the pages'
own entry form (ledger/forms.py), so the API accepts exactly what the entry page
accepts, with the same messages, each named by its field (`lines.2.account`)."""

from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from api.errors import ApiError
from api.schemas import EntryIn, EntryOut, LineOut
from irls.models import Lab
from ledger.forms import EntryHeaderForm, LineChoices, line_formset
from ledger.models import JournalEntry
from ledger.selectors.entry_form import entry_detail, lab_journals

INVALID_ENTRY = _("The entry is not valid: see the fields named.")
HEADER_FIELDS = ("journal", "date", "label", "piece_ref", "piece_date")


def _amount(value: Any) -> str:
    return "" if value is None else f"{value:.2f}"


def _form_data(lab: Lab, choices: LineChoices, entry: EntryIn) -> dict[str, Any]:
    """The entry page's POST for `entry`: codes turned into the choices' ids (an unknown
    code into an id no choice has, which the form refuses with its own message)."""
    journals = dict(lab_journals(lab).values_list("code", "pk"))
    budget_lines = {row["code"]: row["id"] for row in choices.budget_line_values()}
    commitments = dict(choices.commitments.values_list("reference", "pk"))
    data: dict[str, Any] = {
        "journal": journals.get(entry.journal, 0),
        "date": entry.date.isoformat(),
        "label": entry.label,
        "piece_ref": entry.piece_ref,
        "piece_date": entry.piece_date.isoformat() if entry.piece_date else "",
        "lines-TOTAL_FORMS": str(len(entry.lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "200",
    }
    for n, line in enumerate(entry.lines):
        fields = {
            "account": line.account,
            "label": line.label,
            "debit": _amount(line.debit),
            "credit": _amount(line.credit),
            "currency": line.currency or lab.book_currency,
            "bank_rate": "" if line.bank_rate is None else str(line.bank_rate),
            "third_party": line.third_party or "",
            "due_date": line.due_date.isoformat() if line.due_date else "",
            "budget_line": budget_lines.get(line.budget_line, 0) if line.budget_line else "",
            "commitment": commitments.get(line.commitment, 0) if line.commitment else "",
        }
        data.update({f"lines-{n}-{name}": value for name, value in fields.items()})
    return data


def entry_forms(lab: Lab, user: User, entry: EntryIn) -> tuple[dict[str, Any], list[Any]]:
    """The service's arguments for `entry` (header fields and lines), or ApiError 422
    naming every field the entry form refuses."""
    choices = LineChoices(lab, user)
    data = _form_data(lab, choices, entry)
    header = EntryHeaderForm(data, lab=lab)
    lines = line_formset(lab, choices, data=data)
    header_ok, lines_ok = header.is_valid(), lines.is_valid()
    if header_ok and lines_ok:
        fields = {name: header.cleaned_data.get(name) for name in HEADER_FIELDS}
        fields["piece_ref"] = fields["piece_ref"] or ""
        return fields, lines.line_inputs()
    errors: list[tuple[str, str]] = []
    for name, messages in header.errors.items():
        errors += [(name if name != "__all__" else "", str(m)) for m in messages]
    for message in lines.non_form_errors():
        errors.append(("lines", str(message)))
    for n, form in enumerate(lines.forms):
        for name, messages in form.errors.items():
            where = f"lines.{n}" if name == "__all__" else f"lines.{n}.{name}"
            errors += [(where, str(m)) for m in messages]
    field = errors[0][0] if len(errors) == 1 else None
    raise ApiError(422, "invalid", INVALID_ENTRY, field, errors)


def entry_out(entry: JournalEntry) -> EntryOut:
    """The entry with its lines, as the entry page shows it."""
    detail = entry_detail(entry)
    lines = []
    for row in detail.lines:
        line = row.line
        money = line.amount_currency
        lines.append(
            LineOut(
                account=line.account.code,
                label=line.label,
                debit=line.debit,
                credit=line.credit,
                currency=str(money.currency) if money is not None else None,
                amount_currency=money.amount if money is not None else None,
                fx_rate=line.fx_rate,
                fx_rate_date=line.fx_rate_date,
                fx_rate_source=line.fx_rate_source,
                third_party=line.third_party_id,
                due_date=line.due_date,
                budget_line=line.budget_line.code if line.budget_line else None,
                commitment=line.commitment.reference if line.commitment else None,
            )
        )
    return EntryOut(
        id=entry.pk,
        lab=entry.lab.code,
        date=entry.date,
        number=entry.number,
        status=entry.status,
        journal=entry.journal.code,
        piece_ref=entry.piece_ref,
        piece_date=entry.piece_date,
        label=entry.label,
        year_end=entry.year_end,
        reversal_of=entry.reversal_of_id,
        reversed_by=detail.reversed_by.pk if detail.reversed_by else None,
        import_batch=entry.import_batch_id,
        created_by=entry.created_by.get_username() if entry.created_by else None,
        created_at=entry.created_at,
        posted_by=entry.posted_by.get_username() if entry.posted_by else None,
        posted_at=entry.posted_at,
        hash=entry.hash,
        lines=lines,
    )
