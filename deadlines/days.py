"""Argument checks and wording shared by the calendar, the closures and the apps that
show deadlines."""

import datetime
from zoneinfo import ZoneInfo

# The state's time zone (deadlines.calendar.CENTRAL; not imported: the calendar imports us).
_CENTRAL = ZoneInfo("America/Chicago")


def require_date(day) -> None:
    """Refuse anything but a plain ``datetime.date`` (a ``datetime`` too: take its date first)."""
    if not isinstance(day, datetime.date) or isinstance(day, datetime.datetime):
        raise TypeError(f"expected a datetime.date, got {day!r}")


def long_date(day) -> str:
    """A day as people read it in letters and e-mails: "Wednesday, January 6, 2027". A
    datetime is first taken to its day in Central time."""
    if isinstance(day, datetime.datetime):
        day = _central(day).date()
    return f"{day:%A, %B} {day.day}, {day.year}"



def short_date(day, *, weekday: bool = False) -> str:
    """A day in lists, tables and short messages: "Dec 8, 2026" ("Tue, Dec 8, 2026" with
    ``weekday``). A datetime is first taken to its day in Central time."""
    if isinstance(day, datetime.datetime):
        day = _central(day).date()
    text = f"{day:%b} {day.day}, {day.year}"
    return f"{day:%a}, {text}" if weekday else text


def short_datetime(moment: datetime.datetime) -> str:
    """A moment in Central time, in lists and short messages: "Dec 8, 2026 3:05 PM"."""
    moment = _central(moment)
    hour = moment.hour % 12 or 12
    return f"{short_date(moment.date())} {hour}:{moment:%M} {'AM' if moment.hour < 12 else 'PM'}"


def _central(moment: datetime.datetime) -> datetime.datetime:
    """An aware moment in Central time (a naive one is taken as Central already)."""
    return moment if moment.tzinfo is None else moment.astimezone(_CENTRAL)
