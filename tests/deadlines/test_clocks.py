"""Stored clocks and the sweep that enforces them (R-CLK-2, R-CLK-4, R-CLK-5)."""

import datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.template import Context, Template

from deadlines import clocks
from deadlines.calendar import CENTRAL
from deadlines.closures import add_closure, remove_closure
from deadlines.models import Clock, Outcome
from portal.models import MCO, Notification
from tests.deadlines.clock_kinds import BUSINESS, CALENDAR, expired_log

pytestmark = pytest.mark.django_db


def central(*args):
    return datetime.datetime(*args, tzinfo=CENTRAL)


@pytest.fixture(autouse=True)
def _clean_log():
    expired_log.clear()
    yield
    expired_log.clear()


@pytest.fixture
def subject(reference_data):
    return MCO.objects.get(slug="molina")


@pytest.fixture
def other_subject(reference_data):
    return MCO.objects.get(slug="aetna")


def test_a_business_day_clock_is_due_at_the_end_of_its_last_day(subject):
    # Started Thu Jan 7, 2027: Fri 8, Mon 11, Tue 12, Wed 13, Thu 14 (no holiday between).
    clock = clocks.start_clock(BUSINESS, subject, at=central(2027, 1, 7, 15, 30), event="filed")
    assert clock.start_date == datetime.date(2027, 1, 7)
    assert clock.due_date == datetime.date(2027, 1, 14)
    assert clock.due_at == central(2027, 1, 14, 23, 59, 59, 999999)
    assert clock.outcome == "" and clock.start_event == "filed"


def test_a_late_evening_start_counts_the_central_day(subject):
    # 23:30 Central on Jan 7 is already Jan 8 in UTC; day 0 is still Jan 7 (R-CLK-2).
    at = central(2027, 1, 7, 23, 30).astimezone(datetime.UTC)
    assert clocks.start_clock(BUSINESS, subject, at=at).start_date == datetime.date(2027, 1, 7)


def test_a_calendar_day_clock_rolls_forward_past_a_weekend_and_holiday(subject, other_subject):
    # Jan 2, 2027 + 30 days = Mon Feb 1, a business day.
    assert clocks.start_clock(CALENDAR, subject, at=central(2027, 1, 2, 9)).due_date == (
        datetime.date(2027, 2, 1)
    )
    # Jan 14 + 30 = Sat Feb 13; Mon Feb 15 is Washington's Birthday; so Tue Feb 16 (R-CLK-3).
    clock = clocks.start_clock(CALENDAR, other_subject, at=central(2027, 1, 14, 9))
    assert clock.due_date == datetime.date(2027, 2, 16)


def test_only_one_clock_of_a_kind_runs_per_subject(subject):
    from django.db import IntegrityError, transaction

    clocks.start_clock(BUSINESS, subject, at=central(2027, 1, 7, 9))
    with pytest.raises(IntegrityError), transaction.atomic():
        clocks.start_clock(BUSINESS, subject, at=central(2027, 1, 7, 10))


def test_the_sweep_expires_a_clock_only_after_its_last_moment(subject):
    clock = clocks.start_clock(BUSINESS, subject, at=central(2027, 1, 7, 9))
    assert clocks.enforce_due_clocks(central(2027, 1, 14, 23, 59, 59, 999999)) == 0
    assert clocks.enforce_due_clocks(central(2027, 1, 15, 0, 0)) == 1
    clock.refresh_from_db()
    assert clock.outcome == Outcome.EXPIRED
    assert clock.stopped_at == central(2027, 1, 15, 0, 0)
    assert expired_log == [clock.pk]


def test_a_second_sweep_does_nothing_more(subject):
    clocks.start_clock(BUSINESS, subject, at=central(2027, 1, 7, 9))
    later = central(2027, 2, 1, 9)
    assert clocks.enforce_due_clocks(later) == 1
    assert clocks.enforce_due_clocks(later) == 0
    assert len(expired_log) == 1


def test_a_clock_stopped_by_an_action_never_expires(subject):
    clocks.start_clock(BUSINESS, subject, at=central(2027, 1, 7, 9))
    assert clocks.stop_clock(subject, BUSINESS.key, at=central(2027, 1, 12, 9), event="answered")
    assert clocks.enforce_due_clocks(central(2027, 2, 1)) == 0
    clock = Clock.objects.get()
    assert clock.outcome == Outcome.MET and clock.stop_event == "answered"
    assert expired_log == []


def test_an_action_after_expiry_finds_no_running_clock(subject):
    clocks.start_clock(BUSINESS, subject, at=central(2027, 1, 7, 9))
    clocks.enforce_due_clocks(central(2027, 2, 1))
    assert clocks.stop_clock(subject, BUSINESS.key) is False
    assert Clock.objects.get().outcome == Outcome.EXPIRED


def test_the_sweep_acts_on_every_due_clock_and_only_those(subject, other_subject):
    due = clocks.start_clock(BUSINESS, subject, at=central(2027, 1, 7, 9))
    not_due = clocks.start_clock(BUSINESS, other_subject, at=central(2027, 1, 13, 9))
    assert clocks.enforce_due_clocks(central(2027, 1, 16, 9)) == 1
    assert expired_log == [due.pk]
    not_due.refresh_from_db()
    assert not_due.is_running


def test_the_sweep_works_through_more_clocks_than_one_batch(reference_data):
    for mco in MCO.objects.all():
        clocks.start_clock(BUSINESS, mco, at=central(2027, 1, 7, 9))
    assert clocks.enforce_due_clocks(central(2027, 2, 1), batch=2) == MCO.objects.count()


def test_one_reminder_two_business_days_before(subject):
    clock = clocks.start_clock(BUSINESS, subject, at=central(2027, 1, 7, 9))
    # Due Thu Jan 14: reminded from the start of Tue Jan 12.
    assert clock.remind_at == central(2027, 1, 12, 0, 0)
    assert clocks.send_due_reminders(central(2027, 1, 11, 23, 59)) == 0
    assert clocks.send_due_reminders(central(2027, 1, 12, 8)) == 1
    assert clocks.send_due_reminders(central(2027, 1, 13, 8)) == 0
    assert Notification.objects.filter(template="clock_reminder").count() == 1


def test_a_reminder_skips_a_holiday_when_counting_back(subject):
    # Started Fri Jan 8, 2027: business days 11, 12, 13, 14, 15 -> due Fri Jan 15;
    # reminded from Wed Jan 13.
    clock = clocks.start_clock(BUSINESS, subject, at=central(2027, 1, 8, 9))
    assert clock.due_date == datetime.date(2027, 1, 15)
    assert clock.remind_at == central(2027, 1, 13, 0, 0)
    # Started Tue Jan 12: 13, 14, 15, (Mon 18 MLK), 19, 20 -> due Wed Jan 20; two business
    # days before is Fri Jan 15 (Mon 18 is a holiday).
    clock = clocks.start_clock(CALENDAR, subject, at=central(2027, 1, 12, 9), length=8)
    assert clock.due_date == datetime.date(2027, 1, 20)
    assert clock.remind_at == central(2027, 1, 15, 0, 0)


def test_a_stopped_clock_sends_no_reminder(subject):
    clocks.start_clock(BUSINESS, subject, at=central(2027, 1, 7, 9))
    clocks.stop_clock(subject, BUSINESS.key, at=central(2027, 1, 8, 9))
    assert clocks.send_due_reminders(central(2027, 1, 13, 8)) == 0


def test_an_extension_moves_the_due_day_and_says_why(subject, hfs_staff):
    clock = clocks.start_clock(CALENDAR, subject, at=central(2027, 1, 4, 9))
    assert clock.due_date == datetime.date(2027, 2, 3)
    clocks.change_length(clock, length=60, reason="Extension approved (R-FLOW-4)", by=hfs_staff)
    clock.refresh_from_db()
    assert clock.due_date == datetime.date(2027, 3, 5)
    change = clock.changes.get()
    assert (change.old_due_date, change.new_due_date) == (
        datetime.date(2027, 2, 3),
        datetime.date(2027, 3, 5),
    )
    assert change.changed_by == hfs_staff and "R-FLOW-4" in change.reason


def test_an_office_closure_moves_running_clocks_and_leaves_finished_ones(
    subject, other_subject, hfs_staff
):
    running = clocks.start_clock(BUSINESS, subject, at=central(2027, 1, 7, 9))
    finished = clocks.start_clock(BUSINESS, other_subject, at=central(2027, 1, 7, 9))
    clocks.stop_clock(other_subject, BUSINESS.key, at=central(2027, 1, 8, 9))

    add_closure(datetime.date(2027, 1, 11), "Snow emergency", by=hfs_staff)
    running.refresh_from_db()
    finished.refresh_from_db()
    assert running.due_date == datetime.date(2027, 1, 15)
    assert running.due_at == central(2027, 1, 15, 23, 59, 59, 999999)
    assert "Snow emergency" in running.changes.get().reason
    assert finished.due_date == datetime.date(2027, 1, 14)
    assert not finished.changes.exists()

    remove_closure(datetime.date(2027, 1, 11), "Entered by mistake", by=hfs_staff)
    running.refresh_from_db()
    assert running.due_date == datetime.date(2027, 1, 14)
    assert running.changes.count() == 2


def test_a_closure_outside_a_clocks_window_does_not_move_it(subject, hfs_staff):
    clock = clocks.start_clock(BUSINESS, subject, at=central(2027, 1, 7, 9))
    add_closure(datetime.date(2027, 1, 20), "Later closure", by=hfs_staff)
    clock.refresh_from_db()
    assert clock.due_date == datetime.date(2027, 1, 14)
    assert not clock.changes.exists()


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (
            central(2027, 1, 7, 12),
            'Due <time datetime="2027-01-14T23:59:59.999999-06:00">'
            "Thu, Jan 14, 2027</time> — 5 business days left",
        ),
        (central(2027, 1, 11, 12), "— 3 business days left"),
        (central(2027, 1, 13, 12), "— 1 business day left"),
        (central(2027, 1, 14, 12), "Due today,"),
        (central(2027, 1, 15, 12), "Overdue by 1 business day; was due"),
        (central(2027, 1, 19, 12), "Overdue by 2 business days; was due"),
    ],
)
def test_a_clock_reads_in_the_viewers_terms(subject, now, expected):
    clock = clocks.start_clock(BUSINESS, subject, at=central(2027, 1, 7, 9))
    html = Template("{% load clocks %}{% clock_status clock now %}").render(
        Context({"clock": clock, "now": now})
    )
    assert expected in html


def test_a_met_clock_says_when(subject):
    clock = clocks.start_clock(BUSINESS, subject, at=central(2027, 1, 7, 9))
    clocks.stop_clock(subject, BUSINESS.key, at=central(2027, 1, 8, 10))
    clock.refresh_from_db()
    html = Template("{% load clocks %}{% clock_status clock %}").render(Context({"clock": clock}))
    assert 'Met on <time datetime="2027-01-08T10:00:00-06:00">Jan 8, 2027</time>' in html


def test_the_command_previews_and_enforces(subject):
    clocks.start_clock(BUSINESS, subject, at=central(2027, 1, 7, 9))
    out = StringIO()
    call_command("enforce_deadlines", "--dry-run", "--now", "2027-01-15T00:00:00-06:00", stdout=out)
    assert "would expire: test-business-5 clock" in out.getvalue()
    assert Clock.objects.get().is_running
    out = StringIO()
    call_command("enforce_deadlines", "--now", "2027-01-15T00:00:00-06:00", stdout=out)
    assert "expired 1 clock(s)" in out.getvalue()
    assert Clock.objects.get().outcome == Outcome.EXPIRED


def test_the_command_explains_a_bad_now():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("enforce_deadlines", "--now", "next tuesday")


def test_the_beat_task_uses_the_current_time(subject):
    from deadlines.tasks import enforce_due_clocks

    clocks.start_clock(BUSINESS, subject, at=central(2027, 1, 7, 9))
    with time_machine.travel(central(2027, 1, 14, 12), tick=False):
        assert enforce_due_clocks() == {"expired": 0, "reminded": 1}
    with time_machine.travel(central(2027, 1, 15, 0, 0, 1), tick=False):
        assert enforce_due_clocks() == {"expired": 1, "reminded": 0}


def test_the_sweep_is_on_the_beat_schedule():
    from portal.celery import app

    app.loader.import_default_modules()
    app.finalize()
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {"deadlines.enforce_due_clocks", "portal.send_pending_notifications"} <= tasks
