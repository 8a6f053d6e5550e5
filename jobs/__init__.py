"""Background jobs: long work (an export of many rows) never runs inside a request.

The public functions, for any app::

    from jobs import register, start, status

    register("tickets.search_export", export_tickets, label="All tickets export")
    job = start("tickets.search_export", {"q": "MOL-1"}, request.user,
                return_url=request.get_full_path())
    return redirect(job)            # the status page, with its progress bar
    status(job)                     # the same as the page's JSON: status, percent, rows...
    recent(request.user, "tickets.search_export")   # their latest ones, for a notice

In a template, ``{% load job_tags %}{% recent_jobs "tickets.search_export" %}`` shows that
notice (running, or ready with the download link) beside the button that starts the job.

See ``jobs.registry.register`` for the function a kind runs, and
docs/decisions/0009-background-jobs.md for why.
"""

from jobs.registry import JobFailed, is_registered, register, unregister
from jobs.service import recent, start, status

__all__ = ["JobFailed", "is_registered", "recent", "register", "start", "status",
           "unregister"]
