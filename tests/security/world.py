"""Two labs with something of every kind, and a persona for every role, told through the
real services: the ground the access matrix, the walls and the hostile inputs walk on.

Lab A is CINTRA, lab B is MAJULAB. What each lab holds carries the lab's tag in its
codes, references and labels (`CIN-SUP`, `PO-CIN-77`, `INV-CIN-0001`...), so that a
response can be searched for any identifier of the other lab.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.db import models

from alerts.models import Alert
from alerts.services import alerts_check
from api.models import ApiToken
from api.services import token_create, token_revoke
from irls import services as irls_services
from irls.models import Institution, Lab, Partnership, Role, RoleGrant
from jobs.services import job_enqueue_statement
from ledger import services
from ledger.models import (
    AuditEvent,
    ExchangeRate,
    FiscalYear,
    ImportBatch,
    JournalEntry,
    Period,
)
from ledger.services.documents import document_attach
from ledger.services.imports import import_file
from parties.models import ThirdParty
from reports.services import statement_issue
from tests.banking.world import bank_world
from tests.books import account, budget_line, draft, funding, journal, lab_with_books

D = Decimal
PASSWORD = "Harbour-Ledger-Wall-2025"
TAGS = {"CINTRA": "CIN", "MAJULAB": "MAJ"}

# The personas, named by role and scope; lab-scoped ones carry their lab's code.
OFFICE_PERSONAS = {
    "office_head": Role.OFFICE_HEAD,
    "accountant": Role.ACCOUNTANT,
    "auditor": Role.AUDITOR,
}
LAB_PERSONAS = {
    "accountant": Role.ACCOUNTANT,
    "director": Role.DIRECTOR,
    "auditor": Role.AUDITOR,
}


@dataclass
class LabWorld:
    lab: Lab
    objects: dict[str, models.Model] = field(default_factory=dict)
    identifiers: set[str] = field(default_factory=set)

    def __getitem__(self, name: str) -> Any:
        return self.objects[name]


@dataclass
class World:
    labs: dict[str, LabWorld]  # "A", "B"
    users: dict[str, User]  # office_head, accountant, auditor, accountant_a, auditor_b...
    office: dict[str, models.Model]

    @property
    def a(self) -> LabWorld:
        return self.labs["A"]

    @property
    def b(self) -> LabWorld:
        return self.labs["B"]


def _user(username: str, *, staff: bool = True) -> User:
    # tests/security/conftest.py makes the hashing cheap.
    return get_user_model().objects.create_user(
        username=username, password=PASSWORD, is_staff=staff
    )


def _lab_world(code: str, accountant: User) -> LabWorld:
    tag = TAGS[code]
    lab = lab_with_books(code)
    world = LabWorld(lab)
    supplies = budget_line(lab, f"{tag}-SUP", "12500.00")
    missions = budget_line(lab, f"{tag}-MIS", "5000.00", nature="missions")
    order = services.commitment_create(
        acting_user=accountant,
        budget_line=supplies,
        kind="purchase_order",
        reference=f"PO-{tag}-77",
        third_party=f"SUP-{tag}",
        label=f"Wafers for {tag}",
        amount=D("4000.00"),
        on=date(2025, 2, 3),
    )
    amendment = services.budget_line_amend(
        acting_user=accountant,
        budget_line=supplies,
        amount=D("500.00"),
        on=date(2025, 3, 1),
        justification=f"Top-up for {tag}",
    )
    invoice = services.entry_create_draft(
        acting_user=accountant,
        lab=lab,
        journal=journal(lab, "ACH"),
        date=date(2025, 3, 10),
        label=f"Invoice {tag} wafers",
        piece_ref=f"INV-{tag}-0001",
        piece_date=date(2025, 3, 10),
        lines=[
            services.LineInput(
                account=account(lab, "6063"),
                debit=D("2500.00"),
                commitment=order,
                third_party=f"SUP-{tag}",
            ),
            services.LineInput(
                account=account(lab, "401"), credit=D("2500.00"), third_party=f"SUP-{tag}"
            ),
        ],
    )
    invoice = services.entry_post(acting_user=accountant, entry=invoice)
    # The supplier's PDF, attached once the invoice is posted; its text names the invoice.
    receipt = document_attach(
        acting_user=accountant,
        entry=invoice,
        name=f"invoice-{tag}-0001.pdf",
        data=f"%PDF-1.4\n% invoice-{tag}-0001.pdf: INV-{tag}-0001\n%%EOF\n".encode(),
    )
    pending = draft(
        accountant,
        lab,
        [("6064", "75.00", "0"), ("401", "0", "75.00")],
        label=f"Draft {tag} pipettes",
        piece_ref=f"DRAFT-{tag}-1",
    )
    batch = import_file(
        acting_user=accountant,
        lab=lab,
        kind="accounts",
        file_name=f"chart-{tag}.csv",
        data=f"code,name_fr,name_en\n6068,Autres {tag},Other {tag}\n".encode(),
    ).batch
    assert batch is not None
    # A statement asked of a worker: queued (no worker runs beside the walk).
    job = job_enqueue_statement(
        acting_user=accountant,
        lab=lab,
        options={"kind": "general-ledger", "year": 2025, "format": "xlsx", "language": "en"},
    )
    statement = statement_issue(
        acting_user=accountant, lab=lab, kind="trial-balance", year=2025, format="xlsx"
    )
    # A budget alert: the supplies line (30.8 % consumed) watched from 25 %.
    services.budget_line_update(
        acting_user=accountant,
        budget_line=supplies,
        label_fr=supplies.label_fr,
        label_en=supplies.label_en,
        policy=supplies.policy,
        funder_category=supplies.funder_category,
        alert_thresholds="25,100",
    )
    alerts_check(lab=lab, on=date(2025, 3, 31))
    alert = Alert.objects.get(lab=lab, kind=Alert.Kind.THRESHOLD)
    world.objects.update(
        {
            "lab": lab,
            "budgetline": supplies,
            "other_line": missions,
            "commitment": order,
            "budgetamendment": amendment,
            "journalentry": invoice,
            "draft": pending,
            "account": account(lab, "6063"),
            "journal": journal(lab, "ACH"),
            "fiscalyear": FiscalYear.objects.get(lab=lab, year=2025),
            "period": Period.objects.filter(lab=lab).order_by("start_date").first(),  # type: ignore[dict-item]
            "fundingsource": funding(lab),
            "partnership": Partnership.objects.filter(lab=lab).first(),  # type: ignore[dict-item]
            "importbatch": ImportBatch.objects.get(pk=batch.pk),
            "statement": statement,
            "job": job,
            "supportingdocument": receipt,
            "alert": alert,
            "auditevent": AuditEvent.objects.filter(lab=lab).order_by("-id").first(),  # type: ignore[dict-item]
        }
    )
    bank, bank_identifiers = bank_world(lab, accountant, tag)
    world.objects.update(bank)
    world.identifiers |= bank_identifiers
    world.identifiers |= {
        code,
        lab.name,
        f"{tag}-SUP",
        f"{tag}-MIS",
        f"PO-{tag}-77",
        # Not SUP-{tag}: third parties are the office's records, listed to every lab's
        # people (parties/selectors.py); the lines that name them stay behind the walls.
        f"INV-{tag}-0001",
        f"DRAFT-{tag}-1",
        f"chart-{tag}.csv",
        invoice.hash,
        batch.sha256,
        statement.sha256,
        statement.file_name,
        receipt.original_name,
    }
    return world


def _revoked_token(user: User) -> ApiToken:
    token, _secret = token_create(acting_user=user, name="Nightly export", days=30)
    return token_revoke(acting_user=user, token=token)


def world_build() -> World:
    """Both labs, the office's records and the personas (all staff, as the demo's)."""
    users = {name: _user(name) for name in OFFICE_PERSONAS}
    for name, role in OFFICE_PERSONAS.items():
        irls_services.role_grant(acting_user=None, user=users[name], role=role, lab=None)
    services.exchange_rate_set(
        acting_user=users["accountant"],
        currency="SGD",
        valid_from=date(2025, 1, 1),
        units_per_eur=D("1.4500"),
        source="chancellery",
    )
    labs = {}
    for side, code in (("A", "CINTRA"), ("B", "MAJULAB")):
        labs[side] = _lab_world(code, users["accountant"])
        for persona, role in LAB_PERSONAS.items():
            username = f"{persona}_{code.lower()}"
            user = users[f"{persona}_{side.lower()}"] = _user(username)
            irls_services.role_grant(acting_user=None, user=user, role=role, lab=labs[side].lab)
            labs[side].identifiers.add(username)
        labs[side].objects["rolegrant"] = RoleGrant.objects.get(
            user=users[f"director_{side.lower()}"]
        )
        labs[side].objects["user"] = users[f"director_{side.lower()}"]
    # An accountant who has left: the account is deactivated, the grant still there.
    inactive = users["inactive"] = _user("inactive_accountant")
    irls_services.role_grant(acting_user=None, user=inactive, role=Role.ACCOUNTANT, lab=None)
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    office = {
        "exchangerate": ExchangeRate.objects.get(),
        "institution": Institution.objects.get(code="CNRS"),
        "group": Group.objects.create(name="Unused group"),
        # The third party of lab A's invoice: lab B's people see its record, not its lines.
        "thirdparty": ThirdParty.objects.get(code="SUP-CIN"),
        # A personal API token of the office-wide accountant, already revoked: revoking
        # it again writes nothing, whoever asks.
        "apitoken": _revoked_token(users["accountant"]),
    }
    return World(labs, users, office)


def rows_count() -> dict[str, int]:
    """The number of rows of every table a request could change (sessions aside)."""
    from django.apps import apps

    counted = {}
    for model in apps.get_models():
        if model._meta.label in {"sessions.Session"}:
            continue
        counted[model._meta.label] = model._default_manager.count()
    return counted


def entries_state() -> list[tuple[Any, ...]]:
    """What would show a change to the books: every entry's status, number and hash."""
    return list(
        JournalEntry.objects.order_by("id").values_list("id", "status", "number", "hash", "label")
    )
