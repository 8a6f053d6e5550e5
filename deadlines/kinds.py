"""Clock kinds: each deadline of SPEC §5 declared once (R-CLK-4).

An owning app declares its kinds with :func:`register_kind` and its expiry action with
:func:`on_expiry`; the engine (``deadlines.clocks``) starts, stops, moves and enforces the
stored clocks. Kinds are declared in code (they are rules, changed by a release); their
lengths live on each stored clock, so a running clock keeps the rule it started under.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from deadlines import calendar


class Unit(StrEnum):
    BUSINESS_DAYS = "business"
    CALENDAR_DAYS = "calendar"


@dataclass(frozen=True)
class ClockKind:
    """One kind of deadline.

    ``length`` and ``unit``: how long the clock runs from its start day (day 0, R-CLK-2).
    ``actor``: who must act before it runs out (a role name, shown to people and used by
    the reminder). ``on_expiry``: what happens when it runs out, in words. ``remind``:
    whether the actor gets a reminder ``settings.CLOCK_REMINDER_BUSINESS_DAYS`` before.
    ``mirror``: a field of the subject that keeps a copy of the due moment, so a queue
    ordered by it reads the subject's own index and stops after a page (issue 14);
    ``deadlines.clocks`` writes it whenever the due moment is set or moves.
    """

    key: str
    label: str
    length: int
    unit: Unit
    actor: str
    on_expiry: str
    remind: bool = True
    mirror: str = ""

    def due_date(self, start: date, *, length: int | None = None, extra_calendar_days: int = 0):
        return compute_due_date(
            start, self.unit, self.length if length is None else length, extra_calendar_days
        )


def compute_due_date(start: date, unit: Unit, length: int, extra_calendar_days: int = 0) -> date:
    """The last day of a clock: n business days after ``start`` (R-CLK-2), or n calendar
    days rolled forward to a business day (R-CLK-3); then ``extra_calendar_days`` more
    (the registration clock's extended target, R-REG-3)."""
    if Unit(unit) is Unit.BUSINESS_DAYS:
        due = calendar.add_business_days(start, length)
    else:
        due = calendar.calendar_deadline(start, length)
    if extra_calendar_days:
        due = calendar.calendar_deadline(due, extra_calendar_days)
    return due


_KINDS: dict[str, ClockKind] = {}
_EXPIRY_HANDLERS: dict[str, Callable] = {}
_REMINDER_HANDLERS: dict[str, Callable] = {}
_CHANGE_HANDLERS: dict[str, list[Callable]] = {}


def register_kind(kind: ClockKind) -> ClockKind:
    existing = _KINDS.get(kind.key)
    if existing is not None and existing != kind:
        raise ValueError(f"Clock kind {kind.key!r} is already declared differently.")
    _KINDS[kind.key] = kind
    return kind


def get_kind(key: str) -> ClockKind:
    try:
        return _KINDS[key]
    except KeyError:
        raise LookupError(f"No clock kind {key!r} is declared.") from None


def all_kinds() -> list[ClockKind]:
    return sorted(_KINDS.values(), key=lambda k: k.key)


def on_expiry(key: str):
    """Decorator: ``handler(clock, now)`` runs once, inside the transaction that marks the
    clock expired, with the clock's subject row locked."""

    def register(handler):
        _EXPIRY_HANDLERS[key] = handler
        return handler

    return register


def on_reminder(key: str):
    """Decorator: ``handler(clock, now)`` queues the reminder (through the outbox)."""

    def register(handler):
        _REMINDER_HANDLERS[key] = handler
        return handler

    return register


def on_change(*keys: str):
    """Decorator: ``handler(model, object_ids)`` runs whenever a clock of one of these kinds
    starts, ends (met, stopped, expired) or has its due moment moved on subjects of
    ``model`` with those primary keys, inside the same transaction, after the clock row
    is written. For copies on the subject that depend on which clocks run (issue 14)."""

    def register(handler):
        for key in keys:
            _CHANGE_HANDLERS.setdefault(key, []).append(handler)
        return handler

    return register


def change_handlers(keys) -> list[Callable]:
    """The ``on_change`` handlers of any of ``keys`` (every kind's when None), each once."""
    keys = _CHANGE_HANDLERS if keys is None else keys
    found = []
    for key in keys:
        for handler in _CHANGE_HANDLERS.get(key, ()):
            if handler not in found:
                found.append(handler)
    return found


def expiry_handler(key: str):
    return _EXPIRY_HANDLERS.get(key)


def reminder_handler(key: str):
    return _REMINDER_HANDLERS.get(key)


# --- The kinds of SPEC §5 (R-CLK-4). Their owning apps register the expiry handlers. ----

REGISTRATION = register_kind(
    ClockKind(
        key="registration",
        label="Registration decision",
        length=2,
        unit=Unit.BUSINESS_DAYS,
        actor="registration admins",
        on_expiry="escalate to registration admins (never approve)",
        mirror="target_due",
    )
)
