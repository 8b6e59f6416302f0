"""The `third_parties` sheet: the office's file of third parties, from a spreadsheet.

    python manage.py import_sheet third_parties FILE [--dry-run] [--as USERNAME]

Office-wide (no lab). The file is read by ledger.imports (the same safe reading, header
matching with French aliases, problems by row and column) and written by the services of
parties.services, every row or none, in one transaction: a new code creates a third
party; a code already in the file of the office changes the fields its row fills (an
empty cell leaves the stored value as it is, so a sheet of e-mails never wipes bank
details; the code itself, the key, never changes). The import is one audit event
(`import.third_parties`: file name, sha256, rows, created, changed) beside the events of
each third party created or changed.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from irls.models import Institution
from ledger.exceptions import LedgerError
from ledger.imports import cells
from ledger.imports.columns import KIND_COLUMNS, Column, normalized
from ledger.imports.plans import Plan, Preview, PreviewGroup, Progress, RowReader
from ledger.imports.problems import (
    DUPLICATE_IN_FILE,
    WRITE_REFUSED,
    Problem,
    count_text,
    shown,
)
from ledger.imports.reading import SHEET_NAMES, FileRefused, read_sheet
from ledger.imports.templates import TITLES as TEMPLATE_TITLES
from ledger.services.audit import audit_record
from parties.exceptions import FIELD_REQUIRED, INSTITUTION_UNKNOWN
from parties.models import ThirdParty
from parties.services import (
    FIELDS,
    require_third_party_writer,
    third_party_create,
    third_party_update,
)
from parties.validation import check_fields, field_name

THIRD_PARTIES = "third_parties"
MAX_ROWS = 20_000

# -- the sheet's columns -------------------------------------------------------------------------

COLUMNS = (
    Column(
        "code",
        _(
            "The third party's code, as lines name it (40 characters at most): a new code "
            "creates a third party; a known one changes the fields its row fills (an empty "
            "cell keeps what is stored)"
        ),
        "SUP-FISHER",
        True,
        ("code tiers", "compte tiers", "tiers"),
    ),
    Column(
        "name",
        _("Name (required for a new third party)"),
        "Fisher Scientific Pte Ltd",
        False,
        ("nom", "raison sociale", "nom du tiers", "dénomination"),
    ),
    Column(
        "kind",
        _(
            "supplier (fournisseur), customer (client), partner (partenaire), staff "
            "(personnel) or other (autre); required for a new third party"
        ),
        "supplier",
        False,
        ("type", "type de tiers", "catégorie"),
    ),
    Column("country", _("ISO country code (SG, FR, ...)"), "SG", False, ("pays", "code pays")),
    Column(
        "uen",
        _("Singapore UEN (Unique Entity Number)"),
        "200604346E",
        False,
        ("numéro uen", "uen number"),
    ),
    Column("siret", _("French SIRET (14 digits)"), "", False, ("numéro siret", "n° siret")),
    Column(
        "currency",
        _("Currency of its invoices (ISO code); SGD for a new third party if empty"),
        "SGD",
        False,
        ("devise",),
    ),
    Column(
        "payment_terms_days",
        _(
            "Payment terms in days (an invoice falls due so many days after its date); 30 "
            "for a new third party if empty"
        ),
        30,
        False,
        (
            "délai de paiement (jours)",
            "délai de paiement",
            "payment terms",
            "payment terms (days)",
            "échéance (jours)",
        ),
    ),
    Column(
        "email",
        _("E-mail address"),
        "accounts@fisher.example",
        False,
        ("e-mail", "courriel", "mail", "adresse e-mail", "adresse électronique"),
    ),
    Column("address", _("Postal address"), "", False, ("adresse", "adresse postale")),
    Column(
        "institution",
        _("Code of the partner institution it is, where it is one (CNRS, NUS, ...)"),
        "",
        False,
        ("établissement", "institution partenaire"),
    ),
    Column("bank_name", _("Bank"), "", False, ("bank", "banque", "nom de la banque")),
    Column(
        "bank_account_holder",
        _("Holder of the bank account"),
        "",
        False,
        ("account holder", "titulaire", "titulaire du compte"),
    ),
    Column(
        "bank_account_number",
        _("Bank account number"),
        "",
        False,
        ("account number", "numéro de compte", "n° de compte", "compte bancaire"),
    ),
    Column(
        "bank_swift",
        _("SWIFT/BIC code of the bank"),
        "",
        False,
        ("swift", "bic", "swift/bic", "code swift", "code bic"),
    ),
    Column("bank_iban", _("IBAN of the bank account"), "", False, ("iban",)),
)
# The kinds as a sheet may write them, English or French, singular (accents and case aside).
KIND_WORDS: dict[str, str] = {
    **dict.fromkeys(["supplier", "fournisseur", "vendor"], ThirdParty.Kind.SUPPLIER),
    **dict.fromkeys(["customer", "client"], ThirdParty.Kind.CUSTOMER),
    **dict.fromkeys(["partner", "partenaire"], ThirdParty.Kind.PARTNER),
    **dict.fromkeys(
        ["staff", "staff member", "personnel", "membre du personnel", "salarie", "agent"],
        ThirdParty.Kind.STAFF,
    ),
    **dict.fromkeys(["other", "autre", "divers"], ThirdParty.Kind.OTHER),
}
# The readers of ledger.imports find this kind's columns and sheet by its name.
KIND_COLUMNS[THIRD_PARTIES] = COLUMNS
SHEET_NAMES[THIRD_PARTIES] = ("third parties", "tiers", "fournisseurs", "partenaires")
TEMPLATE_TITLES[THIRD_PARTIES] = _("Third parties")

# -- the preview's words ------------------------------------------------------------------------

SUMMARY_TITLE = _("Third parties of the sheet")
SUMMARY_NEW = _("New third parties")
SUMMARY_CHANGED = _("Third parties changed")
SUMMARY_UNCHANGED = _("Third parties unchanged")
ACTION_NEW = pgettext_lazy("third party import", "new")
ACTION_CHANGED = pgettext_lazy("third party import", "changed")
ACTION_UNCHANGED = pgettext_lazy("third party import", "unchanged")
CAPTION_ROW = _("row")
CAPTION_ACTION = pgettext_lazy("third party import", "action")
CAPTION_CODE = _("code")
CAPTION_NAME = _("name")
CAPTION_KIND = _("kind")
CAPTION_FIELDS = _("fields set")
DUPLICATE_THIRD_PARTY = pgettext_lazy("duplicate in a file", "third party")
CELL = _("Row {row}, column {column}")
REQUIRED_FOR_NEW = _("Row {row}, column {column}: required for a new third party ({code})")
CODE_CASE = _(
    "Row {row}, column code: {code} differs from third party {existing} only by upper and "
    "lower case: write {existing}, or choose a code that differs by more"
)


@dataclass(frozen=True)
class ThirdPartyRow:
    """What one row does: create (`existing` None) or change the fields in `values`."""

    row: int
    code: str
    values: dict[str, Any]
    existing: ThirdParty | None

    @property
    def action(self) -> str:
        if self.existing is None:
            return "new"
        return "changed" if self.values else "unchanged"


@dataclass
class ThirdPartiesPlan(Plan):
    parties: list[ThirdPartyRow] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for party in self.parties if party.action == action)

    def preview(self) -> Preview:
        words = {"new": ACTION_NEW, "changed": ACTION_CHANGED, "unchanged": ACTION_UNCHANGED}
        kinds = dict(ThirdParty.Kind.choices)
        rows = []
        for party in self.parties:
            name = party.values.get("name") or (party.existing.name if party.existing else "")
            kind = party.values.get("kind") or (party.existing.kind if party.existing else "")
            rows.append(
                [
                    str(party.row),
                    str(words[party.action]),
                    party.code,
                    name,
                    str(kinds.get(kind, kind)),
                    ", ".join(field_name(name) for name in FIELDS if name in party.values),
                ]
            )
        captions = [CAPTION_ROW, CAPTION_ACTION, CAPTION_CODE, CAPTION_NAME, CAPTION_KIND]
        title = str(SUMMARY_TITLE)
        return Preview(
            [str(c) for c in (*captions, CAPTION_FIELDS)],
            [PreviewGroup(title, rows)],
            [
                (str(SUMMARY_NEW), count_text(self.count("new"))),
                (str(SUMMARY_CHANGED), count_text(self.count("changed"))),
                (str(SUMMARY_UNCHANGED), count_text(self.count("unchanged"))),
            ],
        )


def _kind(value: Any) -> str:
    """A kind written in words (English or French, a label of either language) as the
    kind it is; what is no kind is kept as written, for the check to name it."""
    written = normalized(cells.text(value))
    labels = {normalized(str(label)): str(kind) for kind, label in ThirdParty.Kind.choices}
    return KIND_WORDS.get(written) or labels.get(written) or cells.text(value)


class _Row:
    """The cells of one row by column name; problems go to the plan with the row."""

    def __init__(self, plan: Plan, reader: RowReader, number: int, row: list[Any]) -> None:
        self.plan, self.reader, self.number, self.row = plan, reader, number, row
        self.ok = True

    def has(self, name: str) -> bool:
        return self.reader.position(name) is not None

    def raw(self, name: str) -> Any:
        index = self.reader.position(name)
        return self.row[index] if index is not None else ""

    def fail(self, message: str, column: str | None) -> None:
        self.plan.add(message, self.number, column)
        self.ok = False


def _values(cells_: _Row, institutions: dict[str, Institution]) -> dict[str, Any]:
    """The filled cells of the row as the service's values (text as typed; a kind in
    words made a kind; an institution code made the institution)."""
    values: dict[str, Any] = {}
    for column in COLUMNS:
        if not cells_.has(column.name) or cells.is_blank(cells_.raw(column.name)):
            continue
        raw = cells_.raw(column.name)
        if column.name == "kind":
            values["kind"] = _kind(raw)
        elif column.name == "payment_terms_days":
            values["payment_terms_days"] = raw if isinstance(raw, (int, float)) else cells.text(raw)
        elif column.name == "institution":
            code = cells.text(raw)
            institution = institutions.get(code.upper())
            if institution is None:
                cells_.fail(
                    INSTITUTION_UNKNOWN.format(
                        field=CELL.format(row=cells_.number, column="institution"),
                        value=shown(code),
                    ),
                    "institution",
                )
            values["institution"] = institution
        else:
            values[column.name] = cells.text(raw)
    return values


def plan_third_parties(
    sheet: Any,
    *,
    today: date,
    progress: Progress | None = None,
) -> ThirdPartiesPlan:
    """Every row of the sheet checked against the office's file (read once)."""
    plan = ThirdPartiesPlan(kind=THIRD_PARTIES)
    reader = RowReader(THIRD_PARTIES, sheet, plan, MAX_ROWS)
    if plan.problems:
        plan.finish()
        return plan
    stored = {party.code: party for party in ThirdParty.objects.select_related("institution")}
    by_case = {code.casefold(): code for code in stored}
    institutions = {i.code.upper(): i for i in Institution.objects.all()}
    seen: dict[str, int] = {}
    for number, row in reader.rows(progress):
        cells_ = _Row(plan, reader, number, row)
        given = _values(cells_, institutions)

        def cell(name: str, number: int = number) -> str:
            return str(CELL.format(row=number, column=name))

        checked = check_fields(given, today=today, name_of=cell)
        for name, messages in checked.problems.items():
            for message in messages:
                cells_.fail(message, name)
        code = checked.values.get("code", "")
        if not code:
            if "code" not in checked.problems:
                cells_.fail(FIELD_REQUIRED.format(field=cell("code")), "code")
            continue
        first = seen.setdefault(code.casefold(), number)
        if first != number:
            cells_.fail(
                DUPLICATE_IN_FILE.format(
                    row=number, what=DUPLICATE_THIRD_PARTY, key=code, first_row=first
                ),
                "code",
            )
            continue
        existing = stored.get(code)
        if existing is None and code.casefold() in by_case:
            cells_.fail(
                CODE_CASE.format(row=number, code=code, existing=by_case[code.casefold()]),
                "code",
            )
            continue
        if existing is None:
            for name in ("name", "kind"):
                if name not in given:
                    cells_.fail(REQUIRED_FOR_NEW.format(row=number, column=name, code=code), name)
        if not cells_.ok:
            continue
        values = {k: v for k, v in checked.values.items() if k != "code"}
        if existing is not None:
            values = {k: v for k, v in values.items() if getattr(existing, k) != v}
        plan.parties.append(ThirdPartyRow(number, code, values, existing))
    plan.finish()
    return plan


# -- the import ---------------------------------------------------------------------------------


@dataclass
class ThirdPartiesOutcome:
    """What the import found and did: the plan, the problems, what was written."""

    file_name: str
    sha256: str
    size: int
    dry_run: bool
    plan: ThirdPartiesPlan | None = None
    problems: list[Problem] = field(default_factory=list)
    created: int = 0
    changed: int = 0
    kind: str = THIRD_PARTIES

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def rows(self) -> int:
        return self.plan.rows if self.plan is not None else 0

    @property
    def notes(self) -> list[str]:
        return self.plan.notes if self.plan is not None else []

    def preview(self) -> Preview | None:
        return self.plan.preview() if self.plan is not None else None


def third_parties_import(
    *,
    acting_user: User | None,
    file_name: str,
    data: bytes,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ThirdPartiesOutcome:
    """Check a sheet of third parties and, unless `dry_run` or a problem was found,
    create and change them all in one transaction (or none). `acting_user` None is the
    system; anyone else keeps the file (an accountant or the office head)."""
    require_third_party_writer(acting_user, "import third parties")
    outcome = ThirdPartiesOutcome(
        file_name[:255], hashlib.sha256(data).hexdigest(), len(data), dry_run
    )
    try:
        sheet = read_sheet(outcome.file_name, data, THIRD_PARTIES)
        outcome.plan = plan_third_parties(sheet, today=timezone.localdate(), progress=progress)
    except FileRefused as refusal:
        outcome.problems.append(Problem(str(refusal)))
        return outcome
    outcome.problems.extend(outcome.plan.problems)
    if outcome.problems or dry_run:
        return outcome
    try:
        _write(outcome, acting_user)
    except (LedgerError, ValidationError, IntegrityError) as error:
        outcome.created = outcome.changed = 0
        detail = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        outcome.problems.append(Problem(WRITE_REFUSED.format(detail=detail)))
    return outcome


@transaction.atomic
def _write(outcome: ThirdPartiesOutcome, user: User | None) -> None:
    plan = outcome.plan
    assert plan is not None
    for party in plan.parties:
        if party.existing is None:
            values = {k: v for k, v in party.values.items() if k in FIELDS}
            third_party_create(acting_user=user, code=party.code, **values)
            outcome.created += 1
        elif party.values:
            third_party_update(acting_user=user, third_party=party.existing, **party.values)
            outcome.changed += 1
    audit_record(
        actor=user,
        action=f"import.{THIRD_PARTIES}",
        lab=None,
        after={
            "file_name": outcome.file_name,
            "sha256": outcome.sha256,
            "rows": plan.rows,
            "created": outcome.created,
            "changed": outcome.changed,
        },
    )
