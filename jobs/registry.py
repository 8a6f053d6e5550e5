"""The job kinds: what each kind of job runs (``register``), looked up by the runner."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

#: ``function(job, progress) -> (bytes, filename)``; ``progress(done, total)``.
JobFunction = Callable[..., tuple[bytes, str]]
#: ``may_download(user, job) -> bool``: may the person who asked still have the file?
DownloadCheck = Callable[..., bool]


@dataclass(frozen=True)
class JobKind:
    key: str
    function: JobFunction
    label: str
    may_download: DownloadCheck | None = None

    def allows_download(self, user, job) -> bool:
        return self.may_download is None or bool(self.may_download(user, job))


_KINDS: dict[str, JobKind] = {}


class JobFailed(Exception):
    """Raised by a job's function: the job fails and the person reads this message (say
    what to do; never a value from the data)."""


def register(kind: str, function: JobFunction, *, label: str = "",
             may_download: DownloadCheck | None = None) -> JobKind:
    """Declare the job kind ``kind`` (a short dotted name, e.g. ``"tickets.search_export"``).

    ``function(job, progress)`` does the work and returns ``(data, filename)``: the bytes of
    the file and the name the person downloads it as. ``job.params`` holds what the caller
    passed to ``start``; ``job.requested_by`` is who asked (check what they may see through
    them, at run time). Call ``progress(done, total)`` as rows are made; it is cheap (it
    writes at most about once a second). Raise ``jobs.JobFailed("message")`` for a failure
    the person should read; any other exception fails the job with a generic message.
    ``label``: what the job makes, as the status page names it ("All tickets export").
    ``may_download(user, job)``: asked at each download, after the requester check (only
    the person who asked ever gets the file, R-SEC-1): False when they may no longer see
    what it holds (an MCO's staff moved to another MCO meanwhile); the file is then "not
    found" to them. Registering a kind again replaces it. Returns the ``JobKind``.
    """
    if not kind or len(kind) > 60:
        raise ValueError("A job kind is a name of 1 to 60 characters.")
    if not callable(function):
        raise TypeError("A job kind needs a function(job, progress).")
    if may_download is not None and not callable(may_download):
        raise TypeError("may_download is a function(user, job).")
    entry = JobKind(key=kind, function=function, label=label or kind,
                    may_download=may_download)
    _KINDS[kind] = entry
    return entry


def unregister(kind: str) -> None:
    """Forget ``kind`` (for tests)."""
    _KINDS.pop(kind, None)


def get(kind: str) -> JobKind:
    """The registered kind, or ``LookupError``."""
    try:
        return _KINDS[kind]
    except KeyError:
        raise LookupError(f"No job kind {kind!r} is registered (jobs.register).") from None


def is_registered(kind: str) -> bool:
    return kind in _KINDS
