"""Extra office-closure days that HFS adds and removes without a deploy (R-CLK-1).

``add_closure`` / ``remove_closure`` are the only way to change them: each checks the day,
writes the ``ClosureDay`` row and its ``ClosureChange`` log row (who, when, why) in one
transaction, and sends ``calendar_changed``.

The hook: ``calendar_changed``
------------------------------
A ``Signal`` sent with ``days`` (the list of dates that changed), ``action`` ("added" or
"removed"), ``reason`` and ``by``. It is sent *inside* the transaction that writes the
change, after the calendar has been told: a receiver (the clock engine moving the due
moments of running clocks) already sees the new calendar through ``deadlines.calendar``,
and its writes commit or roll back together with the closure change. A receiver that
raises therefore refuses the change. (To act only after commit instead, a receiver wraps
its work in ``transaction.on_commit``.)

How the calendar reads closure days
-----------------------------------
``extra_closures()`` returns every closure date with its reason. It must be cheap: the
calendar asks for it on every call, and a clock sweep calls the calendar many times. So:

* each process keeps a local copy, tagged with a *version token* kept in Django's cache
  (Redis in production, shared by every worker; locmem in the embedded default). One
  ``cache.get`` per calendar call, one SQL query only when the token has changed;
* a committed change (``post_save`` / ``post_delete`` of ``ClosureDay``, so also a row
  written by the admin or a fixture) sets a new token *after commit* and drops the local
  copy: every process reloads on its next call. A missing token (cache cleared or evicted)
  is replaced by a new one, which also forces a reload;
* inside a transaction that has changed closure days and not yet committed, the set is
  read from the database on every call and never cached: that transaction sees its own
  change, and a rollback (the end of every pytest-django test, a failed request) leaves no
  trace in any cache. This is how tests never see closure days of a previous test;
* ``post_migrate`` (sent by ``flush``, which transactional tests use to empty the
  database) also sets a new token.

``QuerySet.update()`` and ``bulk_create()`` send no signals: do not use them on
``ClosureDay`` (or call ``calendar_was_changed()`` afterwards).
"""

from __future__ import annotations

import datetime
import logging
import time
import uuid
from collections.abc import Mapping
from types import MappingProxyType

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.signals import post_delete, post_migrate, post_save
from django.dispatch import Signal, receiver

from deadlines.days import long_date, require_date
from deadlines.models import ClosureChange, ClosureDay
from deadlines.state_holidays import state_closures

__all__ = [
    "add_closure",
    "calendar_changed",
    "calendar_was_changed",
    "extra_closures",
    "remove_closure",
]

#: Sent inside the changing transaction with ``days``, ``action``, ``reason`` and ``by``.
calendar_changed = Signal()

logger = logging.getLogger(__name__)

VERSION_KEY = "deadlines:closure-days:version"

# (version token, closures, when the token was last checked) of the last load in this
# process; None when there is none.
_local_copy: tuple[str, Mapping[datetime.date, str], float] | None = None
# A process trusts its copy this long before asking the cache for the version again, so
# a hot loop of calendar calls does not make one cache round trip per call. A change made
# in another process is seen within this time; a change made here is seen at once.
RECHECK_SECONDS = 1.0


# --- Changing the closure days -------------------------------------------------------------


def add_closure(day: datetime.date, reason: str, by) -> ClosureDay:
    """Close the offices on ``day`` for ``reason``, recorded as done by user ``by``.

    Refuses (``ValidationError``) a weekend day, a state holiday, a day already closed,
    and an empty reason. Sends ``calendar_changed`` with ``days=[day]``.
    """
    reason = _clean_reason(reason)
    require_date(day)
    label = long_date(day)
    if day.weekday() >= 5:
        raise ValidationError(
            f"{label} is a {day:%A}: weekends are never business days, so there is "
            "nothing to close.",
            code="weekend",
        )
    holiday = state_closures(day.year).get(day)
    if holiday:
        raise ValidationError(
            f"{label} is already a state holiday ({holiday}): offices are closed anyway.",
            code="state_holiday",
        )
    with transaction.atomic():
        if ClosureDay.objects.filter(date=day).exists():
            raise ValidationError(f"{label} is already a closure day.", code="duplicate")
        try:
            with transaction.atomic():
                closure = ClosureDay.objects.create(date=day, reason=reason, added_by=by)
        except IntegrityError as error:  # added by someone else at the same moment
            raise ValidationError(f"{label} is already a closure day.", code="duplicate") from error
        ClosureChange.objects.create(
            date=day, action=ClosureChange.Action.ADDED, reason=reason, changed_by=by
        )
        calendar_changed.send(
            sender=ClosureDay, days=[day], action=ClosureChange.Action.ADDED, reason=reason, by=by
        )
    return closure


def remove_closure(day: datetime.date, reason: str, by) -> None:
    """Reopen the offices on ``day``, a closure day added before, recorded as done by ``by``.

    The ``ClosureDay`` row is deleted; the ``ClosureChange`` log keeps the removal. Refuses
    (``ValidationError``) a day that is not a closure day, and an empty reason. Sends
    ``calendar_changed`` with ``days=[day]``.
    """
    reason = _clean_reason(reason)
    require_date(day)
    with transaction.atomic():
        closure = ClosureDay.objects.select_for_update().filter(date=day).first()
        if closure is None:
            message = f"{long_date(day)} is not a closure day added in the portal"
            if day in state_closures(day.year):
                message += " (it is a state holiday, which cannot be removed)"
            raise ValidationError(f"{message}.", code="not_found")
        closure.delete()
        ClosureChange.objects.create(
            date=day, action=ClosureChange.Action.REMOVED, reason=reason, changed_by=by
        )
        calendar_changed.send(
            sender=ClosureDay,
            days=[day],
            action=ClosureChange.Action.REMOVED,
            reason=reason,
            by=by,
        )


def _clean_reason(reason) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Give the reason for the change.", code="reason_required")
    return reason


# --- Reading them (the calendar's cache) -------------------------------------------------


def extra_closures() -> Mapping[datetime.date, str]:
    """Every closure day added in the portal, date -> reason (read-only; cached, see above)."""
    global _local_copy
    if _has_uncommitted_change():
        return _load()
    if _publish_pending:
        _try_publish()
    if getattr(cache, "degraded", False) or _publish_pending:
        # Redis is down (portal.cache): no process can tell another of a change, so each
        # reads the days from the database (one small query) until it answers again.
        return _load()
    local = _local_copy
    if local is not None and time.monotonic() - local[2] < RECHECK_SECONDS:
        return local[1]
    token = cache.get(VERSION_KEY)
    if token is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        token = cache.get(VERSION_KEY)
    if local is not None and local[0] == token:
        _local_copy = (token, local[1], time.monotonic())
        return local[1]
    closures = _load()
    if token is not None:
        _local_copy = (token, closures, time.monotonic())
    return closures


def forget_local_copy() -> None:
    """Drop this process's copy (tests call it between tests: a rolled-back test's closure
    days must not survive in the copy for the recheck time)."""
    global _local_copy
    _local_copy = None


def calendar_was_changed() -> None:
    """Make every process reload the closure days once the current transaction commits."""
    global _local_copy
    _local_copy = None
    transaction.on_commit(_publish_change)


#: A change this process could not announce (the cache was down): announced at the next read.
_publish_pending = False


def _publish_change() -> None:
    global _local_copy, _publish_pending
    _local_copy = None
    _publish_pending = True
    _try_publish()


def _try_publish() -> None:
    """Tell every process the closure days changed: a new version in the cache. A cache
    that cannot be reached leaves the change pending (never an error after the commit)."""
    global _publish_pending
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:  # a plain Redis cache (not portal.cache) that is down
        logger.warning("Could not announce the closure-day change; will retry.",
                       exc_info=True)
        return
    if not getattr(cache, "degraded", False):
        _publish_pending = False


def _has_uncommitted_change() -> bool:
    connection = transaction.get_connection()
    return connection.in_atomic_block and any(
        entry[1] is _publish_change for entry in connection.run_on_commit
    )


def _load() -> Mapping[datetime.date, str]:
    return MappingProxyType(dict(ClosureDay.objects.values_list("date", "reason")))


@receiver(post_save, sender=ClosureDay, dispatch_uid="deadlines-closure-saved")
@receiver(post_delete, sender=ClosureDay, dispatch_uid="deadlines-closure-deleted")
def _closure_day_changed(sender, **kwargs) -> None:
    if not _has_uncommitted_change():
        calendar_was_changed()


@receiver(post_migrate, dispatch_uid="deadlines-closure-days-flushed")
def _database_flushed(sender, **kwargs) -> None:
    global _local_copy
    _local_copy = None
    try:
        cache.delete(VERSION_KEY)
    except Exception:  # a cache server down must not stop `migrate`
        logger.warning("Could not reset the closure-day cache version.", exc_info=True)
