"""The sweep survives one bad clock (R-CLK-4), and a clock ended by a person after its due
moment is never stored "met" (R-CLK-5)."""

import datetime
import logging

import pytest

from deadlines import clocks
from deadlines.calendar import CENTRAL
from deadlines.models import Clock, Outcome
from portal.models import MCO, Notification
from tests.deadlines.clock_kinds import BUSINESS, POISONED, expired_log, poisoned_subjects

pytestmark = pytest.mark.django_db

START = datetime.datetime(2027, 3, 2, 10, tzinfo=CENTRAL)


@pytest.fixture(autouse=True)
def _clean():
    expired_log.clear()
    poisoned_subjects.clear()
    yield
    expired_log.clear()
    poisoned_subjects.clear()


def test_one_failing_expiry_action_does_not_stop_the_others(reference_data, caplog):
    subjects = list(MCO.objects.order_by("pk")[:4])
    started = [clocks.start_clock(POISONED, s, at=START) for s in subjects]
    bad = started[1]
    poisoned_subjects.add(bad.object_id)
    later = max(c.due_at for c in started) + datetime.timedelta(seconds=1)
    with caplog.at_level(logging.ERROR, logger="deadlines.clocks"):
        assert clocks.enforce_due_clocks(later, batch=2) == 3
    assert sorted(expired_log) == sorted(c.pk for c in started if c.pk != bad.pk)
    bad = Clock.objects.get(pk=bad.pk)
    assert bad.outcome == "" and bad.attention_at == later
    assert "cannot act on subject" in bad.attention_error
    assert f"clock {bad.pk}" in caplog.text
    # The failed action's notification rolled back with it; the others' are kept.
    assert Notification.objects.filter(to_email="poisoned@example.test").count() == 3
    # Set aside: the next sweeps neither retry nor log it again...
    caplog.clear()
    assert clocks.enforce_due_clocks(later + datetime.timedelta(minutes=1)) == 0
    assert caplog.text == ""
    assert list(clocks.needing_attention()) == [bad]
    # ...until HFS puts it back once the cause is mended.
    poisoned_subjects.clear()
    clocks.retry_after_attention(bad)
    assert clocks.enforce_due_clocks(later + datetime.timedelta(minutes=2)) == 1
    assert Clock.objects.get(pk=bad.pk).outcome == Outcome.EXPIRED


def test_a_clock_met_after_its_due_moment_is_stored_expired(reference_data):
    subject = MCO.objects.get(slug="molina")
    clock = clocks.start_clock(BUSINESS, subject, at=START)
    assert clocks.stop_clock(subject, BUSINESS.key, outcome=Outcome.MET,
                             at=clock.due_at + datetime.timedelta(seconds=1), event="acted")
    assert Clock.objects.get(pk=clock.pk).outcome == Outcome.EXPIRED


def test_a_clock_met_at_its_due_moment_is_met(reference_data):
    subject = MCO.objects.get(slug="molina")
    clock = clocks.start_clock(BUSINESS, subject, at=START)
    clocks.stop_clock(subject, BUSINESS.key, outcome=Outcome.MET, at=clock.due_at)
    assert Clock.objects.get(pk=clock.pk).outcome == Outcome.MET


def test_open_clock_answers_by_the_due_moment_not_the_row(reference_data):
    subject = MCO.objects.get(slug="molina")
    clock = clocks.start_clock(BUSINESS, subject, at=START)
    assert clocks.open_clock(subject, BUSINESS.key, clock.due_at) == clock
    assert clocks.open_clock(subject, BUSINESS.key,
                             clock.due_at + datetime.timedelta(microseconds=1)) is None
    assert Clock.objects.get(pk=clock.pk).outcome == ""  # still running: no sweep ran
