"""Argument checks shared by the calendar and the closure functions."""

import datetime


def require_date(day) -> None:
    """Refuse anything but a plain ``datetime.date`` (a ``datetime`` too: take its date first)."""
    if not isinstance(day, datetime.date) or isinstance(day, datetime.datetime):
        raise TypeError(f"expected a datetime.date, got {day!r}")
