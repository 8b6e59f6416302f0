"""All or nothing against a crash: `manage.py import_sheet` killed (SIGKILL) in the middle
of posting leaves the database exactly as before; and the command's exit codes.

These tests commit for real (transaction=True) so that a separate process sees the books.
"""

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection

from irls import services as irls_services
from irls.models import Lab
from ledger.models import ImportBatch, JournalEntry
from ledger.services.imports import import_file
from tests.books import lab_with_books
from tests.imports.sheets import JOURNAL_HEADER, csv_bytes, line

ROOT = Path(settings.BASE_DIR)
pytestmark = pytest.mark.django_db(transaction=True)


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def command(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "manage.py"), "import_sheet", *args]


def environment() -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": database_url(), "PYTHONUNBUFFERED": "1"}
    env.pop("TEST_DB_NAME", None)
    return env


def counts() -> dict[str, int]:
    return {
        m._meta.label: m._default_manager.count()
        for m in apps.get_app_config("ledger").get_models()
    }


@pytest.fixture
def lab_and_user() -> tuple[Lab, User]:
    lab = lab_with_books("CINTRA")
    user = User.objects.create_user(username="crash_accountant")
    irls_services.role_grant(acting_user=None, user=user, role="accountant", lab=lab)
    return lab, user


def big_file(path: Path, entries: int) -> Path:
    rows = []
    for n in range(entries):
        day = f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}"
        rows += [
            line(f"K{n}", "6064", "12.34", None, date=day),
            line(f"K{n}", "401", None, "12.34", date=day),
        ]
    path.write_bytes(csv_bytes([JOURNAL_HEADER, *rows]))
    return path


def test_killed_while_posting_leaves_the_database_as_before(
    lab_and_user: tuple[Lab, User], tmp_path: Path
) -> None:
    lab, user = lab_and_user
    path = big_file(tmp_path / "big.csv", 12_000)
    before = counts()
    process = subprocess.Popen(
        command("journal", str(path), "--lab", lab.code, "--post", "--as", user.username),
        cwd=ROOT,
        env=environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    seen = b""
    deadline = time.monotonic() + 240
    try:
        while b"posting" not in seen:
            assert time.monotonic() < deadline, seen[-500:]
            ready, _, _ = select.select([process.stderr], [], [], 1)
            if ready:
                chunk = os.read(process.stderr.fileno(), 65536)
                assert chunk or process.poll() is None, seen[-2000:]
                seen += chunk
            assert process.poll() is None, seen[-2000:]
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == -signal.SIGKILL

    assert counts() == before
    assert not JournalEntry.objects.exists()
    assert not ImportBatch.objects.exists()
    # The books still take the same file afterwards (no lock, no half-written batch).
    outcome = import_file(
        acting_user=user,
        lab=lab,
        kind="journal",
        file_name="small.csv",
        data=big_file(tmp_path / "small.csv", 3).read_bytes(),
        post=True,
    )
    assert outcome.ok and JournalEntry.objects.filter(status="posted").count() == 3


def test_exit_codes(lab_and_user: tuple[Lab, User], tmp_path: Path) -> None:
    lab, user = lab_and_user
    good = big_file(tmp_path / "good.csv", 2)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([JOURNAL_HEADER, line("E", "6064", "1", None)]))
    common = ["--lab", lab.code, "--as", user.username, "--no-progress"]

    refused = subprocess.run(
        command("journal", str(bad), *common), cwd=ROOT, env=environment(), capture_output=True
    )
    assert refused.returncode == 1
    assert refused.stdout.decode().splitlines() == [
        "Entry E (row 2) has a single line; an entry needs at least two",
        "Note: Read as CSV: separator 'comma', encoding UTF-8, column names on row 1",
    ]
    assert "1 problem; nothing was imported" in refused.stderr.decode()

    dry = subprocess.run(
        command("journal", str(good), "--dry-run", *common),
        cwd=ROOT,
        env=environment(),
        capture_output=True,
    )
    assert dry.returncode == 0 and "dry run, nothing written" in dry.stdout.decode()
    assert not JournalEntry.objects.exists()

    done = subprocess.run(
        command("journal", str(good), "--post", *common),
        cwd=ROOT,
        env=environment(),
        capture_output=True,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert JournalEntry.objects.filter(status="posted").count() == 2

    again = subprocess.run(
        command("journal", str(good), "--post", *common),
        cwd=ROOT,
        env=environment(),
        capture_output=True,
    )
    assert again.returncode == 1
    assert again.stdout.decode().startswith("This file was already imported into CINTRA on ")
