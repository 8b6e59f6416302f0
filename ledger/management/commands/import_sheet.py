"""Import a spreadsheet (chart, rates, budget lines or journal entries) into a lab, or the
office's third parties (kind third_parties: office-wide, no --lab; parties/imports.py)."""

from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from irls.models import Lab
from ledger.exceptions import LedgerError
from ledger.imports.problems import FILE_TOO_LARGE, size_text
from ledger.imports.reading import max_bytes
from ledger.services.imports import KINDS, ImportOutcome, import_file

# The office-wide kind of sheet, imported without a lab (parties/imports.py).
OFFICE_KIND = "third_parties"

STAGES = {"rows": "checking rows", "write": "writing", "post": "writing and posting"}
PROGRESS_FROM_ROWS = 5_000


class ProgressBars:
    """One tqdm bar a stage (checking rows, writing, posting), shown on large files."""

    def __init__(self, stream: Any, enabled: bool) -> None:
        self.stream = stream
        self.enabled = enabled
        self.bars: dict[str, Any] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or (
            stage == "rows" and total < PROGRESS_FROM_ROWS and stage not in self.bars
        ):
            return
        from tqdm import tqdm

        bar = self.bars.get(stage)
        if bar is None:
            bar = self.bars[stage] = tqdm(
                total=total,
                desc=STAGES.get(stage, stage),
                unit=" rows" if stage == "rows" else " entries",
                file=self.stream,
                mininterval=0.5,
                dynamic_ncols=True,
            )
        bar.total = max(total, done)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


class Command(BaseCommand):
    help = (
        "Check a spreadsheet (.xlsx, .ods, .xls or .csv) and import every row or none; "
        "exits 1 listing every problem."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=[*KINDS, OFFICE_KIND], help="what the sheet holds")
        parser.add_argument("file", help="the .xlsx, .ods, .xls or .csv file")
        parser.add_argument(
            "--lab", help="lab code, e.g. CINTRA (every kind but third_parties, office-wide)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and show what would be imported"
        )
        parser.add_argument(
            "--post", action="store_true", help="post the journal entries (default: drafts)"
        )
        parser.add_argument(
            "--as",
            dest="username",
            help="act as this user (their roles are checked; required for journal entries); "
            "default: the system",
        )
        parser.add_argument(
            "--date-order",
            choices=["auto", "dmy", "mdy"],
            default="auto",
            help="how dates like 03/04/2025 are read: auto (day first, DD/MM/YYYY; a date "
            "only valid month first refuses the file), dmy or mdy",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["kind"] == OFFICE_KIND:
            self._third_parties(options)
            return
        if not options["lab"]:
            raise CommandError(f"--lab is required to import {options['kind']}")
        lab = Lab.objects.filter(code=options["lab"]).first()
        if lab is None:
            raise CommandError(f"No lab with code {options['lab']!r}")
        user = self._user(options["username"])
        path = Path(options["file"])
        data = self._read(path)
        bars = ProgressBars(self.stderr._out, not options["no_progress"])
        try:
            outcome = import_file(
                acting_user=user,
                lab=lab,
                kind=options["kind"],
                file_name=path.name,
                data=data,
                post=options["post"],
                dry_run=options["dry_run"],
                progress=bars,
                date_order=options["date_order"],
            )
        except LedgerError as error:
            raise CommandError(str(error)) from error
        finally:
            bars.close()
        self._report(outcome)

    def _third_parties(self, options: dict[str, Any]) -> None:
        """The office's third parties: every row or none, through parties.services."""
        # Imported here: parties builds on ledger, not the other way round.
        from parties.imports import third_parties_import

        if options["lab"]:
            raise CommandError("Third parties are office-wide: import them without --lab")
        user = self._user(options["username"])
        path = Path(options["file"])
        data = self._read(path)
        bars = ProgressBars(self.stderr._out, not options["no_progress"])
        try:
            outcome = third_parties_import(
                acting_user=user,
                file_name=path.name,
                data=data,
                dry_run=options["dry_run"],
                progress=bars,
            )
        except LedgerError as error:
            raise CommandError(str(error)) from error
        finally:
            bars.close()
        where = f"{outcome.file_name} ({OFFICE_KIND}, office-wide)"
        self._problems_and_notes(outcome, where)
        preview = outcome.preview()
        summary = ", ".join(f"{name} {value}" for name, value in preview.summary) if preview else ""
        done = "dry run, nothing written" if outcome.dry_run else "imported"
        self.stdout.write(f"{where}: {outcome.rows} rows {done} ({summary})")

    def _user(self, username: str | None) -> User | None:
        if not username:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}")
        return user

    def _problems_and_notes(self, outcome: Any, where: str) -> None:
        """Every problem, then the notes; exit 1 when there is a problem."""
        for problem in outcome.problems:
            self.stdout.write(problem.message)
        for note in outcome.notes:
            self.stdout.write(f"Note: {note}")
        if outcome.problems:
            count = len(outcome.problems)
            raise CommandError(
                f"{where}: {count} problem{'s' if count > 1 else ''}; nothing was imported"
            )

    def _read(self, path: Path) -> bytes:
        if not path.is_file():
            raise CommandError(f"No file {str(path)!r}")
        limit = max_bytes()
        size = path.stat().st_size
        if size > limit:
            raise CommandError(FILE_TOO_LARGE.format(size=size_text(size), limit=size_text(limit)))
        with path.open("rb") as stream:
            return stream.read(limit + 1)

    def _report(self, outcome: ImportOutcome) -> None:
        where = f"{outcome.file_name} ({outcome.kind}, {outcome.lab.code})"
        self._problems_and_notes(outcome, where)
        preview = outcome.preview()
        summary = ", ".join(f"{name} {value}" for name, value in preview.summary) if preview else ""
        if outcome.dry_run:
            self.stdout.write(
                f"{where}: no problem found ({outcome.rows} rows; {summary}); "
                "dry run, nothing written"
            )
            return
        batch = outcome.batch
        assert batch is not None
        what = "posted" if batch.posted else "imported"
        self.stdout.write(
            f"{where}: {outcome.rows} rows {what} ({summary}); "
            f"batch {batch.pk}, sha256 {batch.sha256[:16]}"
        )
