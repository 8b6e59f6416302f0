"""Every error and import message in French, with the same named placeholders.

The message templates are module constants (gettext_lazy, `{name}` placeholders); a
refusal is worded in the language active when it is raised. These tests raise real
refusals through the services with French active and read the accountant's French, then
check that every constant of the message modules has a French translation keeping its
placeholders (a lost `{ref}` would raise KeyError in French only).
"""

import io
import re
import string
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from openpyxl import load_workbook

import alerts.exceptions
import alerts.messages
import alerts.views
import api.entries_io
import api.errors
import api.idempotency
import api.routers.entries
import api.routers.imports
import api.routers.reports
import api.services
import banking.exceptions
import irls.exceptions
import ledger.audit.readable
import ledger.exceptions
import ledger.imports.plans
import ledger.imports.problems
import ledger.imports.templates
import ledger.rules
import ledger.services.budget
import ledger.services.commitments
import ledger.services.entries
import ledger.services.imports
import parties.exceptions
import parties.imports
import parties.lettering.exceptions
import reports.builders.closing
import reports.builders.common
import reports.exceptions
import reports.fec
from alerts.services import ACTIONS as ALERT_ACTIONS
from banking.services.access import ACTIONS as BANK_ACTIONS
from irls.exceptions import OFFICE_HEAD_ACTIONS
from jobs.services import ACTIONS as JOB_ACTIONS
from ledger import services
from ledger.exceptions import (
    CrossLabError,
    InvalidLineError,
    NotPermittedError,
    PeriodClosedError,
    PeriodStateError,
    ReversalError,
    UnbalancedEntryError,
)
from ledger.imports.columns import JOURNAL, KIND_COLUMNS
from ledger.imports.problems import rows_text, size_text, when_text
from ledger.imports.templates import template_workbook
from ledger.models import Period
from ledger.services.access import ACTIONS
from ledger.services.imports import import_file
from ledger.templatetags.ledger_format import moment
from parties.exceptions import ACTIONS as THIRD_PARTY_ACTIONS
from tests.books import account, close_months, draft, journal, posted
from tests.imports.sheets import JOURNAL_HEADER, csv_bytes, line

MODULES: tuple[ModuleType, ...] = (
    alerts.exceptions,
    alerts.messages,
    alerts.views,
    api.entries_io,
    api.errors,
    api.idempotency,
    api.routers.entries,
    api.routers.imports,
    api.routers.reports,
    api.services,
    ledger.exceptions,
    irls.exceptions,
    reports.exceptions,
    ledger.imports.problems,
    ledger.imports.plans,
    ledger.imports.templates,
    ledger.audit.readable,
    reports.fec,
    ledger.rules,
    ledger.services.budget,
    ledger.services.commitments,
    ledger.services.entries,
    ledger.services.imports,
    reports.builders.closing,
    reports.builders.common,
    banking.exceptions,
    parties.lettering.exceptions,
    parties.exceptions,
    parties.imports,
)
# Words that French writes as English does.
SAME_IN_FRENCH = {"point", "gain", "code", "nature", "source", "Justification"}
NBSP = "\xa0"  # French groups thousands with a no-break space


@pytest.fixture
def french() -> Iterator[None]:
    with translation.override("fr"):
        yield


def _messages() -> list[tuple[str, Promise]]:
    """Every translated constant of the message modules (dicts of them included)."""
    found: list[tuple[str, Promise]] = []
    for module in MODULES:
        for name, value in vars(module).items():
            if not name.isupper():
                continue
            values = value.items() if isinstance(value, dict) else [(None, value)]
            for key, item in values:
                if isinstance(item, Promise):
                    found.append((f"{module.__name__}.{name}" + (f"[{key}]" if key else ""), item))
    return found


def _placeholders(text: str) -> list[tuple[str, str | None]]:
    brace: list[tuple[str, str | None]] = [
        (field, conversion)
        for _, field, _, conversion in string.Formatter().parse(text)
        if field is not None
    ]
    percent: list[tuple[str, str | None]] = [
        (field, "%") for field in re.findall(r"%\((\w+)\)", text)
    ]
    return sorted(brace + percent)


def test_the_message_modules_hold_the_constants_tests_assert():
    names = {name for name, _ in _messages()}
    assert len(names) > 280
    assert {
        "ledger.exceptions.UNBALANCED",
        "ledger.imports.problems.ENTRY_UNBALANCED",
        "reports.exceptions.NO_RATE",
        "ledger.services.commitments.REASON_MISSING",
        "ledger.rules.ROUNDING_LABEL",
    } <= names


def test_every_message_constant_has_a_french_translation_with_the_same_placeholders():
    untranslated, changed = [], []
    for name, message in _messages():
        with translation.override("en"):
            english = str(message)
        with translation.override("fr"):
            french = str(message)
        if french == english and english not in SAME_IN_FRENCH:
            untranslated.append(f"{name}: {english!r}")
        if _placeholders(english) != _placeholders(french):
            changed.append(f"{name}: {english!r} -> {french!r}")
    assert not untranslated, "no French:\n" + "\n".join(untranslated)
    assert not changed, "placeholders differ:\n" + "\n".join(changed)


def test_every_refused_action_is_said_in_french():
    with translation.override("fr"):
        same = [
            a
            for a in (
                *ACTIONS,
                *OFFICE_HEAD_ACTIONS,
                *JOB_ACTIONS,
                *THIRD_PARTY_ACTIONS,
                *BANK_ACTIONS,
                *ALERT_ACTIONS,
            )
            if translation.gettext(a) == a
        ]
    assert not same


def test_every_action_a_service_names_is_listed_for_translation():
    """require_role(user, lab, "post entries"): the action is said in the user's language
    only if ACTIONS (or OFFICE_HEAD_ACTIONS) lists it for makemessages."""
    root = Path(settings.BASE_DIR)
    call = re.compile(
        r"(?:require_role|require_office_role|_require|_require_office_head|\brequire)\("
    )
    named: set[str] = set()
    for path in [
        *root.glob("ledger/**/*.py"),
        *root.glob("irls/**/*.py"),
        *root.glob("reports/**/*.py"),
        *root.glob("banking/**/*.py"),
        *root.glob("alerts/**/*.py"),
    ]:
        text = path.read_text(encoding="utf-8")
        for match in call.finditer(text):
            arguments = text[match.end() : match.end() + 200].split(")")[0]
            named.update(re.findall(r'"([a-z][a-z ]+)"', arguments))
    assert named, "no role check found"
    assert named <= {*ACTIONS, *OFFICE_HEAD_ACTIONS, *JOB_ACTIONS, *BANK_ACTIONS, *ALERT_ACTIONS}


def test_the_fragments_follow_the_language():
    with translation.override("fr"):
        assert rows_text([40, 41, 42]) == "lignes 40-42"
        assert rows_text([7]) == "ligne 7"
        assert size_text(12_345_678) == "12,3 Mo"
    assert rows_text([3, 7, 8]) == "rows 3, 7-8"
    assert size_text(12_345_678) == "12.3 MB"


# -- real refusals, in French ------------------------------------------------------------


def test_an_unbalanced_entry_is_refused_in_french(french, accountant, cintra):
    entry = draft(accountant, cintra, [("6064", "1200.00", "0"), ("401", "0", "1150.00")])
    with pytest.raises(UnbalancedEntryError) as info:
        services.entry_post(acting_user=accountant, entry=entry)
    assert str(info.value) == (
        f"L'écriture brouillon ACH n° {entry.pk} du 2025-03-14 n'est pas équilibrée : "
        f"débit 1{NBSP}200,00 SGD, crédit 1{NBSP}150,00 SGD"
    )


def test_posting_into_a_closed_month_is_refused_in_french(accountant, cintra):
    close_months(cintra, 1, 2, 3, user=accountant)
    # A draft may be dated in a closed month; posting it is refused.
    entry = draft(accountant, cintra, [("6064", "10", "0"), ("401", "0", "10")])
    with translation.override("fr"), pytest.raises(PeriodClosedError) as info:
        services.entry_post(acting_user=accountant, entry=entry)
    assert str(info.value) == (
        f"Écriture brouillon ACH n° {entry.pk} du 2025-03-14 : "
        "la période 2025-03 de CINTRA est clôturée"
    )


def test_closing_a_closed_month_again_is_refused_in_french(french, accountant, cintra):
    close_months(cintra, 1, user=accountant)
    with pytest.raises(PeriodStateError) as info:
        services.period_close(
            acting_user=accountant, period=Period.objects.get(lab=cintra, month=1)
        )
    assert str(info.value) == "La période 2025-01 de CINTRA est déjà clôturée"


def test_a_reversal_dated_before_its_entry_is_refused_in_french(french, accountant, cintra):
    entry = posted(accountant, cintra)
    with pytest.raises(ReversalError) as info:
        services.entry_reverse(
            acting_user=accountant, entry=entry, date=date(2025, 3, 1), reason="Erreur"
        )
    assert str(info.value) == (
        f"L'écriture {entry.number} est datée du 2025-03-14 : "
        "sa contre-passation ne peut pas être antérieure (2025-03-01)"
    )


def test_another_labs_account_is_refused_in_french(french, accountant, cintra, majulab):
    with pytest.raises(CrossLabError) as info:
        services.entry_create_draft(
            acting_user=accountant,
            lab=cintra,
            journal=journal(cintra, "ACH"),
            date=date(2025, 3, 14),
            label="x",
            lines=[services.LineInput(account=account(majulab, "6064"), debit=Decimal(1))],
        )
    assert str(info.value) == "Le compte 6064 appartient à MAJULAB, pas à CINTRA"


def test_a_line_with_both_sides_is_refused_in_french(french, accountant, cintra):
    with pytest.raises(InvalidLineError) as info:
        services.entry_create_draft(
            acting_user=accountant,
            lab=cintra,
            journal=journal(cintra, "ACH"),
            date=date(2025, 3, 14),
            label="x",
            lines=[
                services.LineInput(
                    account=account(cintra, "6064"), debit=Decimal(1), credit=Decimal(1)
                )
            ],
        )
    assert str(info.value) == (
        "Ligne 1 : indiquez soit un débit soit un crédit, ni les deux ni aucun"
    )


def test_a_director_is_told_in_french_what_he_may_not_do(french, director_cintra, cintra):
    with pytest.raises(NotPermittedError) as info:
        services.entry_create_draft(
            acting_user=director_cintra,
            lab=cintra,
            journal=journal(cintra, "ACH"),
            date=date(2025, 3, 14),
            label="x",
            lines=[],
        )
    assert str(info.value) == "director_cintra ne peut pas saisir des écritures dans CINTRA"


def test_an_import_with_problems_is_refused_in_french(french, accountant, cintra):
    data = csv_bytes(
        [
            JOURNAL_HEADER,
            line("K1", "6064", "100.00", None),
            line("K1", "401", None, "90.00"),
            line("K2", "999", "5.00", None),
            line("K2", "401", None, "5.00"),
            line("K3", "6064", "abc", None),
            line("K3", "401", None, "5.00"),
        ]
    )
    outcome = import_file(
        acting_user=accountant, lab=cintra, kind="journal", file_name="mars.csv", data=data
    )
    messages = [problem.message for problem in outcome.problems]
    assert "Ligne 4 : le compte 999 n'existe pas dans le plan comptable de CINTRA" in messages
    assert "Ligne 6, colonne debit : « abc » n'est pas un montant" in messages
    assert (
        "L'écriture K1 (lignes 2-3) n'est pas équilibrée : débit 100,00, crédit 90,00" in messages
    ), messages
    assert outcome.batch is None


def test_the_import_preview_is_in_the_readers_language(accountant, cintra):
    """The preview is worded when it is shown (the admin page builds it in the request):
    an import checked in English previews in French to a French reader."""
    data = csv_bytes(
        [
            JOURNAL_HEADER,
            line("K1", "6064", "1200.00", None, label="Fournitures"),
            line("K1", "401", None, "1200.00", label="Fournitures"),
        ]
    )
    outcome = import_file(
        acting_user=accountant,
        lab=cintra,
        kind="journal",
        file_name="mars.csv",
        data=data,
        dry_run=True,
    )
    assert outcome.ok, outcome.problems
    with translation.override("fr"):
        preview = outcome.preview()
    assert preview is not None
    assert preview.summary == [
        ("Écritures", "1"),
        ("Lignes", "2"),
        ("Total débit", f"1{NBSP}200,00 SGD"),
        ("Total crédit", f"1{NBSP}200,00 SGD"),
    ]
    assert preview.columns == [
        "ligne",
        "compte",
        "libellé",
        "débit",
        "crédit",
        "montant en devise",
        "taux appliqué",
        "ligne budgétaire",
    ]
    [group] = preview.groups
    assert group.title == "K1 (lignes 2-3) : ACH 2025-03-14 Fournitures"
    assert group.rows[0][:5] == ["2", "6064", "Fournitures", f"1{NBSP}200,00", ""]


def test_the_import_templates_explain_their_columns_in_french():
    """Every column's meaning, in the template's second sheet, in the reader's language;
    the column names (the file's contract) stay as they are."""
    untranslated = []
    for kind, columns in KIND_COLUMNS.items():
        for column in columns:
            with translation.override("fr"):
                french = str(column.description)
            if french == str(column.description):
                untranslated.append(f"{kind}.{column.name}")
    assert not untranslated
    with translation.override("fr"):
        workbook = load_workbook(io.BytesIO(template_workbook("journal")))
    first, about = workbook.worksheets
    assert (first.title, about.title) == ("Écritures", "Colonnes")
    assert [c.value for c in first[1]] == [column.name for column in JOURNAL]
    assert [c.value for c in about[1]] == [
        "colonne",
        "obligatoire",
        "également accepté sous le nom",
        "signification",
    ]
    assert about["B2"].value == "oui"
    assert about["D5"].value == "Numéro de compte du plan comptable du laboratoire"


def test_a_time_is_shown_in_the_office_zone_in_the_readers_language():
    at = datetime(2026, 12, 3, 6, 5, tzinfo=UTC)
    with translation.override("fr"):
        assert moment(at) == "3 décembre 2026 14:05 +08"
    assert moment(at) == "3 Dec 2026, 14:05 +08"  # English as Singapore writes it
    assert when_text(at) == "2026-12-03 14:05 +08"
