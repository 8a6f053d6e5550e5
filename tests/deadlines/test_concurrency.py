"""R-CLK-5 under real concurrency, on PostgreSQL: two sweeps at once, and a sweep racing a
person's action, each on its own connection (threads). Each clock is acted on once."""

import datetime
import threading

import pytest
from django.db import close_old_connections, connection, transaction

from deadlines import clocks, kinds
from deadlines.calendar import CENTRAL
from deadlines.kinds import ClockKind, Unit
from deadlines.models import Clock, Outcome
from portal.models import MCO
from portal.reference_data import load_reference_data
from tests.deadlines.clock_kinds import BUSINESS, expired_log
from tests.migrated_data import restore as restore_migrated_data

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SLOW = kinds.register_kind(
    ClockKind(
        key="test-slow-expiry",
        label="Test: an expiry that takes its time",
        length=1,
        unit=Unit.BUSINESS_DAYS,
        actor="the tester",
        on_expiry="wait for the test, then record",
    )
)
slow_entered = threading.Event()
slow_release = threading.Event()


@kinds.on_expiry(SLOW.key)
def slow_expiry(clock, now):
    slow_entered.set()
    slow_release.wait(timeout=10)
    expired_log.append(clock.pk)


def central(*args):
    return datetime.datetime(*args, tzinfo=CENTRAL)


def in_thread(target, results, key):
    def run():
        try:
            results[key] = target()
        except Exception as exc:  # reported by the assertion below
            results[key] = exc
        finally:
            close_old_connections()
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.fixture(autouse=True)
def _setup():
    expired_log.clear()
    slow_entered.clear()
    slow_release.clear()
    restore_migrated_data()
    load_reference_data()
    yield
    expired_log.clear()


def test_two_sweeps_at_once_expire_each_clock_once():
    subjects = list(MCO.objects.all())
    for i in range(120):
        mco = MCO.objects.create(slug=f"extra-{i}", name=f"Extra MCO {i}", short_name=f"X{i}")
        subjects.append(mco)
    for mco in subjects:
        clocks.start_clock(BUSINESS, mco, at=central(2027, 1, 7, 9))
    now = central(2027, 2, 1, 9)
    barrier = threading.Barrier(2)
    results = {}

    def sweep():
        barrier.wait()
        return clocks.enforce_due_clocks(now, batch=50)

    threads = [in_thread(sweep, results, n) for n in range(2)]
    for t in threads:
        t.join(timeout=60)
    assert all(isinstance(v, int) for v in results.values()), results
    assert results[0] + results[1] == len(subjects)
    assert sorted(expired_log) == sorted(set(expired_log))
    assert len(expired_log) == len(subjects)
    assert Clock.objects.filter(outcome=Outcome.EXPIRED).count() == len(subjects)


def test_an_action_holding_the_ticket_wins_and_the_sweep_steps_aside():
    mco = MCO.objects.get(slug="molina")
    clocks.start_clock(BUSINESS, mco, at=central(2027, 1, 7, 9))
    locked = threading.Event()
    go = threading.Event()
    results = {}

    def person_acts():
        with transaction.atomic():
            list(MCO.objects.select_for_update().filter(pk=mco.pk))
            locked.set()
            go.wait(timeout=10)
            return clocks.stop_clock(mco, BUSINESS.key, event="answered in time")

    def sweep():
        locked.wait(timeout=10)
        go.set()  # the person commits while the sweep waits for the row lock
        return clocks.enforce_due_clocks(central(2027, 2, 1, 9))

    threads = [in_thread(person_acts, results, "person"), in_thread(sweep, results, "sweep")]
    for t in threads:
        t.join(timeout=30)
    assert results == {"person": True, "sweep": 0}
    assert Clock.objects.get().outcome == Outcome.MET
    assert expired_log == []


def test_a_sweep_holding_the_ticket_wins_and_the_action_finds_it_expired():
    mco = MCO.objects.get(slug="molina")
    clocks.start_clock(SLOW, mco, at=central(2027, 1, 7, 9))
    results = {}

    def sweep():
        return clocks.enforce_due_clocks(central(2027, 2, 1, 9))

    def person_acts():
        slow_entered.wait(timeout=10)
        slow_release.set()
        with transaction.atomic():
            list(MCO.objects.select_for_update().filter(pk=mco.pk))  # waits for the sweep
            return clocks.stop_clock(mco, SLOW.key, event="too late")

    threads = [in_thread(sweep, results, "sweep"), in_thread(person_acts, results, "person")]
    for t in threads:
        t.join(timeout=30)
    assert results == {"sweep": 1, "person": False}
    assert Clock.objects.get().outcome == Outcome.EXPIRED
    assert len(expired_log) == 1
