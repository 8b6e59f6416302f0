"""No management command writes to the books without an audit event (issue 10, item 9).

- django-import-export's own `import` and `export` commands do not exist here: the app is
  not installed (its library classes, used by ledger/imports/resources.py, need none).
- Every command `manage.py help` lists is classified below, as read-only, as tooling, as
  refusing the books or as writing to the books; a new command fails
  `test_every_command_is_classified` until it is put in one list.
- Each command that writes to the books is run for real, and every row it adds to a
  table of the books is accounted for by an audit event of the same run.
- `loaddata` (and any deserializer) refuses rows of the books (ledger/fixture_guard.py).
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core import serializers
from django.core.management import CommandError, ManagementUtility, call_command, get_commands
from django.db import models
from django.db.models.signals import pre_save

from irls.models import Lab
from ledger.exceptions import FIXTURE_REFUSED, FixtureRefusedError
from ledger.fixture_guard import BOOK_APPS
from ledger.models import AuditEvent, BudgetSpending, ImportBatch, JournalEntry
from tests.imports.conftest import books, cintra_accountant  # noqa: F401 (fixtures)
from tests.imports.sheets import JOURNAL_HEADER, csv_bytes, line

# django-import-export's commands: they wrote rows straight into any model, without the
# services' rules, an import batch or an audit event.
REMOVED = {"import", "export"}

# Commands that write nothing to the database.
READ_ONLY = {
    "check",
    "diffsettings",
    "dumpdata",
    "export_openapi_schema",  # django-ninja's: prints or writes the API's schema to a file
    "findstatic",
    "inspectdb",
    "showmigrations",
    "sqlflush",  # prints the SQL, runs nothing
    "sqlmigrate",
    "sqlsequencereset",
    "verify_ledger",
}

# Development and operations: they write files, the schema, users, sessions or the
# cache table, never rows of the books; or they are general-purpose tools whose writes
# to the books go through the services (runserver: the web pages) or meet the database
# guards (shell, dbshell).
TOOLING = {
    "changepassword",
    "clearsessions",
    "collectstatic",
    "backup",  # ops/: copies the database and documents to a file; audited (backup.make)
    "compile_translations",
    "compilemessages",
    "createcachetable",
    "createsuperuser",
    "db_worker",  # django_tasks_db's worker: runs queued tasks, which write through services
    "dbshell",
    "flush",  # empties every table, audit trail included: development and test databases
    "jobs_retry",  # queues background jobs again (jobs, audited as job.retry), not the books
    "jobs_worker",  # db_worker with a heartbeat (jobs/): the tasks write through services
    "makemessages",
    "makemigrations",
    "migrate",
    "optimizemigration",
    "prune_db_task_results",  # deletes finished tasks of the database queue
    "remove_stale_contenttypes",  # no table of the books points to a content type
    # ops/: puts a backup whole into an empty database (refused otherwise), verified and
    # audited (backup.restore); its rows are the backup's, accounted for by their own events.
    "restore",
    "runserver",
    "sendtestemail",
    "shell",
    "squashmigrations",
    "startapp",
    "startproject",
    "test",
    "testserver",
}

# Commands that load rows into any app but refuse the books (ledger/fixture_guard.py).
REFUSES_BOOKS = {"loaddata"}

# Commands that write to the books: each one is run below (RUNS, test_load_demo_...).
BOOK_WRITERS = {
    "add_bank_account",
    "audit_package",
    "budget_alerts",
    "close_period",
    "close_year",
    "import_bank_statement",
    "import_sheet",
    "load_demo",
    "open_year",
    "reopen_period",
    "reopen_year",
    "statement",
}

# Apps of ours whose tables are not the books: every other app of the project with models
# must be in ledger.fixture_guard.BOOK_APPS. jobs: requests for background work and the
# workers' reports; what the work writes (statements, imports) goes through the services.
# api: personal tokens (their creation and revocation audited) and the answers kept for
# idempotency keys; what the API writes goes through the services.
NOT_BOOKS: set[str] = {"api", "jobs"}

# Rows kept for an object of another table: accounted for by an event on that object.
PART_OF = {
    "ledger.JournalLine": ("entry_id", "ledger.JournalEntry"),
    "ledger.Period": ("fiscal_year_id", "ledger.FiscalYear"),
    "ledger.BudgetAmendment": ("budget_line_id", "ledger.BudgetLine"),
    "banking.BankStatementLine": ("statement_id", "banking.BankStatement"),
    "banking.BankMatchStatementLine": ("match_id", "banking.BankMatch"),
    "banking.BankMatchBookLine": ("match_id", "banking.BankMatch"),
    "parties.LetteredLine": ("lettering_id", "parties.Lettering"),
    "alerts.AlertDelivery": ("alert_id", "alerts.Alert"),
}
# State kept by posting (numbering counters, the hash-chain head, the monthly spending of
# a budget line, kept by a trigger): accounted for by an `entry.post` event in the lab.
POSTING_STATE = {
    "ledger.LedgerSequence": "lab_id",
    "ledger.LedgerChain": "lab_id",
    "ledger.BudgetSpending": "budget_line__lab_id",
}

ACCOUNTS_SHEET = csv_bytes(
    [["code", "name_fr", "name_en"], ["6257", "Réceptions", "Receptions"], ["7068", "P", "S"]]
)
RATES_SHEET = csv_bytes(
    [
        ["currency", "valid_from", "units_per_eur", "source"],
        ["JPY", "2025-03-01", "161.25", "ecb"],
    ]
)
BUDGET_SHEET = csv_bytes(
    [
        [
            "code",
            "year",
            "funding_source",
            "label_fr",
            "label_en",
            "envelope",
            "nature",
            "allocated",
            "allocated_on",
        ],
        [
            "OP-SVC",
            "2025",
            "CNRS-DOT",
            "Services",
            "Services",
            "operating",
            "services",
            "900.00",
            "2025-01-15",
        ],
    ]
)
DRAFTS_SHEET = csv_bytes(
    [
        JOURNAL_HEADER,
        line("D1", "6064", "12.00", None),
        line("D1", "401", None, "12.00"),
        line("D2", "6064", "8.00", None, date="2025-04-02"),
        line("D2", "401", None, "8.00", date="2025-04-02"),
    ]
)
POSTED_SHEET = csv_bytes(
    [
        JOURNAL_HEADER,
        line("P1", "6063", "40.00", None, budget_line="OP-SUP"),
        line("P1", "401", None, "40.00"),
        line("P2", "6064", "5.00", None, date="2025-05-20"),
        line("P2", "401", None, "5.00", date="2025-05-20"),
    ]
)
# 41,000.00 of OP-SUP's 50,000.00: 82 %, past its 80 % alert threshold.
ALERT_SHEET = csv_bytes(
    [
        JOURNAL_HEADER,
        line("A1", "6063", "41000.00", None, budget_line="OP-SUP"),
        line("A1", "401", None, "41000.00"),
    ]
)
BAD_SHEET = csv_bytes(
    [JOURNAL_HEADER, line("B1", "6064", "abc", None), line("B1", "401", None, "10.00")]
)


@dataclass(frozen=True)
class Run:
    """One real run of a writing command on the books of tests/imports/conftest.py;
    `{file}` in `args` is `sheet` written to a file, `{dir}` a temporary directory."""

    command: str
    args: tuple[str, ...]
    actions: set[str]
    actor: str | None = None  # the username every event must name (None: the system)
    sheet: bytes = b""
    options: dict[str, Any] = field(default_factory=dict)
    setup: tuple[tuple[str, ...], ...] = ()  # commands run first, outside the accounting

    @property
    def id(self) -> str:
        return f"{self.command}-{'-'.join(a for a in self.args if not a.startswith('{'))}"


AS = ("--as", "cintra_accountant")
# A bank account of CINTRA on 512, reading DBS's CSV exports (banking/).
BANK_ACCOUNT = (
    "add_bank_account",
    "--lab",
    "CINTRA",
    "--ledger-account",
    "512",
    "--name",
    "DBS",
    "--csv",
    "dbs",
)
BANK_CSV = (
    b"Transaction Date,Reference,Debit Amount,Credit Amount,Transaction Ref1,"
    b"Transaction Ref2,Transaction Ref3\r\n"
    b'03 Mar 2025,ICT,,"75,000.00",THALES SOLUTIONS ASIA,CINTRA-VT-2025-001,\r\n'
    b"31 Mar 2025,SC,55.30,,SERVICE CHARGE,MAR 2025,\r\n"
)
CINTRA = ("--lab", "CINTRA")
# Two purchases posted, then every month of 2025 closed in order: a year ready to close.
YEAR_READY = (
    ("import_sheet", "journal", "{file}", *CINTRA, "--post", *AS),
    *(("close_period", *CINTRA, "--month", f"2025-{m:02d}") for m in range(1, 13)),
)
RUNS = [
    Run(
        "import_sheet",
        ("accounts", "{file}", "--lab", "CINTRA"),
        {"account.create", "import.accounts"},
        sheet=ACCOUNTS_SHEET,
    ),
    Run(
        "import_sheet",
        # Rates are the office's: imported office-wide (the office head), never by an
        # accountant of one lab.
        ("rates", "{file}", "--lab", "CINTRA", "--as", "office_head"),
        {"exchange_rate.set", "import.rates"},
        actor="office_head",
        sheet=RATES_SHEET,
    ),
    Run(
        "import_sheet",
        ("budget", "{file}", "--lab", "CINTRA", *AS),
        {"budget_line.create", "import.budget"},
        actor="cintra_accountant",
        sheet=BUDGET_SHEET,
    ),
    # Drafts imported in bulk: the batch's event records them (each entry names its batch).
    Run(
        "import_sheet",
        ("journal", "{file}", "--lab", "CINTRA", *AS),
        {"import.journal"},
        actor="cintra_accountant",
        sheet=DRAFTS_SHEET,
    ),
    Run(
        "import_sheet",
        ("journal", "{file}", "--lab", "CINTRA", "--post", *AS),
        {"entry.post", "import.journal"},
        actor="cintra_accountant",
        sheet=POSTED_SHEET,
    ),
    Run("close_period", ("--lab", "CINTRA", "--month", "2025-01"), {"period.close"}),
    Run(
        "close_period",
        ("--lab", "CINTRA", "--month", "2025-02", *AS),
        {"period.close"},
        actor="cintra_accountant",
        setup=(("close_period", *CINTRA, "--month", "2025-01"),),
    ),
    Run(
        "reopen_period",
        (*CINTRA, "--month", "2025-01", "--reason", "Late invoice"),
        {"period.reopen"},
        setup=(("close_period", *CINTRA, "--month", "2025-01"),),
    ),
    Run(
        "open_year",
        (*CINTRA, "--year", "2026", *AS),
        {"fiscal_year.open"},
        actor="cintra_accountant",
    ),
    Run(
        "close_year",
        (*CINTRA, "--year", "2025", *AS),
        {
            "fiscal_year.open",
            "fiscal_year.close",
            "entry.create",
            "entry.post",
            "budget.carry_forward",
        },
        actor="cintra_accountant",
        sheet=POSTED_SHEET,
        setup=YEAR_READY,
    ),
    Run(
        "reopen_year",
        (*CINTRA, "--year", "2025", "--reason", "Audit adjustment", "--as", "office_head"),
        {"fiscal_year.reopen"},
        actor="office_head",
        sheet=POSTED_SHEET,
        setup=(*YEAR_READY, ("close_year", *CINTRA, "--year", "2025", *AS)),
    ),
    Run(
        "add_bank_account",
        BANK_ACCOUNT[1:],
        {"bank_account.create"},
    ),
    Run(
        "import_bank_statement",
        ("{file}", *CINTRA, "--account", "512", *AS),
        {"bank_statement.import"},
        actor="cintra_accountant",
        sheet=BANK_CSV,
        setup=(BANK_ACCOUNT,),
    ),
    Run(
        "statement",
        ("trial-balance", "--lab", "CINTRA", "--year", "2025", "--format", "xlsx", "-o", "{dir}"),
        {"statement.issue"},
    ),
    Run(
        "budget_alerts",
        (*CINTRA, "--today", "2026-01-05"),
        {"budget_alert.sent"},
        sheet=ALERT_SHEET,
        setup=(("import_sheet", "journal", "{file}", *CINTRA, "--post", *AS),),
    ),
    Run(
        "audit_package",
        ("--lab", "CINTRA", "--year", "2025", "--output", "{dir}"),
        {"audit_package.issue"},
        sheet=POSTED_SHEET,
        setup=(("import_sheet", "journal", "{file}", *CINTRA, "--post", *AS),),
    ),
]

# What the demo data set records, at the least (it goes through every service).
DEMO_ACTIONS = {
    "institution.create",
    "lab.create",
    "partnership.create",
    "fundingsource.create",
    "rolegrant.create",
    "account.create",
    "journal.create",
    "fiscal_year.open",
    "exchange_rate.set",
    "budget_line.create",
    "commitment.create",
    "entry.create",
    "entry.post",
    "entry.reverse",
    "period.close",
    # Closing the demo's first year (commitments reviewed, budgets carried forward).
    "commitment.carry_over",
    "commitment.cancel",
    "budget.carry_forward",
    "fiscal_year.close",
}


def book_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in BOOK_APPS
    ]


def book_rows() -> dict[str, set[Any]]:
    """The primary keys of every table of the books."""
    return {
        model._meta.label: set(model._base_manager.values_list("pk", flat=True))
        for model in book_models()
    }


def all_counts() -> dict[str, int]:
    """The row count of every table of every app (users, sessions... included)."""
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models(include_auto_created=True)
    }


def last_event() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _confirmed(events: list[AuditEvent], lab_id: int, account: str, code: str) -> bool:
    """A lettering written by a confirmation: one event for all of them, naming per
    account the first and last codes written (parties/lettering/writing.py)."""
    rank = (len(code), code)  # AA ... ZZ, then AAA
    for event in events:
        if event.action != "lettering.confirm" or event.lab_id != lab_id:
            continue
        codes = (event.after or {}).get("codes", {})
        if account in codes:
            first, last = codes[account].split(" - ")
            if (len(first), first) <= rank <= (len(last), last):
                return True
    return False


def unaccounted(before: dict[str, set[Any]], since: int) -> dict[str, set[Any]]:
    """The new rows of the books that no audit event after `since` accounts for."""
    events = list(AuditEvent.objects.filter(pk__gt=since))
    on: dict[str, set[str]] = defaultdict(set)
    for event in events:
        on[event.object_type].add(event.object_id)
    posted_in = {event.lab_id for event in events if event.action == "entry.post"}
    new = {label: pks - before[label] for label, pks in book_rows().items() if pks - before[label]}
    new.pop("ledger.AuditEvent", None)
    accounted: dict[str, set[Any]] = {}
    for label in sorted(new, key=lambda label: label in PART_OF):  # parts after the others
        rows = apps.get_model(label)._base_manager.filter(pk__in=new[label])
        if label in PART_OF:
            parent_field, parent = PART_OF[label]
            accounted[label] = {
                pk
                for pk, parent_id in rows.values_list("pk", parent_field)
                if str(parent_id) in on[parent] or parent_id in accounted.get(parent, ())
            }
        elif label in POSTING_STATE:
            state = rows.filter(**{f"{POSTING_STATE[label]}__in": posted_in})
            accounted[label] = set(state.values_list("pk", flat=True))
        elif label == "parties.Lettering":
            accounted[label] = {
                pk
                for pk, lab_id, account, code in rows.values_list(
                    "pk", "lab_id", "account__code", "code"
                )
                if str(pk) in on[label] or _confirmed(events, lab_id, account, code)
            }
        elif label == "parties.LetteringCounter":
            # The next code of an account, kept by lettering: any lettering in its lab.
            lettered = {e.lab_id for e in events if e.action.startswith("lettering.")}
            accounted[label] = set(
                rows.filter(account__lab_id__in=lettered).values_list("pk", flat=True)
            )
        elif label == "ledger.ImportBatch":
            # A refused attempt is itself the trace the auditors read (audit workspace).
            accounted[label] = {
                pk
                for pk, result in rows.values_list("pk", "result")
                if str(pk) in on[label] or result == ImportBatch.Result.REFUSED
            }
        elif label == "ledger.JournalEntry":
            # Entries imported in bulk (drafts) are recorded by their batch's event.
            accounted[label] = {
                pk
                for pk, batch in rows.values_list("pk", "import_batch_id")
                if str(pk) in on[label]
                or (batch is not None and str(batch) in on["ledger.ImportBatch"])
            }
        else:
            accounted[label] = {pk for pk in new[label] if str(pk) in on[label]}
    return {label: pks - accounted[label] for label, pks in new.items() if pks - accounted[label]}


def run_command(name: str, *args: str) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


# (a) django-import-export's commands ------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(REMOVED))
def test_import_export_commands_are_unknown_and_write_nothing(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert name not in get_commands()
    path = tmp_path / "lines.csv"
    path.write_text("id,entry,account,debit,credit\n1,1,1,10.00,0\n", encoding="utf-8")
    before = all_counts()

    with pytest.raises(CommandError, match=f"^Unknown command: '{name}'$"):
        call_command(name, "ledger.JournalLine", str(path), "--no-input")
    utility = ManagementUtility(["manage.py", name, "ledger.JournalLine", str(path), "--no-input"])
    with pytest.raises(SystemExit) as exited:
        utility.execute()

    assert exited.value.code == 1
    message = capsys.readouterr().err.splitlines()[0]
    assert message.startswith(f"Unknown command: '{name}'")
    if name == "import":
        assert message.endswith("Did you mean import_sheet?")
    assert all_counts() == before


# (b) every command is classified --------------------------------------------------


def test_every_command_is_classified() -> None:
    lists = {
        "READ_ONLY": READ_ONLY,
        "TOOLING": TOOLING,
        "REFUSES_BOOKS": REFUSES_BOOKS,
        "BOOK_WRITERS": BOOK_WRITERS,
    }
    commands = set(get_commands())
    classified: set[str] = set()
    for name, members in lists.items():
        assert not classified & members, f"{sorted(classified & members)} in two lists ({name})"
        classified |= members

    assert not commands & REMOVED
    assert not commands - classified, (
        f"Unclassified management commands {sorted(commands - classified)}: add each to "
        "READ_ONLY, TOOLING or BOOK_WRITERS (and give a writer a run in RUNS) in "
        f"{__name__}"
    )
    assert not classified - commands, f"No such command any more: {sorted(classified - commands)}"


def test_every_writing_command_is_run_below() -> None:
    assert {run.command for run in RUNS} | {"load_demo"} == BOOK_WRITERS


# (c) writing commands leave audit events -------------------------------------------


@pytest.mark.parametrize("run", RUNS, ids=[run.id for run in RUNS])
def test_a_writing_command_accounts_for_every_row_it_adds(
    run: Run,
    books: Lab,  # noqa: F811 (fixture)
    cintra_accountant: User,  # noqa: F811 (fixture)
    office_head: User,
    tmp_path: Path,
) -> None:
    sheet = tmp_path / "sheet.csv"
    sheet.write_bytes(run.sheet)
    args = [a.format(file=sheet, dir=tmp_path) for a in run.args]
    for command in run.setup:
        run_command(*[a.format(file=sheet, dir=tmp_path) for a in command])
    before, since = book_rows(), last_event()

    run_command(run.command, *args)

    assert unaccounted(before, since) == {}
    events = AuditEvent.objects.filter(pk__gt=since).select_related("actor")
    assert {event.action for event in events} == run.actions
    assert {event.actor.username if event.actor else None for event in events} == {run.actor}


def test_a_posted_import_books_the_spending_it_accounts_for(
    books: Lab,  # noqa: F811 (fixture)
    cintra_accountant: User,  # noqa: F811 (fixture)
    tmp_path: Path,
) -> None:
    """The posted-journal run above does add rows to every kind of table it covers."""
    sheet = tmp_path / "posted.csv"
    sheet.write_bytes(POSTED_SHEET)
    before, since = book_rows(), last_event()

    run_command("import_sheet", "journal", str(sheet), "--lab", "CINTRA", "--post", *AS)

    after = book_rows()
    grown = {label for label, pks in after.items() if pks - before[label]}
    assert grown >= {
        "ledger.ImportBatch",
        "ledger.JournalEntry",
        "ledger.JournalLine",
        "ledger.LedgerSequence",
        "ledger.BudgetSpending",
        "ledger.AuditEvent",
    }
    assert BudgetSpending.objects.filter(budget_line__code="OP-SUP").exists()
    assert JournalEntry.objects.filter(status="posted").count() == 2
    assert unaccounted(before, since) == {}


def test_a_refused_or_dry_run_import_writes_only_its_trace(
    books: Lab,  # noqa: F811 (fixture)
    cintra_accountant: User,  # noqa: F811 (fixture)
    tmp_path: Path,
) -> None:
    """A refused file leaves nothing but its 'refused' batch (listed in the audit
    workspace, with the problems); a dry run leaves nothing at all."""
    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_bytes(BAD_SHEET)
    good.write_bytes(POSTED_SHEET)
    before, since = book_rows(), last_event()

    with pytest.raises(CommandError, match="1 problem; nothing was imported"):
        run_command("import_sheet", "journal", str(bad), "--lab", "CINTRA", *AS)
    run_command("import_sheet", "journal", str(good), "--lab", "CINTRA", "--dry-run", *AS)

    after = book_rows()
    assert {label for label, pks in after.items() if pks - before[label]} == {"ledger.ImportBatch"}
    batch = ImportBatch.objects.get(
        pk__in=after["ledger.ImportBatch"] - before["ledger.ImportBatch"]
    )
    assert (batch.result, batch.file_name) == (ImportBatch.Result.REFUSED, "bad.csv")
    assert "'abc' is not an amount" in batch.message
    assert last_event() == since


@pytest.mark.django_db
def test_load_demo_accounts_for_every_row_it_adds() -> None:
    before, since = book_rows(), last_event()

    run_command("load_demo", "--today", "2026-12-03")

    assert unaccounted(before, since) == {}
    actions = set(AuditEvent.objects.filter(pk__gt=since).values_list("action", flat=True))
    assert actions >= DEMO_ACTIONS


def test_a_read_only_command_of_ours_writes_nothing(
    books: Lab,  # noqa: F811 (fixture)
    cintra_accountant: User,  # noqa: F811 (fixture)
    tmp_path: Path,
) -> None:
    ours = {name for name, app in get_commands().items() if app in BOOK_APPS}
    assert ours & READ_ONLY == {"verify_ledger"}  # a new one gets a run here
    before = all_counts()

    assert run_command("verify_ledger") == "CINTRA: OK, 0 posted entries, chain head (empty)\n"

    assert all_counts() == before


# (d) fixtures ---------------------------------------------------------------------


def fixture_file(tmp_path: Path, objects: list[dict[str, Any]]) -> str:
    path = tmp_path / "rows.json"
    path.write_text(json.dumps(objects), encoding="utf-8")
    return str(path)


INSTITUTION = {
    "model": "irls.institution",
    "pk": 9001,
    "fields": {"code": "FAKE", "name": "Fake", "kind": "research", "country": "SG"},
}
RATE = {
    "model": "ledger.exchangerate",
    "pk": 9001,
    "fields": {
        "currency": "USD",
        "valid_from": "2025-01-01",
        "units_per_eur": "1.0000",
        "source": "bank",
    },
}
GROUP = {"model": "auth.group", "pk": 9001, "fields": {"name": "from a fixture", "permissions": []}}


@pytest.mark.django_db
def test_loaddata_refuses_rows_of_the_books_and_loads_nothing(tmp_path: Path) -> None:
    path = fixture_file(tmp_path, [GROUP, INSTITUTION, RATE])
    before = all_counts()

    with pytest.raises(CommandError) as refused:
        call_command("loaddata", path, verbosity=0)

    assert str(refused.value) == (
        f"Problem installing fixture '{path}': " + FIXTURE_REFUSED.format(model="irls.Institution")
    )
    assert all_counts() == before  # the group before it is rolled back too
    with pytest.raises(CommandError, match=r": ledger\.ExchangeRate rows are not loaded"):
        call_command("loaddata", fixture_file(tmp_path, [RATE]), verbosity=0)


@pytest.mark.django_db
def test_loaddata_still_loads_other_apps(tmp_path: Path) -> None:
    call_command("loaddata", fixture_file(tmp_path, [GROUP]), verbosity=0)

    assert Group.objects.get(pk=9001).name == "from a fixture"


@pytest.mark.django_db
def test_a_deserializer_cannot_save_rows_of_the_books() -> None:
    (obj,) = serializers.deserialize("json", json.dumps([RATE]))

    with pytest.raises(FixtureRefusedError, match=r"^ledger\.ExchangeRate rows are not loaded"):
        obj.save()


@pytest.mark.parametrize("model", book_models(), ids=lambda model: model._meta.label)
def test_every_table_of_the_books_refuses_a_raw_save(model: type[models.Model]) -> None:
    with pytest.raises(FixtureRefusedError, match=f"^{model._meta.label} rows"):
        pre_save.send(sender=model, instance=model(), raw=True, using="default", update_fields=None)


def test_every_app_of_ours_with_tables_is_guarded() -> None:
    base = Path(settings.BASE_DIR).resolve()
    ours = {
        config.label
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(base)
        and ".venv" not in Path(config.path).parts
        and list(config.get_models())
    }
    assert ours == BOOK_APPS | NOT_BOOKS, "a new app: add it to BOOK_APPS or to NOT_BOOKS"
