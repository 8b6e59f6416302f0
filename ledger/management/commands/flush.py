"""Django's `flush`, which empties every table: the database guards refuse deleting posted
entries and audit events (and, on SQLite, a matched bank line's link), so every app's
guards (its `db_guards` module: `drop` and `install`) are lifted for the flush and put
back after it."""

from typing import Any

from django.core.management.commands import flush
from django.db import connections

from ledger import db_guards


class Command(flush.Command):
    help = flush.Command.help + " Lifts and restores the database guards."

    def handle(self, **options: Any) -> None:
        with db_guards.lifted(connections[options["database"]]):
            super().handle(**options)
