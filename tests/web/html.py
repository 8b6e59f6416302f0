"""Read what a page shows: the text of its table rows, without a browser."""

import re
from html.parser import HTMLParser

# ASCII whitespace only: no-break spaces are part of French numbers.
SPACES = re.compile(r"[ \t\n\r\f]+")


class _Rows(HTMLParser):
    def __init__(self, table_class: str) -> None:
        super().__init__()
        self.table_class = table_class
        self.depth = 0  # >0 while inside the wanted table
        self.rows: list[tuple[str, list[str]]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "table" and (self.depth or self.table_class in classes):
            self.depth += 1
        elif self.depth and tag == "tr":
            self.rows.append((" ".join(classes), []))
        elif self.depth and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.depth:
            self.depth -= 1
        elif self.depth and tag in ("td", "th") and self.cell is not None:
            self.rows[-1][1].append(SPACES.sub(" ", "".join(self.cell)).strip())
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def table_rows(html: str, table_class: str) -> list[tuple[str, list[str]]]:
    """(row classes, cell texts with spaces collapsed) of the first table with that class."""
    parser = _Rows(table_class)
    parser.feed(html)
    return parser.rows


def row_starting(rows: list[tuple[str, list[str]]], text: str) -> tuple[str, list[str]]:
    """The row whose first cell starts with `text`."""
    return next(row for row in rows if row[1] and row[1][0].startswith(text))
