"""`manage.py jobs_retry`: queue failed jobs, or jobs whose worker was lost, again.

    python manage.py jobs_retry 12 15      # these jobs (failed, or their worker lost)
    python manage.py jobs_retry --lost     # every running job whose worker was lost

A lost worker's job is not queued again by itself: a job that kills its worker (memory)
would kill the next one too. The operator (or the Retry button) decides; audited as
'job.retry' by the system.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jobs.models import Job
from jobs.services import job_retry, jobs_retry_lost
from ledger.exceptions import LedgerError

NO_SUCH_JOB = "No job {job}"
NOTHING_ASKED = "Name the jobs to retry, or give --lost"


class Command(BaseCommand):
    help = "Queue again failed jobs, or jobs whose worker was lost; exits 1 on a refusal."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("jobs", nargs="*", type=int, help="ids of the jobs to retry")
        parser.add_argument(
            "--lost", action="store_true", help="every running job whose worker was lost"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["jobs"] and not options["lost"]:
            raise CommandError(NOTHING_ASKED)
        retried: list[Job] = []
        try:
            for job_id in options["jobs"]:
                job = Job.objects.defer("upload").filter(pk=job_id).first()
                if job is None:
                    raise CommandError(NO_SUCH_JOB.format(job=job_id))
                retried.append(job_retry(acting_user=None, job=job))
            if options["lost"]:
                retried += jobs_retry_lost(acting_user=None)
        except LedgerError as refusal:
            raise CommandError(str(refusal)) from refusal
        for job in retried:
            self.stdout.write(
                f"job {job.pk} ({job.kind}, {job.lab.code}): queued, attempt {job.attempt}"
            )
        if not retried:
            self.stdout.write("No job to retry.")
