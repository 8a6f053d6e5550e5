"""A job's state in one sentence, for its page and its JSON (the same words in both)."""

from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from deadlines.days import short_datetime


def _plural(n, word="row"):
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _rows(job):
    if job.rows_total is None:
        return f"{_plural(job.rows_done)} so far"
    return f"{job.rows_done:,} of {_plural(job.rows_total)}"


def describe(job, *, ready=True) -> str:
    """``ready``: False when the file is made but the person may no longer have it (the
    kind's ``may_download``, ``jobs.service.downloadable``)."""
    status = job.Status
    if job.status == status.QUEUED:
        return "Waiting to start. This page updates by itself."
    if job.status == status.RUNNING:
        return f"Running: {_rows(job)} ({job.progress}%)."
    if job.status == status.FAILED:
        reason = job.error or "Something went wrong while making the file."
        return f"It failed. {reason} Start it again; if it fails again, tell the portal team " \
               f"(job {job.pk})."
    if job.is_expired:
        when = job.file_deleted_at or job.expires_at
        return (f"The file was deleted on {short_datetime(when)}: files are kept only for a "
                "while. Start it again to get a fresh one.")
    if not ready:
        return ("You can no longer download this file: your access has changed since you "
                "started it.")
    rows = f"{_plural(job.rows_total)}, " if job.rows_total is not None else ""
    size = filesizeformat(job.size or 0)
    until = (f" It can be downloaded until {short_datetime(job.expires_at)}; then it is "
             "deleted."
             if job.expires_at and job.expires_at > timezone.now() else "")
    return f"Ready: {job.filename} ({rows}{size}).{until}"
