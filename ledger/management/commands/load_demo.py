"""Load the demo data set: the four Singapore IRLs over the last closed year and the
year in progress (idempotent)."""

import time
from argparse import ArgumentParser, ArgumentTypeError
from datetime import date
from typing import Any

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ledger.demo import DemoResult, demo_load
from ledger.exceptions import LedgerError

BAD_DATE = "{value!r} is not a date: write it YYYY-MM-DD"


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(BAD_DATE.format(value=value)) from None


class Command(BaseCommand):
    help = (
        "Load the demo data set (four IRLs, demo users) through the services, in one "
        "transaction: the year before the last full month's closed, that year open to the "
        "end of the month; a second run changes nothing."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--today",
            type=_date,
            default=None,
            help="Load the demo as it stands on this date (YYYY-MM-DD); default: today",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        today = options["today"] or timezone.localdate()
        try:
            result = demo_load(today=today)
        except LedgerError as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.monotonic() - started
        if result.changed:
            self.stdout.write(f"Demo data set loaded in {seconds:.1f} s: {_summary(result)}.")
            if result.calendar is not None and result.labs_loaded:
                calendar = result.calendar
                self.stdout.write(
                    f"{calendar.previous} is closed; {calendar.current} is open, booked to "
                    f"{calendar.cutoff:%Y-%m-%d} (its last month open, with drafts)."
                )
        else:
            self.stdout.write("The demo data set is already loaded: nothing changed.")
        if result.labs_skipped and result.changed:
            skipped = ", ".join(result.labs_skipped)
            self.stdout.write(f"Labs that already existed, left as they were: {skipped}.")
        self.stdout.write("")
        self.stdout.write(_logins(result))
        # The daily check of the budget alerts, as on the demo's day: a fresh demo sends
        # its alert e-mails (the console in development). By name: the ledger imports no
        # app above it; the check is idempotent, a second load sends nothing.
        if apps.is_installed("alerts"):
            self.stdout.write("")
            self.stdout.write(f"Budget alerts as of {today:%Y-%m-%d}:")
            call_command("budget_alerts", "--today", today.isoformat(), stdout=self.stdout)


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
