"""Journal import benchmark: a 100,000-line xlsx (50,000 balanced entries) checked,
imported and posted, against django-import-export's default row-by-row import.

    .venv/bin/python bench/import_journal.py [--entries 50000] [--default-rows 5000]
        [--database sqlite|postgres|both] [--temp-store default|memory] [--parts ...]
        [--runs N]

The file: entries over the year in journals ACH, BQS and OD, one in four on a budgeted
account (with its budget line), one in ten in EUR converted at the chancellery rate.
Each part runs in its own process on its own fresh database, so that its peak memory
(resource.getrusage) is its own:

- `phases`: what `import_file` does, phase by phase (read, check, write, post, commit;
  wall and CPU time);
- `service`: the preview (`import_file(dry_run=True)`), then `import_file` end to end,
  as the command and the admin run them; peak memory;
- `noguards`: the phases with the database guards dropped, to measure what the
  triggers cost (the guards are never dropped outside this bench);
- `default`: a plain `ModelResource` on JournalLine, imported by django-import-export's
  default `import_data` (row by row: an instance, a diff and a `save()` a row) from the
  same file loaded by tablib; on `--default-rows` rows in book currency (the entries
  created beforehand, not timed), extrapolated to the whole file.

With `--database both` every part runs on SQLite, then on PostgreSQL, part after part
(so a burst of load from elsewhere hits both alike), `--runs` times, and the two are
printed side by side with their ratio (bench/out/import-journal-both.json). Prints a
table and writes bench/out/import-journal-<database>.json. Figures are reported, never
asserted.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import env

YEAR = 2025
FILE = env.OUT / "journal-import.xlsx"
PARTS = ["phases", "service", "noguards", "default"]


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Journal import benchmark.")
    parser.add_argument("--entries", type=int, default=50_000, help="entries (two lines each)")
    parser.add_argument(
        "--default-rows", type=int, default=5_000, help="rows of the default import"
    )
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument(
        "--runs", type=int, default=1, help="runs of each part (with --database both)"
    )
    parser.add_argument(
        "--temp-store",
        choices=["default", "memory"],
        default="default",
        help="SQLite temp_store (statement journals in a file or in memory)",
    )
    parser.add_argument("--parts", default="phases,service,noguards,default")
    parser.add_argument("--part", choices=PARTS, help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    args = _arguments()
    if args.part:
        result = _part(args)
        print(json.dumps(result, default=str))
        return
    env.OUT.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    generate_file(FILE, args.entries)
    print(
        f"file: {FILE.name}, {FILE.stat().st_size / 1e6:.1f} MB, "
        f"{2 * args.entries:,} lines, written in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    if args.database == "both":
        _both(args)
        return
    results: dict[str, Any] = {
        "entries": args.entries,
        "lines": 2 * args.entries,
        "file_mb": FILE.stat().st_size / 1e6,
        "database": args.database,
        "temp_store": args.temp_store,
    }
    for part in args.parts.split(","):
        print(f"running {part} ...", flush=True)
        results[part] = _run_part(args, part, args.database)
    _report(results)
    out = env.OUT / f"import-journal-{args.database}.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"written {out}")


def _run_part(args: argparse.Namespace, part: str, database: str) -> dict[str, Any]:
    """`part` on `database`, in a process of its own; what it measured."""
    output = subprocess.run(
        [sys.executable, __file__, "--part", part, *_argv(args, database)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    result["loadavg"] = Path("/proc/loadavg").read_text().split()[:3]
    return result


def _both(args: argparse.Namespace) -> None:
    """Every part on SQLite then PostgreSQL, `args.runs` times; the side-by-side table."""
    results: dict[str, Any] = {
        database: {
            "entries": args.entries,
            "lines": 2 * args.entries,
            "file_mb": FILE.stat().st_size / 1e6,
            "database": database,
            "temp_store": args.temp_store,
        }
        for database in ("sqlite", "postgres")
    }
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {"sqlite": {}, "postgres": {}}
    for run in range(args.runs):
        for part in args.parts.split(","):
            for database in ("sqlite", "postgres"):
                print(f"run {run + 1}: {part} on {database} ...", flush=True)
                runs[database].setdefault(part, []).append(_run_part(args, part, database))
    for database in ("sqlite", "postgres"):
        for part, measured in runs[database].items():
            results[database][part] = _median_run(part, measured)
            results[database][f"{part}_runs"] = measured
        _report(results[database])
        out = env.OUT / f"import-journal-{database}.json"
        out.write_text(json.dumps(results[database], indent=2, default=str))
    _report_both(results["sqlite"], results["postgres"])
    out = env.OUT / "import-journal-both.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"written {out}")


def _median_run(part: str, measured: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median total time (`import_file` for the service part)."""
    key = "import_file" if part == "service" else "total"
    if part == "default":
        return sorted(measured, key=lambda r: r["import_data"]["wall_s"])[len(measured) // 2]
    return sorted(measured, key=lambda r: r[key]["wall_s"])[len(measured) // 2]


def _argv(args: argparse.Namespace, database: str | None = None) -> list[str]:
    return [
        "--entries",
        str(args.entries),
        "--default-rows",
        str(args.default_rows),
        "--database",
        database or args.database,
        "--temp-store",
        args.temp_store,
    ]


# -- the file -------------------------------------------------------------------------------


HEADER = [
    "entry",
    "date",
    "journal",
    "account",
    "label",
    "debit",
    "credit",
    "currency",
    "amount_currency",
    "side",
    "budget_line",
    "piece_ref",
    "piece_date",
    "third_party",
]
EXPENSES = ["6064", "6256", "627", "6063"]


def generate_file(path: Path, entries: int) -> None:
    """50,000 balanced two-line entries over the year; one in ten in EUR converted at
    the chancellery rate, one in four on a budgeted account."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Journal")
    sheet.append(HEADER)
    start = date(YEAR, 1, 1)
    for n in range(entries):
        on = start + timedelta(days=n * 365 // entries)
        key = f"B-{n + 1:06d}"
        journal = ("ACH", "BQS", "OD")[n % 3]
        expense = EXPENSES[n % 4]
        budget = "OP-SUP" if expense == "6063" else None
        amount = round(10 + (n * 7919 % 500_000) / 100, 2)
        piece = f"F-{n + 1:06d}"
        if n % 10 == 9:
            eur = round(amount / 1.45, 2)
            sheet.append(
                [
                    key,
                    on,
                    journal,
                    expense,
                    f"Purchase {n}",
                    None,
                    None,
                    "EUR",
                    eur,
                    "debit",
                    budget,
                    piece,
                    on,
                    "SUP-1",
                ]
            )
            sheet.append(
                [
                    key,
                    on,
                    journal,
                    "401",
                    f"Supplier {n}",
                    None,
                    None,
                    "EUR",
                    eur,
                    "credit",
                    None,
                    piece,
                    on,
                    "SUP-1",
                ]
            )
        else:
            sheet.append(
                [
                    key,
                    on,
                    journal,
                    expense,
                    f"Purchase {n}",
                    amount,
                    None,
                    None,
                    None,
                    None,
                    budget,
                    piece,
                    on,
                    None,
                ]
            )
            sheet.append(
                [
                    key,
                    on,
                    journal,
                    "401",
                    f"Supplier {n}",
                    None,
                    amount,
                    None,
                    None,
                    None,
                    None,
                    piece,
                    on,
                    None,
                ]
            )
    workbook.save(path)


# -- the parts ------------------------------------------------------------------------------


def _part(args: argparse.Namespace) -> dict[str, Any]:
    with env.database(args.database, sqlite_file=env.OUT / f"import-{args.part}.sqlite3"):
        from django.db import connection

        if args.database == "sqlite" and args.temp_store == "memory":
            connection.cursor().execute("PRAGMA temp_store=MEMORY")
        env.migrate()
        lab, user = _books()
        data = FILE.read_bytes()
        if args.part == "default":
            return _default(lab, user, data, args.default_rows)
        if args.part == "service":
            return _service(lab, user, data)
        return _phases(lab, user, data, guards=args.part == "phases")


def _books() -> tuple[Any, Any]:
    from decimal import Decimal

    from django.contrib.auth.models import User

    from irls import services as irls_services
    from ledger import services
    from tests.books import budget_line, lab_with_books

    lab = lab_with_books("BENCH", YEAR)
    for code in ("6256", "627"):
        if not lab.accounts.filter(code=code).exists():
            services.account_create(
                acting_user=None,
                lab=lab,
                code=code,
                name_fr=code,
                name_en=code,
                needs_budget_line=False,
            )
    budget_line(lab, "OP-SUP", "100000000.00")
    for month in range(1, 13):
        for currency, units in (("SGD", "1.45"), ("USD", "1.08")):
            services.exchange_rate_set(
                acting_user=None,
                currency=currency,
                valid_from=date(YEAR, month, 1),
                units_per_eur=Decimal(units) + Decimal(month) / 1000,
                source="chancellery",
            )
    user = User.objects.create_user("bench_accountant")
    irls_services.role_grant(acting_user=None, user=user, role="accountant", lab=lab)
    return lab, user


def _server_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (a server on this
    machine: read from /proc), 0 on SQLite (its work is in this process's CPU time).
    Unlike wall time, it does not grow with the load other work puts on the machine."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _clock() -> tuple[float, float, float]:
    return time.perf_counter(), time.process_time(), _server_cpu()


def _since(start: tuple[float, float, float]) -> dict[str, float]:
    return _between(start, _clock())


def _between(
    start: tuple[float, float, float], end: tuple[float, float, float]
) -> dict[str, float]:
    return {
        "wall_s": round(end[0] - start[0], 3),
        "cpu_s": round(end[1] - start[1], 3),
        "server_cpu_s": round(end[2] - start[2], 3),
    }


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _phases(lab: Any, user: Any, data: bytes, guards: bool) -> dict[str, Any]:
    """What import_file does, phase by phase (the rows read first, then checked)."""
    import gc

    from django.db import connection, transaction

    from ledger import db_guards
    from ledger.imports.journal import plan_journal
    from ledger.imports.reading import read_sheet
    from ledger.models import ImportBatch, JournalEntry
    from ledger.services.entries_bulk_post import entries_create_posted
    from ledger.services.imports import file_sha256

    result: dict[str, Any] = {}
    if not guards:
        db_guards.drop(connection)
    gc.disable()  # as import_file does
    total = _clock()
    start = _clock()
    sheet = read_sheet("journal.xlsx", data)
    rows = list(sheet.rows)
    result["read"] = _since(start)
    sheet.rows = iter(rows)
    start = _clock()
    plan = plan_journal(sheet, lab=lab, post=True)
    result["check"] = _since(start)
    assert plan.ok, plan.problems[:5]
    del rows
    # The service reports its progress: before its first report it checks, numbers and
    # hashes; between the first and the last it writes the rows (posted at once).
    marks: dict[str, tuple[float, float, float]] = {}

    def progress(phase: str, done: int, count: int) -> None:
        marks.setdefault(f"first {phase}", _clock())
        marks[f"last {phase}"] = _clock()

    with transaction.atomic():
        batch = ImportBatch.objects.create(
            kind="journal",
            lab=lab,
            file_name="journal.xlsx",
            sha256=file_sha256(data),
            size=len(data),
            rows=plan.rows,
            result="imported",
            created_by=user,
        )
        start = _clock()
        ids = entries_create_posted(
            acting_user=user, lab=lab, entries=plan.drafts, import_batch=batch, progress=progress
        )
        end = _clock()
        result["prepare"] = _between(start, marks["first post"])
        result["write"] = _between(marks["first post"], marks["last post"])
        result["finish"] = _between(marks["last post"], end)
        start = _clock()
    result["commit"] = _since(start)
    result["total"] = _since(total)
    gc.enable()
    result["lines"] = plan.line_count
    result["entries"] = len(ids)
    assert JournalEntry.objects.filter(status="posted").count() == len(ids)
    return result


def _service(lab: Any, user: Any, data: bytes) -> dict[str, Any]:
    """The preview, then import_file end to end, as the command and the admin run them."""
    from ledger.models import JournalEntry
    from ledger.services.imports import import_file

    result: dict[str, Any] = {"memory_before_mb": round(_peak_mb(), 1)}
    start = _clock()
    preview = import_file(
        acting_user=user,
        lab=lab,
        kind="journal",
        file_name="journal.xlsx",
        data=data,
        post=True,
        dry_run=True,
    )
    preview.preview()
    result["preview"] = _since(start)
    assert preview.ok, preview.problems[:5]
    result["peak_memory_after_preview_mb"] = round(_peak_mb(), 1)
    del preview
    start = _clock()
    outcome = import_file(
        acting_user=user, lab=lab, kind="journal", file_name="journal.xlsx", data=data, post=True
    )
    result["import_file"] = _since(start)
    assert outcome.ok, outcome.problems[:5]
    result["peak_memory_mb"] = round(_peak_mb(), 1)
    result["posted"] = JournalEntry.objects.filter(status="posted").count()
    return result


def _default(lab: Any, user: Any, data: bytes, rows: int) -> dict[str, Any]:
    import tablib
    from import_export import fields, resources, widgets

    from ledger.imports.journal import plan_journal
    from ledger.imports.reading import read_sheet
    from ledger.models import Account, JournalEntry, JournalLine
    from ledger.services.entries_bulk import entries_create_drafts

    result: dict[str, Any] = {}
    start = _clock()
    dataset = tablib.Dataset().load(data, format="xlsx")
    result["tablib_load_full_file"] = _since(start)
    result["tablib_rows"] = len(dataset)
    result["peak_memory_after_load_mb"] = round(_peak_mb(), 1)
    # Rows in book currency only: the default resource has no conversion at the
    # chancellery rate (one row in ten of the file is in EUR).
    plain = [i for i in range(len(dataset)) if not dataset[i][HEADER.index("currency")]]
    part = dataset.subset(rows=plain[:rows])
    part.headers = dataset.headers
    # The entries the default resource attaches lines to, created beforehand (not timed).
    sheet = read_sheet("journal.xlsx", data)
    plan = plan_journal(sheet, lab=lab, post=False)
    keys = {str(part[i][0]) for i in range(len(part))}
    drafts = [planned.draft for planned in plan.entries if planned.key in keys]
    for draft in drafts:
        draft.lines = []
    entries_create_drafts(acting_user=user, lab=lab, entries=drafts)

    class LabForeignKey(widgets.ForeignKeyWidget):
        def get_queryset(self, value: Any, row: Any, *args: Any, **kwargs: Any) -> Any:
            return self.model.objects.filter(lab=lab)

    class DefaultLineResource(resources.ModelResource):
        entry = fields.Field(
            attribute="entry", column_name="entry", widget=LabForeignKey(JournalEntry, "source_key")
        )
        account = fields.Field(
            attribute="account", column_name="account", widget=LabForeignKey(Account, "code")
        )

        class Meta:
            model = JournalLine
            fields = ("entry", "account", "label", "debit", "credit", "third_party")
            import_id_fields: list[str] = []

        def before_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
            instance.lab_id = lab.pk
            instance.debit = instance.debit or 0
            instance.credit = instance.credit or 0

    start = _clock()
    outcome = DefaultLineResource().import_data(part, dry_run=False)
    result["import_data"] = _since(start)
    assert not outcome.has_errors() and not outcome.has_validation_errors(), (
        outcome.row_errors()[:2] if outcome.has_errors() else outcome.invalid_rows[:2]
    )
    result["rows"] = len(part)
    result["lines_written"] = JournalLine.objects.count()
    result["rows_per_s"] = round(len(part) / result["import_data"]["wall_s"])
    result["peak_memory_mb"] = round(_peak_mb(), 1)
    return result


# -- the report -----------------------------------------------------------------------------


def _report(results: dict[str, Any]) -> None:
    lines = results["lines"]
    print(
        f"\n== Journal import, {lines:,} lines ({results['entries']:,} entries), "
        f"{results['database']}, temp_store {results.get('temp_store', 'default')} =="
    )
    phases, bare = results.get("phases"), results.get("noguards")
    if phases:
        print(f"{'phase':<12}{'wall s':>9}{'cpu s':>9}{'no guards wall':>16}{'no guards cpu':>15}")
        for phase in ("read", "check", "prepare", "write", "finish", "commit", "total"):
            other = bare[phase] if bare else {"wall_s": float("nan"), "cpu_s": float("nan")}
            print(
                f"{phase:<12}{phases[phase]['wall_s']:>9.2f}{phases[phase]['cpu_s']:>9.2f}"
                f"{other['wall_s']:>16.2f}{other['cpu_s']:>15.2f}"
            )
    service = results.get("service")
    if service:
        rate = lines / service["import_file"]["wall_s"]
        print(
            f"import_file: {service['import_file']['wall_s']:.2f} s wall, "
            f"{service['import_file']['cpu_s']:.2f} s cpu = {rate:,.0f} lines/s "
            f"({lines / service['import_file']['cpu_s']:,.0f} lines per cpu second)"
        )
        print(
            f"preview (dry run): {service['preview']['wall_s']:.2f} s wall, "
            f"{service['preview']['cpu_s']:.2f} s cpu"
        )
        print(f"peak memory (ru_maxrss): {service['peak_memory_mb']:.0f} MB")
    default = results.get("default")
    if default:
        print(
            f"default import-export: {default['rows']:,} rows in "
            f"{default['import_data']['wall_s']:.2f} s = {default['rows_per_s']:,} rows/s "
            f"(extrapolated to {lines:,} rows: {lines / default['rows_per_s']:.0f} s), plus "
            f"tablib loading the whole file: {default['tablib_load_full_file']['wall_s']:.1f} s"
        )
        if service:
            rate = lines / service["import_file"]["wall_s"]
            print(f"speed-up over the default: {rate / default['rows_per_s']:.1f}x")


def _report_both(sqlite: dict[str, Any], postgres: dict[str, Any]) -> None:
    print(f"\n== Journal import, {sqlite['lines']:,} lines: SQLite and PostgreSQL ==")
    print(f"{'':<26}{'SQLite s':>10}{'PostgreSQL s':>14}{'ratio':>8}")
    rows: list[tuple[str, float, float]] = []
    for part, phases in (
        ("phases", ("read", "check", "prepare", "write", "finish", "commit", "total")),
        ("noguards", ("write", "commit", "total")),
    ):
        if part in sqlite and part in postgres:
            for phase in phases:
                label = f"{phase}" if part == "phases" else f"{phase} (no guards)"
                rows.append((label, sqlite[part][phase]["wall_s"], postgres[part][phase]["wall_s"]))
    if "service" in sqlite and "service" in postgres:
        for key in ("import_file", "preview"):
            rows.append((key, sqlite["service"][key]["wall_s"], postgres["service"][key]["wall_s"]))
    # CPU: the Python process's, plus the PostgreSQL backend's (SQLite runs in-process).
    for part, key in (("phases", "total"), ("service", "import_file")):
        if part in sqlite and part in postgres:
            cpu = [
                r[part][key]["cpu_s"] + r[part][key].get("server_cpu_s", 0.0)
                for r in (sqlite, postgres)
            ]
            rows.append((f"{key} CPU (with server)", cpu[0], cpu[1]))
    for label, left, right in rows:
        ratio = right / left if left else float("nan")
        print(f"{label:<26}{left:>10.2f}{right:>14.2f}{ratio:>8.2f}")
    for part in ("phases", "service"):
        if f"{part}_runs" in sqlite:
            key = "import_file" if part == "service" else "total"
            print(
                f"{part} runs, SQLite / PostgreSQL: "
                + ", ".join(
                    f"{a[key]['wall_s']:.2f} / {b[key]['wall_s']:.2f} (load {a['loadavg'][0]})"
                    for a, b in zip(sqlite[f"{part}_runs"], postgres[f"{part}_runs"], strict=True)
                )
            )


if __name__ == "__main__":
    main()
