"""Back up the database and the supporting documents into one archive."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ledger.exceptions import LedgerError
from ops.services import backup_make


class Command(BaseCommand):
    help = (
        "Copy the database (SQLite: online backup API; PostgreSQL: pg_dump in one snapshot) "
        "and the supporting documents into one archive with a manifest (row counts, chain "
        "heads, sha256), while the application runs; audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            "-o",
            help="the archive to write, or an existing folder to hold it under its standard "
            "name (default: BACKUP_DIR, var/backups/)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"]) if options["output"] else None
        try:
            made = backup_make(output=output)
        except LedgerError as exc:
            raise CommandError(str(exc)) from exc
        manifest = made.manifest
        self.stdout.write(f"{made.path}: {made.size} bytes, sha256 {made.sha256}")
        self.stdout.write(
            f"  {manifest['database']['vendor']}: {sum(manifest['counts'].values())} rows in "
            f"{len(manifest['counts'])} tables, {len(manifest['documents'])} supporting documents"
        )
        for lab, head in manifest["chain_heads"].items():
            self.stdout.write(
                f"  {lab}: {head['length']} posted entries, chain head {head['head']}"
            )
