"""Every state and transition of SPEC §4 on the model, with its clocks (R-FLOW-1..8)."""

import datetime
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django_fsm import TransitionNotAllowed

from deadlines import clocks
from deadlines.calendar import CENTRAL
from deadlines.models import Outcome
from tests.tickets.conftest import CONTACT, FILED_ON, RESPONSE, make_draft, make_submitted
from tickets import workflow
from tickets.models import CloseReason, State, Ticket

pytestmark = pytest.mark.django_db

DECISION = {
    "outcome": "provider", "reasoning": "The PA was on file.", "rests_on_contract": True,
    "rests_on_policy": False, "rests_on_law": False, "citations": "Contract §5.3",
}


def running(ticket):
    return set(clocks.clocks_for(ticket).filter(outcome="").values_list("kind", flat=True))


def test_the_state_field_is_protected(submitted_ticket):
    with pytest.raises(AttributeError):
        submitted_ticket.state = State.CLOSED


def test_submission_numbers_the_ticket_and_starts_triage(submitted_ticket):
    assert submitted_ticket.state == State.SUBMITTED
    assert re.fullmatch(r"PRP-2026-\d{6}", submitted_ticket.number)
    assert running(submitted_ticket) == {"triage"}
    # Wed Nov 4 + 10 business days (Veterans Day and Thanksgiving Thursday/Friday fall
    # outside): 5, 6, 9, 10, 12, 13, 16, 17, 18, 19 -> Thu Nov 19.
    triage = clocks.running_clock(submitted_ticket, "triage")
    assert triage.due_date == datetime.date(2026, 11, 19)
    event = submitted_ticket.events.get()
    assert (event.action, event.from_state, event.to_state, event.role) == (
        "submitted", "draft", "submitted", "provider")


def test_ticket_numbers_count_up_within_a_year(provider_user, provider):
    first = make_submitted(provider_user, provider)
    second = make_submitted(provider_user, provider)
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1
    assert first.number.startswith("PRP-2026-")


def test_a_ticket_outside_the_window_is_refused_with_the_dates(provider_user, provider):
    draft = make_draft(provider_user, provider, filed_on=datetime.date(2026, 10, 20))
    with pytest.raises(workflow.ActionRefused, match="Come back on Thursday, November 19, 2026"):
        workflow.submit(draft.pk, by=provider_user)
    draft.refresh_from_db()
    assert draft.state == State.DRAFT and draft.number is None


def test_a_bad_tracking_number_is_refused_at_submission(provider_user, provider):
    draft = make_draft(provider_user, provider, mco="aetna", tracking="12345")
    with pytest.raises(workflow.ActionRefused, match="for example PDXGR1234567"):
        workflow.submit(draft.pk, by=provider_user)


def test_several_claims_without_the_template_are_refused(provider_user, provider):
    draft = make_draft(provider_user, provider)
    draft.claims.update(claim_number="00123, 00456")
    with pytest.raises(workflow.ActionRefused, match="Complaints/Claims-Issue template"):
        workflow.submit(draft.pk, by=provider_user)


def test_only_an_approved_provider_user_can_submit(provider_user, provider, other_provider_user):
    draft = make_draft(provider_user, provider)
    with pytest.raises(workflow.ActionRefused, match="not approved to file"):
        workflow.submit(draft.pk, by=other_provider_user)


def test_presenting_starts_the_mcos_clocks_and_stops_triage(submitted_ticket, hfs_staff):
    ticket = workflow.present(submitted_ticket.pk, by=hfs_staff)
    assert ticket.state == State.WITH_MCO and ticket.presented_by == hfs_staff
    assert running(ticket) == {"info_window", "mco_response", "extension_cutoff"}
    triage = clocks.clocks_for(ticket).get(kind="triage")
    assert triage.outcome == Outcome.MET
    response = clocks.running_clock(ticket, "mco_response")
    # Nov 4 + 30 = Fri Dec 4, 2026.
    assert response.due_date == datetime.date(2026, 12, 4)
    cutoff = clocks.running_clock(ticket, "extension_cutoff")
    assert cutoff.due_date == datetime.date(2026, 11, 27) + datetime.timedelta(days=3)


def test_closing_at_triage_needs_a_listed_reason(submitted_ticket, hfs_staff):
    with pytest.raises(workflow.ActionRefused, match="Choose one of the reasons"):
        workflow.close_at_triage(submitted_ticket.pk, by=hfs_staff, reason="decided")
    ticket = workflow.close_at_triage(submitted_ticket.pk, by=hfs_staff,
                                      reason=CloseReason.INVALID_TRACKING, note="MCO: unknown")
    assert ticket.state == State.CLOSED
    assert ticket.close_reason == "invalid_tracking"
    assert running(ticket) == set()
    assert ticket.events.last().note == "Invalid tracking number. MCO: unknown"


def test_a_double_click_presents_once_and_explains_the_second(submitted_ticket, hfs_staff):
    workflow.present(submitted_ticket.pk, by=hfs_staff)
    with pytest.raises(workflow.ActionRefused, match="With the MCO.*nothing was changed"):
        workflow.present(submitted_ticket.pk, by=hfs_staff)
    assert submitted_ticket.events.filter(action="presented").count() == 1


def test_a_closed_ticket_takes_no_transition(submitted_ticket, hfs_staff):
    workflow.close_at_triage(submitted_ticket.pk, by=hfs_staff, reason="incomplete")
    ticket = Ticket.objects.get(pk=submitted_ticket.pk)
    for method in ("present", "request_information", "respond", "accept", "contest",
                   "request_review", "decide"):
        with pytest.raises(TransitionNotAllowed):
            getattr(ticket, method)(by=hfs_staff, at=None)
    with pytest.raises(workflow.ActionRefused, match="already closed"):
        workflow.present(ticket.pk, by=hfs_staff)
    with pytest.raises(ValidationError, match="is closed and cannot be changed"):
        ticket.require_open()


def test_information_request_answer_and_the_window(presented_ticket, mco_staff, provider_user):
    ticket = workflow.request_information(presented_ticket.pk, by=mco_staff,
                                          request_text="Send the EOB.")
    assert ticket.state == State.AWAITING_PROVIDER_INFO
    assert "provider_info" in running(ticket)
    ticket = workflow.answer_information(ticket.pk, by=provider_user, answer_text="Attached.")
    assert ticket.state == State.WITH_MCO
    assert clocks.clocks_for(ticket).get(kind="provider_info").outcome == Outcome.MET


def test_information_cannot_be_requested_after_five_business_days(presented_ticket, mco_staff):
    # Presented Wed Nov 4: the window ends Wed Nov 11? Veterans Day (Nov 11) is a holiday:
    # 5, 6, 9, 10, 12 -> Thu Nov 12, end of day.
    window = clocks.running_clock(presented_ticket, "info_window")
    assert window.due_date == datetime.date(2026, 11, 12)
    clocks.enforce_due_clocks(datetime.datetime(2026, 11, 13, 0, 1, tzinfo=CENTRAL))
    with pytest.raises(workflow.ActionRefused, match="closed on Nov 12, 2026"):
        workflow.request_information(presented_ticket.pk, by=mco_staff, request_text="x")


def test_no_answer_in_five_business_days_closes_the_ticket_once(presented_ticket, mco_staff):
    workflow.request_information(presented_ticket.pk, by=mco_staff, request_text="EOB?")
    due = clocks.running_clock(presented_ticket, "provider_info").due_at
    later = due + datetime.timedelta(seconds=1)
    assert clocks.enforce_due_clocks(later) >= 1
    clocks.enforce_due_clocks(later)
    ticket = Ticket.objects.get(pk=presented_ticket.pk)
    assert ticket.state == State.CLOSED and ticket.close_reason == "no_information"
    assert ticket.events.filter(action="closed").count() == 1


def test_response_then_deemed_accepted_after_five_business_days(presented_ticket, mco_staff):
    ticket = workflow.respond(presented_ticket.pk, by=mco_staff, response=RESPONSE)
    assert ticket.state == State.MCO_RESPONDED
    assert running(ticket) == {"provider_answer", "review_request"}
    due = clocks.running_clock(ticket, "provider_answer").due_at
    clocks.enforce_due_clocks(due + datetime.timedelta(seconds=1))
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.state == State.CLOSED and ticket.close_reason == "deemed_accepted"


def test_a_late_response_is_recorded_late_and_the_sanction_mark_stays(presented_ticket,
                                                                       mco_staff):
    due = clocks.running_clock(presented_ticket, "mco_response").due_at
    clocks.enforce_due_clocks(due + datetime.timedelta(seconds=1))
    ticket = Ticket.objects.get(pk=presented_ticket.pk)
    assert ticket.sanction_candidate_at is not None
    with time_machine.travel(due + datetime.timedelta(days=1), tick=False):
        ticket = workflow.respond(ticket.pk, by=mco_staff, response={
            **RESPONSE, "resolve_by": None, "plan_applies": False})
    assert ticket.events.filter(action="responded_late").exists()
    assert Ticket.objects.get(pk=ticket.pk).sanction_candidate_at is not None


def test_accept_contest_review_and_decide(presented_ticket, mco_staff, provider_user,
                                          hfs_staff):
    workflow.respond(presented_ticket.pk, by=mco_staff, response=RESPONSE)
    with pytest.raises(workflow.ActionRefused, match="what came of the contact"):
        workflow.contest(presented_ticket.pk, by=provider_user,
                         contact={**CONTACT, "outcome": " "})
    ticket = workflow.contest(presented_ticket.pk, by=provider_user, contact=CONTACT)
    assert ticket.state == State.CONTESTED
    ticket = workflow.request_review(ticket.pk, by=provider_user)
    assert ticket.state == State.HFS_REVIEW
    assert running(ticket) == {"review_submissions"}
    with pytest.raises(workflow.ActionRefused, match="review record is still open"):
        workflow.decide(ticket.pk, by=hfs_staff, decision=DECISION)
    for party, user in (("provider", provider_user), ("mco", mco_staff)):
        workflow.save_review_submission(ticket.pk, by=user, party=party, statement="Facts.",
                                        contacts="Jo, 312-555-0100", complete=True)
    assert running(ticket) == {"hfs_decision"}
    ticket = workflow.decide(ticket.pk, by=hfs_staff, decision=DECISION)
    assert ticket.state == State.CLOSED and ticket.close_reason == "decided"
    assert ticket.decision.get_outcome_display() == "For the provider"
    assert running(ticket) == set()


def test_accepting_closes_as_resolved(presented_ticket, mco_staff, provider_user):
    workflow.respond(presented_ticket.pk, by=mco_staff, response=RESPONSE)
    ticket = workflow.accept(presented_ticket.pk, by=provider_user)
    assert ticket.close_reason == "accepted" and running(ticket) == set()


def test_no_review_request_in_thirty_days_closes_a_contested_ticket(presented_ticket,
                                                                     mco_staff, provider_user):
    workflow.respond(presented_ticket.pk, by=mco_staff, response=RESPONSE)
    workflow.contest(presented_ticket.pk, by=provider_user, contact=CONTACT)
    due = clocks.running_clock(presented_ticket, "review_request").due_at
    clocks.enforce_due_clocks(due + datetime.timedelta(seconds=1))
    ticket = Ticket.objects.get(pk=presented_ticket.pk)
    assert ticket.close_reason == "no_review_requested"


def test_hfs_may_close_for_an_incomplete_answer_after_the_provider_answered(
        presented_ticket, mco_staff, hfs_staff, provider_user):
    """R-FLOW-3: "if HFS/MCO finds the answer incomplete": there must be an answer."""
    workflow.request_information(presented_ticket.pk, by=mco_staff, request_text="EOB")
    with pytest.raises(workflow.ActionRefused):
        workflow.close_for_incomplete_information(presented_ticket.pk, by=hfs_staff,
                                                  note="No EOB sent.")
    workflow.answer_information(presented_ticket.pk, by=provider_user, answer_text="Here.")
    ticket = workflow.close_for_incomplete_information(presented_ticket.pk, by=hfs_staff,
                                                       note="No EOB sent.")
    assert ticket.state == State.CLOSED and ticket.close_reason == "information_incomplete"
    assert ticket.events.get(action="closed").role == "hfs"


def test_the_mco_may_close_for_an_incomplete_answer_too(presented_ticket, mco_staff,
                                                        provider_user, other_mco_staff):
    workflow.request_information(presented_ticket.pk, by=mco_staff, request_text="EOB")
    workflow.answer_information(presented_ticket.pk, by=provider_user, answer_text="Here.")
    with pytest.raises(workflow.NotAllowed):
        workflow.close_for_incomplete_information(presented_ticket.pk, by=other_mco_staff,
                                                  note="x")
    with pytest.raises(workflow.NotAllowed):
        workflow.close_for_incomplete_information(presented_ticket.pk, by=provider_user,
                                                  note="x")
    with pytest.raises(workflow.ActionRefused, match="what is missing"):
        workflow.close_for_incomplete_information(presented_ticket.pk, by=mco_staff, note="")
    ticket = workflow.close_for_incomplete_information(presented_ticket.pk, by=mco_staff,
                                                       note="The EOB is unreadable.")
    assert ticket.close_reason == "information_incomplete"
    assert ticket.events.get(action="closed").role == "mco"


def test_triage_past_ten_business_days_escalates_once(submitted_ticket, hfs_staff,
                                                      django_capture_on_commit_callbacks):
    from django.core import mail

    due = clocks.running_clock(submitted_ticket, "triage").due_at
    with django_capture_on_commit_callbacks(execute=True):
        clocks.enforce_due_clocks(due + datetime.timedelta(seconds=1))
        clocks.enforce_due_clocks(due + datetime.timedelta(minutes=5))
    ticket = Ticket.objects.get(pk=submitted_ticket.pk)
    assert ticket.state == State.SUBMITTED and ticket.triage_overdue_at is not None
    assert ticket.events.filter(action="triage_overdue").count() == 1
    overdue_mail = [m for m in mail.outbox if "overdue for triage" in m.subject]
    assert [m.to for m in overdue_mail] == [[hfs_staff.email]]
    assert "Pat Member" not in overdue_mail[0].body and "123456789" not in overdue_mail[0].body


def test_starting_again_from_a_closed_ticket_copies_everything(submitted_ticket, hfs_staff,
                                                               provider_user):
    from tickets import drafts

    workflow.close_at_triage(submitted_ticket.pk, by=hfs_staff, reason="incomplete")
    closed = Ticket.objects.get(pk=submitted_ticket.pk)
    draft = drafts.copy_into_new_draft(closed, by=provider_user)
    assert draft.state == State.DRAFT and draft.copied_from == closed
    assert draft.description == closed.description
    assert list(draft.claims.values_list("claim_number", flat=True)) == ["CLM-0"]
    assert closed.state == State.CLOSED
    assert draft.dispute_filed_on == FILED_ON
