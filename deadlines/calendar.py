"""The business-day calendar: the public API the clocks and every app use (SPEC §5).

Every argument and result is a ``datetime.date`` (a ``datetime.datetime`` is refused:
turn a moment into its Central-time date first), except ``deadline_moment``, which turns a
last day into the aware moment a deadline ends.

* R-CLK-1: a business day is Monday-Friday, not an Illinois state-office closure
  (``deadlines.state_holidays``) and not a closure day HFS added in the portal
  (``deadlines.closures``).
* R-CLK-2: the day of the triggering event is day 0 and is never counted; a deadline ends
  at the end of its last day, 23:59:59.999999 in America/Chicago.
* R-CLK-3: a calendar-day period whose last day is not a business day runs to the next
  business day (5 ILCS 70/1.11), unless the setting ``DEADLINES_ROLL_FORWARD`` is False.

The closure days HFS added are read once per call (one cache lookup; one SQL query only
after a change), never once per day checked: ``add_business_days(day, 500)`` costs what
``add_business_days(day, 1)`` costs.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from deadlines.closures import extra_closures
from deadlines.days import require_date
from deadlines.state_holidays import is_state_closure, state_closures

__all__ = [
    "CENTRAL",
    "add_business_days",
    "business_days_between",
    "calendar_deadline",
    "closures_between",
    "deadline_moment",
    "is_business_day",
    "next_business_day",
]

#: The time zone of every deadline (R-CLK-2).
CENTRAL = ZoneInfo("America/Chicago")

_ONE_DAY = datetime.timedelta(days=1)


def is_business_day(day: datetime.date) -> bool:
    """Whether ``day`` is a business day (R-CLK-1): Monday-Friday, offices open."""
    require_date(day)
    return _is_open(day, extra_closures())


def next_business_day(day: datetime.date) -> datetime.date:
    """The first business day strictly after ``day``."""
    require_date(day)
    return _next_open(day, extra_closures())


def add_business_days(day: datetime.date, n: int) -> datetime.date:
    """The ``n``-th business day after ``day`` (R-CLK-2: ``day`` is day 0, never counted).

    ``n = 0`` returns ``day`` itself, business day or not. ``n`` must be >= 0.
    """
    require_date(day)
    _check_count(n)
    extra = extra_closures()
    for _ in range(n):
        day = _next_open(day, extra)
    return day


def business_days_between(start: datetime.date, end: datetime.date) -> int:
    """How many business days are after ``start``, up to and including ``end``.

    0 when ``end <= start``. The inverse of ``add_business_days``:
    ``business_days_between(d, add_business_days(d, k)) == k``. Counted by whole weeks, then
    less the closures in the range: its cost grows with the years it spans, not the days
    (a ticket overdue for three years is counted as fast as one overdue for a week).
    """
    require_date(start)
    require_date(end)
    if end <= start:
        return 0
    extra = extra_closures()
    weeks, rest = divmod((end - start).days, 7)
    tail = start + datetime.timedelta(days=weeks * 7)
    count = weeks * 5 + sum(
        (tail + datetime.timedelta(days=i)).weekday() < 5 for i in range(1, rest + 1))
    closed = set(extra)
    for year in range(start.year, end.year + 1):
        closed.update(state_closures(year))
    return count - sum(1 for day in closed if start < day <= end and day.weekday() < 5)


def calendar_deadline(day: datetime.date, n: int) -> datetime.date:
    """The last day of a period of ``n`` calendar days that starts on ``day`` (day 0).

    That is ``day + n``; when it is not a business day it moves to the next business day
    (R-CLK-3, 5 ILCS 70/1.11), unless ``settings.DEADLINES_ROLL_FORWARD`` is False.
    ``n`` must be >= 0.
    """
    require_date(day)
    _check_count(n)
    last = day + datetime.timedelta(days=n)
    if not getattr(settings, "DEADLINES_ROLL_FORWARD", True):
        return last
    extra = extra_closures()
    return last if _is_open(last, extra) else _next_open(last, extra)


def deadline_moment(day: datetime.date) -> datetime.datetime:
    """The moment a deadline whose last day is ``day`` ends (R-CLK-2).

    23:59:59.999999 of ``day`` in America/Chicago, as an aware datetime: CST or CDT as that
    day has it (on a daylight-saving change day the end of the day is unambiguous).
    """
    require_date(day)
    return datetime.datetime.combine(day, datetime.time.max, tzinfo=CENTRAL)


def closures_between(start: datetime.date, end: datetime.date) -> dict[datetime.date, str]:
    """Every closure from ``start`` to ``end`` (both included), date -> why, in date order.

    State holidays (their observed weekday) and the closure days HFS added; weekends are
    not listed. Empty when ``end < start``.
    """
    require_date(start)
    require_date(end)
    found: dict[datetime.date, str] = {}
    for year in range(start.year, end.year + 1):
        found.update(state_closures(year))
    found.update(extra_closures())
    return {day: why for day, why in sorted(found.items()) if start <= day <= end}


def _is_open(day: datetime.date, extra) -> bool:
    return day.weekday() < 5 and day not in extra and not is_state_closure(day)


def _next_open(day: datetime.date, extra) -> datetime.date:
    day += _ONE_DAY
    while not _is_open(day, extra):
        day += _ONE_DAY
    return day


def _check_count(n) -> None:
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"expected a whole number of days, got {n!r}")
    if n < 0:
        raise ValueError(f"the number of days must be 0 or more, got {n}")
