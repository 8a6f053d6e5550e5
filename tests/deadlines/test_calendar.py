"""The business-day calendar (R-CLK-1, R-CLK-2, R-CLK-3) and the closure days HFS adds."""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction

from deadlines import closures
from deadlines.calendar import (
    CENTRAL,
    add_business_days,
    business_days_between,
    calendar_deadline,
    closures_between,
    deadline_moment,
    is_business_day,
    next_business_day,
)
from deadlines.closures import add_closure, calendar_changed, remove_closure
from deadlines.models import ClosureChange, ClosureDay

pytestmark = pytest.mark.django_db


def d(text):
    return datetime.date.fromisoformat(text)


def every_day(first, last):
    day = first
    while day <= last:
        yield day
        day += datetime.timedelta(days=1)


# --- R-CLK-1: what a business day is ------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2027-01-13", True),  # an ordinary Wednesday
        ("2027-01-16", False),  # Saturday
        ("2027-01-17", False),  # Sunday
        ("2027-01-18", False),  # Martin Luther King Jr. Day (Monday)
        ("2026-07-03", False),  # Independence Day observed (July 4 is a Saturday)
        ("2026-11-27", False),  # the Friday after Thanksgiving
        ("2026-11-03", False),  # General Election Day
        ("2027-03-01", True),  # Casimir Pulaski Day: offices open
        ("2027-06-18", True),  # Friday before a Saturday Juneteenth: no substitute
        ("2021-12-31", False),  # New Year's Day 2022 observed
    ],
)
def test_is_business_day(day, expected):
    assert is_business_day(d(day)) is expected


def test_calendar_refuses_a_datetime():
    with pytest.raises(TypeError):
        is_business_day(datetime.datetime(2027, 1, 13, 12, tzinfo=CENTRAL))
    with pytest.raises(TypeError):
        add_business_days("2027-01-13", 1)


def test_next_business_day_skips_weekends_and_holidays():
    assert next_business_day(d("2027-01-13")) == d("2027-01-14")
    assert next_business_day(d("2027-01-15")) == d("2027-01-19")  # weekend + MLK Day
    assert next_business_day(d("2027-01-16")) == d("2027-01-19")  # from a Saturday


# --- R-CLK-2: counting business days -------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2027-01-13", 1, "2027-01-14"),  # Wed -> Thu
        ("2027-01-08", 1, "2027-01-11"),  # Fri -> Mon over the weekend
        ("2027-01-09", 1, "2027-01-11"),  # from a Saturday: day 0 is never counted
        ("2027-01-15", 1, "2027-01-19"),  # over the weekend and MLK Day
        ("2026-11-25", 1, "2026-11-30"),  # over Thanksgiving Thursday and Friday
        ("2026-11-16", 10, "2026-12-02"),  # a triage clock across Thanksgiving
        ("2027-12-23", 1, "2027-12-27"),  # over Christmas observed (Fri Dec 24)
        ("2027-12-23", 5, "2028-01-03"),  # ... and New Year's Day observed (Fri Dec 31)
        ("2026-12-31", 1, "2027-01-04"),  # across the year end (Jan 1 2027 is a Friday)
    ],
)
def test_add_business_days(start, n, expected):
    assert add_business_days(d(start), n) == d(expected)


def test_add_zero_business_days_returns_the_day_itself():
    assert add_business_days(d("2027-01-13"), 0) == d("2027-01-13")
    assert add_business_days(d("2027-01-16"), 0) == d("2027-01-16")  # even a Saturday


def test_add_business_days_refuses_a_negative_count():
    with pytest.raises(ValueError, match="0 or more"):
        add_business_days(d("2027-01-13"), -1)


def test_business_days_between():
    assert business_days_between(d("2026-11-25"), d("2026-11-30")) == 1
    assert business_days_between(d("2027-01-13"), d("2027-01-13")) == 0
    assert business_days_between(d("2027-01-14"), d("2027-01-13")) == 0  # end before start
    # 2027: 260 weekdays after Friday Jan 1, less its 12 later state closures.
    assert business_days_between(d("2027-01-01"), d("2027-12-31")) == 248


def test_business_days_between_inverts_add_business_days_2020_to_2030(
    django_assert_max_num_queries,
):
    # One query at most: the closure days are loaded once, not once per day checked.
    with django_assert_max_num_queries(1):
        for day in every_day(d("2020-01-01"), d("2030-12-31")):
            for k in (0, 1, 2, 5, 10, 23):
                last = add_business_days(day, k)
                assert business_days_between(day, last) == k, (day, k)
                if k:
                    assert is_business_day(last)
                    assert business_days_between(day, last - datetime.timedelta(days=1)) == k - 1


def test_long_spans_do_not_query_per_day(django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        last = add_business_days(d("2026-01-02"), 500)
        assert business_days_between(d("2026-01-02"), last) == 500


def test_long_spans_count_what_a_day_by_day_walk_counts(hfs_staff):
    """Counted by weeks less the closures (issue 14): the same answer as asking each day,
    across year ends and state holidays, with closure days HFS added on either side of one."""
    add_closure(d("2027-12-29"), "Ice storm", hfs_staff)
    add_closure(d("2028-01-04"), "Boiler failure", hfs_staff)
    starts = [d("2025-12-31"), d("2026-07-03"), d("2027-12-23"), d("2027-12-29")]
    ends = [d("2027-12-29"), d("2027-12-30"), d("2028-01-10"), d("2029-02-28")]
    for start in starts:
        for end in ends:
            walked = sum(is_business_day(day) for day in every_day(
                start + datetime.timedelta(days=1), end))
            assert business_days_between(start, end) == walked, (start, end)


# --- R-CLK-3: calendar-day periods and the last-day rule -----------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2027-01-04", 3, "2027-01-07"),  # a business day: unchanged
        ("2027-01-04", 5, "2027-01-11"),  # Saturday -> Monday
        ("2027-01-04", 6, "2027-01-11"),  # Sunday -> Monday
        ("2027-05-01", 30, "2027-06-01"),  # Memorial Day (Monday) -> Tuesday
        ("2026-10-27", 30, "2026-11-30"),  # Thanksgiving Thursday -> past Friday -> Monday
        ("2027-01-04", 0, "2027-01-04"),
    ],
)
def test_calendar_deadline_rolls_forward_to_a_business_day(start, n, expected):
    assert calendar_deadline(d(start), n) == d(expected)


def test_calendar_deadline_without_roll_forward(settings):
    settings.DEADLINES_ROLL_FORWARD = False
    assert calendar_deadline(d("2027-01-04"), 5) == d("2027-01-09")  # the Saturday itself
    assert calendar_deadline(d("2027-05-01"), 30) == d("2027-05-31")  # Memorial Day itself


def test_calendar_deadline_refuses_a_negative_count():
    with pytest.raises(ValueError):
        calendar_deadline(d("2027-01-04"), -3)


# --- R-CLK-2: the moment a deadline ends ----------------------------------------------------


@pytest.mark.parametrize(
    ("day", "utc_offset_hours", "utc"),
    [
        ("2027-01-12", -6, "2027-01-13T05:59:59.999999+00:00"),  # CST
        ("2027-07-12", -5, "2027-07-13T04:59:59.999999+00:00"),  # CDT
        ("2026-03-08", -5, "2026-03-09T04:59:59.999999+00:00"),  # DST starts that morning
        ("2026-11-01", -6, "2026-11-02T05:59:59.999999+00:00"),  # DST ends that morning
    ],
)
def test_deadline_moment_is_the_end_of_the_day_in_central_time(day, utc_offset_hours, utc):
    moment = deadline_moment(d(day))
    assert moment.tzinfo is not None
    assert (moment.date(), moment.time()) == (d(day), datetime.time(23, 59, 59, 999999))
    assert moment.utcoffset() == datetime.timedelta(hours=utc_offset_hours)
    assert moment.astimezone(datetime.UTC).isoformat() == utc
    next_instant = moment.astimezone(datetime.UTC) + datetime.timedelta(microseconds=1)
    assert next_instant.astimezone(CENTRAL).date() == d(day) + datetime.timedelta(days=1)


def test_closures_between_lists_state_holidays_and_closure_days(hfs_staff):
    add_closure(d("2027-12-29"), "Ice storm", hfs_staff)
    assert closures_between(d("2027-12-20"), d("2028-01-05")) == {
        d("2027-12-24"): "Christmas Day (observed)",
        d("2027-12-29"): "Ice storm",
        d("2027-12-31"): "New Year's Day (observed)",
    }
    assert closures_between(d("2028-01-05"), d("2027-12-20")) == {}


# --- Closure days HFS adds and removes (R-CLK-1) --------------------------------------------


def test_a_closure_day_changes_the_answers_at_once_and_removing_it_restores_them(hfs_staff):
    wednesday = d("2027-01-13")
    assert is_business_day(wednesday)
    assert add_business_days(d("2027-01-12"), 1) == wednesday
    assert business_days_between(d("2027-01-11"), d("2027-01-15")) == 4

    add_closure(wednesday, "Emergency closure: ice storm", hfs_staff)

    assert not is_business_day(wednesday)
    assert add_business_days(d("2027-01-12"), 1) == d("2027-01-14")
    assert business_days_between(d("2027-01-11"), d("2027-01-15")) == 3
    assert calendar_deadline(d("2027-01-06"), 7) == d("2027-01-14")

    remove_closure(wednesday, "Storm passed; offices open", hfs_staff)

    assert is_business_day(wednesday)
    assert add_business_days(d("2027-01-12"), 1) == wednesday
    assert business_days_between(d("2027-01-11"), d("2027-01-15")) == 4


def test_closure_days_of_an_earlier_test_are_gone():
    # The test above added and removed 2027-01-13; tests below add closures that a
    # rollback undoes. None of them may leak into this test through a cache.
    assert is_business_day(d("2027-01-13"))
    assert is_business_day(d("2027-12-29"))
    assert is_business_day(d("2027-02-03"))


def test_a_rolled_back_closure_leaves_no_trace_in_the_calendar(hfs_staff):
    assert is_business_day(d("2027-02-03"))  # cached before the change
    with pytest.raises(RuntimeError), transaction.atomic():
        add_closure(d("2027-02-03"), "Proclamation", hfs_staff)
        assert not is_business_day(d("2027-02-03"))  # the transaction sees its change
        raise RuntimeError("the request failed after the closure was written")
    assert is_business_day(d("2027-02-03"))
    assert not ClosureDay.objects.exists()


def test_a_committed_change_makes_other_processes_reload(
    hfs_staff, django_assert_num_queries, django_capture_on_commit_callbacks
):
    assert is_business_day(d("2027-02-03"))
    token = cache.get(closures.VERSION_KEY)
    with django_assert_num_queries(0):
        assert is_business_day(d("2027-02-04"))  # served from the process's copy
    with django_capture_on_commit_callbacks(execute=True):
        add_closure(d("2027-02-03"), "Proclamation", hfs_staff)
    assert cache.get(closures.VERSION_KEY) != token  # what other processes compare


def test_a_new_version_from_another_process_is_loaded_once(
    django_assert_num_queries, django_assert_max_num_queries, monkeypatch
):
    monkeypatch.setattr(closures, "RECHECK_SECONDS", 0)  # ask the cache on every call
    assert is_business_day(d("2027-02-03"))
    ClosureDay.objects.bulk_create([ClosureDay(date=d("2027-02-03"), reason="Elsewhere")])
    cache.set(closures.VERSION_KEY, "set-by-another-process")  # as its commit would
    with django_assert_num_queries(1):
        assert not is_business_day(d("2027-02-03"))
        assert not is_business_day(d("2027-02-03"))


def test_another_processs_change_is_seen_within_the_recheck_time(monkeypatch):
    assert is_business_day(d("2027-02-03"))
    ClosureDay.objects.bulk_create([ClosureDay(date=d("2027-02-03"), reason="Elsewhere")])
    cache.set(closures.VERSION_KEY, "set-by-another-process")
    assert is_business_day(d("2027-02-03"))  # the copy is still trusted for a moment
    clock = [closures.time.monotonic() + closures.RECHECK_SECONDS + 0.01]
    monkeypatch.setattr(closures.time, "monotonic", lambda: clock[0])
    assert not is_business_day(d("2027-02-03"))


def test_add_closure_refuses_a_weekend_day(hfs_staff):
    with pytest.raises(ValidationError, match="Saturday, January 16, 2027 is a Saturday"):
        add_closure(d("2027-01-16"), "Snow", hfs_staff)
    assert not ClosureDay.objects.exists()
    assert not ClosureChange.objects.exists()


def test_add_closure_refuses_a_state_holiday(hfs_staff):
    with pytest.raises(
        ValidationError,
        match=r"Monday, January 18, 2027 is already a state holiday \(Martin Luther King",
    ):
        add_closure(d("2027-01-18"), "Snow", hfs_staff)
    assert not ClosureDay.objects.exists()


def test_add_closure_refuses_a_duplicate(hfs_staff):
    add_closure(d("2027-01-13"), "Snow", hfs_staff)
    with pytest.raises(ValidationError, match="Wednesday, January 13, 2027 is already a closure"):
        add_closure(d("2027-01-13"), "Snow again", hfs_staff)
    assert ClosureChange.objects.count() == 1


def test_remove_closure_refuses_a_day_that_is_not_a_closure_day(hfs_staff):
    with pytest.raises(ValidationError, match="Wednesday, January 13, 2027 is not a closure"):
        remove_closure(d("2027-01-13"), "Mistake", hfs_staff)
    with pytest.raises(ValidationError, match="state holiday, which cannot be removed"):
        remove_closure(d("2027-01-18"), "Mistake", hfs_staff)
    assert not ClosureChange.objects.exists()


def test_a_closure_change_needs_a_reason(hfs_staff):
    with pytest.raises(ValidationError, match="reason"):
        add_closure(d("2027-01-13"), "  ", hfs_staff)


def test_the_change_log_records_who_when_and_why(hfs_staff):
    with time_machine.travel(datetime.datetime(2027, 1, 12, 16, 30, tzinfo=CENTRAL), tick=False):
        closure = add_closure(d("2027-01-13"), "Ice storm", hfs_staff)
    with time_machine.travel(datetime.datetime(2027, 1, 12, 18, 5, tzinfo=CENTRAL), tick=False):
        remove_closure(d("2027-01-13"), "Forecast changed", hfs_staff)

    assert closure.added_by == hfs_staff
    assert not ClosureDay.objects.exists()  # removal deletes the closure day ...
    log = list(ClosureChange.objects.order_by("changed_at"))  # ... and the log keeps both
    assert [
        (c.date, c.action, c.reason, c.changed_by, c.changed_at.astimezone(CENTRAL)) for c in log
    ] == [
        (
            d("2027-01-13"),
            "added",
            "Ice storm",
            hfs_staff,
            datetime.datetime(2027, 1, 12, 16, 30, tzinfo=CENTRAL),
        ),
        (
            d("2027-01-13"),
            "removed",
            "Forecast changed",
            hfs_staff,
            datetime.datetime(2027, 1, 12, 18, 5, tzinfo=CENTRAL),
        ),
    ]


def test_the_change_log_is_append_only(hfs_staff):
    add_closure(d("2027-01-13"), "Ice storm", hfs_staff)
    change = ClosureChange.objects.get()
    change.reason = "Something else"
    with pytest.raises(ValueError, match="append-only"):
        change.save()
    with pytest.raises(ValueError, match="append-only"):
        change.delete()


# --- The calendar_changed hook (clocks move when the calendar changes) ----------------------


@pytest.fixture
def calendar_changes():
    received = []

    def receiver(sender, days, action, reason, by, **kwargs):
        # The receiver (the clock engine) already sees the new calendar.
        received.append((days, action, reason, by, [is_business_day(day) for day in days]))

    calendar_changed.connect(receiver)
    yield received
    calendar_changed.disconnect(receiver)


def test_calendar_changed_is_sent_with_the_affected_days(hfs_staff, calendar_changes):
    add_closure(d("2027-01-13"), "Ice storm", hfs_staff)
    remove_closure(d("2027-01-13"), "Forecast changed", hfs_staff)
    assert calendar_changes == [
        ([d("2027-01-13")], "added", "Ice storm", hfs_staff, [False]),
        ([d("2027-01-13")], "removed", "Forecast changed", hfs_staff, [True]),
    ]


def test_a_failing_receiver_refuses_the_change(hfs_staff):
    def receiver(sender, **kwargs):
        raise RuntimeError("could not move the clocks")

    calendar_changed.connect(receiver)
    try:
        with pytest.raises(RuntimeError):
            add_closure(d("2027-01-13"), "Ice storm", hfs_staff)
    finally:
        calendar_changed.disconnect(receiver)
    assert not ClosureDay.objects.exists()
    assert not ClosureChange.objects.exists()
    assert is_business_day(d("2027-01-13"))


def test_refused_changes_send_nothing(hfs_staff, calendar_changes):
    with pytest.raises(ValidationError):
        add_closure(d("2027-01-16"), "Snow", hfs_staff)
    with pytest.raises(ValidationError):
        remove_closure(d("2027-01-13"), "Mistake", hfs_staff)
    assert calendar_changes == []


# --- With real commits (transactional tests: the database is flushed, not rolled back) ------


@pytest.mark.django_db(transaction=True)
def test_a_committed_closure_changes_the_answers_and_the_version():
    assert is_business_day(d("2027-02-03"))
    token = cache.get(closures.VERSION_KEY)
    add_closure(d("2027-02-03"), "Proclamation", None)
    assert cache.get(closures.VERSION_KEY) != token
    assert not is_business_day(d("2027-02-03"))
    assert ClosureChange.objects.get().changed_by is None


@pytest.mark.django_db(transaction=True)
def test_a_flushed_database_leaves_no_closure_in_the_calendar():
    assert not ClosureDay.objects.exists()
    assert is_business_day(d("2027-02-03"))
