"""Hostile-size files (issue 10, item 5): a value in the last cell of a sheet, a sheet
formatted down to its last row, a 15 MB one-line CSV, 2,000 columns, a shared-strings
table just under the inflation limit... Each is refused with the message that says why,
or read with exactly the rows it holds; none may abort the process.

Each file of bench/hostile_files.py is read by `read_sheet` (rows and all) in a child
process whose address space is limited to 2 GB (RLIMIT_AS, set by `preexec_fn`; no core
file): python-calamine aborts the process when an allocation fails, and a test must fail
then, not pytest die. The files are built once per session, and the children run two at
a time. No timing here: time and peak memory are measured by bench/import_hostile.py.
"""

import json
import re
import resource
import signal
import string
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

from bench.hostile_files import (
    BUILDERS,
    JOURNAL_HEADER,
    MAX_BYTES,
    MAX_ROWS,
    MAX_UNCOMPRESSED,
    VALID_ROWS,
    WIDE_EXTRA_COLUMNS,
    Row,
    inflated_size,
    shared_strings_rows,
    wide_extra_header,
    wide_rows,
)
from ledger.imports.problems import (
    FILE_CSV_DAMAGED,
    FILE_LINE_TOO_LONG,
    FILE_ROWS_FORMATTED,
    FILE_TOO_FAR,
    FILE_TOO_MANY_ROWS,
    HIDDEN_SHEETS,
    OTHER_SHEETS,
)

ROOT = Path(__file__).resolve().parents[2]
ADDRESS_SPACE = 2 << 30
CHILD_TIMEOUT = 120
PARALLEL = 2
SHOWN_ROWS = 20

# Reads one file as the import does, and prints what it got as JSON: the refusal, or
# the header and the rows (cells as JSON values, long texts by their length).
CHILD = """
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from ledger.imports.reading import FileRefused, read_sheet

def shown(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (int, float)):
        return value
    text = str(value)
    return text if len(text) <= 200 else f"<{len(text)} characters>"

def trimmed(cells):
    while cells and cells[-1] == "":
        cells.pop()
    return cells

path, file_name, shown_rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(path, "rb") as file:
    data = file.read()
try:
    sheet = read_sheet(file_name, data, kind="journal")
    rows, count = [], 0
    for number, cells in sheet.rows:
        count += 1
        if count <= shown_rows:
            rows.append([number, trimmed([""] * sheet.offset + [shown(c) for c in cells])])
    result = {
        "header_row": sheet.header_row,
        "headers": trimmed([""] * sheet.offset + [text for _, text in sheet.headers]),
        "rows": rows,
        "row_count": count,
        "notes": list(sheet.notes),
    }
except FileRefused as refusal:
    result = {"refused": str(refusal)}
print(json.dumps(result))
"""


# -- what each file must give ----------------------------------------------------------------


@dataclass(frozen=True)
class Read:
    """Read: the header on row 1 and exactly these rows (cells as the child shows them)."""

    rows: list[tuple[int, list[Any]]]
    headers: list[str] = field(default_factory=lambda: list(JOURNAL_HEADER))


@dataclass(frozen=True)
class Refused:
    """Refused with one of these messages (problems.py templates), naming `mentions`."""

    templates: tuple["StrOrPromise", ...]
    mentions: tuple[str, ...] = ()


def shown(row: Row) -> list[Any]:
    cells = ["" if value is None else value for value in row]
    while cells and cells[-1] == "":
        cells.pop()
    return cells


def numbered(rows: list[Row]) -> list[tuple[int, list[Any]]]:
    """The rows below a header on row 1, as the child shows them."""
    return [(number, shown(row)) for number, row in enumerate(rows, start=2)]


def wide_expected() -> Read:
    """The 10 journal rows, each with its 2,000 numbers (row * 10,000 + column)."""
    extra = range(WIDE_EXTRA_COLUMNS)
    rows = [
        row + [number * 10_000 + i for i in extra]
        for number, row in enumerate(wide_rows(), start=2)
    ]
    return Read(numbered(rows), JOURNAL_HEADER + [wide_extra_header(i) for i in extra])


VALID = Read(numbered(VALID_ROWS))
FAR = Refused((FILE_TOO_FAR,), ("XFD1048576",))
EXPECTED: dict[str, Read | Refused] = {
    # A value far away: the grid python-calamine would lay out does not fit (549 GB).
    "xlsx-xfd-value": FAR,
    "xlsx-xfd-lying-dimension": FAR,
    "ods-far-value": Refused((FILE_TOO_FAR,), ("Row 1048576",)),
    # Declared sizes, formatting and styled empty cells are not values: read.
    "xlsx-declared-dimension": VALID,
    # Formatted down to row 1,048,576: parsing the rows alone would take python-calamine
    # 4 s, so they are refused, saying what to delete.
    "xlsx-formatted-cells": Refused((FILE_ROWS_FORMATTED,)),
    "xlsx-formatted-rows": Refused((FILE_ROWS_FORMATTED,)),
    "ods-styled-rows": VALID,
    # 2,014 columns are read; the journal's check then groups the 2,000 it does not know.
    "xlsx-wide": wide_expected(),
    "xlsx-shared-strings": Read(numbered(shared_strings_rows())),
    # A million rows with values, or 17 billion cells: over the row limit either way.
    "ods-repeated-value": Refused((FILE_TOO_MANY_ROWS, FILE_TOO_FAR)),
    "ods-repeated-block": Refused((FILE_TOO_MANY_ROWS, FILE_TOO_FAR)),
    "csv-one-line": Refused((FILE_LINE_TOO_LONG,), ("Line 1 ",)),
    # Its lines are short; the 15 MB field is not (the csv module's field limit).
    "csv-quoted-field": Refused((FILE_LINE_TOO_LONG, FILE_CSV_DAMAGED)),
}


def template_pattern(template: "StrOrPromise") -> re.Pattern[str]:
    """A problems.py message template as a regular expression: the text as written, any
    text for each {field}."""
    parts = []
    for literal, name, _, _ in string.Formatter().parse(str(template)):
        parts.append(re.escape(literal))
        if name is not None:
            parts.append(".+?")
    return re.compile("".join(parts), re.DOTALL)


# -- the files, and the children that read them --------------------------------------------------


@dataclass
class Child:
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool = False

    def status(self) -> str:
        if self.timed_out:
            return f"was killed after {CHILD_TIMEOUT} s"
        if self.returncode < 0:
            return f"was killed by {signal.Signals(-self.returncode).name}"
        return f"exited with {self.returncode}"


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _selected(session: pytest.Session) -> list[str]:
    """The files whose reading test was collected (all of them, or those asked by -k)."""
    return [
        str(item.callspec.params["name"])
        for item in session.items
        if isinstance(item, pytest.Function) and item.function is test_read_in_a_child
    ]


class HostileFiles:
    """The files, each built once into the session's temporary directory when first
    needed (zlib releases the GIL: two are built at a time)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.paths: dict[str, Path] = {}

    def build(self, names: list[str]) -> dict[str, Path]:
        missing = [name for name in dict.fromkeys(names) if name not in self.paths]
        with ThreadPoolExecutor(PARALLEL) as pool:
            self.paths.update(zip(missing, pool.map(self._build, missing), strict=True))
        return {name: self.paths[name] for name in names}

    def _build(self, name: str) -> Path:
        path = self.directory / BUILDERS[name].file_name
        path.write_bytes(BUILDERS[name].build())
        return path


@pytest.fixture(scope="session")
def hostile_files(tmp_path_factory: pytest.TempPathFactory) -> HostileFiles:
    return HostileFiles(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="session")
def children(request: pytest.FixtureRequest, hostile_files: HostileFiles) -> dict[str, Child]:
    """Each selected file read in its own child process, two at a time (started from
    this thread once the files are built: preexec_fn is not safe with other threads)."""
    waiting = list(dict.fromkeys(_selected(request.session)))
    paths = hostile_files.build(waiting)
    running: dict[str, tuple[subprocess.Popen[bytes], Any, Any, float]] = {}
    done: dict[str, Child] = {}
    killed: set[str] = set()
    while waiting or running:
        while waiting and len(running) < PARALLEL:
            name = waiting.pop(0)
            path = paths[name]
            stdout, stderr = (
                path.with_name(f"{path.name}{s}").open("w+b") for s in (".out", ".err")
            )
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    CHILD,
                    str(path),
                    BUILDERS[name].file_name,
                    str(SHOWN_ROWS),
                ],
                cwd=ROOT,
                stdout=stdout,
                stderr=stderr,
                preexec_fn=_limits,
            )
            running[name] = (process, stdout, stderr, time.monotonic())
        for name, (process, stdout, stderr, started) in list(running.items()):
            if process.poll() is None and time.monotonic() - started > CHILD_TIMEOUT:
                process.kill()
                process.wait()
                killed.add(name)
            if process.poll() is None:
                continue
            stdout.seek(0)
            stderr.seek(0)
            done[name] = Child(
                process.returncode,
                stdout.read().decode(errors="replace"),
                stderr.read().decode(errors="replace"),
                name in killed,
            )
            stdout.close()
            stderr.close()
            del running[name]
        time.sleep(0.02)
    return done


def _tail(text: str, lines: int = 8) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


# -- the tests ---------------------------------------------------------------------------------


def test_every_file_has_its_expectation() -> None:
    assert set(EXPECTED) == set(BUILDERS)


def test_the_builders_use_the_projects_limits() -> None:
    assert settings.IMPORT_MAX_BYTES == MAX_BYTES
    assert settings.IMPORT_MAX_UNCOMPRESSED == MAX_UNCOMPRESSED
    assert settings.IMPORT_MAX_ROWS == MAX_ROWS


def test_the_files_are_under_the_limits(hostile_files: HostileFiles) -> None:
    """No file is stopped by a size check before the reader looks inside; the big ones
    come within 10% of the limit they test."""
    paths = hostile_files.build(list(BUILDERS))
    sizes = {name: path.read_bytes() for name, path in paths.items()}
    for name, data in sizes.items():
        assert len(data) <= MAX_BYTES, name
        assert (inflated_size(data) or 0) < MAX_UNCOMPRESSED, name
    for name in ("xlsx-formatted-cells", "xlsx-shared-strings"):
        assert (inflated_size(sizes[name]) or 0) > 0.9 * MAX_UNCOMPRESSED, name
    for name in ("csv-one-line", "csv-quoted-field"):
        assert len(sizes[name]) == 15_000_000, name
    assert sizes["csv-one-line"].count(b"\n") == 0
    assert max(map(len, sizes["csv-quoted-field"].splitlines())) < 1_000


@pytest.mark.parametrize("name", list(BUILDERS))
def test_read_in_a_child(name: str, children: dict[str, Child]) -> None:
    child = children[name]
    assert child.returncode == 0, (
        f"{name}: reading it in a child (address space {ADDRESS_SPACE >> 30} GB) "
        f"{child.status()}:\n{_tail(child.stderr)}"
    )
    result = json.loads(child.stdout.strip().splitlines()[-1])
    expected = EXPECTED[name]
    if isinstance(expected, Refused):
        assert "refused" in result, (
            f"{name} was read ({result.get('row_count')} rows), expected a refusal: "
            f"{[t[:40] for t in expected.templates]}"
        )
        message = result["refused"]
        assert any(template_pattern(t).fullmatch(message) for t in expected.templates), message
        for mention in expected.mentions:
            assert mention in message
        return
    assert "refused" not in result, f"{name} was refused: {result['refused']}"
    assert result["header_row"] == 1
    assert result["headers"] == expected.headers
    assert result["row_count"] == len(expected.rows)
    assert [tuple(row) for row in result["rows"]] == expected.rows[:SHOWN_ROWS]
    # Each workbook holds one sheet, Journal: no note may speak of others.
    for template in (OTHER_SHEETS, HIDDEN_SHEETS):
        assert not [n for n in result["notes"] if template_pattern(template).fullmatch(n)]
