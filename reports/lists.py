"""The reports' lists of tickets (SPEC §6): overdue now, sanction candidates with days late,
open investigations. Each is one or two queries through an index, whatever the number of
tickets (docs/decisions/0008)."""

from __future__ import annotations

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, DateTimeField, F, FilteredRelation, Q, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan

from deadlines import calendar
from reports.metrics import Scope, local_day
from tickets import clock_kinds as ck

#: The steps whose expiry the sweep escalates and leaves waiting (R-CLK-4), the states their
#: ticket waits in, and the mark the sweep sets on the ticket when their clock expires.
ESCALATED = (
    (ck.TRIAGE.key, ("submitted",), "triage_overdue_at"),
    (ck.MCO_RESPONSE.key, ("with_mco", "awaiting_provider_info"), "sanction_candidate_at"),
    (ck.HFS_DECISION.key, ("hfs_review",), "decision_overdue_at"),
)
#: Every step with a deadline a ticket waits on. The others' expiry closes the ticket or its
#: review record, so they are overdue only until the sweep reaches them (or while their
#: expiry action fails).
WAITED_ON = (ck.TRIAGE.key, ck.MCO_RESPONSE.key, ck.PROVIDER_INFO.key, ck.PROVIDER_ANSWER.key,
             ck.REVIEW_REQUEST.key, ck.REVIEW_SUBMISSIONS.key, ck.HFS_DECISION.key)
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
OPEN_STATES = ("submitted", "with_mco", "awaiting_provider_info", "mco_responded", "contested",
               "hfs_review")
FIELDS = ("pk", "number", "state", "mco_id", "complaint_type_id")


def overdue_now(scope: Scope, now: datetime.datetime):
    """Steps overdue now, longest overdue first: tickets still waiting for a step the sweep
    escalated (the ticket carries its overdue mark), and running clocks past their due
    moment (the sweep has not reached them yet, or their expiry action failed). Rows:
    ``FIELDS``, ``kind`` and ``since`` (the mark, or the due moment). The date range does
    not apply: this is now. The MCO scorecard leaves out triage (before presentation)."""
    from tickets.models import Ticket

    parts = []
    for kind, states, mark in ESCALATED:
        if scope.for_mco and kind == ck.TRIAGE.key:
            continue
        # "mark is set", written so that PostgreSQL reads the few open tickets through the
        # state index rather than every marked ticket ever through the partial index on the
        # mark (ticket_sanction_idx): 40 ms instead of 170 ms at 1,000,000 tickets.
        marked = GreaterThan(Coalesce(F(mark), Value(EPOCH, output_field=DateTimeField())),
                             EPOCH)
        part = scope.tickets(Ticket.objects.filter(marked, state__in=states))
        if kind == ck.HFS_DECISION.key:
            part = part.filter(record_closed_at__isnull=False)
        parts.append(part.values(*FIELDS).annotate(
            kind=Value(kind, output_field=CharField()), since=F(mark)).order_by())
    kinds = [k for k in WAITED_ON if not (scope.for_mco and k == ck.TRIAGE.key)]
    running = (
        scope.tickets(Ticket.objects.filter(state__in=OPEN_STATES))
        .annotate(late_clock=FilteredRelation("clocks", condition=Q(
            clocks__outcome="", clocks__due_at__lt=now, clocks__kind__in=kinds)))
        .filter(late_clock__due_at__isnull=False)
        .values(*FIELDS).annotate(kind=F("late_clock__kind"), since=F("late_clock__due_at"))
        .order_by()
    )
    return parts[0].union(*parts[1:], running, all=True).order_by("since", "pk")


def with_due_dates(rows):
    """``rows`` of ``overdue_now`` with ``due_date`` and ``unit`` of their step's clock (one
    query for the whole page)."""
    from deadlines.models import Clock
    from tickets.models import Ticket

    rows = list(rows)
    if not rows:
        return rows
    found = {}
    for object_id, kind, due_date, unit in (
            Clock.objects.filter(content_type=ContentType.objects.get_for_model(Ticket),
                                 object_id__in={r["pk"] for r in rows},
                                 kind__in={r["kind"] for r in rows})
            .order_by("started_at", "pk").values_list("object_id", "kind", "due_date", "unit")):
        found[(object_id, kind)] = (due_date, unit)  # the latest clock of the kind wins
    for row in rows:
        row["due_date"], row["unit"] = found.get((row["pk"], row["kind"]), (None, "calendar"))
    return rows


def days_overdue(row, today: datetime.date) -> int | None:
    """Whole days after the last day, in the clock's unit (at least 1 once overdue)."""
    due = row["due_date"]
    if due is None:
        return None
    if row["unit"] == "business":
        late = calendar.business_days_between(due, today)
    else:
        late = (today - due).days
    return max(late, 1)


def sanction_candidates(scope: Scope):
    """Tickets marked sanction candidates in the scope's months, newest mark first (through
    the partial index on the mark)."""
    from reports.models import TicketFact

    return (
        scope.tickets(TicketFact.objects.filter(
            sanction_candidate_at__gte=scope.start, sanction_candidate_at__lt=scope.end))
        .select_related("ticket", "mco")
        .only("ticket__number", "mco__short_name", "sanction_candidate_at",
              "response_due_date", "responded_at", "closed_at")
        .order_by("-sanction_candidate_at", "ticket_id")
    )


def days_late(fact, today: datetime.date) -> int | None:
    """Calendar days from the response's last day to the response (or to the close, or to
    today while there is none), as the overdue-responses page counts them."""
    if fact.response_due_date is None:
        return None
    end = fact.responded_at or fact.closed_at
    end_day = local_day(end) if end else today
    return max((end_day - fact.response_due_date).days, 0)


def open_investigations(scope: Scope):
    from tickets.models import Investigation

    return (
        scope.tickets(Investigation.objects.filter(status=Investigation.Status.OPEN),
                      prefix="ticket__")
        .select_related("ticket", "ticket__mco")
        .only("reported_at", "ticket__number", "ticket__mco__short_name")
        .order_by("reported_at", "pk")
    )
