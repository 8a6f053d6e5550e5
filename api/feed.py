"""The change feed: every ticket event a client may see, in an order a poller can follow
without missing one or seeing one twice (issue 13).

Event ids are given out when a transaction inserts, not when it commits, so "id after the
last one I saw" can skip an event whose (slower) transaction commits after a later id was
read. On PostgreSQL each event carries the id of the transaction that wrote it (``txid``,
set by a trigger), the feed reads in (txid, id) order and only events of transactions older
than every transaction still running (``pg_snapshot_xmin``): no event can later appear
before a cursor already handed out. SQLite has one writer at a time, so its events commit in
id order and the id alone is the position.

A cursor is ``"<txid>-<id>"`` (``"0-<id>"`` on SQLite); clients treat it as opaque.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from api import problems
from tickets.models import Ticket, TicketEvent

START = "0-0"
MAX_LIMIT = 1000


def parse_cursor(text: str | None) -> tuple[int, int]:
    if not text:
        return 0, 0
    try:
        txid, event_id = (int(part) for part in text.split("-", 1))
        if txid < 0 or event_id < 0:
            raise ValueError
    except ValueError:
        raise problems.Problem(400, "validation", "after must be a cursor this feed gave you "
                               "(e.g. the next_cursor of the last page), or “now”.",
                               errors=[{"field": "after", "message": "not a feed cursor"}]
                               ) from None
    return txid, event_id


def cursor_of(event) -> str:
    return f"{event.txid or 0}-{event.pk}"


def _uses_txid() -> bool:
    return connection.vendor == "postgresql"


def _horizon() -> tuple[int, int | None]:
    """(every transaction with an id below this one has ended; the reader's own transaction
    id, when it has one). An API read runs outside any transaction; a reader inside one (a
    test's wrapping transaction, a task holding a lock) also sees the events it wrote."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint, "
                       "pg_current_xact_id_if_assigned()::text::bigint")
        return cursor.fetchone()


def _finished(events):
    horizon, own = _horizon()
    done = Q(txid__lt=horizon)
    if own is not None:
        done |= Q(txid=own)
    return events.filter(done)


def visible_events(user):
    """The events of tickets the user may see (the pages' rule), never HFS-internal ones."""
    return TicketEvent.objects.filter(
        ticket__in=Ticket.objects.visible_to(user).values("pk"), internal=False)


def read(user, after: str | None, limit: int = 100):
    """(events, next cursor, more waiting?).

    On PostgreSQL each poll is planned for its own person and cursor, never with a plan
    kept for every person (``plan_cache_mode``, for this transaction only): polled again
    and again on one connection, the prepared query got a generic plan after its tenth run
    that walked the state's events in feed order for a client of one provider (issue 14:
    24 → 400 ms at 1M). Which plan is right depends on how much the person sees: a clinic's
    few tickets' events read and sorted, a billing agent's found by the walk."""
    if not _uses_txid():
        return _read(user, after, limit)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('plan_cache_mode'), "
                       "set_config('plan_cache_mode', 'force_custom_plan', true)")
        previous = cursor.fetchone()[0]
        found = _read(user, after, limit)
        # Put back at once: inside a caller's transaction a local setting would last to
        # its end (an error rolls the savepoint, and the setting, back by itself).
        cursor.execute("SELECT set_config('plan_cache_mode', %s, true)", [previous])
        return found


def _read(user, after, limit):
    limit = max(1, min(int(limit), MAX_LIMIT))
    events = visible_events(user).select_related("ticket").only(
        "id", "txid", "ticket_id", "ticket__number", "action", "from_state", "to_state",
        "role", "at")
    if after == "now":
        last = _latest(events)
        return [], last, False
    txid, event_id = parse_cursor(after)
    if _uses_txid():
        # A row comparison: PostgreSQL starts the (txid, id) index walk at the cursor
        # (an OR of the two conditions would be a filter over every event before it).
        after_cursor = RawSQL('("tickets_ticketevent"."txid", "tickets_ticketevent"."id") '
                              "> (%s, %s)", [txid, event_id], output_field=BooleanField())
        events = _finished(events.filter(after_cursor)).order_by("txid", "pk")
    else:
        events = events.filter(pk__gt=event_id).order_by("pk")
    page = list(events[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    next_cursor = cursor_of(page[-1]) if page else (after or START)
    return page, next_cursor, more


def _latest(events):
    if _uses_txid():
        last = _finished(events).order_by("-txid", "-pk").first()
    else:
        last = events.order_by("-pk").first()
    return cursor_of(last) if last else START
