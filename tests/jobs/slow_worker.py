"""A background worker that stops for ten minutes once its job reports a step with some
progress (JOBS_TEST_STOP_AT), after saying so in a file (JOBS_TEST_MARKER): where
test_worker.py kills it. A statement reports every line read (not every thousand).

    python tests/jobs/slow_worker.py [jobs_worker options]
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402

import reports.services  # noqa: E402
from jobs import running  # noqa: E402

STOP_AT = os.environ["JOBS_TEST_STOP_AT"]
MARKER = Path(os.environ["JOBS_TEST_MARKER"])
told = running.JobProgress.__call__


def slow(self: running.JobProgress, step: str, done: int, total: int) -> None:
    told(self, step, done, total)
    if step == STOP_AT and done > 0:
        MARKER.write_text(f"{step} {done} {total}")
        time.sleep(600)


running.JobProgress.__call__ = slow  # type: ignore[method-assign]
reports.services.PROGRESS_EVERY = 1

if __name__ == "__main__":
    call_command("jobs_worker", *sys.argv[1:])
