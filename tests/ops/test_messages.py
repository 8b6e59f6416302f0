"""Every message of ops/ in French, with the same placeholders (a lost `{file}` would
raise KeyError in French only)."""

import string

import pytest
from django.utils import translation
from django.utils.functional import Promise

import ops.exceptions
from ledger.audit.readable import ACTION_WORDS

MESSAGES = {
    name: value for name, value in vars(ops.exceptions).items() if isinstance(value, Promise)
}


def fields(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_every_message_of_ops_is_in_french_with_its_placeholders(name: str) -> None:
    english = str(MESSAGES[name])
    with translation.override("fr"):
        french = str(MESSAGES[name])

    assert french != english
    assert fields(french) == fields(english)


def test_backups_read_as_words_in_the_audit_trail() -> None:
    with translation.override("fr"):
        words = [str(ACTION_WORDS[action]) for action in ("backup.make", "backup.restore")]

    assert words == ["Sauvegarde effectuée", "Sauvegarde restaurée"]
