"""The forms of the third parties' pages: the list's filters, and the record's form.

The record's form only reads what was typed: parties.validation (through the service)
decides, and its problems come back beside each box (`show_problems`). Bank details are
fields of the form only for who may see them.
"""

from typing import Any, cast

import babel
from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from irls.models import Institution
from parties.models import ThirdParty
from parties.validation import (
    BANK_FIELDS,
    COUNTRIES,
    CURRENCIES,
    REQUIRED_FIELDS,
    field_name,
    model_field,
)

YES, NO = "yes", "no"
SEARCH_LENGTH = 100


def _locale() -> babel.Locale:
    try:
        return babel.Locale.parse(get_language() or "en", sep="-")
    except (ValueError, babel.UnknownLocaleError):
        return babel.Locale.parse("en")


def country_choices() -> list[tuple[str, str]]:
    """The ISO countries by name in the reader's language ("SG · Singapour")."""
    names = _locale().territories
    choices = [(code, f"{code} · {names.get(code, code)}") for code in COUNTRIES]
    return [("", "—"), *sorted(choices, key=lambda c: c[1][5:].casefold())]


def currency_choices() -> list[tuple[str, str]]:
    """The ISO currencies by code, named in the reader's language."""
    names = _locale().currencies
    return [(code, f"{code} · {names.get(code, code)}") for code in sorted(CURRENCIES)]


class ThirdPartyFilterForm(forms.Form):
    """The list's search and filters (GET); a value it cannot use is a 400."""

    q = forms.CharField(
        label=_("Search"),
        max_length=SEARCH_LENGTH,
        required=False,
        help_text=_("Code, name, UEN or SIRET"),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *ThirdParty.Kind.choices]
    )
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Active and deactivated")), (YES, _("Active")), (NO, _("Deactivated"))],
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=1_000_000)

    def active_value(self) -> bool | None:
        return {YES: True, NO: False}.get(self.cleaned_data.get("active") or "")

    def page_number(self) -> int:
        return self.cleaned_data.get("page") or 1


class ThirdPartyForm(forms.Form):
    """A third party as typed; `bank_details` False leaves the bank fields out,
    `code_frozen` shows the code without letting it change (lines name it)."""

    code = forms.CharField(max_length=200, required=False)
    name = forms.CharField(max_length=400, required=False)
    kind = forms.ChoiceField(choices=ThirdParty.Kind.choices, required=False)
    institution = forms.ModelChoiceField(
        queryset=Institution.objects.order_by("code"),
        to_field_name="code",
        required=False,
        empty_label="—",
    )
    country = forms.ChoiceField(required=False)
    uen = forms.CharField(max_length=40, required=False)
    siret = forms.CharField(max_length=40, required=False)
    currency = forms.ChoiceField(required=False)
    payment_terms_days = forms.CharField(max_length=10, required=False)
    email = forms.CharField(max_length=400, required=False)
    address = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    bank_name = forms.CharField(max_length=400, required=False)
    bank_account_holder = forms.CharField(max_length=400, required=False)
    bank_account_number = forms.CharField(max_length=80, required=False)
    bank_swift = forms.CharField(max_length=40, required=False)
    bank_iban = forms.CharField(max_length=80, required=False)

    def __init__(
        self,
        *args: Any,
        bank_details: bool,
        code_frozen: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if not bank_details:
            for name in BANK_FIELDS:
                del self.fields[name]
        cast(forms.ChoiceField, self.fields["country"]).choices = country_choices()
        cast(forms.ChoiceField, self.fields["currency"]).choices = currency_choices()
        # A new third party's defaults, as the model's.
        for name in ("currency", "payment_terms_days"):
            self.fields[name].initial = model_field(name).default
        # Every box is read as typed and checked by the service, so that every problem is
        # told at once; the required ones are marked for the eye.
        self.marked_required = {*REQUIRED_FIELDS, "payment_terms_days"}
        for name, form_field in self.fields.items():
            form_field.label = field_name(name)
            help_text = model_field(name).help_text
            if help_text and name != "code":
                form_field.help_text = help_text
        self.fields["code"].help_text = _(
            "How lines, files and statements name it (40 characters at most); it cannot "
            "change once lines name it"
        )
        if code_frozen:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _(
                "Lines name this third party: its code no longer changes"
            )
        self.fields["uen"].help_text = _("Singapore: 8 or 9 digits and a letter, or T08GB0001A")
        self.fields["siret"].help_text = _("France: 14 digits")

    @property
    def bank_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in BANK_FIELDS if name in self.fields]

    @property
    def record_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in BANK_FIELDS]

    def service_values(self) -> dict[str, Any]:
        """What the service is given: every field of the form, as typed."""
        return {name: self.cleaned_data[name] for name in self.fields}

    def show_problems(self, problems: dict[str, list[str]]) -> None:
        """Put a refused write's problems beside their fields."""
        for name, messages in problems.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)

    @classmethod
    def initial_of(cls, third_party: ThirdParty, *, bank_details: bool) -> dict[str, Any]:
        names = [n for n in cls.base_fields if bank_details or n not in BANK_FIELDS]
        initial = {name: getattr(third_party, name) for name in names if name != "institution"}
        initial["institution"] = third_party.institution.code if third_party.institution else ""
        return initial
