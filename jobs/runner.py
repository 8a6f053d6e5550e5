"""Running a job (the Celery task calls ``run``), and the beat task's clean-up.

Each step of a job's status is a conditional update of its row: ``run`` claims a queued
job (``queued`` → ``running``) and acts only if exactly that one row changed, so a job
sent twice, or to two workers, runs once. The work itself runs outside any transaction
(it may take minutes); progress is written as it goes, at most about once a second.
"""

from __future__ import annotations

import datetime
import logging
import time

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import Q
from django.utils import timezone

from deadlines.days import short_datetime
from jobs import registry
from jobs.registry import JobFailed

log = logging.getLogger(__name__)

#: How long a finished job's file is kept (hours), and after how long a job that never
#: finished (a worker stopped mid-way, a broker lost the message) is marked failed.
DEFAULT_FILE_HOURS = 24
DEFAULT_STALE_HOURS = 6
#: A job that ran at least this long (seconds) e-mails its requester when it ends: they may
#: have left its page. A quicker one they watched finish sends nothing.
DEFAULT_NOTIFY_AFTER_SECONDS = 30

#: What a download may be served as; anything else is application/octet-stream.
CONTENT_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv",
    ".pdf": "application/pdf",
}

GENERIC_ERROR = "Something went wrong while making the file."


def file_hours() -> int:
    return int(getattr(settings, "JOB_FILE_HOURS", DEFAULT_FILE_HOURS))


def stale_hours() -> int:
    return int(getattr(settings, "JOB_STALE_HOURS", DEFAULT_STALE_HOURS))


def notify_after_seconds() -> int:
    return int(getattr(settings, "JOB_NOTIFY_AFTER_SECONDS", DEFAULT_NOTIFY_AFTER_SECONDS))


def content_type_for(filename: str) -> str:
    for suffix, kind in CONTENT_TYPES.items():
        if filename.lower().endswith(suffix):
            return kind
    return "application/octet-stream"


class Progress:
    """The ``progress(done, total)`` callback a job's function receives."""

    def __init__(self, job_id, *, every_seconds=1.0):
        self.job_id = job_id
        self.every = every_seconds
        self.last_written = 0.0
        self.last_percent = -1

    def __call__(self, done, total=None):
        from jobs.models import Job

        done = max(int(done), 0)
        total = None if total is None else max(int(total), 0)
        percent = min(99, int(done * 100 / total)) if total else 0
        now = time.monotonic()
        finished = total is not None and done >= total
        waited = now - self.last_written
        if not (finished or waited >= self.every or (
                percent != self.last_percent and waited >= self.every / 4)):
            return
        self.last_written, self.last_percent = now, percent
        Job.objects.filter(pk=self.job_id, status=Job.Status.RUNNING).update(
            rows_done=done, rows_total=total, progress=percent
        )


def run(job_id) -> bool:
    """Run the queued job ``job_id``; False when it was not queued (already run or
    running elsewhere)."""
    from jobs.models import Job

    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=now
    )
    if claimed != 1:
        return False
    job = Job.objects.select_related("requested_by").get(pk=job_id)
    try:
        kind = registry.get(job.kind)
        data, filename = kind.function(job, Progress(job.pk))
        if not isinstance(data, bytes | bytearray) or not filename:
            raise TypeError(f"Job kind {job.kind!r} must return (bytes, filename).")
    except JobFailed as failure:
        _fail(job, str(failure) or GENERIC_ERROR)
        return True
    except Exception:
        # The person reads a plain message; the log has the traceback (no data from the
        # job's rows is put in either).
        log.exception("Job %s (%s) failed", job.pk, job.kind)
        _fail(job, GENERIC_ERROR)
        return True
    _finish(job, bytes(data), str(filename))
    return True


def _fail(job, message):
    from jobs.models import Job

    finished = timezone.now()
    if Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
            status=Job.Status.FAILED, error=message[:500], finished_at=finished) == 1:
        _notify(job.pk, finished)


def _notify(job_id, finished):
    """E-mail the requester that the job ended, through the outbox (sent after commit, at
    most once: the dedupe key), when it ran long enough that they may have left its page.
    The e-mail names the job and links to its page; nothing from the file (R-FILE-8). The
    page itself, and the export's own page (``jobs/_recent.html``), say it in the portal."""
    from jobs.models import Job
    from portal.notifications import notify

    job = Job.objects.select_related("requested_by").get(pk=job_id)
    started = job.started_at or job.created_at
    if (finished - started).total_seconds() < notify_after_seconds():
        return
    if not job.requested_by.is_active or not job.requested_by.email:
        return
    notify(to=job.requested_by, template="job_finished", dedupe_key=f"job-finished-{job.pk}",
           context={"label": job.label, "ready": job.status == Job.Status.DONE,
                    "link": settings.SITE_URL + job.get_absolute_url(),
                    "until": short_datetime(job.expires_at) if job.expires_at else ""})


def _finish(job, data, filename):
    from jobs.models import Job

    name = filename.replace("/", "_").replace("\\", "_")[:150]
    job.file.save(name, ContentFile(data), save=False)
    finished = timezone.now()
    # What the last progress call said; a total never given is the rows done.
    total, done = Job.objects.filter(pk=job.pk).values_list("rows_total", "rows_done").get()
    total = done if total is None else total
    updated = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
        status=Job.Status.DONE, file=job.file.name, filename=name,
        content_type=content_type_for(name), size=len(data), progress=100,
        rows_total=total, rows_done=total,
        finished_at=finished, expires_at=finished + datetime.timedelta(hours=file_hours()),
    )
    if updated != 1:  # marked failed as stale meanwhile: the file is not wanted
        job.file.storage.delete(job.file.name)
        return
    _notify(job.pk, finished)


def delete_expired_files(now=None) -> int:
    """The beat task: delete the files whose time is up, and fail the jobs that never
    finished. Returns how many files were deleted."""
    from jobs.models import Job

    now = now or timezone.now()
    deleted = 0
    due = Job.objects.filter(file_deleted_at__isnull=True, expires_at__isnull=False,
                             expires_at__lte=now)
    for pk, name in due.values_list("pk", "file")[:1000]:
        if name:
            try:
                Job._meta.get_field("file").storage.delete(name)
            except OSError:
                log.exception("Could not delete the file of job %s", pk)
                continue
        deleted += Job.objects.filter(pk=pk, file_deleted_at__isnull=True).update(
            file_deleted_at=now, file=""
        )
    stale = now - datetime.timedelta(hours=stale_hours())
    Job.objects.filter(Q(status=Job.Status.QUEUED) | Q(status=Job.Status.RUNNING),
                       created_at__lt=stale).update(
        status=Job.Status.FAILED, finished_at=now,
        error="It did not finish in time (the server may have restarted).",
    )
    return deleted
