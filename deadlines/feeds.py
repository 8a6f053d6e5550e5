"""Deadline calendar feeds (issue 15): the running clocks a person acts on, as iCalendar.

Each person may turn on one private feed (``CalendarFeed``): an address with a secret token
that a calendar application (Outlook, Google, Apple) reads on its own, without a session.
It holds one event per running clock (R-CLK-5) whose actor the person is:

* HFS portal staff: HFS triage and the HFS written decision, on every ticket, or only on
  the tickets assigned to them (``Ticket.assigned_to``) when they choose so;
* MCO staff: their MCO's presented tickets' MCO deadlines (the information-request window
  while the ticket is with the MCO, the written response, the extension cut-off while an
  extension may still be asked for, the MCO's review submission until it is complete), on
  every such ticket, or only those assigned to them (``Ticket.mco_assigned_to``);
* provider users: their approved providers' tickets' provider deadlines (the requested
  information, accepting or contesting, asking for HFS review once contested, the
  extension cut-off, their review submission until it is complete);
* registration admins: the registration decision of every open request but their own.

The tickets come from ``Ticket.objects.visible_to`` (R-SEC-1), narrowed to the party's
side, so a feed never holds what its owner could not open. An event says the ticket
number, what is due and the due day, the due moment in Central time and the ticket's
address: no member, no description, no provider name (ADR 0015). Reading a feed costs a
fixed number of queries, whatever the number of tickets; the clocks are read through the
partial index of running clocks.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone

from deadlines import calendar, days, kinds
from deadlines.models import CalendarFeed, Clock, FeedScope
from deadlines.models.feeds import hash_token, new_token
from portal import access, audit

#: At most this many events in one feed, the soonest due first (a person acts on far
#: fewer; the cap keeps one answer small whatever happens).
MAX_EVENTS = 1000
#: How often the latest read is written down (a calendar polling every minute costs one
#: write per this long, not one per read).
READ_NOTE_EVERY = datetime.timedelta(minutes=10)
#: What calendar applications are asked: read again after an hour (RFC 7986
#: REFRESH-INTERVAL, and Outlook's and Apple's X-PUBLISHED-TTL). Google decides alone.
REFRESH = datetime.timedelta(hours=1)
#: The reminder: this time of day, Central, on the business day before the due day.
ALARM_TIME = datetime.time(9, 0)

HFS, MCO, PROVIDER, REGISTRATION_ADMINS = "hfs", "mco", "provider", "registration_admins"

#: Who acts on each clock kind (``ClockKind.actor`` in words), and what its event says.
#: ``tests/deadlines/test_calendar_feed.py`` fails when a declared kind is missing here.
KIND_PARTIES = {
    "triage": frozenset({HFS}),
    "info_window": frozenset({MCO}),
    "provider_info": frozenset({PROVIDER}),
    "mco_response": frozenset({MCO}),
    "extension_cutoff": frozenset({MCO, PROVIDER}),
    "provider_answer": frozenset({PROVIDER}),
    "review_request": frozenset({PROVIDER}),
    "review_submissions": frozenset({MCO, PROVIDER}),
    "hfs_decision": frozenset({HFS}),
    "registration": frozenset({REGISTRATION_ADMINS}),
}
SUMMARIES = {
    "triage": "HFS triage due",
    "info_window": "Last day for the MCO to ask for information",
    "provider_info": "Requested information due to the MCO",
    "mco_response": "MCO written response due",
    "extension_cutoff": "Last day to ask for an extension",
    "provider_answer": "Provider's answer to the MCO response due",
    "review_request": "Last day to ask for HFS review",
    "review_submissions": "Review information due to HFS",
    "hfs_decision": "HFS written decision due",
    "registration": "Registration decision due",
}


def parties_of(user) -> frozenset[str]:
    """The sides a person acts for, from their roles."""
    roles = access.roles_of(user)
    found = set()
    if access.Role.HFS in roles:
        found.add(HFS)
    if access.Role.MCO in roles and user.mco_id:
        found.add(MCO)
    if access.Role.PROVIDER in roles:
        found.add(PROVIDER)
    if access.Role.REGISTRATION_ADMIN in roles:
        found.add(REGISTRATION_ADMINS)
    return frozenset(found)


def may_have_feed(user) -> bool:
    return bool(parties_of(user))


def offers_scope(user) -> bool:
    """HFS and MCO staff have tickets assigned to them: they may keep only those."""
    return bool(parties_of(user) & {HFS, MCO})


# --- Which clocks --------------------------------------------------------------------------


def _ticket_clocks(user, parties, scope) -> Q:
    from tickets.models import ReviewSubmission, State, Ticket

    visible = Ticket.objects.visible_to(user)
    may_ask_extension = Q(state__in=[State.WITH_MCO, State.AWAITING_PROVIDER_INFO],
                          extension_requests__isnull=True)
    which = Q(pk__in=[])

    def kind_on(kind, tickets):
        return Q(kind=kind, object_id__in=tickets.values("pk"))

    def unfinished_review(tickets, party):
        done = ReviewSubmission.objects.filter(party=party, completed_at__isnull=False)
        return tickets.exclude(pk__in=done.values("ticket_id"))

    if HFS in parties:
        mine = visible.filter(assigned_to=user) if scope == FeedScope.ASSIGNED else visible
        if scope == FeedScope.ASSIGNED:
            which |= Q(kind__in=["triage", "hfs_decision"], object_id__in=mine.values("pk"))
        else:
            which |= Q(kind__in=["triage", "hfs_decision"])  # every ticket: no subquery
    if MCO in parties:
        mine = visible.filter(mco_id=user.mco_id, presented_at__isnull=False)
        if scope == FeedScope.ASSIGNED:
            mine = mine.filter(mco_assigned_to=user)
        which |= (kind_on("mco_response", mine)
                  | kind_on("info_window", mine.filter(state=State.WITH_MCO))
                  | kind_on("extension_cutoff", mine.filter(may_ask_extension))
                  | kind_on("review_submissions",
                            unfinished_review(mine, ReviewSubmission.Party.MCO)))
    if PROVIDER in parties:
        from registration.memberships import approved_providers

        mine = visible.filter(provider__in=approved_providers(user))
        which |= (kind_on("provider_info", mine)
                  | kind_on("provider_answer", mine)
                  | kind_on("review_request", mine.filter(state=State.CONTESTED))
                  | kind_on("extension_cutoff", mine.filter(may_ask_extension))
                  | kind_on("review_submissions",
                            unfinished_review(mine, ReviewSubmission.Party.PROVIDER)))
    return Q(which, content_type=ContentType.objects.get_for_model(Ticket))


def _registration_clocks(user) -> Q:
    from registration.models import RegistrationRequest
    from registration.models.requests import RequestStatus

    # R-REG-4: a registration admin never decides a request they filed.
    open_requests = (RegistrationRequest.objects.filter(status=RequestStatus.SUBMITTED)
                     .exclude(requester=user))
    return Q(kind=kinds.REGISTRATION.key,
             content_type=ContentType.objects.get_for_model(RegistrationRequest),
             object_id__in=open_requests.values("pk"))


def running_clocks_for(user, scope=FeedScope.ALL):
    """The running clocks ``user`` acts on, soonest due first: one query (the number of
    moves and the latest move of each come with it)."""
    parties = parties_of(user)
    which = Q(pk__in=[])
    if parties & {HFS, MCO, PROVIDER}:
        which |= _ticket_clocks(user, parties, scope)
    if REGISTRATION_ADMINS in parties:
        which |= _registration_clocks(user)
    return (Clock.objects.filter(which, outcome="")
            .annotate(moves=Count("changes"), last_moved_at=Max("changes__changed_at"))
            .order_by("due_at", "pk"))


# --- The events ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedEvent:
    uid: str
    summary: str
    due_date: datetime.date
    due_at: datetime.datetime
    url: str
    revised_at: datetime.datetime
    sequence: int
    alarm_at: datetime.datetime | None

    @property
    def description(self) -> str:
        """The due moment in Central time and the link (Outlook shows no URL property)."""
        moment = timezone.localtime(self.due_at, calendar.CENTRAL)
        hour = moment.hour % 12 or 12
        clock_time = f"{hour}:{moment:%M} {'AM' if moment.hour < 12 else 'PM'}"
        return (f"Due by {clock_time} Central time on {days.long_date(self.due_date)}.\n"
                f"Open it in the portal: {self.url}")


def _host():
    return urlsplit(settings.SITE_URL).hostname or "portal"


def _alarm_moment(due_date):
    """09:00 Central on the business day before the due day."""
    day = due_date - datetime.timedelta(days=1)
    while not calendar.is_business_day(day):
        day -= datetime.timedelta(days=1)
    return datetime.datetime.combine(day, ALARM_TIME, tzinfo=calendar.CENTRAL)


def events_for(user, scope=FeedScope.ALL) -> list[FeedEvent]:
    """The person's events: three queries at most (the clocks, the ticket numbers, the
    registration references), whatever the number of tickets."""
    from registration.models import RegistrationRequest
    from tickets.models import Ticket

    clocks = list(running_clocks_for(user, scope)[:MAX_EVENTS])
    ticket_type = ContentType.objects.get_for_model(Ticket)
    ticket_ids = [c.object_id for c in clocks if c.content_type_id == ticket_type.pk]
    request_ids = [c.object_id for c in clocks if c.content_type_id != ticket_type.pk]
    numbers = dict(Ticket.objects.filter(pk__in=ticket_ids).values_list("pk", "number")
                   ) if ticket_ids else {}
    references = {r.pk: r.reference for r in RegistrationRequest.objects.filter(
        pk__in=request_ids).only("pk", "submitted_at")} if request_ids else {}
    host = _host()
    found = []
    for clock in clocks:
        if clock.content_type_id == ticket_type.pk:
            reference = numbers.get(clock.object_id)
            path = reverse("ticket_detail", args=[clock.object_id])
        else:
            reference = references.get(clock.object_id)
            path = reverse("registration_review", args=[clock.object_id])
        if not reference:
            continue
        revised = max(clock.started_at, clock.last_moved_at or clock.started_at)
        found.append(FeedEvent(
            uid=f"clock-{clock.pk}@{host}",
            summary=f"{reference}: {SUMMARIES.get(clock.kind, clock.kind)}",
            due_date=clock.due_date,
            due_at=clock.due_at,
            url=settings.SITE_URL + path,
            revised_at=revised,
            sequence=clock.moves,
            alarm_at=_alarm_moment(clock.due_date),
        ))
    return found


def render(events: list[FeedEvent]) -> bytes:
    """An RFC 5545 calendar of all-day events on each due day (ADR 0015: a due day is a
    Central date; an all-day event shows on that date in every time zone, at the top of
    the day, without blocking time). The same events give the same bytes (the ETag)."""
    from icalendar import Alarm, Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//Illinois HFS//Provider Resolution Portal//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("name", "Provider Resolution Portal deadlines")
    cal.add("x-wr-calname", "Provider Resolution Portal deadlines")
    cal.add("x-wr-timezone", "America/Chicago")
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", REFRESH)
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", item.revised_at.astimezone(datetime.UTC))
        event.add("last-modified", item.revised_at.astimezone(datetime.UTC))
        event.add("sequence", item.sequence)
        event.add("summary", item.summary)
        event.add("description", item.description)
        event.add("dtstart", item.due_date)
        event.add("dtend", item.due_date + datetime.timedelta(days=1))
        event.add("transp", "TRANSPARENT")
        event.add("url", item.url)
        if item.alarm_at is not None:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", item.summary)
            alarm.add("trigger", item.alarm_at.astimezone(datetime.UTC))
            event.add_component(alarm)
        cal.add_component(event)
    return cal.to_ical()


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def note_read(feed: CalendarFeed, *, agent: str, now=None) -> None:
    """Keep the latest read, at most every ``READ_NOTE_EVERY`` (ADR 0015: reads are
    polling, not audit rows)."""
    now = now or timezone.now()
    if feed.last_read_at is not None and now - feed.last_read_at < READ_NOTE_EVERY:
        return
    CalendarFeed.objects.filter(pk=feed.pk).update(last_read_at=now,
                                                   last_read_agent=(agent or "")[:300])


# --- Turning it on, a new address, off ------------------------------------------------------


def feed_url(token: str) -> str:
    return settings.SITE_URL + reverse("calendar_feed", kwargs={"token": token})


def _audit(user, action, detail=""):
    audit.write(user=user, action=action, object_type=audit.PERSON, object_id=user.pk,
                detail=detail)


@transaction.atomic
def turn_on(user, *, scope=FeedScope.ALL) -> str:
    """Give ``user`` a feed (or a new address for theirs) and return its token: the only
    moment it exists outside the calendar application."""
    if not may_have_feed(user):
        raise PermissionError("Only people with a role in the portal have a calendar feed.")
    token = new_token()
    feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
    if feed is None:
        CalendarFeed.objects.create(user=user, token_hash=hash_token(token),
                                    scope=scope if offers_scope(user) else FeedScope.ALL,
                                    created_at=timezone.now())
        _audit(user, "calendar_feed_on", f"calendar feed turned on ({scope})")
    else:
        feed.token_hash = hash_token(token)
        feed.created_at = timezone.now()
        feed.last_read_at, feed.last_read_agent = None, ""
        feed.save(update_fields=["token_hash", "created_at", "last_read_at",
                                 "last_read_agent"])
        _audit(user, "calendar_feed_new_address",
               "calendar feed: a new address; the old one stopped working")
    return token


@transaction.atomic
def turn_off(user) -> bool:
    deleted, _ = CalendarFeed.objects.filter(user=user).delete()
    if deleted:
        _audit(user, "calendar_feed_off", "calendar feed turned off; its address stopped working")
    return bool(deleted)


@transaction.atomic
def change_scope(user, scope) -> bool:
    scope = FeedScope(scope)
    if not offers_scope(user):
        return False
    changed = CalendarFeed.objects.filter(user=user).exclude(scope=scope).update(scope=scope)
    if changed:
        _audit(user, "calendar_feed_scope", f"calendar feed holds: {scope.label}")
    return bool(changed)
