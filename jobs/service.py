"""Starting a job and reading its state (the public ``jobs.start`` and ``jobs.status``).

Nothing here imports the models at import time: ``jobs`` is imported while Django loads
its apps.
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from jobs import registry


def start(kind: str, params: dict | None, user, *, label: str = "", return_url: str = ""):
    """Queue a job of ``kind`` for ``user`` and return it (a ``jobs.models.Job``).

    ``params``: JSON-serialisable values (strings, numbers, lists, dicts; dates and
    decimals are written as text) that the kind's function reads as ``job.params``.
    ``label``: what the status page calls it (default: the kind's label). ``return_url``:
    the page (a path on this site) to start it again from; anything else is dropped.

    The worker is asked to run it once the current transaction commits (at once outside
    one). With ``CELERY_TASK_ALWAYS_EAGER`` (the tests) it runs in this process then; in a
    test's transaction, wrap the call in ``django_capture_on_commit_callbacks(execute=True)``
    or call ``jobs.runner.run(job.pk)``. An unknown ``kind`` is a ``LookupError``.
    """
    from jobs.models import Job
    from jobs.tasks import run_job
    from portal.tasks import publish_after_commit

    spec = registry.get(kind)
    if not getattr(user, "is_authenticated", False):
        raise ValueError("A job is started by a signed-in person.")
    if return_url and not (
        return_url.startswith("/")
        and url_has_allowed_host_and_scheme(return_url, allowed_hosts=None)
    ):
        return_url = ""
    job = Job.objects.create(kind=kind, label=(label or spec.label)[:200], params=params or {},
                             requested_by=user, return_url=return_url[:1000])
    # A broker that is down never fails the request (issue 15): the job waits queued and
    # jobs.start_waiting publishes it again.
    publish_after_commit(run_job, job.pk)
    return job


def recent(user, kind, *, limit=3) -> list[dict]:
    """The person's latest jobs of ``kind`` still worth showing (running, waiting, ready
    to download, or failed within the files' time), newest first, as ``status`` gives
    them with ``"label"`` and ``"url"`` (its page) added. One query."""
    from jobs.models import Job
    from jobs.runner import file_hours

    if not getattr(user, "is_authenticated", False):
        return []
    now = timezone.now()
    since = now - datetime.timedelta(hours=file_hours())
    found = (Job.objects.filter(requested_by=user, kind=kind, created_at__gte=since)
             .filter(Q(status__in=[Job.Status.QUEUED, Job.Status.RUNNING, Job.Status.FAILED])
                     | Q(status=Job.Status.DONE, file_deleted_at__isnull=True,
                         expires_at__gt=now))
             [:limit])
    shown = []
    for job in found:
        job.requested_by = user  # theirs by the filter: no join to read them again
        shown.append({**status(job), "label": job.label, "url": job.get_absolute_url()})
    return shown


def downloadable(job) -> bool:
    """Can the person who asked download the file now? It is made and not yet deleted, and
    the kind's ``may_download`` (if any) still allows them (``jobs.register``)."""
    if not job.can_download:
        return False
    try:
        kind = registry.get(job.kind)
    except LookupError:  # a kind since removed: its file is still theirs until it goes
        return True
    return kind.allows_download(job.requested_by, job)


def status(job) -> dict:
    """What the status page shows, as plain values (its JSON answer too):

    ``{"id", "status" (queued/running/done/failed), "status_label", "percent",
    "rows_done", "rows_total", "text" (one sentence for a person), "finished" (bool),
    "download_url" (when the file can be downloaded, else None), "filename", "expired",
    "expires_at" (ISO 8601: when the file is deleted, once it is made)}``.
    """
    from jobs.text import describe

    ready = downloadable(job)
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": job.get_status_display(),
        "percent": job.progress,
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "text": describe(job, ready=ready),
        "finished": job.is_finished,
        "expired": job.is_expired,
        "expires_at": job.expires_at.isoformat() if job.expires_at else None,
        "download_url": reverse("job_download", args=[job.pk]) if ready else None,
        "filename": job.filename if ready else "",
    }
