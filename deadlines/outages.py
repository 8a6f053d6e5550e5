"""Outage relief (issue 15; docs/decisions/0014-outage-relief.md).

When the portal, or one MCO's or one provider's access to it, was down, HFS declares an
outage: its start, its end, its reason and its relief (N business days,
``OUTAGE_RELIEF_BUSINESS_DAYS``, 2 by default). Every running ticket clock whose due
moment falls from the start of the outage up to the end of the Nth business day after
the day it ended moves to that day (R-CLK-2: the day the outage ends is day 0). For one
MCO's or one provider's outage, only its tickets' clocks that its staff act on move.

The functions here are the only way to change an outage; each refuses anyone but HFS
staff itself (``portal.permissions``), whatever calls it, and writes its log row and its
audit row in its own transaction:

* ``declare``: from then on, until the relief is applied or the outage withdrawn, the
  deadline sweep holds every clock the relief will move (``held_by_outages``): none of
  them expires meanwhile.
* ``correct``: only while the outage is in the future, or going on (then its start, a
  fact, is fixed); never once it has ended or its relief was applied.
* ``withdraw``: an outage whose relief was not applied, with a reason; the hold ends.
* ``preview``: every ticket and clock the relief moves, and the clocks that had already
  expired inside it (the sweep ran before the declaration): those are not revived (their
  expiry may have closed the ticket, and closed is closed, R-FLOW-8); they are written on
  the ticket's timeline and counted by the reports as relief, not as missed.
* ``apply``: once the outage has ended, once only: in one transaction, the tickets and
  their clocks locked, each clock moved (a ``ClockChange`` with the reason, the subject's
  mirror field updated), the reason on each ticket's timeline, the party who must act
  told once per ticket, one audit row for the whole action. Applied relief is never
  undone: later recomputations of a moved clock keep it as a floor (``relief_floor``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from deadlines import calendar, clocks, kinds
from deadlines.days import long_date, short_date, short_datetime
from deadlines.models import Clock, Outage, OutageChange, OutageRelief, Outcome
from portal import audit, permissions

#: The audit record type of an outage.
OUTAGE = "outage"
MAX_RELIEF_DAYS = 30
#: An arbitrary number naming the PostgreSQL advisory lock that serialises declarations.
LOCK_KEY = 7_015_001


def default_relief_days() -> int:
    return int(getattr(settings, "OUTAGE_RELIEF_BUSINESS_DAYS", 2))


# --- The window and the relief day --------------------------------------------------------


def _local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment, calendar.CENTRAL).date()


def relief_date(outage: Outage) -> datetime.date:
    """The last day the relief gives: the Nth business day after the day the outage ended
    (that day is day 0, R-CLK-2), on today's calendar."""
    return calendar.add_business_days(_local_date(outage.ends_at), outage.relief_days)


def relief_moment(outage: Outage) -> datetime.datetime:
    return calendar.deadline_moment(relief_date(outage))


def parties_of(kind: kinds.ClockKind) -> frozenset[str]:
    """Who must act before a clock of ``kind`` runs out ("provider", "mco", "hfs"), read
    from the kind's actor (``ClockKind.actor``)."""
    actor = kind.actor.lower()
    return frozenset(p for p in ("provider", "mco", "hfs") if p in actor)


def _kinds_of(party: str) -> list[str]:
    """The clock kinds whose actor includes ``party``."""
    return [k.key for k in kinds.all_kinds() if party in parties_of(k)]


def _ticket_type():
    from tickets.models import Ticket

    return ContentType.objects.get_for_model(Ticket)


def _window(outage: Outage, ticket_type=None) -> Q:
    """The ticket clocks the outage covers: due from its start up to (not including) the
    relief moment; for one MCO's (or one provider's) outage, that MCO's (provider's) tickets
    and the clocks its staff act on. A clock already due at the relief moment gains nothing
    and is left alone."""
    from tickets.models import Ticket

    window = Q(content_type=ticket_type or _ticket_type(), due_at__gte=outage.starts_at,
               due_at__lt=relief_moment(outage))
    if outage.mco_id is not None:
        window &= Q(kind__in=_kinds_of("mco"),
                    object_id__in=Ticket.objects.filter(mco_id=outage.mco_id).values("pk"))
    elif outage.provider_id is not None:
        window &= Q(kind__in=_kinds_of("provider"), object_id__in=Ticket.objects.filter(
            provider_id=outage.provider_id).values("pk"))
    return window


def held_by_outages() -> Q | None:
    """The clocks that declared outages hold: the sweep does not expire them until HFS
    applies the relief (or withdraws the outage). None when no outage is declared (one
    small query through a partial index)."""
    declared = list(Outage.objects.filter(status=Outage.Status.DECLARED))
    if not declared:
        return None
    ticket_type = _ticket_type()
    held = Q()
    for outage in declared:
        held |= _window(outage, ticket_type)
    return held


def relief_floor(clock: Clock) -> datetime.date | None:
    """The latest relief day applied outages gave this clock, on today's calendar; None
    when none did. ``deadlines.clocks`` never recomputes a clock below it."""
    if clock.pk is None:
        return None
    reliefs = OutageRelief.objects.filter(clock=clock, action=OutageRelief.Action.MOVED,
                                          outage__status=Outage.Status.APPLIED)
    return max((relief_date(r.outage) for r in reliefs.select_related("outage")), default=None)


# --- Wording ---------------------------------------------------------------------------------


def provider_name(provider) -> str:
    """A provider as HFS staff tell providers apart: legal name and NPI."""
    return f"{provider.legal_name} (NPI {provider.npi})"


def _party(outage: Outage) -> str | None:
    """The one party whose access was down; None for the whole portal."""
    if outage.mco_id:
        return outage.mco.name
    if outage.provider_id:
        return provider_name(outage.provider)
    return None


def who_was_down(outage: Outage) -> str:
    party = _party(outage)
    return f"{party} staff could not use the portal" if party else "The portal was unavailable"


def whose_access(outage: Outage) -> str:
    """Short, for a list: whose access was down."""
    party = _party(outage)
    return f"{party} staff only" if party else "Everyone"


def when(outage: Outage) -> str:
    return (f"from {short_datetime(outage.starts_at)} to {short_datetime(outage.ends_at)} "
            "Central time")


def describe(outage: Outage) -> str:
    """One sentence: who, when, why and the relief."""
    return (f"{who_was_down(outage)} {when(outage)}: {outage.reason}. Relief: "
            f"{outage.relief_days} business day{'s' if outage.relief_days != 1 else ''} after "
            "it ends.")


# --- Who may ---------------------------------------------------------------------------------


def _require_hfs(by, action: str) -> None:
    """Refuse anyone but signed-in HFS staff, whatever the caller (``ActorRefused``)."""
    permissions.require(permissions.is_hfs, by, action=action)


def _serialise() -> None:
    """One declaration or correction at a time (the overlap check then holds)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


# --- Checks ----------------------------------------------------------------------------------


def _clean_reason(reason, field_name="reason", what="Give the reason for the outage.") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field_name: ValidationError(what, code="required")})
    return reason


def _check(starts_at, ends_at, relief_days) -> None:
    errors = {}
    for name, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not isinstance(moment, datetime.datetime) or timezone.is_naive(moment):
            errors[name] = ValidationError("Give the date and the time.", code="required")
    if not errors and ends_at <= starts_at:
        errors["ends_at"] = ValidationError(
            f"The end must be after the start ({short_datetime(starts_at)}).", code="order")
    if not isinstance(relief_days, int) or not 1 <= relief_days <= MAX_RELIEF_DAYS:
        errors["relief_days"] = ValidationError(
            f"Give a whole number of business days from 1 to {MAX_RELIEF_DAYS}.",
            code="relief_days")
    if errors:
        raise ValidationError(errors)


def _check_scope(mco, provider) -> None:
    """An outage is of the whole portal, of one MCO's access or of one provider's: never
    both an MCO and a provider."""
    if mco is not None and provider is not None:
        raise ValidationError({"provider": ValidationError(
            "Choose either an MCO or a provider whose access was down, not both: leave the "
            "provider empty for an MCO's outage, or the MCO empty for a provider's.",
            code="both")})


def _refuse_overlap(starts_at, ends_at, mco, provider=None, *, exclude=None) -> None:
    """Two outages over the same time and the same people would give relief twice. The
    whole portal's outage overlaps every other; one MCO's overlaps the same MCO's, one
    provider's the same provider's; an MCO's and a provider's do not overlap each other
    (each moves only the clocks its own party acts on)."""
    others = Outage.objects.exclude(status=Outage.Status.WITHDRAWN).filter(
        starts_at__lt=ends_at, ends_at__gt=starts_at)
    everyone = Q(mco__isnull=True, provider__isnull=True)
    if mco is not None:
        others = others.filter(everyone | Q(mco=mco))
    elif provider is not None:
        others = others.filter(everyone | Q(provider=provider))
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    other = others.select_related("mco", "provider").first()
    if other is not None:
        raise ValidationError({"starts_at": ValidationError(
            f"It overlaps the outage {when(other)} ({whose_access(other)}; "
            f"{other.get_status_display().lower()}). "
            "Correct that outage instead, or choose times that do not overlap it.",
            code="overlap")})


def _locked(outage) -> Outage:
    return Outage.objects.select_for_update(of=("self",)).select_related("mco", "provider").get(
        pk=outage.pk)


def _refuse_unless_declared(outage: Outage, doing: str) -> None:
    if outage.is_applied:
        raise ValidationError(
            f"Its relief was applied on {short_datetime(outage.applied_at)}: applied relief "
            f"is never changed or undone, so it cannot be {doing}. For time it did not "
            "cover, declare another outage.", code="applied")
    if outage.status == Outage.Status.WITHDRAWN:
        raise ValidationError(
            f"It was withdrawn on {short_datetime(outage.withdrawn_at)}, so it cannot be "
            f"{doing}. Declare a new outage instead.", code="withdrawn")


# --- Declaring, correcting, withdrawing ------------------------------------------------------


def declare(*, starts_at, ends_at, reason, by, relief_days=None, mco=None,
            provider=None) -> Outage:
    """Declare an outage (past, going on or planned) of the whole portal, of one MCO's
    access (``mco``) or of one provider's (``provider``), never both. From now on the sweep
    holds the clocks its relief will move."""
    _require_hfs(by, "declare an outage")
    _check_scope(mco, provider)
    relief_days = default_relief_days() if relief_days is None else relief_days
    reason = _clean_reason(reason)
    _check(starts_at, ends_at, relief_days)
    with transaction.atomic():
        _serialise()
        _refuse_overlap(starts_at, ends_at, mco, provider)
        outage = Outage.objects.create(starts_at=starts_at, ends_at=ends_at, reason=reason,
                                       relief_days=relief_days, mco=mco, provider=provider,
                                       declared_by=by)
        OutageChange.objects.create(outage=outage, action=OutageChange.Action.DECLARED,
                                    detail=describe(outage), reason=reason, changed_by=by)
        audit.write(user=by, action="outage_declare", object_type=OUTAGE,
                    object_id=outage.pk, detail=describe(outage))
    return outage


def is_correctable(outage: Outage, now=None) -> bool:
    """Declared, and not yet ended: in the future, or going on."""
    return outage.is_declared and (now or timezone.now()) < outage.ends_at


def start_is_fixed(outage: Outage, now=None) -> bool:
    """Once an outage has begun, its start is a fact."""
    return (now or timezone.now()) >= outage.starts_at


def correct(outage: Outage, *, starts_at, ends_at, reason, relief_days, why, by) -> Outage:
    """Correct an outage that is still in the future or going on (its start is fixed once
    it has begun). An outage that has ended, or whose relief was applied, is never changed:
    apply its relief, or withdraw it (saying why) and declare it again."""
    _require_hfs(by, "correct an outage")
    why = _clean_reason(why, "why", "Say why the outage is corrected.")
    reason = _clean_reason(reason)
    _check(starts_at, ends_at, relief_days)
    now = timezone.now()
    with transaction.atomic():
        _serialise()
        outage = _locked(outage)
        _refuse_unless_declared(outage, "corrected")
        if not is_correctable(outage, now):
            raise ValidationError(
                f"It ended on {short_datetime(outage.ends_at)}: only an outage still in the "
                "future, or going on, can be corrected. Apply its relief, or withdraw it and "
                "declare it again.", code="ended")
        if start_is_fixed(outage, now) and starts_at != outage.starts_at:
            raise ValidationError({"starts_at": ValidationError(
                f"It began on {short_datetime(outage.starts_at)}: its start can no longer "
                "change.", code="started")})
        _refuse_overlap(starts_at, ends_at, outage.mco, outage.provider, exclude=outage)
        changed = []
        for name, label, new, shown in (
                ("starts_at", "Start", starts_at, short_datetime),
                ("ends_at", "End", ends_at, short_datetime),
                ("relief_days", "Business days of relief", relief_days, str),
                ("reason", "Reason", reason, str)):
            old = getattr(outage, name)
            if old != new:
                changed.append(f"{label}: {shown(old)} → {shown(new)}")
                setattr(outage, name, new)
        if not changed:
            raise ValidationError("Nothing was changed: change the times, the relief or the "
                                  "reason, then save.", code="unchanged")
        outage.save(update_fields=["starts_at", "ends_at", "relief_days", "reason"])
        detail = "; ".join(changed)
        OutageChange.objects.create(outage=outage, action=OutageChange.Action.CORRECTED,
                                    detail=detail, reason=why, changed_by=by)
        audit.write(user=by, action="outage_correct", object_type=OUTAGE,
                    object_id=outage.pk, detail=detail)
    return outage


def withdraw(outage: Outage, *, why, by) -> Outage:
    """Withdraw an outage whose relief was not applied: the sweep no longer holds its
    clocks (those past their due moment then expire at its next run)."""
    _require_hfs(by, "withdraw an outage")
    why = _clean_reason(why, "why", "Say why the outage is withdrawn.")
    with transaction.atomic():
        outage = _locked(outage)
        _refuse_unless_declared(outage, "withdrawn")
        outage.mark_withdrawn(by=by, at=timezone.now())
        outage.save()
        OutageChange.objects.create(outage=outage, action=OutageChange.Action.WITHDRAWN,
                                    detail=describe(outage), reason=why, changed_by=by)
        audit.write(user=by, action="outage_withdraw", object_type=OUTAGE,
                    object_id=outage.pk, detail=why)
    return outage


# --- The preview ----------------------------------------------------------------------------


@dataclass
class Affected:
    """One clock the relief moves (``new_due`` set) or counts as relief (``new_due`` None:
    it had already expired during the outage)."""

    clock: Clock
    ticket: object
    old_due: datetime.date
    new_due: datetime.date | None

    @property
    def kind(self) -> kinds.ClockKind:
        return kinds.get_kind(self.clock.kind)

    @property
    def label(self) -> str:
        return self.kind.label

    @property
    def actor(self) -> str:
        return self.kind.actor

    @property
    def is_moved(self) -> bool:
        return self.new_due is not None


@dataclass
class Preview:
    outage: Outage
    relief_date: datetime.date
    moved: list[Affected] = field(default_factory=list)
    noted: list[Affected] = field(default_factory=list)

    @property
    def rows(self) -> list[Affected]:
        return self.moved + self.noted

    @property
    def ticket_count(self) -> int:
        return len({a.clock.object_id for a in self.rows})


def _candidates(outage: Outage):
    """Running clocks in the window, and those that expired in it no later than the relief
    moment (by the sweep, before the declaration, or ended late by an action)."""
    window = Clock.objects.filter(_window(outage))
    running = window.filter(outcome="")
    expired = window.filter(outcome=Outcome.EXPIRED, stopped_at__lte=relief_moment(outage))
    return running, expired


def _tickets(ids):
    from tickets.models import Ticket

    return Ticket.objects.in_bulk(sorted(set(ids)))


def preview(outage: Outage) -> Preview:
    """What applying the relief does now (declared), or what it did (applied)."""
    if outage.is_applied:
        reliefs = list(outage.reliefs.select_related("clock").order_by(
            "old_due_date", "clock__object_id", "pk"))
        tickets = _tickets(r.clock.object_id for r in reliefs)
        result = Preview(outage, outage.relief_date)
        for r in reliefs:
            row = Affected(r.clock, tickets.get(r.clock.object_id), r.old_due_date,
                           r.new_due_date)
            (result.moved if r.action == OutageRelief.Action.MOVED else result.noted).append(row)
        return result
    result = Preview(outage, relief_date(outage))
    if outage.status == Outage.Status.WITHDRAWN:
        return result
    running, expired = _candidates(outage)
    running = list(running.order_by("due_at", "object_id", "pk"))
    expired = list(expired.order_by("due_at", "object_id", "pk"))
    tickets = _tickets(c.object_id for c in running + expired)
    result.moved = [Affected(c, tickets.get(c.object_id), c.due_date, result.relief_date)
                    for c in running]
    result.noted = [Affected(c, tickets.get(c.object_id), c.due_date, None) for c in expired]
    return result


# --- Applying the relief ---------------------------------------------------------------------


@dataclass
class Applied:
    outage: Outage
    moved: int
    noted: int
    tickets: int


def apply(outage: Outage, *, by) -> Applied:
    """Give the relief, once, after the outage has ended; all or nothing."""
    from tickets.models import Ticket

    _require_hfs(by, "apply outage relief")
    now = timezone.now()
    with transaction.atomic():
        outage = _locked(outage)
        if outage.is_applied:
            raise ValidationError(
                f"Its relief was already applied on {short_datetime(outage.applied_at)} by "
                f"{outage.applied_by}; relief is applied once only.", code="applied")
        _refuse_unless_declared(outage, "applied")
        if now < outage.ends_at:
            raise ValidationError(
                f"It has not ended yet (it ends {short_datetime(outage.ends_at)}). Apply its "
                "relief once it has ended; if it ended early, correct its end first.",
                code="not_ended")
        relief = relief_date(outage)
        running, expired = _candidates(outage)
        ids = sorted(set(running.values_list("object_id", flat=True))
                     | set(expired.values_list("object_id", flat=True)))
        # The workflow's lock order: the ticket rows first (in id order), then the clocks.
        tickets = {t.pk: t for t in Ticket.objects.select_for_update(
            no_key=True, of=("self",)).filter(pk__in=ids).order_by("pk")}
        running, expired = _candidates(outage)
        moving = list(running.select_for_update().filter(object_id__in=ids).order_by("pk"))
        noting = list(expired.filter(object_id__in=ids).order_by("pk"))
        why = f"Outage relief: {who_was_down(outage)} {when(outage)}: {outage.reason}"
        by_ticket: dict[int, list[tuple[Clock, datetime.date | None]]] = {}
        for clock in moving:
            old = clock.due_date
            clocks.move_due(clock, relief, reason=why, by=by)
            OutageRelief.objects.create(outage=outage, clock=clock, old_due_date=old,
                                        new_due_date=relief, action=OutageRelief.Action.MOVED)
            by_ticket.setdefault(clock.object_id, []).append((clock, old))
        for clock in noting:
            OutageRelief.objects.create(outage=outage, clock=clock, old_due_date=clock.due_date,
                                        action=OutageRelief.Action.NOTED)
            by_ticket.setdefault(clock.object_id, []).append((clock, None))
        for ticket_id, entries in by_ticket.items():
            _tell_ticket(tickets[ticket_id], outage, relief, entries, by=by, at=now)
        outage.mark_applied(by=by, at=now, relief_date=relief)
        outage.save()
        detail = (f"{len(moving)} deadline(s) moved to {short_date(relief)} and {len(noting)} "
                  f"counted as relief, on {len(by_ticket)} ticket(s)")
        OutageChange.objects.create(outage=outage, action=OutageChange.Action.APPLIED,
                                    detail=detail, changed_by=by)
        audit.write(user=by, action="outage_relief", object_type=OUTAGE, object_id=outage.pk,
                    detail=detail)
    return Applied(outage, len(moving), len(noting), len(by_ticket))


def _tell_ticket(ticket, outage, relief, entries, *, by, at) -> None:
    """The reason on the ticket's timeline (for every party to read), and one notice to
    each party who must act on a moved deadline."""
    from tickets.workflow import _notify_hfs, _notify_mco, _notify_provider

    moved = [(c, old) for c, old in entries if old is not None]
    noted = [c for c, old in entries if old is None]
    parts = [f"{who_was_down(outage)} {when(outage)}: {outage.reason}."]
    if moved:
        parts.append(f"Moved to {long_date(relief)}: " + "; ".join(
            f"{kinds.get_kind(c.kind).label} (was due {short_date(old)})" for c, old in moved)
            + ".")
    if noted:
        parts.append("Expired during the outage, counted as outage relief and not as missed: "
                     + "; ".join(f"{kinds.get_kind(c.kind).label} (was due "
                                 f"{short_date(c.due_date)})" for c in noted) + ".")
    ticket.record("outage_relief", by=by, role="hfs", at=at, note=" ".join(parts))
    if ticket.is_closed:
        return
    for party in ("provider", "mco", "hfs"):
        theirs = [(c, old) for c, old in moved if party in parties_of(kinds.get_kind(c.kind))]
        if not theirs:
            continue
        context = {
            "what": who_was_down(outage), "when": when(outage), "reason": outage.reason,
            "due": long_date(relief),
            "deadlines": "; ".join(kinds.get_kind(c.kind).label for c, _ in theirs),
        }
        if party == "provider":
            _notify_provider(ticket, "ticket_outage_relief", **context)
        elif party == "mco" and ticket.presented_at is not None:
            _notify_mco(ticket, "ticket_outage_relief", **context)
        elif party == "hfs" and ticket.assigned_to_id:  # HFS declared it; tell the assignee
            _notify_hfs(ticket, "ticket_outage_relief", dedupe=f"outage-{outage.pk}-{ticket.pk}",
                        **context)
