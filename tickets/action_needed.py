"""What waits on a provider user, and by when (issue 11: the provider's home shows what
needs their action first, with the due date and days left, R-CLK-5).

A ticket waits on its provider while one of the provider's own clocks runs on it:
the information the MCO asked for (R-FLOW-3), accepting or contesting the response and,
once contested, asking for HFS review (R-FLOW-5), and the provider's review submission
until it is marked complete (R-FLOW-6). Each is read from the stored clock (its ``due_at``
and ``due_date``), so the home page always agrees with the ticket page, in a fixed number
of queries whatever the number of tickets.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from deadlines import calendar
from deadlines.days import short_date
from deadlines.models import Clock
from tickets import clock_kinds as ck
from tickets.models import ReviewSubmission, State, Ticket
from tickets.next_steps import DUTIES


@dataclass(frozen=True)
class ProviderAction:
    """One clock kind the provider acts on, and the state the ticket is in meanwhile. What
    to do and what happens otherwise are the ticket page's words (``tickets.next_steps``)."""

    kind: str
    state: str

    @property
    def duty(self):
        return DUTIES[self.kind]

    @property
    def what(self):  # "Send the information the MCO asked for"
        return self.duty.what

    @property
    def otherwise(self):  # "or the ticket closes"
        return self.duty.otherwise

    @property
    def anchor(self):  # where on the ticket page it is done
        return self.duty.anchor


ACTIONS = {
    a.kind: a for a in (
        ProviderAction(ck.PROVIDER_INFO.key, State.AWAITING_PROVIDER_INFO),
        ProviderAction(ck.PROVIDER_ANSWER.key, State.MCO_RESPONDED),
        ProviderAction(ck.REVIEW_REQUEST.key, State.CONTESTED),
        ProviderAction(ck.REVIEW_SUBMISSIONS.key, State.HFS_REVIEW),
    )
}

#: Clocks that are an option, not a deadline anyone must meet: never a ticket's "next".
NOT_DEADLINES = (ck.INFO_WINDOW.key, ck.EXTENSION_CUTOFF.key)


def _plural(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


def days_left(clock, now=None) -> str:
    """"3 business days left", "12 days left", "due today", or "" once it has passed."""
    now = now or timezone.now()
    if now > clock.due_at:
        return ""
    today = timezone.localtime(now, calendar.CENTRAL).date()
    if clock.due_date <= today:
        return "due today"
    if clock.unit == "business":
        return f"{_plural(calendar.business_days_between(today, clock.due_date), 'business day')}" \
               " left"
    return f"{_plural((clock.due_date - today).days, 'day')} left"


def sentence(action: ProviderAction, clock, now=None) -> str:
    """"Send the information the MCO asked for by Tue, Dec 8, 2026 — 3 business days left,
    or the ticket closes." in the viewer's terms (Central dates, R-CLK-5)."""
    day = short_date(clock.due_date, weekday=True)
    left = days_left(clock, now)
    if not left:
        return (f"{action.what}: the deadline, {day}, has passed; the portal is about to act "
                "on it.")
    return f"{action.what} by {day} — {left}, {action.otherwise}."


@dataclass
class Waiting:
    ticket: Ticket
    clock: Clock
    action: ProviderAction
    text: str


def _ticket_type():
    return ContentType.objects.get_for_model(Ticket)


def action_needed(user, *, now=None, limit=50) -> list[Waiting]:
    """The tickets waiting on ``user`` (a provider user), soonest deadline first: three
    queries, whatever the number of tickets.

    The provider's tickets in a waiting state first (their provider-and-state index), then
    those tickets' running clocks of the kind that state waits on (the clocks' subject
    index), sorted: the work grows with what waits on the provider, never with the
    history or with other providers' running clocks (issue 14: at 1,000,000 tickets the
    walk of every running clock by due moment read 10,000 rows to keep 114)."""
    now = now or timezone.now()
    # NOT EXISTS, not NOT IN: an anti-join the planner runs per visible ticket (the
    # provider-and-state index), instead of reading every ticket in review (issue 14).
    completed = ReviewSubmission.objects.filter(ticket=OuterRef("pk"),
                                                party=ReviewSubmission.Party.PROVIDER,
                                                completed_at__isnull=False)
    kind_of = {action.state: action.kind for action in ACTIONS.values()}
    waiting = (Ticket.objects.visible_to(user).filter(state__in=list(kind_of))
               .exclude(Q(state=State.HFS_REVIEW) & Exists(completed))
               .order_by().values_list("pk", "state"))
    by_kind = {}
    for pk, state in waiting:
        by_kind.setdefault(kind_of[state], []).append(pk)
    if not by_kind:
        return []
    which = Q()
    for kind, pks in by_kind.items():
        which |= Q(kind=kind, object_id__in=pks)
    clocks = list(Clock.objects.filter(which, content_type=_ticket_type(), outcome="")
                  .order_by("due_at", "pk")[:limit])
    tickets = Ticket.objects.select_related("provider", "mco", "complaint_type").in_bulk(
        [c.object_id for c in clocks])
    found = []
    for clock in clocks:
        ticket = tickets.get(clock.object_id)
        if ticket is None:
            continue
        action = ACTIONS[clock.kind]
        found.append(Waiting(ticket=ticket, clock=clock, action=action,
                             text=sentence(action, clock, now)))
    return found


def with_next_deadline(tickets):
    """``tickets`` (a list), each given ``next_clock``: its running deadline that falls due
    first (None for none). One query."""
    tickets = list(tickets)
    soonest = {}
    if tickets:
        running = (Clock.objects.filter(content_type=_ticket_type(), outcome="",
                                        object_id__in=[t.pk for t in tickets])
                   .exclude(kind__in=NOT_DEADLINES).order_by("due_at", "pk"))
        for clock in running:
            soonest.setdefault(clock.object_id, clock)
    for ticket in tickets:
        ticket.next_clock = soonest.get(ticket.pk)
    return tickets
