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
from django.db.models import Case, DateTimeField, Exists, OuterRef, Q, Subquery, Value, When
from django.utils import timezone

from deadlines import calendar, kinds
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


#: What the provider home shows of each ticket it lists (and what ``action_needed`` reads
#: of it): the columns its rows read, not every column of four tables (issue 14). A field
#: the page starts to show goes here too: the home's query-count tests hold it.
HOME_FIELDS = ("id", "number", "state", "provider__legal_name", "mco__short_name",
               "complaint_type__name")


def waiting_tickets(user):
    """The tickets waiting on ``user`` (a provider user), soonest due first: read in that
    order from the provider-and-due-moment index (``Ticket.provider_due``, kept by
    ``refresh_provider_due``), so a page of them is a page of the index, never the
    provider's whole open work nor the history."""
    return (Ticket.objects.visible_to(user).filter(provider_due__isnull=False)
            .order_by("provider_due", "pk"))


def with_display(tickets):
    """What a list of waiting tickets shows of each: its number, state, provider, MCO and
    type (``HOME_FIELDS``)."""
    return tickets.select_related("provider", "mco", "complaint_type").only(*HOME_FIELDS)


def action_needed(user, *, now=None, limit=50) -> list[Waiting]:
    """The first ``limit`` tickets waiting on ``user`` (a provider user), soonest deadline
    first: two queries, whatever the number of tickets (issue 14: a billing agent with
    2,221 tickets waiting at 1,000,000 read every one of them, and their clocks, to show
    50)."""
    return waiting_on(list(with_display(waiting_tickets(user))[:limit]), now=now)


def waiting_on(tickets, *, now=None) -> list[Waiting]:
    """Each of ``tickets`` (waiting tickets, in their order) with the clock it waits on
    and the sentence that says what to do by when: one query for their clocks."""
    now = now or timezone.now()
    kind_of = {action.state: action.kind for action in ACTIONS.values()}
    waits_on = {t.pk: kind_of[t.state] for t in tickets if t.state in kind_of}
    if not waits_on:
        return []
    soonest = {}
    for clock in (Clock.objects.filter(content_type=_ticket_type(), outcome="",
                                       object_id__in=list(waits_on),
                                       kind__in=set(waits_on.values()))
                  .order_by("due_at", "pk")):
        if clock.kind == waits_on[clock.object_id]:
            soonest.setdefault(clock.object_id, clock)
    found = []
    for ticket in tickets:
        clock = soonest.get(ticket.pk)
        if clock is None:  # its clock ended since the copy was made: nothing waits
            continue
        action = ACTIONS[clock.kind]
        found.append(Waiting(ticket=ticket, clock=clock, action=action,
                             text=sentence(action, clock, now)))
    return found


def provider_due(clock_model=Clock, submission_model=ReviewSubmission, ticket_type_id=None):
    """The expression of ``Ticket.provider_due``: while the ticket is in a state that waits
    on the provider, the due moment of its running clock of the kind that state waits on
    (R-FLOW-3, R-FLOW-5, R-FLOW-6); null in any other state, and in HFS review once the
    provider marked its submission complete. The models are parameters so that a
    migration can use its own."""
    if ticket_type_id is None:
        ticket_type_id = _ticket_type().pk
    running = clock_model.objects.filter(content_type_id=ticket_type_id,
                                         object_id=OuterRef("pk"), outcome="")
    completed = submission_model.objects.filter(ticket=OuterRef("pk"),
                                                party=ReviewSubmission.Party.PROVIDER,
                                                completed_at__isnull=False)
    return Case(
        When(Q(state=State.HFS_REVIEW) & Exists(completed), then=Value(None)),
        *(When(state=action.state, then=Subquery(
            running.filter(kind=action.kind).order_by("due_at").values("due_at")[:1]))
          for action in ACTIONS.values()),
        default=Value(None), output_field=DateTimeField())


def refresh_provider_due(ticket_ids=None) -> int:
    """Write ``Ticket.provider_due`` again for these tickets (for every ticket that holds
    one or may need one when None), inside the caller's transaction."""
    tickets = Ticket._base_manager.all()
    if ticket_ids is None:
        tickets = tickets.filter(Q(state__in=[a.state for a in ACTIONS.values()])
                                 | Q(provider_due__isnull=False))
    else:
        tickets = tickets.filter(pk__in=list(ticket_ids))
    return tickets.update(provider_due=provider_due())


@kinds.on_change(*ACTIONS)
def _provider_clock_changed(model, object_ids):
    """A clock a provider may wait on started, ended or moved (deadlines.clocks)."""
    if issubclass(model, Ticket):
        refresh_provider_due(object_ids)


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
