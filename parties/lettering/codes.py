"""Lettering codes: AA, AB, ... AZ, BA, ... ZZ, then AAA ... ZZZ, then AAAA ... ZZZZ.

Each account numbers its letterings 1, 2, 3... (`LetteringCounter`); number 1 is AA.
Codes are never given twice on an account, even after a lettering is undone.
"""

from string import ascii_uppercase

LETTERS = ascii_uppercase
SHORTEST, LONGEST = 2, 4
# The last number that has a code: 26^2 + 26^3 + 26^4.
LAST_NUMBER = sum(len(LETTERS) ** size for size in range(SHORTEST, LONGEST + 1))


def lettering_code(number: int) -> str:
    """The code of the `number`-th lettering of an account (1 -> AA, 677 -> AAA)."""
    if not 1 <= number <= LAST_NUMBER:
        raise ValueError(f"No lettering code for number {number}")
    rest, size = number - 1, SHORTEST
    while rest >= len(LETTERS) ** size:
        rest -= len(LETTERS) ** size
        size += 1
    letters = []
    for _ in range(size):
        rest, letter = divmod(rest, len(LETTERS))
        letters.append(LETTERS[letter])
    return "".join(reversed(letters))


def lettering_number(code: str) -> int:
    """The number of `code` (AA -> 1): the inverse of `lettering_code`."""
    if not SHORTEST <= len(code) <= LONGEST or any(c not in LETTERS for c in code):
        raise ValueError(f"{code!r} is not a lettering code")
    number = sum(len(LETTERS) ** size for size in range(SHORTEST, len(code)))
    value = 0
    for letter in code:
        value = value * len(LETTERS) + LETTERS.index(letter)
    return number + value + 1


def code_shown(code: str | None, complete: bool | None) -> str:
    """A line's lettering code as the books print it (FEC's EcritureLet, the third-party
    statements): upper case when its lettering is complete, lower case while it is
    partial (Sage's convention: the line is not settled yet), '' when not lettered."""
    if not code:
        return ""
    return code if complete else code.lower()
