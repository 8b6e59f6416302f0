"""Errors of background work, in words the person who asked understands.

Templates are module constants (gettext_lazy, named `{placeholders}`). What a worker
records on a failed job is worded in English and shown in the reader's language
(jobs.messages), so these constants are written to be found there too.
"""

from django.utils.translation import gettext_lazy as _

from ledger.exceptions import LedgerError

NOT_RETRIABLE = _(
    "Job {job} is {status}: only a failed job, or one whose worker was lost, is retried"
)
# Recorded on a job (English, shown in the reader's language).
WORKER_STOPPED = _(
    "The worker was stopped during the job: nothing of it was written. Retry the job."
)
UNEXPECTED = _(
    "The job stopped on an unexpected error (kept in the worker's log for the operators): "
    "nothing of it was written. Retry the job, and tell the office if it fails again."
)
FILE_REFUSED = _("The file was not imported: nothing was written. The problems found:")
UPLOAD_MISSING = _("The job's file is no longer kept: upload the file again.")
# Shown (never recorded) on a running job whose worker has not been heard of.
WORKER_LOST = _(
    "The worker running this job was lost (stopped or killed): nothing of the job was "
    "written. Retry the job."
)


class JobError(LedgerError):
    """A job cannot be asked for, or retried, as asked."""
