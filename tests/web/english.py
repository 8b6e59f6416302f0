"""Tell-tale English words of the user interface, found in a page's visible text: what a
French journey checks after each page, so that an untranslated label, button or message
shows up by name.

The words are whole words (or phrases) of the interface that French never uses; matching
is case-insensitive, on word boundaries, so "Clôture" or "Disponible" never match
"Close" or "Available". Proper nouns, codes and the data a test wrote in English (a
supplier's name, a funding source called "Thales contribution", a username) are not the
interface's: pass them as `data` and they are removed from the text before the search.
"""

import re
from collections.abc import Iterable
from typing import Any

TELL_TALE = (
    # The books' words.
    "Budget line",
    "Budget lines",
    "Posted",
    "Draft",
    "Drafts",
    "Entry",
    "Entries",
    "Available",
    "Committed",
    "Spent",
    "Allocated",
    "Amendments",
    "Consumed",
    "Overspent",
    "Envelope",
    "Funding source",
    "Fiscal year",
    "Month",
    "Closed",
    "Closing",
    "Statements",
    "Supplies",
    "Equipment",
    # Actions.
    "Save",
    "Close",
    "Reverse",
    "Reopen",
    "Post",
    "Delete",
    "Upload",
    "Preview",
    "Confirm",
    "Cancel",
    "Search",
    "Log in",
    "Log out",
    "Sign in",
    # Messages and tables.
    "Row",
    "Column",
    "Problem",
    "Problems",
    "Nothing",
    "was imported",
    "rows",
    "does not exist",
    "is not an amount",
    "required",
    "Your labs",
    "Skip to content",
    # English grammar words that no French sentence holds.
    "the",
    "and",
    "of",
    "with",
    "is",
    "are",
    "has",
    "not",
    "into",
)

_PATTERN = re.compile(
    r"(?<![\w-])(" + "|".join(re.escape(w) for w in TELL_TALE) + r")(?![\w-])", re.IGNORECASE
)


def without_data(text: str, data: Iterable[str] = ()) -> str:
    """`text` with every string of `data` taken out (the longest first), whatever its case
    (a style may show a heading upper-case, and the rendered text follows it)."""
    for item in sorted(data, key=len, reverse=True):
        if item:
            text = re.sub(re.escape(item), " ", text, flags=re.IGNORECASE)
    return text


def english_words(text: str, data: Iterable[str] = ()) -> list[str]:
    """The tell-tale English words found in `text` (each once, in the order met), once
    every string of `data` is taken out of it."""
    found: list[str] = []
    for match in _PATTERN.finditer(without_data(text, data)):
        word = match.group(1)
        if word.lower() not in (f.lower() for f in found):
            found.append(word)
    return found


def visible_text(page: Any) -> str:
    """What the page shows: the body's rendered text (hidden elements left out), plus the
    accessible names a screen reader says that are not on screen (alt, aria-label, title
    of buttons and inputs' placeholders)."""
    shown = page.locator("body").inner_text()
    spoken = page.evaluate(
        "() => Array.from(document.querySelectorAll("
        " '[aria-label],[placeholder],input[type=submit]'))"
        ".map(e => [e.getAttribute('aria-label'), e.getAttribute('placeholder'),"
        " e.type === 'submit' ? e.value : null].filter(Boolean).join(' ')).join('\\n')"
    )
    return f"{shown}\n{spoken}"


def assert_no_english(page: Any, context: str = "", data: Iterable[str] = ()) -> None:
    """Fail, naming the words and where, when the page shows a tell-tale English word."""
    text = without_data(visible_text(page), data)
    found = english_words(text)
    lines = [line for line in text.splitlines() if _PATTERN.search(line)]
    assert not found, f"English on the French page {context or page.url}: {found}\n" + "\n".join(
        f"    {line.strip()[:160]}" for line in lines[:12]
    )
