"""The entry form of the accountant's pages: a header and its lines, read in the
accountant's words and turned into the service's `LineInput`s.

Only the lab's journals, accounts, budget lines and open commitments are accepted (the
choices are built from the lab; anything else is "not in this lab's ..."). Amounts are
read as the journal import reads a cell (`1 234,56`, `1,234.56`, `1234.5`). A line in a
foreign currency takes the amount in that currency and the side: the service converts
it at the chancellery rate of the entry's date, or, when a bank rate is given, at that
rate (stored as a bank rate)."""

from decimal import Decimal
from typing import Any, Literal, cast

from django import forms
from django.forms import BaseFormSet, formset_factory
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from djmoney.money import Money

from irls.models import Lab
from ledger.fields import round_cents
from ledger.imports import cells
from ledger.imports.problems import FILE_TOO_LARGE, size_text
from ledger.imports.reading import max_bytes
from ledger.models import Account, BudgetLine, Commitment, Journal
from ledger.selectors.entry_form import (
    account_name,
    currencies,
    lab_accounts,
    lab_journals,
    open_budget_lines,
    open_commitments,
    reads_french,
    third_parties_offered,
)
from ledger.selectors.entry_list import amount_typed
from ledger.services import LineInput
from ledger.templatetags.entry_form import options_html

ZERO = Decimal("0.00")
MAX_LINES = 200


class AmountField(forms.CharField):
    """An amount as people type it, in French or English; positive, two decimals."""

    def __init__(self, *, places: int = 2, **kwargs: Any) -> None:
        self.places = places
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs["maxlength"] = "30"

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        if len(text) > 30:
            raise forms.ValidationError(
                _("“%(value)s” is not an amount."), params={"value": text[:30]}
            )
        if text.lstrip().startswith("-"):
            raise forms.ValidationError(_("Give a positive amount; choose the side instead."))
        number = self._read(text)
        if number is None:
            raise forms.ValidationError(_("“%(value)s” is not an amount."), params={"value": text})
        return number

    def _read(self, text: str) -> Decimal | None:
        """An amount as the entries list's search reads it, in the reader's language
        ("1,000" is one thousand in English); a rate as the import reads a cell."""
        if self.places == 2:
            return amount_typed(text, get_language() or "en")
        try:
            return cells.amount(text, self.places)
        except cells.CellError:
            return None


class JournalChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Journal) -> str:
        return f"{obj.code} · {obj.name_fr if reads_french() else obj.name_en}"


def budget_line_label(code: str, label: str, year: int) -> str:
    return f"{code} · {label} ({year})"


def commitment_label(reference: str, label: str) -> str:
    return f"{reference} · {label}"


class BudgetLineChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: BudgetLine) -> str:
        label = obj.label_fr if reads_french() else obj.label_en
        return budget_line_label(obj.code, label, obj.fiscal_year.year)


class CommitmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Commitment) -> str:
        return commitment_label(obj.reference, obj.label)


class EntryHeaderForm(forms.Form):
    journal = JournalChoiceField(queryset=Journal.objects.none(), label=gettext_lazy("Journal"))
    date = forms.DateField(
        label=gettext_lazy("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    piece_ref = forms.CharField(
        label=gettext_lazy("Piece reference"), max_length=60, required=False
    )
    piece_date = forms.DateField(
        label=gettext_lazy("Piece date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    label = forms.CharField(label=gettext_lazy("Label"), max_length=200)

    def __init__(self, *args: Any, lab: Lab, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        journals = lab_journals(lab)
        field = self.fields["journal"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = journals


class EntryLineForm(forms.Form):
    account = forms.CharField(label=gettext_lazy("Account"), max_length=220, required=False)
    label = forms.CharField(label=gettext_lazy("Label"), max_length=200, required=False)
    debit = AmountField(label=gettext_lazy("Debit"))
    credit = AmountField(label=gettext_lazy("Credit"))
    currency = forms.ChoiceField(label=gettext_lazy("Currency"), choices=())
    bank_rate = AmountField(label=gettext_lazy("Bank rate"), places=8)
    third_party = forms.CharField(label=gettext_lazy("Third party"), max_length=250, required=False)
    due_date = forms.DateField(label=gettext_lazy("Due date"), required=False)
    budget_line = BudgetLineChoiceField(
        queryset=BudgetLine.objects.none(), label=gettext_lazy("Budget line"), required=False
    )
    commitment = CommitmentChoiceField(
        queryset=Commitment.objects.none(), label=gettext_lazy("Commitment"), required=False
    )

    def __init__(self, *args: Any, lab: Lab, choices: "LineChoices", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lab = lab
        self.accounts = choices.accounts
        self.third_parties = choices.third_parties
        currency = self.fields["currency"]
        assert isinstance(currency, forms.ChoiceField)
        currency.choices = [(c, c) for c in choices.currencies]
        currency.initial = lab.book_currency
        budget_line = self.fields["budget_line"]
        assert isinstance(budget_line, forms.ModelChoiceField)
        budget_line.queryset = choices.budget_lines
        commitment = self.fields["commitment"]
        assert isinstance(commitment, forms.ModelChoiceField)
        commitment.queryset = choices.commitments
        for name in ("currency", "budget_line", "commitment"):
            self.fields[name].widget.attrs["data-field"] = name

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not (data.get("account") or data.get("debit") or data.get("credit"))

    def clean_account(self) -> Account | None:
        written = (self.cleaned_data.get("account") or "").strip()
        if not written:
            return None
        code = written.split()[0]
        account = self.accounts.get(code)
        if account is None:
            raise forms.ValidationError(
                _("Account %(code)s is not in the chart of %(lab)s."),
                params={"code": code, "lab": self.lab.code},
            )
        return account

    def clean_third_party(self) -> str:
        """The code of a third party typed or picked ("CODE · name"), which must exist."""
        written = (self.cleaned_data.get("third_party") or "").strip()
        if not written:
            return ""
        code = written.split(" · ")[0].strip()
        if code not in self.third_parties:
            raise forms.ValidationError(
                _("Third party %(code)s does not exist: create it on the Third parties page."),
                params={"code": code},
            )
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors or self.is_blank():
            return data
        account = data.get("account")
        if account is not None and account.needs_third_party and not data.get("third_party"):
            self.add_error(
                "third_party", _("Account %(code)s needs a third party.") % {"code": account.code}
            )
        debit, credit = data.get("debit") or ZERO, data.get("credit") or ZERO
        if data.get("account") is None:
            self.add_error("account", _("Choose the account."))
        if (debit > 0) == (credit > 0):
            self.add_error("debit", _("Give either a debit or a credit, not both and not neither."))
        foreign = data.get("currency") and data["currency"] != self.lab.book_currency
        if data.get("bank_rate") is not None and not foreign:
            self.add_error("bank_rate", _("A bank rate is for a line in a foreign currency."))
        if data.get("bank_rate") is not None and data["bank_rate"] <= 0:
            self.add_error("bank_rate", _("Give a positive rate."))
        return data

    def line_input(self) -> LineInput:
        """The line for the service: book amounts, or the amount in currency and its
        side (converted by the service), or the amount in currency at a bank rate."""
        data = self.cleaned_data
        debit, credit = data.get("debit") or ZERO, data.get("credit") or ZERO
        tags: dict[str, Any] = {
            "account": data["account"],
            "label": data.get("label") or "",
            "third_party": data.get("third_party") or "",
            "due_date": data.get("due_date"),
            "budget_line": data.get("budget_line"),
            "commitment": data.get("commitment"),
        }
        currency = data.get("currency") or self.lab.book_currency
        if currency == self.lab.book_currency:
            return LineInput(debit=debit, credit=credit, **tags)
        side: Literal["debit", "credit"] = "debit" if debit > 0 else "credit"
        foreign = debit or credit
        money = Money(foreign, currency)
        rate = data.get("bank_rate")
        if rate is None:
            return LineInput(amount_currency=money, side=side, **tags)
        book = round_cents(foreign * rate)
        return LineInput(
            amount_currency=money,
            debit=book if side == "debit" else ZERO,
            credit=book if side == "credit" else ZERO,
            **tags,
        )


class LineChoices:
    """The lab's choices, read once for every line of the form."""

    def __init__(self, lab: Lab, user: Any = None) -> None:
        self.accounts = {account.code: account for account in lab_accounts(lab)}
        self.currencies = currencies(lab)
        self.budget_lines = open_budget_lines(lab)
        self.commitments = open_commitments(lab)
        # The active ones the user may name: code -> name, for the type-ahead and the check.
        self.third_parties = third_parties_offered(user)
        self._budget_line_values: list[dict[str, Any]] | None = None

    def budget_line_values(self) -> list[dict[str, Any]]:
        """The offered budget lines as plain values (id, code, labels, year, policy),
        read once a request: the options and the script's data come from them."""
        if self._budget_line_values is None:
            self._budget_line_values = [
                dict(row)
                for row in self.budget_lines.values(
                    "id", "code", "label_fr", "label_en", "policy", "fiscal_year__year"
                )
            ]
        return self._budget_line_values

    def select_options(self) -> dict[str, str]:
        """The HTML of the currency, budget line and commitment options, once for every
        line (ledger.templatetags.entry_form); labels as the fields' own
        `label_from_instance` write them, from plain values (no model instances)."""
        french = reads_french()
        return {
            "currency_options": options_html(((c, c) for c in self.currencies), blank=None),
            "budget_line_options": options_html(
                (
                    line["id"],
                    budget_line_label(
                        line["code"],
                        line["label_fr"] if french else line["label_en"],
                        line["fiscal_year__year"],
                    ),
                )
                for line in self.budget_line_values()
            ),
            "commitment_options": options_html(
                (pk, commitment_label(reference, label))
                for pk, reference, label in self.commitments.values_list("id", "reference", "label")
            ),
        }

    def third_party_options(self) -> list[tuple[str, str]]:
        return list(self.third_parties.items())

    def account_options(self) -> list[tuple[str, str]]:
        """(code, "code name") for the type-ahead, in the reader's language, with the
        other language's name too so either finds it."""
        options = []
        for code, account in self.accounts.items():
            other = account.name_en if reads_french() else account.name_fr
            options.append((code, f"{account_name(account)} · {other}"))
        return options


class BaseLineFormSet(BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        filled = [form for form in self.forms if not form.is_blank()]
        if len(filled) < 2:
            raise forms.ValidationError(_("An entry needs at least two lines."))

    def line_inputs(self) -> list[LineInput]:
        return [form.line_input() for form in self.forms if not form.is_blank()]


LineFormSet = formset_factory(
    EntryLineForm,
    formset=BaseLineFormSet,
    extra=0,
    max_num=MAX_LINES,
    validate_max=True,
    absolute_max=MAX_LINES,
)


def line_formset(
    lab: Lab, choices: LineChoices, data: Any = None, initial: list[dict[str, Any]] | None = None
) -> BaseLineFormSet:
    formset = LineFormSet(
        data, initial=initial, prefix="lines", form_kwargs={"lab": lab, "choices": choices}
    )
    return cast(BaseLineFormSet, formset)


def initial_lines(entry: Any, book_currency: str) -> list[dict[str, Any]]:
    """A draft's lines as the form's initial values (amounts in the line's currency)."""
    rows = []
    for line in entry.lines.select_related("account").order_by("id"):
        foreign = line.amount_currency is not None
        amount = line.amount_currency.amount if foreign else (line.debit or line.credit)
        side_debit = line.debit > 0
        rows.append(
            {
                "account": line.account.code,
                "label": line.label,
                "debit": amount if side_debit else None,
                "credit": None if side_debit else amount,
                "currency": str(line.amount_currency.currency) if foreign else book_currency,
                "bank_rate": line.fx_rate if foreign and line.fx_rate_source == "bank" else None,
                "third_party": line.third_party_id or "",
                "due_date": line.due_date,
                "budget_line": line.budget_line_id,
                "commitment": line.commitment_id,
            }
        )
    return rows


def blank_lines(book_currency: str, count: int = 2) -> list[dict[str, Any]]:
    return [{"currency": book_currency} for _ in range(count)]


class SheetFileField(forms.FileField):
    """A spreadsheet to import: refused above IMPORT_MAX_BYTES, saying its size and the
    limit (what the file holds is the import's to check)."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        limit = max_bytes()
        if value and value.size > limit:
            raise forms.ValidationError(
                FILE_TOO_LARGE.format(size=size_text(value.size), limit=size_text(limit))
            )
