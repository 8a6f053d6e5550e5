"""Argument checks and wording shared by the calendar, the closures and the apps that
show deadlines."""

import datetime


def require_date(day) -> None:
    """Refuse anything but a plain ``datetime.date`` (a ``datetime`` too: take its date first)."""
    if not isinstance(day, datetime.date) or isinstance(day, datetime.datetime):
        raise TypeError(f"expected a datetime.date, got {day!r}")


def long_date(day: datetime.date) -> str:
    """A day as people read it in letters and e-mails: "Wednesday, January 6, 2027"."""
    return f"{day:%A, %B} {day.day}, {day.year}"
