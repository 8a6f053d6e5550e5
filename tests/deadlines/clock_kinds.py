"""Test-only clock kinds, with expiry and reminder handlers that record what they did."""

import threading

from deadlines import kinds
from deadlines.kinds import ClockKind, Unit
from portal.notifications import notify

BUSINESS = kinds.register_kind(
    ClockKind(
        key="test-business-5",
        label="Test: five business days",
        length=5,
        unit=Unit.BUSINESS_DAYS,
        actor="the tester",
        on_expiry="record the expiry",
    )
)
CALENDAR = kinds.register_kind(
    ClockKind(
        key="test-calendar-30",
        label="Test: thirty calendar days",
        length=30,
        unit=Unit.CALENDAR_DAYS,
        actor="the tester",
        on_expiry="record the expiry",
    )
)

expired_log = []
_lock = threading.Lock()


@kinds.on_expiry(BUSINESS.key)
@kinds.on_expiry(CALENDAR.key)
def record_expiry(clock, now):
    with _lock:
        expired_log.append(clock.pk)


@kinds.on_reminder(BUSINESS.key)
@kinds.on_reminder(CALENDAR.key)
def remind(clock, now):
    notify(
        to="tester@example.test",
        template="clock_reminder",
        context={"kind": clock.kind, "due": clock.due_date.isoformat()},
        dedupe_key=f"clock-{clock.pk}-reminder",
    )


POISONED = kinds.register_kind(
    ClockKind(
        key="test-poisoned",
        label="Test: an expiry action that fails for one subject",
        length=1,
        unit=Unit.BUSINESS_DAYS,
        actor="the tester",
        on_expiry="fail for the subject named in poisoned_subjects, record the others",
    )
)
poisoned_subjects: set[int] = set()


@kinds.on_expiry(POISONED.key)
def fail_for_poisoned(clock, now):
    """Fault injection: the action raises for a poisoned subject, after writing (its
    notification must roll back with it)."""
    notify(to="poisoned@example.test", template="ticket_reminder",
           context={"number": clock.object_id})
    if clock.object_id in poisoned_subjects:
        raise RuntimeError(f"cannot act on subject {clock.object_id}")
    with _lock:
        expired_log.append(clock.pk)
