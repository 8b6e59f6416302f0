"""A message recorded in English, read in the reader's language.

A worker records why a job failed as the service worded it, in English (the language of
the catalogue's msgids), with its placeholders filled: "No chancellery rate of USD is in
force on 2025-03". Read in French, the message is matched against the catalogue's
templates ("No chancellery rate of {currency} is in force on {month}"), and the French
template is filled with the values found, themselves read again (a value may be a message
of its own). A line that matches no template is shown as recorded.
"""

import re
import string
from functools import cache

from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation.trans_real import translation as catalogue

# Templates with less literal text than this match too much to tell anything.
LEAST_LITERAL = 8
DEEPEST = 3


def message_in(text: str, language: str) -> str:
    """`text` (English, one message a line) in `language`."""
    if not text or language.startswith("en"):
        return text
    with translation.override(language):
        return "\n".join(_line(line, language, DEEPEST) for line in text.split("\n"))


def _line(line: str, language: str, depth: int) -> str:
    if not line.strip() or depth == 0:
        return line
    translated = gettext(line)
    if translated != line:
        return translated
    for pattern, msgid, reprs in _templates(language):
        found = pattern.fullmatch(line)
        if found is None:
            continue
        values = {
            name: _value(value, name in reprs, language, depth)
            for name, value in found.groupdict().items()
        }
        try:
            return gettext(msgid).format(**values)
        except (KeyError, IndexError, ValueError):
            return line
    return line


def _value(value: str, quoted: bool, language: str, depth: int) -> object:
    if quoted:
        return _Repr(value)
    return _line(value, language, depth - 1)


class _Repr(str):
    """A value the template shows with !r: given back exactly as it was shown."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"'{self}'"


@cache
def _templates(language: str) -> tuple[tuple[re.Pattern[str], str, frozenset[str]], ...]:
    """The catalogue's `{named}` templates as patterns, the most literal text first."""
    found = []
    for msgid in list(catalogue(language)._catalog.keys()):  # type: ignore[attr-defined]
        if not isinstance(msgid, str) or "{" not in msgid or "\x04" in msgid:
            continue
        compiled = _pattern(msgid)
        if compiled is not None:
            found.append((compiled[1], compiled[0], msgid, compiled[2]))
    found.sort(key=lambda item: -item[0])
    return tuple((pattern, msgid, reprs) for _, pattern, msgid, reprs in found)


def _pattern(msgid: str) -> tuple[re.Pattern[str], int, frozenset[str]] | None:
    parts: list[str] = []
    seen: set[str] = set()
    reprs: set[str] = set()
    literal = 0
    try:
        fields = list(string.Formatter().parse(msgid))
    except ValueError:
        return None
    for text, name, spec, conversion in fields:
        parts.append(re.escape(text))
        literal += len(text.strip())
        if name is None:
            continue
        if not name.isidentifier() or spec:
            return None
        if name in seen:
            parts.append(f"(?P={name})")
            continue
        seen.add(name)
        if conversion == "r":
            reprs.add(name)
            parts.append(f"'(?P<{name}>[^']*)'")
        else:
            parts.append(f"(?P<{name}>.+?)")
    if literal < LEAST_LITERAL or not seen:
        return None
    return re.compile("".join(parts), re.DOTALL), literal, frozenset(reprs)
