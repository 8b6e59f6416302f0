"""Background work through the web and the services, tasks run by the immediate backend:
a large statement and a large import go to a worker and arrive with their progress; below
the thresholds nothing changes; who may ask, see and retry; failures said in the
reader's language, never as a traceback; lost workers; every request and retry audited.
A real worker process: test_worker.py."""

import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client, override_settings
from django.utils import timezone, translation
from django.utils.functional import Promise

import reports.services
from irls.models import Lab
from jobs.exceptions import NOT_RETRIABLE, UNEXPECTED, WORKER_LOST, JobError
from jobs.models import Job, Worker
from jobs.running import job_start
from jobs.selectors import job_is_lost
from jobs.services import (
    job_enqueue_audit_package,
    job_enqueue_import,
    job_enqueue_statement,
    job_retry,
)
from ledger.exceptions import NotPermittedError
from ledger.models import AuditEvent, ImportBatch, JournalEntry
from reports.exceptions import NO_FISCAL_YEAR
from reports.models import IssuedStatement
from reports.services import statement_issue
from tests.books import posted
from tests.imports.sheets import JOURNAL_HEADER, csv_bytes, line
from tests.jobs.conftest import location, staff

IMPORT = "/admin/ledger/importbatch/import/"
CONFIRM = "/admin/ledger/importbatch/import/confirm/"
LEDGER_2025 = {"kind": "general-ledger", "year": 2025, "format": "xlsx", "language": "en"}


def issue(client: Client, code: str, **fields: str) -> Any:
    form = {
        "kind": "general-ledger",
        "year": "2025",
        "language": "en",
        "currency": "SGD",
        "format": "xlsx",
        **fields,
    }
    return client.post(f"/labs/{code}/statements/issue/", form)


def two_purchases(user: User, lab: Lab) -> None:
    """Four posted lines: above the tests' threshold of two."""
    posted(user, lab, "100.00", piece_ref="INV-1")
    posted(user, lab, "250.00", piece_ref="INV-2")


def cells(data: bytes) -> list[Any]:
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return [cell for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row]


def test_a_large_statement_is_issued_by_a_worker_and_arrives_with_its_progress(
    client: Client, cintra: Lab, accountant: User, immediate: None
):
    two_purchases(accountant, cintra)
    client.force_login(accountant)

    response = issue(client, "CINTRA")

    job = Job.objects.get()
    assert response.status_code == 302
    assert location(response) == f"/labs/CINTRA/jobs/{job.pk}/"
    assert (job.kind, job.status, job.requested_by) == ("statement", "done", accountant)
    assert (job.done, job.total, job.error) == (4, 4, "")
    issued = job.result_statement
    assert issued is not None and issued.kind == "general-ledger" and issued.format == "xlsx"

    page = client.get(location(response))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Done" in html and "Download the statement" in html and 'value="100"' in html
    link = f"/labs/CINTRA/statements/{issued.pk}/download/"
    assert f'href="{link}"' in html
    # No polling once done: the page reloads itself only while the job runs.
    assert 'http-equiv="refresh"' not in html and 'data-finished="true"' in html

    download = client.get(link)
    assert download.status_code == 200 and download["Cache-Control"] == "no-store"
    assert bytes(download.content) == bytes(issued.content)
    figures = cells(download.content)
    assert 250 in figures or "250.00" in figures or 250.0 in figures

    progress = client.get(f"/labs/CINTRA/jobs/{job.pk}/progress/")
    assert progress["Cache-Control"] == "no-store"
    assert json.loads(progress.content) == {
        "status": "done",
        "status_text": "Done",
        "step": "",
        "done": 4,
        "total": 4,
        "percent": 100,
        "finished": True,
        "lost": False,
    }
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions.index("job.enqueue") < actions.index("statement.issue")
    enqueued = AuditEvent.objects.get(action="job.enqueue")
    assert enqueued.actor == accountant and enqueued.lab == cintra
    assert enqueued.after is not None
    assert enqueued.after["parameters"]["kind"] == "general-ledger"


def test_a_statement_within_the_threshold_is_handed_out_at_once_as_before(
    client: Client, cintra: Lab, accountant: User, immediate: None
):
    posted(accountant, cintra, "100.00")  # two lines: not above the threshold
    client.force_login(accountant)

    response = issue(client, "CINTRA", format="pdf", kind="trial-balance")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.startswith(b"%PDF")
    assert not Job.objects.exists()
    assert IssuedStatement.objects.count() == 1


def test_a_job_page_shows_the_progress_of_a_job_under_way(
    client: Client, cintra: Lab, accountant: User, queued: None
):
    """Queued (no worker yet), then taken and half way: the status, the step, the bar and
    the count, the page reloading itself without JavaScript and polling with it."""
    two_purchases(accountant, cintra)
    client.force_login(accountant)
    job = job_enqueue_statement(acting_user=accountant, lab=cintra, options=LEDGER_2025)
    page = client.get(f"/labs/CINTRA/jobs/{job.pk}/").content.decode()
    assert "Waiting for a worker" in page
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page
    assert 'data-finished="false"' in page and "jobs/progress" in page and "<progress" in page

    job_start(job_id=job.pk, attempt=1, worker_id="worker-1")
    Job.objects.filter(pk=job.pk).update(step="lines", done=1500, total=6000)
    page = client.get(f"/labs/CINTRA/jobs/{job.pk}/").content.decode()
    assert "Running" in page and "Writing the statement&#x27;s lines" in page
    assert 'value="25"' in page and "1500 of 6000" in page
    state = client.get(f"/labs/CINTRA/jobs/{job.pk}/progress/").json()
    assert state["percent"] == 25 and state["finished"] is False and state["lost"] is False

    client.cookies["django_language"] = "fr"
    state = client.get(f"/labs/CINTRA/jobs/{job.pk}/progress/", HTTP_ACCEPT_LANGUAGE="fr").json()
    with translation.override("fr"):
        assert state["status_text"] == str(Job.Status.RUNNING.label)
        assert state["step"] != "Writing the statement's lines"


def test_the_statement_tells_its_lines_as_the_renderer_reads_them(
    cintra: Lab, accountant: User, monkeypatch: pytest.MonkeyPatch
):
    two_purchases(accountant, cintra)
    monkeypatch.setattr(reports.services, "PROGRESS_EVERY", 1)
    told: list[tuple[str, int, int]] = []

    statement_issue(
        acting_user=accountant,
        lab=cintra,
        kind="general-ledger",
        year=2025,
        format="xlsx",
        progress=lambda step, done, total: told.append((step, done, total)),
    )

    assert told[0] == ("build", 0, 0)
    lines = [done for step, done, total in told if step == "lines"]
    assert lines == [0, 1, 2, 3, 4]
    assert {total for step, _, total in told if step == "lines"} == {4}


def test_a_director_asks_for_a_statement_job_but_never_for_an_import_job(
    client: Client, cintra: Lab, accountant: User, director_cintra: User, immediate: None
):
    two_purchases(accountant, cintra)
    client.force_login(staff(director_cintra))

    response = issue(client, "CINTRA")

    job = Job.objects.get()
    assert location(response) == f"/labs/CINTRA/jobs/{job.pk}/"
    assert job.requested_by == director_cintra and job.status == "done"

    data = csv_bytes([JOURNAL_HEADER, *GOOD_ROWS])
    with pytest.raises(NotPermittedError):
        job_enqueue_import(
            acting_user=director_cintra, lab=cintra, kind="journal", file_name="x.csv", data=data
        )
    assert client.get(IMPORT).status_code == 403
    assert client.post(CONFIRM, {"sha256": "0" * 64}).status_code == 403
    assert Job.objects.count() == 1


def test_the_audit_package_is_for_accountants_auditors_and_the_office_head(
    cintra: Lab, director_cintra: User, auditor: User, immediate: None
):
    with pytest.raises(NotPermittedError):
        job_enqueue_audit_package(acting_user=director_cintra, lab=cintra, year=2025)

    # The job runs reports.audit_package with its progress, and keeps the ZIP it archives
    # (what is inside: tests/reports/test_audit_package.py).
    job = job_enqueue_audit_package(acting_user=auditor, lab=cintra, year=2025)
    assert job.status == "done" and job.result_statement is not None
    assert job.result_statement.issued_by == auditor
    assert (job.result_statement.kind, job.result_statement.format) == ("audit-package", "zip")
    assert job.step == "package" and job.done == job.total > 0


def test_a_job_of_another_lab_is_not_found(
    client: Client,
    cintra: Lab,
    majulab: Lab,
    accountant: User,
    director_majulab: User,
    immediate: None,
):
    job = job_enqueue_statement(
        acting_user=accountant, lab=cintra, options={**LEDGER_2025, "year": 1999}
    )
    client.force_login(director_majulab)
    for url in (
        "/labs/CINTRA/jobs/",
        f"/labs/CINTRA/jobs/{job.pk}/",
        f"/labs/CINTRA/jobs/{job.pk}/progress/",
        f"/labs/MAJULAB/jobs/{job.pk}/",
        f"/labs/MAJULAB/jobs/{job.pk}/progress/",
    ):
        assert client.get(url).status_code == 404, url
    for url in (f"/labs/CINTRA/jobs/{job.pk}/retry/", f"/labs/MAJULAB/jobs/{job.pk}/retry/"):
        assert client.post(url).status_code == 404, url
    assert client.get("/labs/MAJULAB/jobs/").status_code == 200
    assert f"Job {job.pk}" not in client.get("/labs/MAJULAB/jobs/").content.decode()
    job.refresh_from_db()
    assert job.attempt == 1


GOOD_ROWS = [
    line("E1", "6064", "10.00", None),
    line("E1", "401", None, "10.00"),
    line("E2", "6064", "20.00", None, piece_ref="INV-E2"),
    line("E2", "401", None, "20.00", piece_ref="INV-E2"),
]


def upload(client: Client, lab: Lab, rows: list[list[Any]]) -> Any:
    data = csv_bytes([JOURNAL_HEADER, *rows])
    form = {"kind": "journal", "lab": lab.pk, "file": SimpleUploadedFile("march.csv", data)}
    return client.post(IMPORT, form)


def test_a_large_import_is_previewed_then_imported_by_a_worker(
    client: Client, cintra: Lab, accountant: User, immediate: None, tmp_path: Path
):
    with override_settings(IMPORT_UPLOAD_DIR=tmp_path):
        client.force_login(staff(accountant))
        preview = upload(client, cintra, GOOD_ROWS)
        assert preview.status_code == 200 and "No problem found" in preview.content.decode()
        assert not Job.objects.exists() and not ImportBatch.objects.exists()

        done = client.post(CONFIRM, {"sha256": preview.context["outcome"].sha256})

    job = Job.objects.get()
    assert location(done) == f"/labs/CINTRA/jobs/{job.pk}/"
    assert (job.kind, job.status) == ("import", "done")
    assert job.parameters["rows"] == 4 and job.parameters["file_name"] == "march.csv"
    batch = ImportBatch.objects.get()
    assert job.result_batch == batch and batch.created == 2
    assert JournalEntry.objects.filter(import_batch=batch).count() == 2
    assert Job.objects.filter(pk=job.pk).values_list("upload", flat=True).get() is None
    assert list(tmp_path.iterdir()) == []  # the previewed bytes went to the job
    page = client.get(location(done)).content.decode()
    assert f'href="/labs/CINTRA/imports/{batch.pk}/"' in page
    assert "imported by a worker in the background" in page


def test_a_small_import_is_imported_in_the_request_as_before(
    client: Client, cintra: Lab, accountant: User, immediate: None, tmp_path: Path
):
    with override_settings(IMPORT_UPLOAD_DIR=tmp_path):
        client.force_login(staff(accountant))
        preview = upload(client, cintra, GOOD_ROWS[:2])
        done = client.post(CONFIRM, {"sha256": preview.context["outcome"].sha256})

    batch = ImportBatch.objects.get()
    assert location(done) == f"/admin/ledger/importbatch/{batch.pk}/change/"
    assert not Job.objects.exists()


def test_an_import_refused_by_the_worker_lists_its_problems_and_writes_nothing(
    cintra: Lab, accountant: User, immediate: None
):
    """Previewed clean, then the books changed before the worker ran (the same file was
    imported meanwhile): the job fails with the problem, nothing more is written."""
    data = csv_bytes([JOURNAL_HEADER, *GOOD_ROWS])
    job_enqueue_import(
        acting_user=accountant, lab=cintra, kind="journal", file_name="a.csv", data=data
    )
    entries = JournalEntry.objects.count()

    job = job_enqueue_import(
        acting_user=accountant, lab=cintra, kind="journal", file_name="b.csv", data=data
    )

    lines = job.error.splitlines()
    assert job.status == "failed" and lines[0].startswith("The file was not imported")
    assert "already imported" in lines[1] or "was imported" in lines[1]
    assert JournalEntry.objects.count() == entries
    assert Job.objects.filter(pk=job.pk).values_list("upload", flat=True).get() is not None


def test_a_failed_job_says_why_in_the_readers_language_never_as_a_traceback(
    client: Client, cintra: Lab, accountant: User, immediate: None, monkeypatch
):
    job = job_enqueue_statement(
        acting_user=accountant, lab=cintra, options={**LEDGER_2025, "year": 1999}
    )
    assert (job.status, job.error) == ("failed", "CINTRA has no fiscal year 1999")
    client.force_login(accountant)
    english = client.get(f"/labs/CINTRA/jobs/{job.pk}/").content.decode()
    assert "CINTRA has no fiscal year 1999" in english and "Retry" in english

    french = client.get(f"/labs/CINTRA/jobs/{job.pk}/", HTTP_ACCEPT_LANGUAGE="fr")
    with translation.override("fr"):
        wanted = NO_FISCAL_YEAR.format(lab="CINTRA", year=1999)
    assert wanted != "CINTRA has no fiscal year 1999"
    assert wanted.replace("'", "&#x27;") in french.content.decode()

    def crash(**_: Any) -> None:
        raise RuntimeError("connection to /srv/secret failed")

    monkeypatch.setattr("jobs.tasks.statement_issue", crash)
    job = job_enqueue_statement(acting_user=accountant, lab=cintra, options=LEDGER_2025)
    with translation.override("en"):  # recorded in English, whoever reads it
        assert (job.status, job.error) == ("failed", str(UNEXPECTED))
    page = client.get(f"/labs/CINTRA/jobs/{job.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    with translation.override("fr"):
        assert str(UNEXPECTED).replace("'", "&#x27;") in page
    assert "secret" not in page and "Traceback" not in page


def test_retrying_a_failed_job_is_for_who_asked_and_the_labs_writers(
    client: Client,
    cintra: Lab,
    director_cintra: User,
    accountant: User,
    immediate: None,
):
    job = job_enqueue_statement(
        acting_user=director_cintra, lab=cintra, options={**LEDGER_2025, "year": 1999}
    )
    client.force_login(director_cintra)
    assert "Retry" in client.get(f"/labs/CINTRA/jobs/{job.pk}/").content.decode()
    # Asked again by who asked for it: the same cause fails the second attempt too.
    response = client.post(f"/labs/CINTRA/jobs/{job.pk}/retry/")
    assert location(response) == f"/labs/CINTRA/jobs/{job.pk}/"
    job.refresh_from_db()
    assert (job.attempt, job.status) == (2, "failed")
    retried = AuditEvent.objects.get(action="job.retry")
    assert retried.actor == director_cintra and retried.lab == cintra
    assert retried.before is not None
    assert retried.before["status"] == "failed" and retried.after == {
        "status": "queued",
        "attempt": 2,
    }

    other = job_enqueue_statement(
        acting_user=accountant, lab=cintra, options={**LEDGER_2025, "year": 1999}
    )
    assert "Retry" not in client.get(f"/labs/CINTRA/jobs/{other.pk}/").content.decode()
    assert client.post(f"/labs/CINTRA/jobs/{other.pk}/retry/").status_code == 403
    with pytest.raises(NotPermittedError):
        job_retry(acting_user=director_cintra, job=other)
    other.refresh_from_db()
    assert other.attempt == 1


def test_a_job_that_did_not_fail_is_not_retried(
    client: Client, cintra: Lab, accountant: User, immediate: None
):
    two_purchases(accountant, cintra)
    job = job_enqueue_statement(acting_user=accountant, lab=cintra, options=LEDGER_2025)
    assert job.status == "done"

    with pytest.raises(JobError) as refused:
        job_retry(acting_user=accountant, job=job)

    assert str(refused.value) == NOT_RETRIABLE.format(job=job.pk, status="done")
    client.force_login(accountant)
    response = client.post(f"/labs/CINTRA/jobs/{job.pk}/retry/", follow=True)
    assert NOT_RETRIABLE.format(job=job.pk, status="done") in response.content.decode()
    assert not AuditEvent.objects.filter(action="job.retry").exists()
    assert IssuedStatement.objects.count() == 1


def test_a_job_whose_worker_was_lost_is_retried_by_command(
    client: Client, cintra: Lab, accountant: User, queued: None
):
    from django_tasks_db.models import DBTaskResult

    two_purchases(accountant, cintra)
    job = job_enqueue_statement(acting_user=accountant, lab=cintra, options=LEDGER_2025)
    started = job_start(job_id=job.pk, attempt=1, worker_id="worker-1")
    assert started is not None and not job_is_lost(started)
    job = started
    with pytest.raises(JobError):
        job_retry(acting_user=accountant, job=job)
    call_command("jobs_retry", "--lost", stdout=io.StringIO())
    job.refresh_from_db()
    assert job.attempt == 1

    # The worker is heard of no more.
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=10))
    job.refresh_from_db()
    assert job_is_lost(job)
    client.force_login(accountant)
    page = client.get(f"/labs/CINTRA/jobs/{job.pk}/").content.decode()
    assert str(WORKER_LOST) in page and "Retry" in page
    assert client.get(f"/labs/CINTRA/jobs/{job.pk}/progress/").json()["lost"] is True

    out = io.StringIO()
    call_command("jobs_retry", "--lost", stdout=out)

    job.refresh_from_db()
    assert (job.status, job.attempt, job.worker_id, job.started_at) == ("queued", 2, "", None)
    assert f"job {job.pk} (statement, CINTRA): queued, attempt 2" in out.getvalue()
    statuses = dict(DBTaskResult.objects.values_list("id", "status"))
    assert sorted(statuses.values()) == ["FAILED", "READY"]
    ready = {str(key) for key, value in statuses.items() if value == "READY"}
    assert ready == {job.task_result_id}
    event = AuditEvent.objects.get(action="job.retry")
    assert event.actor is None and event.before is not None
    assert event.before["status"] == "running"
    # A worker taking the first attempt's task now does nothing.
    assert job_start(job_id=job.pk, attempt=1, worker_id="worker-2") is None


def test_the_retry_command_refuses_what_it_cannot_retry(
    cintra: Lab, accountant: User, queued: None
):
    job = job_enqueue_statement(acting_user=accountant, lab=cintra, options=LEDGER_2025)
    with pytest.raises(CommandError, match="only a failed job"):
        call_command("jobs_retry", str(job.pk))
    with pytest.raises(CommandError, match="No job 999999"):
        call_command("jobs_retry", "999999")
    with pytest.raises(CommandError, match="Name the jobs"):
        call_command("jobs_retry")


def test_the_lab_lists_its_jobs_in_french_too(
    client: Client, cintra: Lab, accountant: User, immediate: None
):
    job = job_enqueue_statement(
        acting_user=accountant, lab=cintra, options={**LEDGER_2025, "year": 1999}
    )
    client.force_login(accountant)
    page = client.get("/labs/CINTRA/jobs/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert f'href="/labs/CINTRA/jobs/{job.pk}/"' in page
    with translation.override("fr"):
        assert str(Job.Status.FAILED.label) in page
        assert str(Job.Kind.STATEMENT.label) in page


def test_the_health_probe_says_whether_a_worker_was_seen_lately(client: Client, db: None):
    assert client.get("/healthz").json()["worker"] == "not seen"
    now = timezone.now()
    worker = Worker.objects.create(
        worker_id="w1", host="app-1", pid=42, started_at=now, seen_at=now
    )

    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["worker"] == "ok"

    Worker.objects.filter(pk=worker.pk).update(seen_at=now - timedelta(hours=1))
    response = client.get("/healthz")
    # Workers down: said, but the web server still serves (200).
    assert response.status_code == 200 and response.json()["worker"] == "not seen"


def test_the_database_refuses_a_job_of_unknown_status_or_kind(cintra: Lab, accountant: User):
    job = Job.objects.create(lab=cintra, requested_by=accountant, kind="statement")
    for column, value in (("status", "paused"), ("kind", "payroll")):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE jobs_job SET {column} = %s WHERE id = %s", [value, job.pk])
    job.refresh_from_db()
    assert (job.status, job.kind) == ("queued", "statement")


def test_every_word_of_background_work_is_in_french():
    import jobs.exceptions
    import jobs.selectors

    texts = [
        value
        for module in (jobs.exceptions, jobs.selectors)
        for value in vars(module).values()
        if isinstance(value, Promise)
    ]
    texts += [*jobs.selectors.STEPS.values()]
    texts += [label for _, label in Job.Status.choices] + [label for _, label in Job.Kind.choices]
    with translation.override("en"):
        english = [str(text) for text in texts]
    with translation.override("fr"):
        french = [str(text) for text in texts]
    assert len(texts) > 20
    # "Import" (the job's kind) is written alike in French.
    assert [e for e, f in zip(english, french, strict=True) if e == f] == ["Import"]
