"""`manage.py jobs_worker`: django_tasks_db's `db_worker`, with a heartbeat.

The worker takes the tasks queued in the database one at a time. Beside it, a thread
records every few seconds that the worker lives and how far its job is, so that a job's
page shows its progress, /healthz knows a worker was seen, and a killed worker's job is
known as lost (then retried: the Retry button, or `manage.py jobs_retry`). Run as many
as needed, on any machine that reaches the database. Its options are db_worker's.
"""

import os
from typing import Any

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from jobs.running import heartbeat_start, heartbeat_stop


class Command(DatabaseWorkerCommand):
    help = "Run a background worker: the tasks queued in the database, with a heartbeat"

    def handle(self, *args: Any, **options: Any) -> None:
        # With --reload, the process that watches the code runs no task: only the one that
        # does beats.
        if not options["reload"] or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            heartbeat_start(options["worker_id"])
        try:
            super().handle(*args, **options)
        finally:
            heartbeat_stop()
