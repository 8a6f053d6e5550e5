"""The Illinois state-office closure days (R-CLK-1): the holidays on which state agencies close.

The list is the CMS holiday schedule for state employees (80 Ill. Adm. Code 303.190; the
holidays themselves come from the State Commemorative Dates Act, 5 ILCS 490, and the
Election Code): New Year's Day, Martin Luther King Jr. Day, Lincoln's Birthday (Feb 12),
Washington's Birthday, Memorial Day, Juneteenth, Independence Day, Labor Day, Columbus
Day, General Election Day (even years: the Tuesday after the first Monday of November),
Veterans Day, Thanksgiving Day and the Friday after it, Christmas Day. A holiday on a
Saturday is observed on the Friday before, one on a Sunday on the Monday after -- except
Juneteenth, which has no substitute day (5 ILCS 490/63).

Why we correct the ``holidays`` package
---------------------------------------
``holidays.US(subdiv="IL")`` (0.109) is the *public* holiday list of Illinois, not the
state-office closure list. Checked date by date for 2020-2030, it differs in four ways:

* it adds Casimir Pulaski Day (first Monday of March): state offices are open;
* it lacks the Friday after Thanksgiving: state offices are closed;
* it takes Juneteenth from the *federal* calendar: from 2021 on, and moved to the Friday
  before / Monday after when June 19 is a weekend (2021, 2022, 2027). Illinois made
  Juneteenth a paid state holiday from 1 January 2022 (HB 3922, 102nd General Assembly),
  and 5 ILCS 490/63 says that when June 19 is a Saturday or Sunday "neither the
  preceding Friday nor the following Monday shall be held or considered as a paid
  holiday". So: no closure on 2021-06-18, 2022-06-20 or 2027-06-18;
* it lists the weekend dates themselves (e.g. Saturday 2020-07-04 next to the observed
  Friday 2020-07-03). This module returns only the weekdays on which offices close.

What the package gets right, and we keep: the Saturday-to-Friday / Sunday-to-Monday
observance of every other holiday (Lincoln's Birthday included: 2022-02-11, 2023-02-13,
2028-02-11), "Election Day" in even years only, and New Year's Day on a Saturday observed
on Friday 31 December of the *previous* year (2021-12-31, 2027-12-31). That date belongs
to the previous year's list: ``state_closures(2021)`` contains 2021-12-31.

Only the holiday *names* we know are accepted from the package: a name we have not
reviewed, or a known holiday missing from a year, raises ``UnreviewedHolidayData``, so
that an upgrade of the package cannot silently move a deadline.
``tests/deadlines/test_state_holidays.py`` pins every closure date from 2020 to 2030.
"""

from __future__ import annotations

import datetime
import functools

import holidays

__all__ = ["JUNETEENTH_FIRST_YEAR", "UnreviewedHolidayData", "is_state_closure", "state_closures"]

# HB 3922 (102nd General Assembly) made Juneteenth a paid State holiday from 2022-01-01.
JUNETEENTH_FIRST_YEAR = 2022

OBSERVED_SUFFIX = " (observed)"

# Package name -> name used here, for every package holiday that closes state offices.
_KEPT = {
    "New Year's Day": "New Year's Day",
    "Martin Luther King Jr. Day": "Martin Luther King Jr. Day",
    "Lincoln's Birthday": "Lincoln's Birthday",
    "Washington's Birthday": "Washington's Birthday",
    "Memorial Day": "Memorial Day",
    "Juneteenth National Independence Day": "Juneteenth National Freedom Day",
    "Independence Day": "Independence Day",
    "Labor Day": "Labor Day",
    "Columbus Day": "Columbus Day",
    "Election Day": "General Election Day",
    "Veterans Day": "Veterans Day",
    "Thanksgiving Day": "Thanksgiving Day",
    "Christmas Day": "Christmas Day",
}
# Package holidays on which state offices stay open.
_DROPPED = {"Casimir Pulaski Day"}
# Holidays whose weekend date gets no substitute weekday (5 ILCS 490/63).
_NO_SUBSTITUTE = {"Juneteenth National Independence Day"}

DAY_AFTER_THANKSGIVING = "Day after Thanksgiving"


class UnreviewedHolidayData(RuntimeError):
    """The ``holidays`` package returned something this module has not been checked against."""


def state_closures(year: int) -> dict[datetime.date, str]:
    """The weekdays of ``year`` on which Illinois state offices close, mapped to the holiday.

    Only Monday-Friday dates are returned: a Saturday or Sunday holiday appears as its
    observed weekday ("Independence Day (observed)"), or not at all for Juneteenth. A
    closure observed on 31 December for the next year's New Year's Day belongs to
    ``year`` = the year of that 31 December. Computed once per year, then cached.
    """
    return dict(_state_closures(int(year)))


def is_state_closure(day: datetime.date) -> bool:
    """Whether state offices are closed for a holiday on ``day`` (weekends aside)."""
    return day in _state_closures(day.year)


@functools.cache
def _state_closures(year: int) -> dict[datetime.date, str]:
    # Ask for the next year too: its New Year's Day may be observed on 31 December of this
    # year, and a future package version may file it under either year.
    package = holidays.US(subdiv="IL", years=(year, year + 1), language="en_US")
    closures: dict[datetime.date, str] = {}
    seen: dict[int, set[str]] = {year: set(), year + 1: set()}
    for day, joined_names in package.items():
        for package_name in joined_names.split("; "):
            name = _closure_name(day, package_name)
            base = package_name.removesuffix(OBSERVED_SUFFIX)
            if not package_name.endswith(OBSERVED_SUFFIX):
                seen[day.year].add(base)
            if name and day.year == year and day.weekday() < 5:
                closures[day] = f"{closures[day]}; {name}" if day in closures else name
    for checked_year in (year, year + 1):
        _check_complete(checked_year, seen[checked_year])

    thanksgiving = next(day for day, name in closures.items() if name == "Thanksgiving Day")
    closures[thanksgiving + datetime.timedelta(days=1)] = DAY_AFTER_THANKSGIVING
    return dict(sorted(closures.items()))


def _closure_name(day: datetime.date, package_name: str) -> str | None:
    """The closure name for one package entry, or None when offices stay open for it."""
    observed = package_name.endswith(OBSERVED_SUFFIX)
    base = package_name.removesuffix(OBSERVED_SUFFIX)
    if base in _DROPPED:
        return None
    if base not in _KEPT:
        raise UnreviewedHolidayData(
            f"holidays.US(subdiv='IL') lists {package_name!r} on {day.isoformat()}: "
            "not a reviewed name; check it against 80 Ill. Adm. Code 303.190 and update "
            "deadlines/state_holidays.py."
        )
    if base == "Juneteenth National Independence Day" and day.year < JUNETEENTH_FIRST_YEAR:
        return None
    if observed and base in _NO_SUBSTITUTE:
        return None
    return _KEPT[base] + (OBSERVED_SUFFIX if observed else "")


def _check_complete(year: int, names: set[str]) -> None:
    expected = set(_KEPT)
    if year % 2:  # General Election Day: even years only.
        expected.discard("Election Day")
    if year < JUNETEENTH_FIRST_YEAR:
        expected.discard("Juneteenth National Independence Day")
    missing = expected - names
    if missing:
        raise UnreviewedHolidayData(
            f"holidays.US(subdiv='IL') has no {', '.join(sorted(missing))} in {year}: "
            "check deadlines/state_holidays.py against the package version."
        )
