"""Compile every locale/*/LC_MESSAGES/*.po into the .mo Django reads, with polib.

Django's own `compilemessages` needs GNU gettext's msgfmt; a fresh machine has only
Python, so this command does the same with polib. Like msgfmt, it leaves fuzzy and
untranslated messages out of the .mo (they show in English).
"""

import tempfile
from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

BAD_CATALOG = "{path}: not a valid .po file ({error})"


def catalogs() -> list[Path]:
    """The .po files under each of settings.LOCALE_PATHS, in a stable order."""
    return sorted(
        po for root in settings.LOCALE_PATHS for po in Path(root).glob("*/LC_MESSAGES/*.po")
    )


class Command(BaseCommand):
    help = "Compile the translation catalogs (locale/*/LC_MESSAGES/*.po) to .mo files."

    def handle(self, *args: Any, **options: Any) -> None:
        found = catalogs()
        if not found:
            raise CommandError(
                "No .po file under LOCALE_PATHS: "
                + ", ".join(str(p) for p in settings.LOCALE_PATHS)
            )
        for po_path in found:
            try:
                catalog = polib.pofile(str(po_path), check_for_duplicates=True)
            except (OSError, ValueError) as error:
                raise CommandError(BAD_CATALOG.format(path=po_path, error=error)) from error
            mo_path = po_path.with_suffix(".mo")
            _write_atomically(mo_path, catalog.to_binary())
            if options["verbosity"] >= 1:
                self.stdout.write(_summary(po_path, catalog))


def _write_atomically(path: Path, content: bytes) -> None:
    """Written aside then renamed, so a running server (or a second run) never reads half
    a file."""
    with tempfile.NamedTemporaryFile(
        dir=path.parent, prefix=path.name, suffix=".partial", delete=False
    ) as partial:
        partial.write(content)
    written = Path(partial.name)
    written.chmod(0o644)  # a temporary file is private; the server may run as another user
    written.replace(path)


def _summary(po_path: Path, catalog: polib.POFile) -> str:
    left_out = len(catalog.untranslated_entries()) + len(catalog.fuzzy_entries())
    return f"{po_path} -> {po_path.with_suffix('.mo').name}: " + (
        f"{len(catalog.translated_entries())} messages"
        + (f", {left_out} untranslated or fuzzy left out (shown in English)" if left_out else "")
    )
