"""A real worker process (`manage.py jobs_worker`) on the test database, on SQLite and on
PostgreSQL: it issues a statement asked for on the web, its progress showing as it goes;
killed (SIGKILL) in the middle of a statement or of an import's transaction, it leaves
nothing written, and the job, once its worker is known to be lost, is retried and done.

The worker reads the test database (a file on SQLite) through DATABASE_URL; the tests
commit for real (transaction=True) so that it sees what they write.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client, override_settings
from django_tasks_db.models import DBTaskResult

from irls.models import Lab
from jobs.exceptions import JobError
from jobs.models import Job, Worker
from jobs.selectors import job_is_lost
from jobs.services import job_enqueue_import, job_enqueue_statement, job_retry
from ledger.models import ImportBatch, JournalEntry, JournalLine
from reports.models import IssuedStatement
from tests.books import posted
from tests.imports.sheets import JOURNAL_HEADER, csv_bytes, line
from tests.jobs.conftest import DATABASE

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(settings.BASE_DIR)
KEPT = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
WITHIN_S = 120
WORKER = ["manage.py", "jobs_worker", "--no-startup-delay", "--interval", "0.1", "--no-reload"]


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    login = quote(db.get("USER") or "postgres", safe="")
    if db.get("PASSWORD"):
        login += ":" + quote(db["PASSWORD"], safe="")
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{login}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def worker_env(tmp_path: Path) -> dict[str, str]:
    env = {key: os.environ[key] for key in KEPT if key in os.environ}
    return env | {
        "DATABASE_URL": database_url(),
        "TASKS_BACKEND": "database",
        "CACHE_BACKEND": "memory",
        "IRL_VAR_DIR": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture(autouse=True)
def database_queue() -> Iterator[None]:
    with override_settings(TASKS=DATABASE, JOBS_STATEMENT_LINES=2):
        yield


def run_worker(env: dict[str, str], log: Path) -> None:
    """A worker that runs what is queued, then stops (--batch)."""
    with log.open("ab") as output:
        result = subprocess.run(
            [sys.executable, *WORKER, "--batch"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            timeout=WITHIN_S,
            check=False,
        )
    assert result.returncode == 0, log.read_text()


def start_slow_worker(env: dict[str, str], log: Path, step: str, marker: Path) -> Any:
    output = log.open("ab")
    return subprocess.Popen(
        [sys.executable, "tests/jobs/slow_worker.py", *WORKER[2:]],
        cwd=ROOT,
        env=env | {"JOBS_TEST_STOP_AT": step, "JOBS_TEST_MARKER": str(marker)},
        stdout=output,
        stderr=subprocess.STDOUT,
    )


def wait_for(condition: Any, what: str, log: Path, process: Any = None) -> None:
    started = time.monotonic()
    while not condition():
        if process is not None:
            assert process.poll() is None, f"the worker stopped:\n{log.read_text()[-3000:]}"
        assert time.monotonic() - started < WITHIN_S, f"{what}:\n{log.read_text()[-3000:]}"
        time.sleep(0.1)


def killed(process: Any) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def retried_once_lost(job: Job, user: User) -> Job:
    """The job of a killed worker: refused while its worker may still live, then queued
    again once the worker is silent for longer than JOBS_WORKER_LOST_AFTER."""
    with pytest.raises(JobError):
        job_retry(acting_user=user, job=job)
    with override_settings(JOBS_WORKER_LOST_AFTER=1):
        time.sleep(1.5)
        job.refresh_from_db()
        assert job_is_lost(job)
        return job_retry(acting_user=user, job=job)


def test_a_worker_process_issues_a_statement_asked_for_on_the_web(
    client: Client, cintra: Lab, accountant: User, worker_env: dict[str, str], tmp_path: Path
):
    for amount in ("100.00", "250.00", "75.50"):
        posted(accountant, cintra, amount, piece_ref=f"INV-{amount}")
    client.force_login(accountant)
    response = client.post(
        "/labs/CINTRA/statements/issue/",
        {
            "kind": "general-ledger",
            "year": "2025",
            "language": "fr",
            "currency": "SGD",
            "format": "pdf",
        },
    )
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/labs/CINTRA/jobs/{job.pk}/"
    assert job.status == "queued" and not IssuedStatement.objects.exists()
    assert "Waiting for a worker" in client.get(response["Location"]).content.decode()
    assert client.get("/healthz").json()["worker"] == "not seen"

    run_worker(worker_env, tmp_path / "worker.log")

    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.error) == ("done", 6, 6, "")
    issued = IssuedStatement.objects.get()
    assert job.result_statement == issued and issued.kind == "general-ledger"
    assert bytes(issued.content).startswith(b"%PDF") and issued.issued_by == accountant
    assert job.worker_id and Worker.objects.get().worker_id == job.worker_id
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    page = client.get(response["Location"]).content.decode()
    assert f'href="/labs/CINTRA/statements/{issued.pk}/download/"' in page
    download = client.get(f"/labs/CINTRA/statements/{issued.pk}/download/")
    assert bytes(download.content) == bytes(issued.content)
    assert client.get("/healthz").json()["worker"] == "ok"


def test_a_worker_killed_in_the_middle_of_a_statement_writes_nothing_and_the_job_is_retried(
    client: Client, cintra: Lab, accountant: User, worker_env: dict[str, str], tmp_path: Path
):
    for amount in ("100.00", "250.00"):
        posted(accountant, cintra, amount, piece_ref=f"INV-{amount}")
    job = job_enqueue_statement(
        acting_user=accountant,
        lab=cintra,
        options={"kind": "general-ledger", "year": 2025, "format": "xlsx", "language": "en"},
    )
    log, marker = tmp_path / "worker.log", tmp_path / "stopped"
    process = start_slow_worker(worker_env, log, "lines", marker)
    try:
        wait_for(marker.exists, "the worker never reached the statement's lines", log, process)
        # Its page shows how far it is, from the worker's heartbeat.
        client.force_login(accountant)
        progress = f"/labs/CINTRA/jobs/{job.pk}/progress/"
        wait_for(lambda: client.get(progress).json()["done"] >= 1, "no progress shown", log)
        state = client.get(progress).json()
        assert (state["status"], state["step"], state["total"]) == (
            "running",
            "Writing the statement's lines",
            4,
        )
        page = client.get(f"/labs/CINTRA/jobs/{job.pk}/").content.decode()
        assert "Running" in page and "<progress" in page
    finally:
        killed(process)

    job.refresh_from_db()
    assert job.status == "running"
    assert not IssuedStatement.objects.exists()

    job = retried_once_lost(job, accountant)
    assert (job.status, job.attempt) == ("queued", 2)
    run_worker(worker_env, log)

    job.refresh_from_db()
    assert (job.status, job.attempt) == ("done", 2)
    assert IssuedStatement.objects.get() == job.result_statement
    assert sorted(DBTaskResult.objects.values_list("status", flat=True)) == [
        "FAILED",
        "SUCCESSFUL",
    ]


def test_a_worker_killed_in_the_middle_of_an_imports_transaction_writes_nothing(
    cintra: Lab, accountant: User, worker_env: dict[str, str], tmp_path: Path
):
    rows = [
        row
        for n in range(1, 31)
        for row in (
            line(f"E{n}", "6064", f"{n}.00", None, piece_ref=f"INV-{n}"),
            line(f"E{n}", "401", None, f"{n}.00", piece_ref=f"INV-{n}"),
        )
    ]
    data = csv_bytes([JOURNAL_HEADER, *rows])
    job = job_enqueue_import(
        acting_user=accountant,
        lab=cintra,
        kind="journal",
        file_name="march.csv",
        data=data,
        rows=len(rows),
    )
    log, marker = tmp_path / "worker.log", tmp_path / "stopped"
    process = start_slow_worker(worker_env, log, "write", marker)
    try:
        # Stopped once the entries are written, inside the import's transaction.
        wait_for(marker.exists, "the worker never wrote the entries", log, process)
    finally:
        killed(process)

    job.refresh_from_db()
    assert job.status == "running"
    assert not ImportBatch.objects.exists()
    assert not JournalEntry.objects.exists() and not JournalLine.objects.exists()

    job = retried_once_lost(job, accountant)
    run_worker(worker_env, log)

    job.refresh_from_db()
    assert (job.status, job.attempt) == ("done", 2)
    batch = ImportBatch.objects.get()
    assert job.result_batch == batch and batch.result == "imported" and batch.created == 30
    assert JournalEntry.objects.filter(import_batch=batch).count() == 30
    assert JournalLine.objects.count() == 60
