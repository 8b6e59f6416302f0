"""Django's `flush`, which empties every table: the ledger guards refuse deleting posted
entries and audit events, so they are lifted for the flush and put back after it."""

from typing import Any

from django.core.management.commands import flush
from django.db import connections

from ledger import db_guards


class Command(flush.Command):
    help = flush.Command.help + " Lifts and restores the ledger's database guards."

    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        db_guards.drop(connection)
        try:
            super().handle(**options)
        finally:
            db_guards.install(connection)
