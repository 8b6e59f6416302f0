"""Restore a backup into an empty database, then verify it."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ledger.exceptions import LedgerError
from ops.exceptions import RestoreMismatchError
from ops.services import RestoreDone, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup (made by `backup`) into the configured database, which must hold "
        "no data, and its documents storage; then verify every lab's hash chain and compare "
        "row counts, chain heads and documents with the backup's manifest (exit 1 on any "
        "difference); audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the backup archive (.tar or .tar.gz)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            done = backup_restore(path=path)
        except RestoreMismatchError as exc:
            self._report(exc.done)
            raise CommandError(str(exc)) from exc
        except LedgerError as exc:
            raise CommandError(str(exc)) from exc
        self._report(done)
        counts = done.manifest["counts"]
        self.stdout.write(
            f"{path.name} (made {done.manifest['made_at']}) restored: {sum(counts.values())} "
            f"rows in {len(counts)} tables and {len(done.manifest['documents'])} supporting "
            "documents, as the manifest says"
        )

    def _report(self, done: RestoreDone) -> None:
        for result in done.verifications:
            if result.ok:
                self.stdout.write(
                    f"{result.lab}: OK, {result.entries} posted entries, "
                    f"chain head {result.head_hash[:16] or '(empty)'}"
                )
            else:
                self.stdout.write(f"{result.lab}: ALTERED at {result.first_bad}: {result.reason}")
