"""Django's `loaddata`, with a one-line refusal when a fixture holds rows of the books
(ledger/fixture_guard.py refuses them; the whole load is rolled back)."""

from typing import Any

from django.core.management.base import CommandError
from django.core.management.commands import loaddata

from ledger.exceptions import FixtureRefusedError


class Command(loaddata.Command):
    help = (
        loaddata.Command.help
        + " Rows of the books (irls, ledger, reports) are refused: use load_demo or "
        "import_sheet."
    )

    def handle(self, *fixture_labels: str, **options: Any) -> None:
        try:
            super().handle(*fixture_labels, **options)
        except FixtureRefusedError as error:
            raise CommandError(str(error)) from error
