"""The clock engine's public functions (SPEC §5, R-CLK-2..5).

Other apps start and stop clocks on their subjects (a ticket, a registration) through these
functions, and register what happens on expiry in ``deadlines.kinds``. Nothing else writes
a clock.

Concurrency (R-CLK-5): every function that ends or acts on a clock first locks the
subject's row, then claims the clock with a conditional update (``outcome = ''``). A user's
action on the subject locks the same row first, so the action and the sweep are serialised:
whichever runs first wins, and the other sees the clock already ended and does nothing.
Two sweeps at once, or a sweep run twice, act on each clock exactly once.
"""

from __future__ import annotations

import datetime
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from deadlines import calendar, kinds
from deadlines.models import Clock, ClockChange, Outcome

log = logging.getLogger(__name__)


def local_date(moment: datetime.datetime) -> datetime.date:
    """The Central-time date of an aware moment (day 0 of a clock, R-CLK-2)."""
    return timezone.localtime(moment, calendar.CENTRAL).date()


def _reminder_moment(start: datetime.datetime, due_date: datetime.date):
    """The start of the business day ``CLOCK_REMINDER_BUSINESS_DAYS`` before the last day;
    None when that is not after the start (a short clock needs no reminder)."""
    before = settings.CLOCK_REMINDER_BUSINESS_DAYS
    day = due_date
    for _ in range(before):
        day -= datetime.timedelta(days=1)
        while not calendar.is_business_day(day):
            day -= datetime.timedelta(days=1)
    moment = datetime.datetime.combine(day, datetime.time.min, tzinfo=calendar.CENTRAL)
    return moment if moment > start else None


def start_clock(
    kind: kinds.ClockKind | str,
    subject,
    *,
    at: datetime.datetime | None = None,
    event: str = "",
    length: int | None = None,
    extra_calendar_days: int = 0,
) -> Clock:
    """Start a clock of ``kind`` on ``subject`` at ``at`` (now by default)."""
    kind = kinds.get_kind(kind) if isinstance(kind, str) else kind
    at = at or timezone.now()
    start = local_date(at)
    length = kind.length if length is None else length
    due_date = kinds.compute_due_date(start, kind.unit, length, extra_calendar_days)
    clock = Clock.objects.create(
        kind=kind.key,
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        unit=kind.unit.value,
        length=length,
        extra_calendar_days=extra_calendar_days,
        started_at=at,
        start_date=start,
        start_event=event,
        due_date=due_date,
        due_at=calendar.deadline_moment(due_date),
        remind_at=_reminder_moment(at, due_date) if kind.remind else None,
    )
    _mirror(clock, kind)
    _changed(clock.content_type.model_class(), [clock.object_id], [clock.kind])
    return clock


def _mirror(clock: Clock, kind: kinds.ClockKind | None = None) -> None:
    """Copy the due moment to the subject's mirror field, when its kind has one."""
    kind = kind or kinds.get_kind(clock.kind)
    if kind.mirror:
        model = clock.content_type.model_class()
        model._base_manager.filter(pk=clock.object_id).update(**{kind.mirror: clock.due_at})


def _changed(model, object_ids, kind_keys=None) -> None:
    """Tell the ``kinds.on_change`` handlers of these kinds (of any kind when None) that
    clocks of theirs started, ended or moved on these subjects."""
    for handler in kinds.change_handlers(kind_keys):
        handler(model, object_ids)


def clocks_for(subject):
    """Every clock of a subject, in the order they fall due, with their change history."""
    return _subject_clocks(subject).prefetch_related("changes")


def _subject_clocks(subject):
    """A subject's clocks, without their change history (one query, not two)."""
    return Clock.objects.filter(
        content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk
    )


def running_clock(subject, kind: str) -> Clock | None:
    return _subject_clocks(subject).filter(kind=kind, outcome="").first()


def latest_clock(subject, kind: str) -> Clock | None:
    """The most recent clock of ``kind`` on ``subject``, running or finished."""
    return _subject_clocks(subject).filter(kind=kind).order_by("-started_at", "-pk").first()


def open_clock(subject, kind: str, at: datetime.datetime) -> Clock | None:
    """The running clock of ``kind`` whose due moment has not passed at ``at``, or None.

    R-CLK-2, R-CLK-5: a deadline holds at its due moment, not when the sweep reaches it.
    Every "is this still allowed?" rule asks this, never only whether the row is running.
    """
    clock = running_clock(subject, kind)
    return clock if clock is not None and clock.is_open_at(at) else None


def stop_clock(
    subject, kind: str, *, outcome: str = Outcome.MET, at=None, event: str = ""
) -> bool:
    """End the running clock of ``kind`` on ``subject`` because someone acted. Call it inside
    the transaction that holds the subject's row lock. Returns False when no clock of that
    kind was running (it had expired, or was never started)."""
    if outcome not in (Outcome.MET, Outcome.STOPPED, Outcome.CANCELLED):
        raise ValueError(f"A person's action cannot end a clock as {outcome!r}.")
    running = Clock.objects.filter(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        kind=kind,
        outcome="",
    )
    ended = _end(running, outcome=outcome, at=at or timezone.now(), event=event)
    if ended:
        _changed(type(subject), [subject.pk], [kind])
    return ended == 1


def stop_all_clocks(subject, *, outcome: str = Outcome.STOPPED, at=None, event: str = "") -> int:
    """End every running clock on a subject (e.g. a ticket that closes)."""
    running = Clock.objects.filter(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        outcome="",
    )
    ended = _end(running, outcome=outcome, at=at or timezone.now(), event=event)
    if ended:
        _changed(type(subject), [subject.pk])
    return ended


def _end(running, *, outcome, at, event) -> int:
    """R-CLK-5: a clock ended "met" after its due moment is stored as expired: the stored
    outcome never says "met" for a deadline that was missed, whatever the sweep has done."""
    if outcome != Outcome.MET:
        return running.update(outcome=outcome, stopped_at=at, stop_event=event)
    late = running.filter(due_at__lt=at).update(
        outcome=Outcome.EXPIRED, stopped_at=at, stop_event=f"{event} (after the due moment)"
        if event else "after the due moment",
    )
    return late + running.update(outcome=outcome, stopped_at=at, stop_event=event)


def change_length(clock: Clock, *, length: int, reason: str, by=None) -> Clock:
    """Give a running clock a new length (e.g. an approved extension: 30 → 60 calendar days,
    R-FLOW-4), recording why it moved."""
    clock = Clock.objects.select_for_update().get(pk=clock.pk)
    if not clock.is_running:
        raise ValueError("Only a running clock can be moved.")
    clock.length = length
    _recompute(clock, reason=reason, by=by)
    return clock


def _recompute(clock: Clock, *, reason: str, by=None) -> bool:
    """Recompute a running clock's due day from its own rule and record a move. Outage
    relief given to the clock is a floor the rule never goes below (issue 15: applied
    relief is never silently undone, e.g. by a closure day removed later)."""
    new_due = kinds.compute_due_date(
        clock.start_date, clock.unit, clock.length, clock.extra_calendar_days
    )
    from deadlines.outages import relief_floor

    floor = relief_floor(clock)
    if floor is not None and floor > new_due:
        new_due = floor
    if new_due == clock.due_date:
        clock.save(update_fields=["length"])
        return False
    _set_due(clock, new_due, reason=reason, by=by, also=["length"])
    return True


def _set_due(clock: Clock, new_due: datetime.date, *, reason: str, by=None, also=()) -> None:
    """Record a move (``ClockChange``), set the due day and moment, re-plan a reminder not
    yet sent, save (with the fields in ``also``) and copy the due moment to the mirror."""
    ClockChange.objects.create(
        clock=clock,
        changed_by=by,
        old_due_date=clock.due_date,
        new_due_date=new_due,
        reason=reason[:500],
    )
    clock.due_date = new_due
    clock.due_at = calendar.deadline_moment(new_due)
    if clock.reminded_at is None and kinds.get_kind(clock.kind).remind:
        clock.remind_at = _reminder_moment(clock.started_at, new_due)
    clock.save(update_fields=[*also, "due_date", "due_at", "remind_at"])
    _mirror(clock)
    _changed(clock.content_type.model_class(), [clock.object_id], [clock.kind])


def move_due(clock: Clock, due_date: datetime.date, *, reason: str, by=None) -> bool:
    """Move a running clock's last day to ``due_date`` whatever its own rule gives (outage
    relief, issue 15), recording why in a ``ClockChange`` and copying the new due moment to
    the subject's mirror field. Its reminder follows the new day (when not yet sent), and a
    set-aside for a failed expiry action is cleared: the clock is no longer due. Call it
    inside the transaction that holds the subject's row lock. False when nothing moved."""
    clock = Clock.objects.select_for_update().get(pk=clock.pk)
    if not clock.is_running:
        raise ValueError("Only a running clock can be moved.")
    if due_date == clock.due_date:
        return False
    clock.attention_at, clock.attention_error = None, ""
    _set_due(clock, due_date, reason=reason, by=by, also=["attention_at", "attention_error"])
    return True


def recompute_for_calendar_change(days, *, reason: str, by=None) -> int:
    """An office closure was added or removed on ``days``: move every running clock whose
    window contains one of them; finished clocks keep their history. Returns how many moved."""
    if not days:
        return 0
    first, last = min(days), max(days)
    moved = 0
    affected = Clock.objects.select_for_update().filter(
        outcome="", start_date__lt=last, due_date__gte=first
    )
    with transaction.atomic():
        for clock in affected:
            moved += _recompute(clock, reason=reason, by=by)
    return moved


# --- The sweep (R-CLK-4) ---------------------------------------------------------------


@dataclass
class SweepReport:
    expired: list[Clock] = field(default_factory=list)
    reminded: list[Clock] = field(default_factory=list)


def due_clocks(now: datetime.datetime, limit: int | None = None):
    """Running clocks whose due moment has passed, through the partial index; clocks that
    a declared outage holds until HFS applies its relief are left alone (issue 15,
    docs/decisions/0014-outage-relief.md)."""
    from deadlines.outages import held_by_outages

    qs = Clock.objects.filter(outcome="", due_at__lt=now, attention_at__isnull=True).order_by(
        "due_at"
    )
    held = held_by_outages()
    if held is not None:
        qs = qs.exclude(held)
    return qs[:limit] if limit else qs


def _lock_and_claim(clock: Clock, now) -> bool:
    """Take the subject's row lock, in the order a person's action takes it, then mark the
    clock expired; True only for the one caller that changed it.

    On PostgreSQL both happen in one statement: the CTE's ``FOR NO KEY UPDATE`` (the lock
    the workflow takes, ``tickets.workflow._locked``) runs (as an
    InitPlan) before the clock row is touched, so the lock order is the same as an action's,
    and a clock a person ended meanwhile fails ``outcome = ''`` on re-check. SQLite needs no
    lock: its IMMEDIATE transactions already serialise every writer.
    """
    quote = connection.ops.quote_name
    table = quote(Clock._meta.db_table)
    claim = (
        f"UPDATE {table} SET outcome = %s, stopped_at = %s, stop_event = %s "  # noqa: S608
        "WHERE id = %s AND outcome = ''"
    )
    params = [Outcome.EXPIRED.value, now, "expired", clock.pk]
    if connection.features.has_select_for_update:
        meta = clock.content_type.model_class()._meta
        claim = (
            f"WITH subject AS (SELECT 1 FROM {quote(meta.db_table)} "  # noqa: S608
            f"WHERE {quote(meta.pk.column)} = %s FOR NO KEY UPDATE) "
            + claim + " AND (SELECT count(*) FROM subject) >= 0"
        )
        params = [clock.object_id, *params]
    with connection.cursor() as cursor:
        cursor.execute(claim, params)
        return cursor.rowcount == 1


@contextmanager
def _relaxed_commit_durability():
    """On PostgreSQL, the sweep's small transactions commit asynchronously: a commit
    returns before its WAL reaches the disk. A crash can lose at most the last fraction of
    a second of expiries, each all-or-nothing (nothing is corrupted), and the next sweep
    simply expires those clocks again. Without it each clock waits for a disk flush, which
    capped the sweep at about 100 clocks a second on our machines (docs/PERFORMANCE.md).
    Set for the sweep's session and reset after it."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def enforce_due_clocks(now: datetime.datetime | None = None, *, batch: int = 1000) -> int:
    """Expire every clock due at ``now`` and run its kind's expiry action, each clock in
    its own transaction. Returns how many clocks this call expired."""
    now = now or timezone.now()
    done = 0
    previous = None
    while True:
        clocks = list(due_clocks(now, batch).select_related("content_type"))
        ids = [c.pk for c in clocks]
        if not clocks or ids == previous:
            return done
        previous = ids
        with _relaxed_commit_durability():
            for clock in clocks:
                done += _expire(clock, now)
        # A failed clock is set aside (attention_at) and a claimed one has ended, so the
        # next batch holds only clocks not yet tried.
        if len(clocks) < batch:
            return done


def _expire(clock: Clock, now: datetime.datetime) -> int:
    """Expire one clock and run its kind's action, all or nothing. R-CLK-4: an action that
    fails is rolled back, logged with the clock, and the clock is set aside for HFS's
    attention; the sweep goes on with every other clock."""
    handler = kinds.expiry_handler(clock.kind)
    try:
        with transaction.atomic():
            if not _lock_and_claim(clock, now):
                return 0  # a person acted first, or another sweep took it
            clock.outcome, clock.stopped_at, clock.stop_event = Outcome.EXPIRED, now, "expired"
            if handler is None:
                log.warning("Clock %s (%s) expired; its kind has no expiry handler.",
                            clock.pk, clock.kind)
            else:
                handler(clock, now)
            _changed(clock.content_type.model_class(), [clock.object_id], [clock.kind])
    except Exception as error:
        log.exception("The expiry action of clock %s (%s) failed; the clock is set aside for "
                      "attention and the sweep goes on.", clock.pk, clock.kind)
        Clock.objects.filter(pk=clock.pk, outcome="").update(
            attention_at=now, attention_error=f"{type(error).__name__}: {error}"[:2000]
        )
        return 0
    return 1


def needing_attention():
    """Clocks whose expiry action failed (R-CLK-4), oldest first, for HFS."""
    return Clock.objects.filter(outcome="", attention_at__isnull=False).order_by("attention_at")


def retry_after_attention(clock: Clock) -> None:
    """Put a clock set aside back into the sweep (after the cause was mended)."""
    Clock.objects.filter(pk=clock.pk).update(attention_at=None, attention_error="")


def send_due_reminders(now: datetime.datetime | None = None) -> int:
    """Queue the one reminder of each running clock whose reminder moment has come."""
    now = now or timezone.now()
    sent = 0
    pending = Clock.objects.filter(
        outcome="", reminded_at__isnull=True, remind_at__isnull=False, remind_at__lte=now
    ).select_related("content_type")
    for clock in pending:
        with transaction.atomic():
            claimed = Clock.objects.filter(
                pk=clock.pk, outcome="", reminded_at__isnull=True
            ).update(reminded_at=now)
            if claimed != 1:
                continue
            handler = kinds.reminder_handler(clock.kind)
            if handler is not None:
                handler(clock, now)
            sent += 1
    return sent


def preview_due(now: datetime.datetime):
    """What a sweep at ``now`` would do, without doing it (for ``--dry-run``)."""
    expiring = list(due_clocks(now).select_related("content_type"))
    reminding = list(
        Clock.objects.filter(
            outcome="", reminded_at__isnull=True, remind_at__isnull=False, remind_at__lte=now
        ).select_related("content_type")
    )
    return SweepReport(expired=expiring, reminded=reminding)
