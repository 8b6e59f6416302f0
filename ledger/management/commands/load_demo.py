"""Load the demo data set: the four Singapore IRLs over 2025 (idempotent)."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ledger.demo import DemoResult, demo_load
from ledger.exceptions import LedgerError


class Command(BaseCommand):
    help = (
        "Load the demo data set (four IRLs, 2025, demo users) through the services, "
        "in one transaction; a second run changes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            result = demo_load()
        except LedgerError as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.monotonic() - started
        if result.changed:
            self.stdout.write(f"Demo data set loaded in {seconds:.1f} s: {_summary(result)}.")
        else:
            self.stdout.write("The demo data set is already loaded: nothing changed.")
        if result.labs_skipped and result.changed:
            skipped = ", ".join(result.labs_skipped)
            self.stdout.write(f"Labs that already existed, left as they were: {skipped}.")
        self.stdout.write("")
        self.stdout.write(_logins(result))


def _summary(result: DemoResult) -> str:
    parts = [f"{n} {what}" for what, n in result.created.items() if n]
    labs = ", ".join(
        f"{code} {posted} posted + {drafts} draft"
        for code, (posted, drafts) in result.entries.items()
    )
    return "; ".join(parts) + (f" (entries: {labs})" if labs else "")


def _logins(result: DemoResult) -> str:
    rows = [("login", "password", "role", "scope")] + [
        (login.username, login.password, login.role, login.scope) for login in result.logins
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)
