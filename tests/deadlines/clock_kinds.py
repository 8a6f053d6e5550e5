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
