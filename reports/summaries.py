"""Keeping the summary tables up to date (docs/decisions/0008-report-summaries.md).

``refresh()`` — the beat task's body — recounts the tickets queued in ``ChangedTicket``
since the last refresh: for each, what it counts in now (``metrics.ticket_keys``) against
what it counted in before (``TicketFact.keys``), and the difference is added to
``MonthlyCount`` and ``MonthlyDuration``. ``rebuild()`` recounts every ticket from scratch.

Only one refresh (or rebuild) writes at a time: each batch takes a PostgreSQL advisory
lock inside its transaction (SQLite's IMMEDIATE transactions already let one writer in).
Each batch deletes exactly the queue rows it read, inside the same transaction: an event
committed while it ran stays queued for the next batch.
"""

from __future__ import annotations

import datetime
import logging
from collections import Counter, defaultdict

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from reports import metrics
from reports.models import ChangedTicket, MonthlyCount, MonthlyDuration, SummaryStatus, TicketFact

log = logging.getLogger(__name__)

BATCH = 2000
#: An arbitrary number naming the refresh's PostgreSQL advisory lock.
LOCK_KEY = 7_011_001


def _lock():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


# --- Loading what the measures read -----------------------------------------------------


def load(ticket_ids=None, *, between=None) -> dict[int, metrics.TicketData]:
    """``TicketData`` of the given tickets, or of the tickets whose ids are ``between``
    (first, last) both included (a rebuild), drafts left out, in a fixed number of queries
    whatever their number."""
    from deadlines.models import Clock, OutageRelief
    from tickets.models import (
        Decision,
        ExtensionRequest,
        InformationRequest,
        Investigation,
        RepresentativeContact,
        Ticket,
    )

    def of(queryset, field="ticket_id"):
        if between is not None:
            return queryset.filter(**{f"{field}__gte": between[0], f"{field}__lte": between[1]})
        return queryset.filter(**{f"{field}__in": ids})

    data = {}
    ids = ticket_ids
    rows = of(Ticket.objects.filter(submitted_at__isnull=False), "pk").values_list(
        "pk", "mco_id", "complaint_type_id", "submitted_at", "presented_at", "responded_at",
        "closed_at", "close_reason", "sanction_candidate_at", "review_requested_at",
        "record_closed_at",
    )
    for (pk, mco_id, type_id, submitted, presented, responded, closed, reason, sanction,
         review, record_closed) in rows:
        data[pk] = metrics.TicketData(
            id=pk, mco_id=mco_id, complaint_type_id=type_id, submitted_at=submitted,
            presented_at=presented, responded_at=responded, closed_at=closed,
            close_reason=reason, sanction_candidate_at=sanction, review_requested_at=review,
            record_closed_at=record_closed,
        )
    if not data:
        return data
    if between is None:
        ids = list(data)
    missing = metrics.TicketData(id=0, mco_id=0, complaint_type_id=0)  # a draft: ignored
    for ticket_id, first in (of(RepresentativeContact.objects)
                             .values("ticket_id").annotate(first=Min("recorded_at"))
                             .values_list("ticket_id", "first")):
        data.get(ticket_id, missing).contested_at = first
    for ticket_id, outcome, decided_at in of(Decision.objects).values_list(
            "ticket_id", "outcome", "decided_at"):
        t = data.get(ticket_id, missing)
        t.decision_outcome, t.decided_at = outcome, decided_at
    for ticket_id, party, status, requested_at in of(ExtensionRequest.objects).values_list(
            "ticket_id", "party", "status", "requested_at"):
        data.get(ticket_id, missing).extensions.append((party, status, requested_at))
    for ticket_id, reported_at in of(Investigation.objects).values_list(
            "ticket_id", "reported_at"):
        data.get(ticket_id, missing).investigations.append(reported_at)
    for ticket_id, requested_at, answered_at in of(InformationRequest.objects).values_list(
            "ticket_id", "requested_at", "answered_at"):
        data.get(ticket_id, missing).information_requests.append((requested_at, answered_at))
    ticket_type = ContentType.objects.get_for_model(Ticket)
    kinds = [s.key for s in metrics.STEPS]
    measured = of(Clock.objects.filter(content_type=ticket_type, kind__in=kinds), "object_id")
    # Issue 15: the clocks that expired inside an outage whose relief was applied.
    relieved = set(OutageRelief.objects.filter(
        action=OutageRelief.Action.NOTED, clock__in=measured.values("pk"),
    ).values_list("clock_id", flat=True))
    for (pk, object_id, kind, outcome, stopped_at, length, due_date, started_at) in (
            measured.values_list("pk", "object_id", "kind", "outcome", "stopped_at", "length",
                                 "due_date", "started_at")):
        data.get(object_id, missing).clocks.append(metrics.ClockData(
            kind=kind, outcome=outcome, stopped_at=stopped_at, length=length,
            due_date=due_date, started_at=started_at, relief=pk in relieved))
    return data


def _fact(t: metrics.TicketData, keys) -> TicketFact:
    from tickets import clock_kinds

    response = t.latest_clock(clock_kinds.MCO_RESPONSE.key)
    # A sanction-candidate mark that an outage brought is relief (issue 15): not listed.
    relieved = response is not None and response.relief
    return TicketFact(
        ticket_id=t.id, mco_id=t.mco_id, complaint_type_id=t.complaint_type_id, keys=keys,
        sanction_candidate_at=None if relieved else t.sanction_candidate_at,
        response_due_date=response.due_date if response else None,
        responded_at=t.responded_at, closed_at=t.closed_at,
    )


FACT_FIELDS = ["mco", "complaint_type", "keys", "sanction_candidate_at", "response_due_date",
               "responded_at", "closed_at"]


# --- Adding differences to the summaries --------------------------------------------------


def _deltas(old_keys, new_keys, mco_id, type_id, counts, durations):
    """Add ``new - old`` of one ticket to the ``counts`` and ``durations`` Counters, keyed
    by their summary row."""
    difference = Counter(new_keys)
    difference.subtract(Counter(old_keys))
    for key, n in difference.items():
        if n == 0:
            continue
        parsed = metrics.parse_key(key)
        if parsed[0] == "count":
            counts[(parsed[1], mco_id, type_id, parsed[2])] += n
        else:
            durations[(parsed[1], mco_id, type_id, parsed[2], parsed[3])] += n


def _add(model, key_columns, deltas):
    """``n = n + delta`` for each summary row, inserting the rows that do not exist yet: one
    ``INSERT ... ON CONFLICT DO UPDATE`` per 500 rows (PostgreSQL and SQLite alike)."""
    items = [(key, n) for key, n in deltas.items() if n != 0]
    if not items:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in (*key_columns, "n"))
    conflict = ", ".join(connection.ops.quote_name(c) for c in key_columns)
    placeholders = "(" + ", ".join(["%s"] * (len(key_columns) + 1)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(items), 500):
            chunk = items[start:start + 500]
            sql = (
                f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608
                + ", ".join([placeholders] * len(chunk))
                + f" ON CONFLICT ({conflict}) DO UPDATE SET n = {table}.n + excluded.n"
            )
            cursor.execute(sql, [value for key, n in chunk for value in (*key, n)])


COUNT_COLUMNS = ("month", "mco_id", "complaint_type_id", "measure")
DURATION_COLUMNS = ("month", "mco_id", "complaint_type_id", "step", "days")


def recount(ticket_ids) -> int:
    """Recount these tickets into the summaries (call inside a transaction holding the
    lock). Returns how many tickets were recounted."""
    ticket_ids = sorted(set(ticket_ids))
    data = load(ticket_ids)
    facts = TicketFact.objects.in_bulk(ticket_ids)
    counts, durations = Counter(), Counter()
    changed, gone = [], []
    for ticket_id in ticket_ids:
        t, old = data.get(ticket_id), facts.get(ticket_id)
        if old is not None:
            _deltas(old.keys, [], old.mco_id, old.complaint_type_id, counts, durations)
        if t is None:
            if old is not None:
                gone.append(ticket_id)
            continue
        keys = metrics.ticket_keys(t)
        _deltas([], keys, t.mco_id, t.complaint_type_id, counts, durations)
        changed.append(_fact(t, keys))
    _add(MonthlyCount, COUNT_COLUMNS, counts)
    _add(MonthlyDuration, DURATION_COLUMNS, durations)
    if changed:
        TicketFact.objects.bulk_create(changed, update_conflicts=True,
                                       unique_fields=["ticket"], update_fields=FACT_FIELDS)
    if gone:
        TicketFact.objects.filter(pk__in=gone).delete()
    return len(ticket_ids)


# --- The refresh (beat) and the rebuild (command) -----------------------------------------


def status() -> SummaryStatus:
    row, _ = SummaryStatus.objects.get_or_create(pk=1)
    return row


def as_of() -> datetime.datetime | None:
    """The summaries count every change committed before this moment (None: never built)."""
    return SummaryStatus.objects.filter(pk=1).values_list("refreshed_at", flat=True).first()


def refresh(*, batch: int = BATCH, max_batches: int | None = None) -> int:
    """Recount the tickets changed since the last refresh, ``batch`` queue rows at a time,
    each batch in its own transaction. Returns how many tickets were recounted. The
    summaries' "as of" moves to the start of this refresh once the queue is empty."""
    started = timezone.now()
    done = batches = 0
    while max_batches is None or batches < max_batches:
        with transaction.atomic():
            _lock()
            queued = list(ChangedTicket.objects.order_by("pk").values_list("pk", "ticket_id")
                          [:batch])
            if not queued:
                SummaryStatus.objects.update_or_create(pk=1, defaults={"refreshed_at": started})
                break
            done += recount([ticket_id for _, ticket_id in queued])
            ChangedTicket.objects.filter(pk__in=[pk for pk, _ in queued]).delete()
        batches += 1
    if done:
        log.info("Report summaries: %s changed tickets recounted.", done)
    return done


def rebuild(*, batch: int = 5000, progress=None) -> int:
    """Recount every ticket from the source tables: empty the summaries and the facts, then
    count each batch of tickets in memory and write the sums once. Returns the number of
    tickets counted."""
    from tickets.models import Ticket

    started = timezone.now()
    counts, durations = Counter(), Counter()
    with transaction.atomic():
        _lock()
        ChangedTicket.objects.filter(pk__lte=_last_queued()).delete()
        TicketFact.objects.all().delete()
        MonthlyCount.objects.all().delete()
        MonthlyDuration.objects.all().delete()
        ids = Ticket.objects.filter(submitted_at__isnull=False).order_by("pk").values_list(
            "pk", flat=True)
        last, done = 0, 0
        while True:
            chunk = list(ids.filter(pk__gt=last)[:batch])
            if not chunk:
                break
            data = load(between=(chunk[0], chunk[-1]))
            last = chunk[-1]
            facts = []
            for t in data.values():
                keys = metrics.ticket_keys(t)
                _deltas([], keys, t.mco_id, t.complaint_type_id, counts, durations)
                facts.append(_fact(t, keys))
            _write(TicketFact, facts)
            done += len(data)
            if progress:
                progress(done)
        _insert(MonthlyCount, COUNT_COLUMNS, counts)
        _insert(MonthlyDuration, DURATION_COLUMNS, durations)
        SummaryStatus.objects.update_or_create(
            pk=1, defaults={"refreshed_at": started, "rebuilt_at": timezone.now()})
    return done


def _last_queued():
    return ChangedTicket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _insert(model, key_columns, sums):
    """Write freshly counted summary rows (``key_columns`` name the key's parts)."""
    _write(model, [model(**dict(zip(key_columns, key, strict=True)), n=n)
                   for key, n in sums.items() if n])


def _write(model, objects):
    """Insert new rows: with COPY on PostgreSQL (a rebuild writes a row per ticket), with
    ``bulk_create`` elsewhere."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=5000)
        return
    from django.db.models import JSONField
    from psycopg.types.json import Jsonb

    fields = [f for f in model._meta.concrete_fields
              if not (f.primary_key and f.get_internal_type() in ("AutoField", "BigAutoField"))]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    json = [isinstance(f, JSONField) for f in fields]
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {table} ({columns}) FROM STDIN") as copy:  # noqa: S608 (our own names)
        for obj in objects:
            copy.write_row([Jsonb(getattr(obj, f.attname)) if is_json else getattr(obj, f.attname)
                            for f, is_json in zip(fields, json, strict=True)])


def summary_totals() -> tuple[dict, dict]:
    """The summary tables as two dicts (for checks: a rebuild must change nothing)."""
    counts = {(r.month, r.mco_id, r.complaint_type_id, r.measure): r.n
              for r in MonthlyCount.objects.exclude(n=0)}
    durations = defaultdict(int)
    for r in MonthlyDuration.objects.exclude(n=0):
        durations[(r.month, r.mco_id, r.complaint_type_id, r.step, r.days)] = r.n
    return counts, dict(durations)
