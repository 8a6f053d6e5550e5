"""The Illinois state-office closure list (R-CLK-1), pinned date by date for 2020-2030.

The table is written by hand from the rules (CMS holiday schedule, 80 Ill. Adm. Code
303.190; Saturday -> Friday before, Sunday -> Monday after; Juneteenth a State holiday from
2022, never moved, 5 ILCS 490/63), not copied from the ``holidays`` package.
"""

import datetime

import holidays
import pytest

from deadlines import state_holidays
from deadlines.calendar import add_business_days, business_days_between, calendar_deadline
from deadlines.state_holidays import UnreviewedHolidayData, state_closures

# Every weekday on which state offices close, per calendar year ("MM-DD").
CLOSURES = {
    2020: [
        "01-01",  # New Year's Day (Wed)
        "01-20",  # Martin Luther King Jr. Day
        "02-12",  # Lincoln's Birthday (Wed)
        "02-17",  # Washington's Birthday
        "05-25",  # Memorial Day
        # June 19 (Fri): Juneteenth was not yet a State holiday (from 2022).
        "07-03",  # Independence Day: July 4 is a Saturday
        "09-07",  # Labor Day
        "10-12",  # Columbus Day
        "11-03",  # General Election Day
        "11-11",  # Veterans Day (Wed)
        "11-26",  # Thanksgiving Day
        "11-27",  # Day after Thanksgiving
        "12-25",  # Christmas Day (Fri)
    ],
    2021: [
        "01-01",  # New Year's Day (Fri)
        "01-18",  # MLK Day
        "02-12",  # Lincoln's Birthday (Fri)
        "02-15",  # Washington's Birthday
        "05-31",  # Memorial Day
        # June 19 is a Saturday (and not yet a State holiday): no closure on June 18.
        "07-05",  # Independence Day: July 4 is a Sunday
        "09-06",  # Labor Day
        "10-11",  # Columbus Day
        "11-11",  # Veterans Day (Thu)
        "11-25",  # Thanksgiving Day
        "11-26",  # Day after Thanksgiving
        "12-24",  # Christmas Day: December 25 is a Saturday
        "12-31",  # New Year's Day 2022: January 1 2022 is a Saturday
    ],
    2022: [
        # January 1 is a Saturday: observed Friday 2021-12-31 (in the 2021 list).
        "01-17",  # MLK Day
        "02-11",  # Lincoln's Birthday: February 12 is a Saturday
        "02-21",  # Washington's Birthday
        "05-30",  # Memorial Day
        # June 19 is a Sunday: no substitute Monday (5 ILCS 490/63).
        "07-04",  # Independence Day (Mon)
        "09-05",  # Labor Day
        "10-10",  # Columbus Day
        "11-08",  # General Election Day
        "11-11",  # Veterans Day (Fri)
        "11-24",  # Thanksgiving Day
        "11-25",  # Day after Thanksgiving
        "12-26",  # Christmas Day: December 25 is a Sunday
    ],
    2023: [
        "01-02",  # New Year's Day: January 1 is a Sunday
        "01-16",  # MLK Day
        "02-13",  # Lincoln's Birthday: February 12 is a Sunday
        "02-20",  # Washington's Birthday
        "05-29",  # Memorial Day
        "06-19",  # Juneteenth (Mon)
        "07-04",  # Independence Day (Tue)
        "09-04",  # Labor Day
        "10-09",  # Columbus Day
        "11-10",  # Veterans Day: November 11 is a Saturday
        "11-23",  # Thanksgiving Day
        "11-24",  # Day after Thanksgiving
        "12-25",  # Christmas Day (Mon)
    ],
    2024: [
        "01-01",  # New Year's Day (Mon)
        "01-15",  # MLK Day
        "02-12",  # Lincoln's Birthday (Mon)
        "02-19",  # Washington's Birthday
        "05-27",  # Memorial Day
        "06-19",  # Juneteenth (Wed)
        "07-04",  # Independence Day (Thu)
        "09-02",  # Labor Day
        "10-14",  # Columbus Day
        "11-05",  # General Election Day
        "11-11",  # Veterans Day (Mon)
        "11-28",  # Thanksgiving Day
        "11-29",  # Day after Thanksgiving
        "12-25",  # Christmas Day (Wed)
    ],
    2025: [
        "01-01",  # New Year's Day (Wed)
        "01-20",  # MLK Day
        "02-12",  # Lincoln's Birthday (Wed)
        "02-17",  # Washington's Birthday
        "05-26",  # Memorial Day
        "06-19",  # Juneteenth (Thu)
        "07-04",  # Independence Day (Fri)
        "09-01",  # Labor Day
        "10-13",  # Columbus Day
        "11-11",  # Veterans Day (Tue)
        "11-27",  # Thanksgiving Day
        "11-28",  # Day after Thanksgiving
        "12-25",  # Christmas Day (Thu)
    ],
    2026: [
        "01-01",  # New Year's Day (Thu)
        "01-19",  # MLK Day
        "02-12",  # Lincoln's Birthday (Thu)
        "02-16",  # Washington's Birthday
        "05-25",  # Memorial Day
        "06-19",  # Juneteenth (Fri)
        "07-03",  # Independence Day: July 4 is a Saturday
        "09-07",  # Labor Day
        "10-12",  # Columbus Day
        "11-03",  # General Election Day
        "11-11",  # Veterans Day (Wed)
        "11-26",  # Thanksgiving Day
        "11-27",  # Day after Thanksgiving
        "12-25",  # Christmas Day (Fri)
    ],
    2027: [
        "01-01",  # New Year's Day (Fri)
        "01-18",  # MLK Day
        "02-12",  # Lincoln's Birthday (Fri)
        "02-15",  # Washington's Birthday
        "05-31",  # Memorial Day
        # June 19 is a Saturday: no substitute Friday (5 ILCS 490/63).
        "07-05",  # Independence Day: July 4 is a Sunday
        "09-06",  # Labor Day
        "10-11",  # Columbus Day
        "11-11",  # Veterans Day (Thu)
        "11-25",  # Thanksgiving Day
        "11-26",  # Day after Thanksgiving
        "12-24",  # Christmas Day: December 25 is a Saturday
        "12-31",  # New Year's Day 2028: January 1 2028 is a Saturday
    ],
    2028: [
        # January 1 is a Saturday: observed Friday 2027-12-31 (in the 2027 list).
        "01-17",  # MLK Day
        "02-11",  # Lincoln's Birthday: February 12 is a Saturday
        "02-21",  # Washington's Birthday
        "05-29",  # Memorial Day
        "06-19",  # Juneteenth (Mon)
        "07-04",  # Independence Day (Tue)
        "09-04",  # Labor Day
        "10-09",  # Columbus Day
        "11-07",  # General Election Day
        "11-10",  # Veterans Day: November 11 is a Saturday
        "11-23",  # Thanksgiving Day
        "11-24",  # Day after Thanksgiving
        "12-25",  # Christmas Day (Mon)
    ],
    2029: [
        "01-01",  # New Year's Day (Mon)
        "01-15",  # MLK Day
        "02-12",  # Lincoln's Birthday (Mon)
        "02-19",  # Washington's Birthday
        "05-28",  # Memorial Day
        "06-19",  # Juneteenth (Tue)
        "07-04",  # Independence Day (Wed)
        "09-03",  # Labor Day
        "10-08",  # Columbus Day
        "11-12",  # Veterans Day: November 11 is a Sunday
        "11-22",  # Thanksgiving Day
        "11-23",  # Day after Thanksgiving
        "12-25",  # Christmas Day (Tue)
    ],
    2030: [
        "01-01",  # New Year's Day (Tue)
        "01-21",  # MLK Day
        "02-12",  # Lincoln's Birthday (Tue)
        "02-18",  # Washington's Birthday
        "05-27",  # Memorial Day
        "06-19",  # Juneteenth (Wed)
        "07-04",  # Independence Day (Thu)
        "09-02",  # Labor Day
        "10-14",  # Columbus Day
        "11-05",  # General Election Day
        "11-11",  # Veterans Day (Mon)
        "11-28",  # Thanksgiving Day
        "11-29",  # Day after Thanksgiving
        "12-25",  # Christmas Day (Wed)
    ],
}

YEARS = range(2020, 2031)


def pinned(year):
    return {datetime.date.fromisoformat(f"{year}-{mmdd}") for mmdd in CLOSURES[year]}


def d(text):
    return datetime.date.fromisoformat(text)


@pytest.mark.parametrize("year", YEARS)
def test_state_closures_are_exactly_the_pinned_dates(year):
    assert set(state_closures(year)) == pinned(year)


@pytest.mark.parametrize("year", YEARS)
def test_every_state_closure_is_a_weekday_of_its_year(year):
    for day in state_closures(year):
        assert day.year == year
        assert day.weekday() < 5, day


@pytest.mark.parametrize(
    ("sat_or_sun", "neighbours"),
    [
        ("2021-06-19", ["2021-06-18", "2021-06-21"]),
        ("2022-06-19", ["2022-06-17", "2022-06-20"]),
        ("2027-06-19", ["2027-06-18", "2027-06-21"]),
    ],
)
def test_weekend_juneteenth_has_no_substitute_day(sat_or_sun, neighbours):
    assert d(sat_or_sun).weekday() >= 5
    closures = state_closures(d(sat_or_sun).year)
    assert d(sat_or_sun) not in closures
    for day in neighbours:
        assert d(day) not in closures


@pytest.mark.django_db
def test_the_friday_before_a_saturday_juneteenth_counts_as_a_business_day():
    """Juneteenth 2027 is a Saturday; 5 ILCS 490/63 gives it no substitute day, so our
    calendar (not only the closure list) keeps Friday 18 June open, where the federal
    calendar of the ``holidays`` package closes it."""
    assert add_business_days(d("2027-06-17"), 1) == d("2027-06-18")
    assert business_days_between(d("2027-06-17"), d("2027-06-21")) == 2
    # R-CLK-3: a 30-day period ending on that Friday stays there; one ending on the
    # Saturday itself runs to Monday 21 June (the Monday is no substitute either).
    assert calendar_deadline(d("2027-05-19"), 30) == d("2027-06-18")
    assert calendar_deadline(d("2027-05-20"), 30) == d("2027-06-21")


def test_juneteenth_is_a_closure_from_2022_when_on_a_weekday():
    assert d("2020-06-19") not in state_closures(2020)  # a Friday, before HB 3922
    for year in range(2022, 2031):
        juneteenth = datetime.date(year, 6, 19)
        expected = juneteenth.weekday() < 5
        assert (juneteenth in state_closures(year)) is expected, year
    assert state_closures(2023)[d("2023-06-19")] == "Juneteenth National Freedom Day"


@pytest.mark.parametrize("year", YEARS)
def test_casimir_pulaski_day_is_never_a_closure(year):
    first_monday_of_march = next(
        datetime.date(year, 3, day)
        for day in range(1, 8)
        if datetime.date(year, 3, day).weekday() == 0
    )
    assert first_monday_of_march not in state_closures(year)
    assert not any("Pulaski" in name for name in state_closures(year).values())


def test_new_year_2022_on_a_saturday_is_observed_on_friday_31_december_2021():
    assert state_closures(2021)[d("2021-12-31")] == "New Year's Day (observed)"
    assert d("2021-12-31") not in state_closures(2022)
    assert not any(day.month == 1 and day.day < 3 for day in state_closures(2022))
    assert state_closures(2027)[d("2027-12-31")] == "New Year's Day (observed)"


@pytest.mark.parametrize("year", YEARS)
def test_general_election_day_in_even_years_only(year):
    election_days = [day for day, name in state_closures(year).items() if "Election" in name]
    if year % 2:
        assert election_days == []
    else:
        first_monday = next(
            datetime.date(year, 11, day)
            for day in range(1, 8)
            if datetime.date(year, 11, day).weekday() == 0
        )
        assert election_days == [first_monday + datetime.timedelta(days=1)]
        assert state_closures(year)[election_days[0]] == "General Election Day"


@pytest.mark.parametrize("year", YEARS)
def test_thanksgiving_and_the_friday_after_are_closures(year):
    closures = state_closures(year)
    thanksgiving = [day for day, name in closures.items() if name == "Thanksgiving Day"]
    assert len(thanksgiving) == 1
    assert thanksgiving[0].weekday() == 3 and 22 <= thanksgiving[0].day <= 28
    assert closures[thanksgiving[0] + datetime.timedelta(days=1)] == "Day after Thanksgiving"


def test_observed_holidays_are_named_as_observed():
    assert state_closures(2020)[d("2020-07-03")] == "Independence Day (observed)"
    assert state_closures(2022)[d("2022-02-11")] == "Lincoln's Birthday (observed)"
    assert state_closures(2029)[d("2029-11-12")] == "Veterans Day (observed)"


def test_the_corrections_to_the_holidays_package_are_exactly_the_known_ones():
    """What we change in holidays.US(subdiv="IL"), weekdays only: nothing else differs."""
    package = holidays.US(subdiv="IL", years=YEARS, language="en_US")
    package_weekdays = {day for day in package if day.weekday() < 5 and day.year in YEARS}
    ours = set().union(*(pinned(year) for year in YEARS))
    dropped = {day: package[day] for day in package_weekdays - ours}
    added = ours - package_weekdays
    assert all(
        name == "Casimir Pulaski Day" or name.startswith("Juneteenth") for name in dropped.values()
    ), dropped
    assert {day for day, name in dropped.items() if name.startswith("Juneteenth")} == {
        d("2021-06-18"),  # federal observed day; not a State holiday before 2022
        d("2022-06-20"),
        d("2027-06-18"),
    }
    assert added == {
        datetime.date(year, 11, day)
        for year, day in zip(YEARS, [27, 26, 25, 24, 29, 28, 27, 26, 24, 23, 29], strict=True)
    }  # only the Friday after Thanksgiving is added


def test_state_closures_returns_a_copy():
    state_closures(2026).clear()
    assert len(state_closures(2026)) == 14


def test_an_unreviewed_holiday_from_the_package_is_refused(monkeypatch):
    real_us = holidays.US

    def with_an_extra_holiday(**kwargs):
        result = real_us(**kwargs)
        result[datetime.date(1999, 3, 17)] = "Saint Patrick's Day"
        return result

    monkeypatch.setattr(state_holidays.holidays, "US", with_an_extra_holiday)
    state_holidays._state_closures.cache_clear()
    try:
        with pytest.raises(UnreviewedHolidayData, match="Saint Patrick's Day"):
            state_closures(1999)
    finally:
        state_holidays._state_closures.cache_clear()
