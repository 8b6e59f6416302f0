"""The French catalog: complete, compiled without GNU gettext, and used by the pages."""

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import translation

from tests.web.messages import page_messages

FRENCH = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|%%")


@pytest.fixture(scope="module")
def catalog() -> polib.POFile:
    return polib.pofile(str(FRENCH))


def test_every_french_message_is_translated(catalog):
    assert catalog.percent_translated() == 100
    assert not catalog.untranslated_entries()
    assert not catalog.fuzzy_entries()
    assert not catalog.obsolete_entries()
    for entry in catalog:
        # A plural entry carries one translation per French plural form.
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        assert len(translations) == (2 if entry.msgid_plural else 1), entry.msgid
        for french in translations:
            assert french.strip(), entry.msgid
            assert sorted(PLACEHOLDER.findall(french)) == sorted(
                PLACEHOLDER.findall(entry.msgid)
            ), entry.msgid


def test_every_message_of_the_pages_is_in_the_french_catalog(catalog):
    known = {(entry.msgctxt, entry.msgid) for entry in catalog}
    missing = sorted(page_messages() - known, key=lambda m: m[1])
    assert not missing, f"add to {FRENCH.relative_to(settings.BASE_DIR)}: {missing}"


def test_compile_translations_writes_the_mo_files(tmp_path, capsys):
    target = tmp_path / "fr" / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copy(FRENCH, target / "django.po")
    with override_settings(LOCALE_PATHS=[tmp_path]):
        call_command("compile_translations")
    compiled = polib.mofile(str(target / "django.mo"))
    source = polib.pofile(str(FRENCH))
    # Keyed by context too: the same English word may read differently by context.
    assert {(e.msgctxt, e.msgid): e.msgstr for e in compiled} == {
        (e.msgctxt, e.msgid): e.msgstr for e in source
    }
    assert f"{target / 'django.po'} -> django.mo: {len(source)} messages" in capsys.readouterr().out


def test_compile_translations_leaves_out_unfinished_messages(tmp_path, capsys):
    target = tmp_path / "fr" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "django.po").write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Spent"\nmsgstr "Dépensé"\n\n'
        '#, fuzzy\nmsgid "Available"\nmsgstr "Dispo"\n\n'
        'msgid "Committed"\nmsgstr ""\n'
    )
    with override_settings(LOCALE_PATHS=[tmp_path]):
        call_command("compile_translations")
    assert [e.msgid for e in polib.mofile(str(target / "django.mo"))] == ["Spent"]
    assert "1 messages, 2 untranslated or fuzzy left out" in capsys.readouterr().out


def test_compile_translations_refuses_a_broken_catalog(tmp_path):
    target = tmp_path / "fr" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "django.po").write_text(
        'msgid "Spent"\nmsgstr "Dépensé"\nmsgid "Spent"\nmsgstr "x"\n'
    )
    with override_settings(LOCALE_PATHS=[tmp_path]), pytest.raises(CommandError) as error:
        call_command("compile_translations")
    assert str(error.value).startswith(f"{target / 'django.po'}: not a valid .po file (")


def test_the_compiled_catalog_is_the_one_django_reads():
    assert FRENCH.with_suffix(".mo").exists(), "run: python manage.py compile_translations"
    with translation.override("fr"):
        assert translation.gettext("Budget execution %(year)s") == "Exécution budgétaire %(year)s"
        assert translation.gettext("Operating") == "Fonctionnement"


def test_a_page_in_french_shows_french_words(client, director_cintra):
    client.force_login(director_cintra)
    page = client.get("/labs/CINTRA/budget/2025/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    for words in ("Exécution budgétaire 2025", "Vos laboratoires", "Se déconnecter", "Exercice"):
        assert words in page
    assert "Budget execution" not in page
