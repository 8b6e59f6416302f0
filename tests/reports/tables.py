"""Reading a `Statement` in tests: its sections' rows as plain tuples."""

from reports.statement import CellValue, Row, Statement


def sections(statement: Statement) -> dict[str, list[Row]]:
    """Each section's rows, by section title (consumes streamed sections)."""
    return {section.title: list(section.rows) for section in statement.sections}


def cells(rows: list[Row]) -> list[tuple[CellValue, ...]]:
    return [row.cells for row in rows]


def row_of(rows: list[Row], *first: CellValue) -> Row:
    """The row whose first cells are `first`."""
    found = [row for row in rows if row.cells[: len(first)] == first]
    assert len(found) == 1, (first, [r.cells for r in rows])
    return found[0]


def headings(statement: Statement) -> list[str]:
    return [column.heading for column in statement.columns]
