"""``Ticket.provider_due``, the copy the provider's home reads what waits on the provider
from (issue 14): through every step of a ticket's life, and whatever moves its clocks (a
person's action, the sweep, a moved due day), it is the due moment of the running clock the
ticket's state waits on, or null when nothing waits on the provider. Each check compares
the stored copy with the clocks themselves and with the copy computed afresh."""

import datetime

import pytest
import time_machine
from django.apps import apps
from django.utils import timezone

from deadlines import calendar, clocks
from tests.tickets.conftest import CONTACT, NOW, RESPONSE, make_submitted
from tickets import clock_kinds as ck
from tickets import workflow
from tickets.action_needed import refresh_provider_due
from tickets.models import State, Ticket

pytestmark = pytest.mark.django_db

#: The clock each waiting state waits on (SPEC R-FLOW-3, R-FLOW-5, R-FLOW-6).
WAITS_ON = {State.AWAITING_PROVIDER_INFO: ck.PROVIDER_INFO.key,
            State.MCO_RESPONDED: ck.PROVIDER_ANSWER.key,
            State.CONTESTED: ck.REVIEW_REQUEST.key,
            State.HFS_REVIEW: ck.REVIEW_SUBMISSIONS.key}


def copy_of(ticket):
    """The stored copy, checked against the copy computed afresh from the clocks."""
    stored = Ticket.objects.values_list("provider_due", flat=True).get(pk=ticket.pk)
    refresh_provider_due([ticket.pk])
    assert Ticket.objects.values_list("provider_due", flat=True).get(pk=ticket.pk) == stored
    return stored


def waited_on(ticket):
    """The due moment of the running clock the ticket's state waits on, from the clocks."""
    ticket.refresh_from_db()
    kind = WAITS_ON.get(ticket.state)
    clock = clocks.running_clock(ticket, kind) if kind else None
    return clock.due_at if clock else None


@pytest.fixture
def presented(provider_user, provider, hfs_staff):
    return workflow.present(make_submitted(provider_user, provider).pk, by=hfs_staff)


def test_through_a_ticket_life_to_the_decision(presented, provider_user, mco_staff,
                                               hfs_staff):
    assert copy_of(presented) is None  # with the MCO: it waits on the MCO
    workflow.request_information(presented.pk, by=mco_staff, request_text="The EOB.")
    info_due = waited_on(presented)
    assert info_due == calendar.deadline_moment(calendar.add_business_days(NOW.date(), 5))
    assert copy_of(presented) == info_due
    workflow.answer_information(presented.pk, by=provider_user, answer_text="Attached.")
    assert copy_of(presented) is None
    workflow.respond(presented.pk, by=mco_staff, response=RESPONSE)
    # Two of the provider's clocks run now; the state waits on accepting or contesting
    # (5 business days), not on the 30 days to ask for review.
    answer_due = waited_on(presented)
    review_running = clocks.running_clock(presented, ck.REVIEW_REQUEST.key)
    assert answer_due < review_running.due_at
    assert copy_of(presented) == answer_due
    workflow.contest(presented.pk, by=provider_user, contact=CONTACT)
    assert copy_of(presented) == review_running.due_at == waited_on(presented)
    workflow.request_review(presented.pk, by=provider_user)
    submissions_due = waited_on(presented)
    assert submissions_due is not None and copy_of(presented) == submissions_due
    workflow.save_review_submission(presented.pk, by=provider_user, party="provider",
                                    statement="All we have.", contacts="Dana, 555",
                                    complete=False)
    assert copy_of(presented) == submissions_due  # not marked complete: still waiting
    workflow.save_review_submission(presented.pk, by=provider_user, party="provider",
                                    statement="All we have.", contacts="Dana, 555",
                                    complete=True)
    assert copy_of(presented) is None  # the MCO's part is not the provider's
    workflow.save_review_submission(presented.pk, by=mco_staff, party="mco",
                                    statement="Ours.", contacts="Lee, 555", complete=True)
    presented.refresh_from_db()
    assert presented.record_closed_at is not None
    assert copy_of(presented) is None


def test_accepting_closes_and_clears_it(presented, provider_user, mco_staff):
    workflow.respond(presented.pk, by=mco_staff, response=RESPONSE)
    assert copy_of(presented) is not None
    workflow.accept(presented.pk, by=provider_user)
    assert copy_of(presented) is None


def test_the_sweep_closing_an_unanswered_request_clears_it(presented, mco_staff):
    workflow.request_information(presented.pk, by=mco_staff, request_text="The EOB.")
    due = waited_on(presented)
    assert copy_of(presented) == due
    clocks.enforce_due_clocks(due + datetime.timedelta(seconds=1))
    presented.refresh_from_db()
    assert presented.state == State.CLOSED
    assert copy_of(presented) is None


def test_the_sweep_expiring_the_answer_deems_it_accepted(presented, mco_staff):
    workflow.respond(presented.pk, by=mco_staff, response=RESPONSE)
    due = waited_on(presented)
    clocks.enforce_due_clocks(due + datetime.timedelta(seconds=1))
    presented.refresh_from_db()
    assert presented.state == State.CLOSED and copy_of(presented) is None


def test_a_moved_due_day_moves_the_copy(presented, mco_staff, hfs_staff):
    workflow.request_information(presented.pk, by=mco_staff, request_text="The EOB.")
    clock = clocks.running_clock(presented, ck.PROVIDER_INFO.key)
    later = calendar.add_business_days(clock.due_date, 3)
    with time_machine.travel(timezone.now(), tick=True):
        assert clocks.move_due(clock, later, reason="Portal outage relief", by=hfs_staff)
    assert copy_of(presented) == calendar.deadline_moment(later) == waited_on(presented)


def test_the_migration_writes_it_for_tickets_already_waiting(
        presented, provider_user, provider, hfs_staff, mco_staff):
    workflow.request_information(presented.pk, by=mco_staff, request_text="The EOB.")
    other = workflow.present(make_submitted(provider_user, provider, tracking="MOL-2").pk,
                             by=hfs_staff)
    workflow.respond(other.pk, by=mco_staff, response=RESPONSE)
    expected = {presented.pk: waited_on(presented), other.pk: waited_on(other)}
    Ticket.objects.update(provider_due=None)  # as before the migration
    migration = __import__("tickets.migrations.0015_provider_waiting",
                           fromlist=["copy_provider_due"])
    migration.copy_provider_due(apps, None)
    assert dict(Ticket.objects.filter(pk__in=expected).values_list(
        "pk", "provider_due")) == expected
    assert None not in expected.values()
