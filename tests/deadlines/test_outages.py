"""Outage relief (issue 15, docs/decisions/0014-outage-relief.md).

HFS declares an outage; the preview lists every running ticket clock due from its start up
to the end of the Nth business day after the day it ended; applying moves each to that day
(a ClockChange, the ticket's mirror field, the reason on the timeline, the party who must
act told once), in one audited action, once. A declared outage holds the sweep; a clock
the sweep expired before the declaration is not revived but counted as relief.

The outage runs over a weekend and a real Illinois holiday: from the Friday before Martin
Luther King Jr. Day 2027 (from the state calendar) at 6 PM to the Tuesday after it at 6 AM.
Every date below is derived from that holiday and deadlines.calendar, and time is frozen
at each step.
"""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from deadlines import calendar, clocks, closures, outages
from deadlines.calendar import CENTRAL
from deadlines.days import long_date
from deadlines.models import Clock, ClockChange, Outage, OutageChange, OutageRelief, Outcome
from deadlines.state_holidays import state_closures
from portal.models import AuditEvent, Notification
from portal.permissions import ActorRefused
from reports import metrics, summaries
from tests.tickets.conftest import RESPONSE, approve, make_draft, make_provider
from tickets import clock_kinds as ck
from tickets import workflow
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

HOLIDAY = next(d for d, name in state_closures(2027).items() if "King" in name)
FRIDAY = HOLIDAY - datetime.timedelta(days=3)
TUESDAY = HOLIDAY + datetime.timedelta(days=1)
START = datetime.datetime.combine(FRIDAY, datetime.time(18), tzinfo=CENTRAL)
END = datetime.datetime.combine(TUESDAY, datetime.time(6), tzinfo=CENTRAL)
# Two business days after the Tuesday (checked against the calendar in the first test).
RELIEF = TUESDAY + datetime.timedelta(days=2)
REASON = "Hosting provider network failure"
RESPONSE_2027 = {**RESPONSE, "resolve_by": HOLIDAY + datetime.timedelta(days=90)}


def at(day, hour=10):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=CENTRAL)


def business_days_before(day, n):
    for _ in range(n):
        day -= datetime.timedelta(days=1)
        while not calendar.is_business_day(day):
            day -= datetime.timedelta(days=1)
    return day


def test_the_outage_spans_a_weekend_and_a_state_holiday():
    assert HOLIDAY.weekday() == 0 and FRIDAY.weekday() == 4
    assert not calendar.is_business_day(HOLIDAY)
    assert calendar.business_days_between(FRIDAY, TUESDAY) == 1
    assert calendar.add_business_days(TUESDAY, 2) == RELIEF  # the Thursday


class World:
    """Tickets lived through the workflow up to the outage, each with one clock of note."""

    def __init__(self, provider_user, mco_staff, hfs_staff):
        self.provider_user, self.mco, self.hfs = provider_user, mco_staff, hfs_staff
        self.provider = make_provider(0)
        approve(provider_user, self.provider)

    def act(self, day, action, *args, hour=10, **kwargs):
        with time_machine.travel(at(day, hour), tick=False):
            return action(*args, **kwargs)

    def file(self, day, **kwargs):
        def submit():
            draft = make_draft(self.provider_user, self.provider,
                               filed_on=day - datetime.timedelta(days=35), **kwargs)
            return workflow.submit(draft.pk, by=self.provider_user)

        return self.act(day, submit)

    def presented(self, day, **kwargs):
        ticket = self.file(business_days_before(day, 1), **kwargs)
        return self.act(day, workflow.present, ticket.pk, by=self.hfs)

    def build(self):
        # MCO response due on the Friday the outage begins (30 calendar days).
        self.due_inside = self.presented(FRIDAY - datetime.timedelta(days=30))
        # Extended to 60 days (R-FLOW-4), also due that Friday.
        self.extended = self.presented(FRIDAY - datetime.timedelta(days=60))
        request = self.act(self.extended.presented_at.date() + datetime.timedelta(days=4),
                           workflow.ask_for_extension, self.extended.pk, by=self.mco,
                           circumstances="Records are archived off site.")
        self.act(self.extended.presented_at.date() + datetime.timedelta(days=5),
                 workflow.decide_extension, request.pk, by=self.hfs, approve=True)
        # Provider information due the day after the outage ends (within N business days).
        asked = business_days_before(TUESDAY + datetime.timedelta(days=1), 5)
        self.info = self.presented(business_days_before(asked, 5))
        self.act(asked, workflow.request_information, self.info.pk, by=self.mco,
                 request_text="Send the remittance advice.")
        # Triage due the Friday (HFS acts), and a triage due after the relief day.
        self.triage = self.file(business_days_before(FRIDAY, 10))
        self.later = self.file(business_days_before(RELIEF, 9))
        # A response due that Friday that the MCO sent before the outage: stopped (the
        # provider's 5 business days to answer it end before the outage too).
        self.answered = self.presented(FRIDAY - datetime.timedelta(days=30))
        self.act(business_days_before(FRIDAY, 8), workflow.respond, self.answered.pk,
                 by=self.mco, response=RESPONSE_2027)
        return self


@pytest.fixture
def world(provider_user, mco_staff, hfs_staff):
    return World(provider_user, mco_staff, hfs_staff).build()


def clock(ticket, kind):
    return clocks.latest_clock(ticket, kind.key)


def declare(hfs, **kwargs):
    values = {"starts_at": START, "ends_at": END, "reason": REASON, "by": hfs, **kwargs}
    with time_machine.travel(END + datetime.timedelta(hours=1), tick=False):
        return outages.declare(**values)


def apply(outage, by):
    with time_machine.travel(END + datetime.timedelta(hours=2), tick=False):
        return outages.apply(outage, by=by)


def test_the_world_has_its_clocks_where_the_tests_need_them(world):
    assert clock(world.due_inside, ck.MCO_RESPONSE).due_date == FRIDAY
    extended = clock(world.extended, ck.MCO_RESPONSE)
    assert (extended.length, extended.due_date) == (60, FRIDAY)
    assert clock(world.info, ck.PROVIDER_INFO).due_date == TUESDAY + datetime.timedelta(days=1)
    assert clock(world.triage, ck.TRIAGE).due_date == FRIDAY
    assert clock(world.later, ck.TRIAGE).due_date > RELIEF
    assert clock(world.answered, ck.MCO_RESPONSE).outcome == Outcome.MET
    assert clock(world.answered, ck.PROVIDER_ANSWER).due_at < START


def test_preview_lists_exactly_the_running_clocks_the_relief_moves(world, hfs_staff):
    outage = declare(hfs_staff)
    preview = outages.preview(outage)
    assert preview.relief_date == RELIEF
    assert {(a.clock.object_id, a.clock.kind) for a in preview.moved} == {
        (world.due_inside.pk, ck.MCO_RESPONSE.key),
        (world.extended.pk, ck.MCO_RESPONSE.key),
        (world.info.pk, ck.PROVIDER_INFO.key),
        (world.triage.pk, ck.TRIAGE.key),
    }
    assert preview.noted == []
    assert preview.ticket_count == 4
    assert {a.ticket.number for a in preview.moved} == {
        world.due_inside.number, world.extended.number, world.info.number, world.triage.number}
    assert not ClockChange.objects.filter(reason__startswith="Outage relief").exists()


def test_applying_moves_each_clock_to_n_business_days_after_the_end(world, hfs_staff):
    outage = declare(hfs_staff)
    done = apply(outage, hfs_staff)
    assert (done.moved, done.noted, done.tickets) == (4, 0, 4)
    for ticket, kind, old in ((world.due_inside, ck.MCO_RESPONSE, FRIDAY),
                              (world.extended, ck.MCO_RESPONSE, FRIDAY),
                              (world.info, ck.PROVIDER_INFO, TUESDAY + datetime.timedelta(1)),
                              (world.triage, ck.TRIAGE, FRIDAY)):
        moved = clock(ticket, kind)
        assert moved.is_running
        assert (moved.due_date, moved.due_at) == (RELIEF, calendar.deadline_moment(RELIEF))
        change = list(moved.changes.all())[-1]  # the extended one moved before, too
        assert (change.old_due_date, change.new_due_date, change.changed_by) == (
            old, RELIEF, hfs_staff)
        assert REASON in change.reason
    assert clock(world.extended, ck.MCO_RESPONSE).length == 60  # the extension stays
    untouched = clock(world.later, ck.TRIAGE)
    assert untouched.due_date > RELIEF and not untouched.changes.exists()
    stopped = clock(world.answered, ck.MCO_RESPONSE)
    assert stopped.outcome == Outcome.MET and stopped.due_date == FRIDAY
    assert not stopped.changes.exists()


def test_applying_updates_the_tickets_mirrored_due_moments(world, hfs_staff):
    apply(declare(hfs_staff), hfs_staff)
    relief_moment = calendar.deadline_moment(RELIEF)
    assert Ticket.objects.get(pk=world.due_inside.pk).response_due == relief_moment
    assert Ticket.objects.get(pk=world.extended.pk).response_due == relief_moment
    assert Ticket.objects.get(pk=world.triage.pk).triage_due == relief_moment
    later = Ticket.objects.get(pk=world.later.pk)
    assert later.triage_due == clock(world.later, ck.TRIAGE).due_at != relief_moment


def test_each_ticket_gets_one_timeline_event_with_the_reason(world, hfs_staff):
    apply(declare(hfs_staff), hfs_staff)
    for ticket in (world.due_inside, world.extended, world.info, world.triage):
        events = ticket.events.filter(action="outage_relief")
        assert events.count() == 1
        event = events.get()
        assert (event.role, event.actor, event.internal) == ("hfs", hfs_staff, False)
        assert REASON in event.note and f"Moved to {long_date(RELIEF)}" in event.note
    assert not world.later.events.filter(action="outage_relief").exists()
    assert not world.answered.events.filter(action="outage_relief").exists()


def test_the_party_who_must_act_is_told_once_per_ticket(world, hfs_staff, mco_staff,
                                                        provider_user):
    apply(declare(hfs_staff), hfs_staff)
    sent = Notification.objects.filter(template="ticket_outage_relief")
    by_ticket = {}
    for n in sent:
        by_ticket.setdefault(n.context["number"], []).append(n.recipient)
    # The MCO acts on the responses; the provider on the information request; HFS (who
    # declared it) on triage, told only through an assignee: this ticket has none.
    assert sorted(by_ticket[world.due_inside.number], key=str) == [mco_staff]
    assert by_ticket[world.extended.number] == [mco_staff]
    assert by_ticket[world.info.number] == [provider_user]
    assert world.triage.number not in by_ticket
    assert sent.count() == 3
    assert REASON in sent.filter(recipient=provider_user).get().context["reason"]


def test_one_audit_row_for_the_action_and_one_per_ticket_event(world, hfs_staff):
    outage = declare(hfs_staff)
    apply(outage, hfs_staff)
    action = AuditEvent.objects.filter(object_type="outage", action="outage_relief")
    assert action.count() == 1
    assert action.get().object_id == outage.pk and action.get().user == hfs_staff
    per_ticket = AuditEvent.objects.filter(object_type="ticket", action="outage_relief")
    assert sorted(per_ticket.values_list("object_id", flat=True)) == sorted(
        [world.due_inside.pk, world.extended.pk, world.info.pk, world.triage.pk])


def test_a_clock_due_the_minute_the_outage_ends_moves(world, hfs_staff):
    due = clock(world.due_inside, ck.MCO_RESPONSE)
    outage = declare(hfs_staff, starts_at=at(FRIDAY, 8), ends_at=due.due_at)
    with time_machine.travel(due.due_at + datetime.timedelta(minutes=1), tick=False):
        outages.apply(outage, by=hfs_staff)
    due.refresh_from_db()
    # The day the outage ended (the Friday) is day 0; the holiday Monday is not counted.
    assert due.due_date == calendar.add_business_days(FRIDAY, 2) == TUESDAY + datetime.timedelta(1)


def test_a_clock_due_on_the_relief_day_itself_is_left_alone(world, hfs_staff):
    on_the_day = world.file(business_days_before(RELIEF, 10))
    assert clock(on_the_day, ck.TRIAGE).due_date == RELIEF
    outage = declare(hfs_staff)
    assert on_the_day.pk not in {a.clock.object_id for a in outages.preview(outage).rows}


def test_only_hfs_staff_may_declare_correct_withdraw_or_apply(
        world, hfs_staff, mco_staff, provider_user, registration_admin):
    for person in (mco_staff, provider_user, registration_admin, None):
        with pytest.raises(ActorRefused):
            declare(person)
    outage = declare(hfs_staff)
    for person in (mco_staff, provider_user, None):
        with pytest.raises(ActorRefused):
            apply(outage, person)
        with pytest.raises(ActorRefused):
            outages.withdraw(outage, why="no", by=person)
        with pytest.raises(ActorRefused):
            outages.correct(outage, starts_at=START, ends_at=END, reason=REASON, relief_days=3,
                            why="no", by=person)
    outage.refresh_from_db()
    assert outage.is_declared and not OutageRelief.objects.exists()


def test_relief_is_applied_once_only(world, hfs_staff):
    outage = declare(hfs_staff)
    apply(outage, hfs_staff)
    with pytest.raises(ValidationError, match="already applied"):
        apply(outage, hfs_staff)
    assert ClockChange.objects.filter(reason__startswith="Outage relief").count() == 4
    assert AuditEvent.objects.filter(object_type="outage", action="outage_relief").count() == 1


def test_relief_is_refused_before_the_outage_ends(world, hfs_staff):
    with time_machine.travel(at(FRIDAY, 12), tick=False):
        outage = outages.declare(starts_at=START, ends_at=END, reason=REASON, by=hfs_staff)
        with pytest.raises(ValidationError, match="has not ended yet"):
            outages.apply(outage, by=hfs_staff)
    assert not OutageRelief.objects.exists()


def test_a_future_outage_can_be_corrected_and_its_log_says_how(world, hfs_staff):
    with time_machine.travel(at(FRIDAY - datetime.timedelta(days=3)), tick=False):
        outage = outages.declare(starts_at=START, ends_at=END, reason="Planned upgrade",
                                 by=hfs_staff)
        outages.correct(outage, starts_at=START - datetime.timedelta(hours=1), ends_at=END,
                        reason="Planned upgrade", relief_days=3, why="Vendor moved the window",
                        by=hfs_staff)
    outage.refresh_from_db()
    assert (outage.starts_at, outage.relief_days) == (START - datetime.timedelta(hours=1), 3)
    change = outage.changes.filter(action=OutageChange.Action.CORRECTED).get()
    assert "Business days of relief: 2 → 3" in change.detail
    assert change.reason == "Vendor moved the window"
    assert AuditEvent.objects.filter(object_type="outage", action="outage_correct").count() == 1


def test_a_going_on_outage_keeps_its_start_but_its_end_can_change(world, hfs_staff):
    with time_machine.travel(at(FRIDAY, 20), tick=False):
        outage = outages.declare(starts_at=START, ends_at=END, reason=REASON, by=hfs_staff)
        with pytest.raises(ValidationError) as refused:
            outages.correct(outage, starts_at=START + datetime.timedelta(hours=1), ends_at=END,
                            reason=REASON, relief_days=2, why="typo", by=hfs_staff)
        assert "starts_at" in refused.value.error_dict
        outages.correct(outage, starts_at=START, ends_at=END + datetime.timedelta(hours=4),
                        reason=REASON, relief_days=2, why="Still down", by=hfs_staff)
    outage.refresh_from_db()
    assert outage.ends_at == END + datetime.timedelta(hours=4)


def test_an_ended_or_applied_outage_is_never_silently_changed(world, hfs_staff):
    outage = declare(hfs_staff)
    with time_machine.travel(END + datetime.timedelta(hours=1), tick=False), \
            pytest.raises(ValidationError, match="only an outage still in the future"):
        outages.correct(outage, starts_at=START, ends_at=END, reason=REASON, relief_days=5,
                        why="more relief", by=hfs_staff)
    apply(outage, hfs_staff)
    with time_machine.travel(END + datetime.timedelta(hours=3), tick=False):
        with pytest.raises(ValidationError, match="never changed or undone"):
            outages.correct(outage, starts_at=START, ends_at=END, reason=REASON,
                            relief_days=5, why="more relief", by=hfs_staff)
        with pytest.raises(ValidationError, match="never changed or undone"):
            outages.withdraw(outage, why="mistake", by=hfs_staff)
    outage.refresh_from_db()
    assert outage.is_applied and outage.relief_days == 2
    assert clock(world.due_inside, ck.MCO_RESPONSE).due_date == RELIEF


def test_a_later_recomputation_keeps_the_relief_as_a_floor(world, hfs_staff):
    apply(declare(hfs_staff), hfs_staff)
    inside = clock(world.due_inside, ck.MCO_RESPONSE)
    day_after = TUESDAY + datetime.timedelta(days=1)  # a business day inside the relief
    with time_machine.travel(END + datetime.timedelta(hours=3), tick=False):
        closures.add_closure(day_after, "Snow emergency", by=hfs_staff)
        inside.refresh_from_db()
        assert inside.due_date == calendar.next_business_day(RELIEF)  # relief moves with it
        closures.remove_closure(day_after, "Roads cleared", by=hfs_staff)
    inside.refresh_from_db()
    assert inside.due_date == RELIEF  # never back to the Friday its own rule gives


def test_the_declared_outage_holds_the_sweep_until_relief(world, hfs_staff):
    outage = declare(hfs_staff)
    inside = clock(world.due_inside, ck.MCO_RESPONSE)
    before = clock(world.due_inside, ck.EXTENSION_CUTOFF)  # due long before the outage
    assert clocks.enforce_due_clocks(END + datetime.timedelta(hours=1)) >= 1
    inside.refresh_from_db()
    before.refresh_from_db()
    assert inside.is_running and before.outcome == Outcome.EXPIRED
    assert Ticket.objects.get(pk=world.due_inside.pk).sanction_candidate_at is None
    apply(outage, hfs_staff)
    clocks.enforce_due_clocks(calendar.deadline_moment(RELIEF))  # not yet past
    inside.refresh_from_db()
    assert inside.is_running
    clocks.enforce_due_clocks(calendar.deadline_moment(RELIEF) + datetime.timedelta(seconds=1))
    inside.refresh_from_db()
    assert inside.outcome == Outcome.EXPIRED


def test_a_withdrawn_outage_releases_the_clocks_it_held(world, hfs_staff):
    outage = declare(hfs_staff)
    with time_machine.travel(END + datetime.timedelta(hours=1), tick=False):
        outages.withdraw(outage, why="Declared by mistake", by=hfs_staff)
    clocks.enforce_due_clocks(END + datetime.timedelta(hours=2))
    assert clock(world.due_inside, ck.MCO_RESPONSE).outcome == Outcome.EXPIRED
    with pytest.raises(ValidationError, match="withdrawn"):
        apply(outage, hfs_staff)


def test_overlapping_outages_are_refused(world, hfs_staff, mco_staff):
    declare(hfs_staff)
    with pytest.raises(ValidationError) as refused:
        declare(hfs_staff, starts_at=START + datetime.timedelta(hours=1),
                ends_at=END + datetime.timedelta(hours=1))
    assert "starts_at" in refused.value.error_dict
    with pytest.raises(ValidationError):
        declare(hfs_staff, mco=mco_staff.mco)


def test_a_clock_the_sweep_expired_before_the_declaration_is_counted_as_relief(
        world, hfs_staff):
    """The rule of ADR 0014: not revived (its expiry may have closed the ticket, R-FLOW-8),
    written on the timeline, and counted by the reports as relief, not as missed."""
    clocks.enforce_due_clocks(END + datetime.timedelta(minutes=30))  # before any declaration
    expired = clock(world.due_inside, ck.MCO_RESPONSE)
    assert expired.outcome == Outcome.EXPIRED
    assert Ticket.objects.get(pk=world.due_inside.pk).sanction_candidate_at is not None
    outage = declare(hfs_staff)
    preview = outages.preview(outage)
    assert {(a.clock.object_id, a.clock.kind) for a in preview.noted} >= {
        (world.due_inside.pk, ck.MCO_RESPONSE.key)}
    done = apply(outage, hfs_staff)
    assert done.noted == len(preview.noted)
    expired.refresh_from_db()
    assert expired.outcome == Outcome.EXPIRED and expired.due_date == FRIDAY
    assert OutageRelief.objects.get(clock=expired).action == OutageRelief.Action.NOTED
    note = world.due_inside.events.get(action="outage_relief").note
    assert "counted as outage relief and not as missed" in note

    keys = metrics.ticket_keys(summaries.load([world.due_inside.pk])[world.due_inside.pk])
    assert any(k.endswith(f"|relief:{ck.MCO_RESPONSE.key}") for k in keys)
    assert not any(k.endswith(f"|expired:{ck.MCO_RESPONSE.key}") for k in keys)
    assert not any(k.endswith("|sanction_candidate") for k in keys)


def test_a_moved_clock_that_is_then_met_is_reported_met(world, hfs_staff, mco_staff):
    apply(declare(hfs_staff), hfs_staff)
    with time_machine.travel(at(RELIEF, 9), tick=False):
        workflow.respond(world.due_inside.pk, by=mco_staff, response=RESPONSE_2027)
    assert clock(world.due_inside, ck.MCO_RESPONSE).outcome == Outcome.MET
    keys = metrics.ticket_keys(summaries.load([world.due_inside.pk])[world.due_inside.pk])
    assert any(k.endswith(f"|met:{ck.MCO_RESPONSE.key}") for k in keys)
    assert not any("relief:" in k or "expired:mco" in k for k in keys)
    assert not any(k.endswith("|responded_late") for k in keys)


def test_an_mco_outage_moves_only_that_mcos_deadlines_its_staff_act_on(
        world, hfs_staff, mco_staff):
    aetna = world.presented(FRIDAY - datetime.timedelta(days=30), mco="aetna",
                            tracking="PDXGR1234567")
    assert clock(aetna, ck.MCO_RESPONSE).due_date == FRIDAY
    outage = declare(hfs_staff, mco=mco_staff.mco)  # Molina's staff could not sign in
    moved = {(a.clock.object_id, a.clock.kind) for a in outages.preview(outage).moved}
    assert (world.due_inside.pk, ck.MCO_RESPONSE.key) in moved
    assert (aetna.pk, ck.MCO_RESPONSE.key) not in moved  # another MCO's ticket
    assert (world.info.pk, ck.PROVIDER_INFO.key) not in moved  # the provider acts on it
    assert (world.triage.pk, ck.TRIAGE.key) not in moved  # HFS acts on it


# --- One provider's access (its staff could not use the portal) ----------------------------


def other_providers_info(world, other_provider_user):
    """Another provider's ticket with provider information due when world.info's is."""
    other = object.__new__(World)
    other.provider_user, other.mco, other.hfs = other_provider_user, world.mco, world.hfs
    other.provider = make_provider(1)
    approve(other_provider_user, other.provider)
    asked = business_days_before(TUESDAY + datetime.timedelta(days=1), 5)
    ticket = other.presented(business_days_before(asked, 5))
    other.act(asked, workflow.request_information, ticket.pk, by=world.mco,
              request_text="Send the remittance advice.")
    assert clock(ticket, ck.PROVIDER_INFO).due_date == clock(world.info, ck.PROVIDER_INFO).due_date
    return ticket


def test_a_provider_outage_previews_only_its_tickets_deadlines_it_acts_on(
        world, hfs_staff, other_provider_user):
    other = other_providers_info(world, other_provider_user)
    outage = declare(hfs_staff, provider=world.provider)
    preview = outages.preview(outage)
    # world.info's provider information: the provider acts. Its other tickets' clocks in
    # the window are the MCO's responses and HFS's triage: they stay; so does the other
    # provider's information request.
    assert {(a.clock.object_id, a.clock.kind) for a in preview.moved} == {
        (world.info.pk, ck.PROVIDER_INFO.key)}
    assert preview.noted == [] and preview.ticket_count == 1
    assert other.pk not in {a.clock.object_id for a in preview.rows}


def test_a_provider_outage_moves_only_that_providers_provider_deadlines(
        world, hfs_staff, other_provider_user, provider_user):
    other = other_providers_info(world, other_provider_user)
    other_due = clock(other, ck.PROVIDER_INFO).due_date
    done = apply(declare(hfs_staff, provider=world.provider), hfs_staff)
    assert (done.moved, done.noted, done.tickets) == (1, 0, 1)
    assert clock(world.info, ck.PROVIDER_INFO).due_date == RELIEF
    assert clock(other, ck.PROVIDER_INFO).due_date == other_due  # another provider's
    inside = clock(world.due_inside, ck.MCO_RESPONSE)  # the same provider's; the MCO acts
    assert inside.due_date == FRIDAY and not inside.changes.exists()
    assert clock(world.triage, ck.TRIAGE).due_date == FRIDAY
    event = world.info.events.get(action="outage_relief")
    assert "Lakeside Clinic 0 (NPI 1234567893) staff could not use the portal" in event.note
    assert not other.events.filter(action="outage_relief").exists()
    sent = Notification.objects.filter(template="ticket_outage_relief")
    assert [n.recipient for n in sent] == [provider_user]
    assert sent.get().context["number"] == world.info.number


def test_a_provider_outage_holds_only_its_providers_clocks(
        world, hfs_staff, other_provider_user):
    other = other_providers_info(world, other_provider_user)
    declare(hfs_staff, provider=world.provider)
    due = clock(world.info, ck.PROVIDER_INFO).due_at
    clocks.enforce_due_clocks(due + datetime.timedelta(seconds=1))
    assert clock(world.info, ck.PROVIDER_INFO).is_running  # held until relief
    assert clock(other, ck.PROVIDER_INFO).outcome == Outcome.EXPIRED
    assert clock(world.due_inside, ck.MCO_RESPONSE).outcome == Outcome.EXPIRED  # MCO acts


def test_an_outage_of_both_an_mco_and_a_provider_is_refused(world, hfs_staff, mco_staff):
    with pytest.raises(ValidationError) as refused:
        declare(hfs_staff, mco=mco_staff.mco, provider=world.provider)
    assert "provider" in refused.value.error_dict
    assert "not both" in str(refused.value)
    assert not Outage.objects.exists() and not AuditEvent.objects.filter(
        object_type="outage").exists()


def test_the_database_refuses_an_outage_of_both_an_mco_and_a_provider(
        world, hfs_staff, mco_staff):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Outage.objects.create(starts_at=START, ends_at=END, reason=REASON, relief_days=2,
                              mco=mco_staff.mco, provider=world.provider, declared_by=hfs_staff)


def test_provider_outages_overlap_the_whole_portal_and_the_same_provider_only(
        world, hfs_staff, mco_staff):
    later = {"starts_at": START + datetime.timedelta(hours=1),
             "ends_at": END + datetime.timedelta(hours=1)}
    first = declare(hfs_staff, provider=world.provider)
    with pytest.raises(ValidationError) as refused:  # the same provider
        declare(hfs_staff, provider=world.provider, **later)
    assert "starts_at" in refused.value.error_dict
    assert "Lakeside Clinic 0 (NPI 1234567893) staff only" in str(refused.value)
    with pytest.raises(ValidationError):  # the whole portal overlaps every outage
        declare(hfs_staff, **later)
    # Another provider's, and an MCO's (each moves only its own party's clocks), do not.
    declare(hfs_staff, provider=make_provider(1), **later)
    declare(hfs_staff, mco=mco_staff.mco, **later)
    assert Outage.objects.count() == 3
    with time_machine.travel(END + datetime.timedelta(hours=1), tick=False):
        outages.withdraw(first, why="Declared twice", by=hfs_staff)
    with pytest.raises(ValidationError):  # a whole-portal outage overlaps the other two
        declare(hfs_staff)


def test_a_whole_portal_outage_refuses_a_provider_outage_over_it(world, hfs_staff):
    declare(hfs_staff)
    with pytest.raises(ValidationError) as refused:
        declare(hfs_staff, provider=world.provider, ends_at=END - datetime.timedelta(hours=1))
    assert "starts_at" in refused.value.error_dict


def test_a_future_provider_outage_is_corrected_within_its_provider(world, hfs_staff):
    with time_machine.travel(at(FRIDAY - datetime.timedelta(days=3)), tick=False):
        other = outages.declare(starts_at=END, ends_at=END + datetime.timedelta(hours=4),
                                reason="Sign-in fix", provider=world.provider, by=hfs_staff)
        outage = outages.declare(starts_at=START, ends_at=END - datetime.timedelta(hours=4),
                                 reason="Sign-in broken", provider=world.provider,
                                 by=hfs_staff)
        with pytest.raises(ValidationError) as refused:  # into the same provider's other
            outages.correct(outage, starts_at=START, ends_at=END + datetime.timedelta(hours=1),
                            reason="Sign-in broken", relief_days=2, why="Longer",
                            by=hfs_staff)
        assert "starts_at" in refused.value.error_dict
        outages.correct(outage, starts_at=START, ends_at=END, reason="Sign-in broken",
                        relief_days=3, why="Vendor needs longer", by=hfs_staff)
    outage.refresh_from_db()
    assert (outage.ends_at, outage.relief_days, outage.provider) == (END, 3, world.provider)
    assert other.provider == world.provider


def test_the_stored_clock_rows_are_not_touched_by_a_preview(world, hfs_staff):
    before = list(Clock.objects.order_by("pk").values_list("pk", "due_date", "outcome"))
    outages.preview(declare(hfs_staff))
    assert list(Clock.objects.order_by("pk").values_list("pk", "due_date", "outcome")) == before
    assert Outage.objects.get().is_declared


# --- The pages (HFS staff only; errors at their fields) ------------------------------------


def form_data(**overrides):
    return {"start_date": FRIDAY.isoformat(), "start_time": "18:00",
            "end_date": TUESDAY.isoformat(), "end_time": "06:00", "mco": "",
            "reason": REASON, "relief_days": "2", **overrides}


def test_hfs_staff_declare_preview_and_apply_in_the_pages(client, world, hfs_staff):
    from django.urls import reverse

    with time_machine.travel(END + datetime.timedelta(hours=1), tick=False):
        client.force_login(hfs_staff)  # at the frozen time: idle sessions end (R-SEC-3)
        response = client.post(reverse("outage_declare"), form_data())
        assert response.status_code == 302
        outage = Outage.objects.get()
        assert (outage.starts_at, outage.ends_at, outage.relief_days) == (START, END, 2)
        page = client.get(response["Location"]).content.decode()
        for ticket in (world.due_inside, world.extended, world.info, world.triage):
            assert ticket.number in page
        assert world.later.number not in page and world.answered.number not in page
        assert "Apply the relief" in page
        response = client.post(reverse("outage_apply", args=[outage.pk]))
        assert response.status_code == 302
        detail = client.get(reverse("ticket_detail", args=[world.due_inside.pk]))
    outage.refresh_from_db()
    assert outage.is_applied
    detail = detail.content.decode()
    assert REASON in detail


def test_the_form_names_the_field_and_keeps_the_input(client, world, hfs_staff):
    from django.urls import reverse

    with time_machine.travel(END + datetime.timedelta(hours=1), tick=False):
        client.force_login(hfs_staff)
        response = client.post(reverse("outage_declare"), form_data(
            end_date=FRIDAY.isoformat(), end_time="17:00"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_end_date_error"' in html and "The end must be after the start" in html
    assert REASON in html
    assert not Outage.objects.exists()


def test_a_correction_that_moves_a_begun_start_is_refused_at_the_start_field(
        client, world, hfs_staff):
    from django.urls import reverse

    with time_machine.travel(at(FRIDAY, 20), tick=False):
        client.force_login(hfs_staff)
        outage = outages.declare(starts_at=START, ends_at=END, reason=REASON, by=hfs_staff)
        data = {f"correct-{k}": v for k, v in form_data(start_time="17:00").items()}
        data["correct-why"] = "Typo"
        response = client.post(reverse("outage_correct", args=[outage.pk]), data)
    assert response.status_code == 400
    assert 'id="id_correct-start_date_error"' in response.content.decode()
    outage.refresh_from_db()
    assert outage.starts_at == START


def test_other_roles_cannot_reach_the_outage_pages(client, world, mco_staff, provider_user):
    from django.urls import reverse

    for user in (mco_staff, provider_user):
        client.force_login(user)
        assert client.get(reverse("outage_list")).status_code == 403
        assert client.post(reverse("outage_declare"), form_data()).status_code == 403
    assert not Outage.objects.exists()


def test_hfs_staff_declare_a_providers_outage_in_the_page(client, world, hfs_staff):
    from django.urls import reverse

    with time_machine.travel(END + datetime.timedelta(hours=1), tick=False):
        client.force_login(hfs_staff)
        form = client.get(reverse("outage_list")).content.decode()
        assert 'for="id_provider"' in form and "Lakeside Clinic 0 (NPI 1234567893)" in form
        response = client.post(reverse("outage_declare"),
                               form_data(provider=str(world.provider.pk)))
        assert response.status_code == 302
        outage = Outage.objects.get()
        assert (outage.provider, outage.mco) == (world.provider, None)
        page = client.get(response["Location"]).content.decode()
        listed = client.get(reverse("outage_list")).content.decode()
    assert "Lakeside Clinic 0 (NPI 1234567893) staff could not use the portal" in page
    assert world.info.number in page and world.due_inside.number not in page
    assert "Lakeside Clinic 0 (NPI 1234567893) staff only" in listed


def test_a_providers_outage_with_an_mco_too_is_refused_at_the_provider_field(
        client, world, hfs_staff, mco_staff):
    from django.urls import reverse

    with time_machine.travel(END + datetime.timedelta(hours=1), tick=False):
        client.force_login(hfs_staff)
        response = client.post(reverse("outage_declare"), form_data(
            mco=str(mco_staff.mco.pk), provider=str(world.provider.pk)))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_provider_error"' in html and "not both" in html
    assert REASON in html
    assert f'value="{world.provider.pk}" selected' in html
    assert f'value="{mco_staff.mco.pk}" selected' in html
    assert not Outage.objects.exists()
