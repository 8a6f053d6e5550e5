"""Issue 10: every rule and every "who may" is refused by the workflow itself, whatever
calls it, and every deadline holds at its due moment whether or not the sweep has run.
These tests call ``tickets.workflow`` directly: no view, no form."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from deadlines import clocks
from deadlines.models import Clock, Outcome
from tests import factories
from tests.tickets.conftest import CONTACT, RESPONSE, make_submitted
from tickets import workflow
from tickets.models import (
    ExtensionRequest,
    Investigation,
    State,
    Ticket,
    TicketAttachment,
    TicketEvent,
)

pytestmark = pytest.mark.django_db

DECISION = {
    "outcome": "provider", "reasoning": "The contract requires payment.",
    "rests_on_contract": True, "rests_on_policy": False, "rests_on_law": False,
    "citations": "HealthChoice Illinois contract §5.3",
}


def pdf(name="evidence.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n")


def after(clock, **delta):
    """A moment just after the clock's due moment (R-CLK-2), no sweep having run."""
    return time_machine.travel(clock.due_at + datetime.timedelta(**(delta or {"seconds": 1})),
                               tick=False)


def stored_files(ticket):
    """The files in storage under the ticket's folder."""
    from pathlib import Path

    from django.core.files.storage import default_storage

    folder = Path(default_storage.location) / "tickets" / str(ticket.pk)
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def running(ticket, kind):
    return clocks.running_clock(ticket, kind)


@pytest.fixture
def responded(presented_ticket, mco_staff):
    return workflow.respond(presented_ticket.pk, by=mco_staff, response=RESPONSE)


@pytest.fixture
def contested(responded, provider_user):
    return workflow.contest(responded.pk, by=provider_user, contact=CONTACT)


@pytest.fixture
def in_review(contested, provider_user):
    return workflow.request_review(contested.pk, by=provider_user)


@pytest.fixture
def record_closed(in_review, provider_user, mco_staff):
    for party, user in (("provider", provider_user), ("mco", mco_staff)):
        workflow.save_review_submission(in_review.pk, by=user, party=party,
                                        statement="Facts.", contacts="Jo 312-555-0100",
                                        complete=True)
    return Ticket.objects.get(pk=in_review.pk)


# --- The actor is checked in every transition -------------------------------------------


@pytest.mark.parametrize("who", ["provider_user", "mco_staff", "other_mco_staff"])
def test_only_hfs_presents(submitted_ticket, who, request):
    with pytest.raises(workflow.NotAllowed, match="Only HFS portal staff"):
        workflow.present(submitted_ticket.pk, by=request.getfixturevalue(who))
    assert Ticket.objects.get(pk=submitted_ticket.pk).state == State.SUBMITTED


def test_presenting_records_the_real_role(submitted_ticket, hfs_staff):
    ticket = workflow.present(submitted_ticket.pk, by=hfs_staff)
    assert ticket.events.get(action="presented").role == "hfs"


@pytest.mark.parametrize("who", ["provider_user", "mco_staff"])
def test_only_hfs_closes_at_triage(submitted_ticket, who, request):
    with pytest.raises(workflow.NotAllowed):
        workflow.close_at_triage(submitted_ticket.pk, by=request.getfixturevalue(who),
                                 reason="duplicate")


@pytest.mark.parametrize("who", ["provider_user", "hfs_staff", "other_mco_staff"])
def test_only_the_tickets_mco_requests_information(presented_ticket, who, request):
    with pytest.raises(workflow.NotAllowed, match="staff of the ticket's MCO"):
        workflow.request_information(presented_ticket.pk, by=request.getfixturevalue(who),
                                     request_text="EOB?")
    assert not presented_ticket.information_requests.exists()


@pytest.mark.parametrize("who", ["provider_user", "hfs_staff", "other_mco_staff"])
def test_only_the_tickets_mco_responds(presented_ticket, who, request):
    with pytest.raises(workflow.NotAllowed):
        workflow.respond(presented_ticket.pk, by=request.getfixturevalue(who),
                         response=RESPONSE)
    assert Ticket.objects.get(pk=presented_ticket.pk).state == State.WITH_MCO


@pytest.mark.parametrize("who", ["other_provider_user", "mco_staff", "hfs_staff"])
def test_only_the_providers_people_answer_information(presented_ticket, mco_staff, who,
                                                      other_provider, request):
    workflow.request_information(presented_ticket.pk, by=mco_staff, request_text="EOB?")
    with pytest.raises(workflow.NotAllowed):
        workflow.answer_information(presented_ticket.pk, by=request.getfixturevalue(who),
                                    answer_text="Here.")


@pytest.mark.parametrize("who", ["other_provider_user", "mco_staff", "hfs_staff"])
def test_only_the_providers_people_accept_or_contest(responded, who, other_provider,
                                                     request):
    user = request.getfixturevalue(who)
    with pytest.raises(workflow.NotAllowed):
        workflow.accept(responded.pk, by=user)
    with pytest.raises(workflow.NotAllowed):
        workflow.contest(responded.pk, by=user, contact=CONTACT)
    assert Ticket.objects.get(pk=responded.pk).state == State.MCO_RESPONDED


def test_only_the_providers_people_ask_for_review(contested, mco_staff, hfs_staff):
    for user in (mco_staff, hfs_staff):
        with pytest.raises(workflow.NotAllowed):
            workflow.request_review(contested.pk, by=user)


def test_a_provider_whose_membership_ended_can_no_longer_act(responded, provider_user):
    membership = provider_user.provider_memberships.get() if hasattr(
        provider_user, "provider_memberships") else None
    from registration.models import ProviderMembership

    membership = ProviderMembership.objects.get(user=provider_user)
    ProviderMembership.objects.filter(pk=membership.pk).update(ended_at=membership.approved_at)
    provider_user.__dict__.pop("_portal_provider_ids", None)
    with pytest.raises(workflow.NotAllowed):
        workflow.accept(responded.pk, by=provider_user)


@pytest.mark.parametrize("who", ["provider_user", "mco_staff"])
def test_only_hfs_decides(record_closed, who, request):
    with pytest.raises(workflow.NotAllowed):
        workflow.decide(record_closed.pk, by=request.getfixturevalue(who), decision=DECISION)


def test_review_submissions_only_by_their_own_party(in_review, provider_user, mco_staff,
                                                     other_mco_staff, hfs_staff):
    for user, party in ((mco_staff, "provider"), (provider_user, "mco"),
                        (other_mco_staff, "mco"), (hfs_staff, "provider")):
        with pytest.raises(workflow.NotAllowed):
            workflow.save_review_submission(in_review.pk, by=user, party=party,
                                            statement="x", contacts="y", complete=False)


def test_extensions_asked_only_by_a_party_and_decided_only_by_hfs(
        presented_ticket, hfs_staff, other_mco_staff, mco_staff, provider_user):
    for user in (hfs_staff, other_mco_staff):
        with pytest.raises(workflow.NotAllowed):
            workflow.ask_for_extension(presented_ticket.pk, by=user, circumstances="Flood.")
    with pytest.raises(workflow.NotAllowed):
        workflow.ask_for_extension(presented_ticket.pk, by=provider_user, party="mco",
                                   circumstances="Flood.")
    request = workflow.ask_for_extension(presented_ticket.pk, by=mco_staff,
                                         circumstances="Flood.")
    assert request.party == "mco"
    for user in (mco_staff, provider_user):
        with pytest.raises(workflow.NotAllowed):
            workflow.decide_extension(request.pk, by=user, approve=True)
    assert ExtensionRequest.objects.get(pk=request.pk).status == ExtensionRequest.Status.PENDING
    workflow.decide_extension(request.pk, by=hfs_staff, approve=True, note="Granted.")
    request = ExtensionRequest.objects.get(pk=request.pk)
    assert request.status == ExtensionRequest.Status.APPROVED
    assert presented_ticket.events.filter(action="extension_approved", role="hfs").exists()


def test_extension_status_cannot_be_assigned_directly(presented_ticket, mco_staff):
    request = workflow.ask_for_extension(presented_ticket.pk, by=mco_staff,
                                         circumstances="Flood.")
    with pytest.raises(AttributeError):
        request.status = ExtensionRequest.Status.APPROVED


def test_the_thread_records_the_authors_real_role(presented_ticket, hfs_staff,
                                                  other_provider_user, other_provider):
    message = workflow.post_message(presented_ticket.pk, by=hfs_staff, body="Hello.")
    assert message.role == "hfs"
    with pytest.raises(workflow.NotAllowed):
        workflow.post_message(presented_ticket.pk, by=other_provider_user, body="Hi.")


def test_only_hfs_writes_internal_notes_and_assigns(presented_ticket, mco_staff,
                                                   provider_user, hfs_staff):
    with pytest.raises(workflow.NotAllowed):
        workflow.add_internal_note(presented_ticket.pk, by=mco_staff, text="x")
    with pytest.raises(workflow.NotAllowed):
        workflow.assign(presented_ticket.pk, to=hfs_staff, by=provider_user)
    with pytest.raises(workflow.ActionRefused, match="not HFS portal staff"):
        workflow.assign(presented_ticket.pk, to=mco_staff, by=hfs_staff)


def test_mco_supervisor_assignment_writes_an_event_per_ticket(
        presented_ticket, mco_staff, provider_user, provider, hfs_staff):
    from django.contrib.auth.models import Permission

    second = workflow.present(make_submitted(provider_user, provider).pk, by=hfs_staff)
    colleague = factories.mco_staff("molina", email="colleague@molina.example.test")
    with pytest.raises(workflow.NotAllowed):
        workflow.assign_to_mco_colleague([presented_ticket.pk], to=colleague, by=mco_staff)
    mco_staff.user_permissions.add(Permission.objects.get(codename="supervise_mco_queue"))
    supervisor = type(mco_staff).objects.get(pk=mco_staff.pk)
    changed = workflow.assign_to_mco_colleague([presented_ticket.pk, second.pk],
                                               to=colleague, by=supervisor)
    assert changed == 2
    assert TicketEvent.objects.filter(action="mco_assigned", role="mco").count() == 2


def test_closing_an_investigation_is_for_hfs_and_writes_an_event(
        responded, provider_user, hfs_staff):
    ticket = Ticket.objects.get(pk=responded.pk)
    with time_machine.travel(datetime.datetime.combine(
            ticket.response.resolve_by + datetime.timedelta(days=1), datetime.time(10),
            tzinfo=datetime.UTC), tick=False):
        investigation = workflow.report_unfinished_resolution(
            ticket.pk, by=provider_user, description="Not paid.")
        with pytest.raises(workflow.NotAllowed):
            workflow.close_investigation(investigation.pk, by=provider_user, notes="",
                                         outcome="Done.")
        workflow.close_investigation(investigation.pk, by=hfs_staff, notes="Called.",
                                     outcome="Paid.")
    assert Investigation.objects.get(pk=investigation.pk).status == "closed"
    assert ticket.events.filter(action="investigation_closed", internal=True).exists()


# --- The content of a response and a decision (R-FLOW-2, R-FLOW-6) ----------------------


@pytest.mark.parametrize("missing,message", [
    ({"response_text": ""}, "Write the response"),
    ({"representative_name": ""}, "Name the provider service representative"),
    ({"representative_phone": "", "representative_email": ""}, "phone number or e-mail"),
    ({"plan_text": ""}, "describe the plan"),
    ({"resolve_by": None}, "describe the plan"),
])
def test_a_response_without_its_content_is_refused(presented_ticket, mco_staff, missing,
                                                   message):
    with pytest.raises(workflow.ActionRefused, match=message):
        workflow.respond(presented_ticket.pk, by=mco_staff, response={**RESPONSE, **missing})
    ticket = Ticket.objects.get(pk=presented_ticket.pk)
    assert ticket.state == State.WITH_MCO and not hasattr(ticket, "response")


def test_a_response_needs_its_content_at_all(presented_ticket, mco_staff):
    with pytest.raises(workflow.ActionRefused, match="Write the response"):
        workflow.respond(presented_ticket.pk, by=mco_staff, response=None)


@pytest.mark.parametrize("missing,message", [
    ({"outcome": ""}, "Choose the outcome"),
    ({"reasoning": " "}, "reasoning"),
    ({"rests_on_contract": False}, "at least one"),
    ({"citations": ""}, "Cite"),
])
def test_a_decision_without_its_content_is_refused(record_closed, hfs_staff, missing, message):
    with pytest.raises(workflow.ActionRefused, match=message):
        workflow.decide(record_closed.pk, by=hfs_staff, decision={**DECISION, **missing})
    assert Ticket.objects.get(pk=record_closed.pk).state == State.HFS_REVIEW


# --- Information requests (R-FLOW-3) -----------------------------------------------------


def test_already_sent_needs_evidence_in_the_workflow(presented_ticket, mco_staff,
                                                     provider_user):
    workflow.request_information(presented_ticket.pk, by=mco_staff, request_text="EOB?")
    with pytest.raises(workflow.ActionRefused, match="Attach the evidence"):
        workflow.answer_information(presented_ticket.pk, by=provider_user,
                                    answer_text="Faxed Oct 1.", already_sent=True)
    ticket = workflow.answer_information(presented_ticket.pk, by=provider_user,
                                         answer_text="Faxed Oct 1.", already_sent=True,
                                         files=[pdf("fax.pdf")])
    assert ticket.state == State.WITH_MCO
    assert ticket.attachments.get().name == "fax.pdf"


# --- An unknown tracking number after presenting (R-FILE-4) -----------------------------


def test_hfs_closes_a_presented_ticket_the_mco_reports_unknown(presented_ticket, mco_staff,
                                                              hfs_staff, provider_user):
    with pytest.raises(workflow.ActionRefused, match="has not reported"):
        workflow.close_for_invalid_tracking(presented_ticket.pk, by=hfs_staff)
    for user in (provider_user, hfs_staff):
        with pytest.raises(workflow.NotAllowed):
            workflow.report_unknown_tracking_number(presented_ticket.pk, by=user, note="x")
    with pytest.raises(workflow.ActionRefused, match="what you checked"):
        workflow.report_unknown_tracking_number(presented_ticket.pk, by=mco_staff, note=" ")
    workflow.report_unknown_tracking_number(
        presented_ticket.pk, by=mco_staff, note="No dispute MOL-12345 in our system.")
    with pytest.raises(workflow.NotAllowed):
        workflow.close_for_invalid_tracking(presented_ticket.pk, by=mco_staff)
    ticket = workflow.close_for_invalid_tracking(presented_ticket.pk, by=hfs_staff)
    assert ticket.state == State.CLOSED and ticket.close_reason == "invalid_tracking"
    report = ticket.events.get(action="tracking_number_reported_unknown")
    assert report.role == "mco" and not report.internal
    assert "No dispute MOL-12345" in report.note
    assert not clocks.clocks_for(ticket).filter(outcome="").exists()


def test_the_mco_reports_an_unknown_number_from_its_ticket_page(presented_ticket, mco_staff,
                                                               hfs_staff):
    client = Client()
    client.force_login(mco_staff)
    page = client.get(reverse("ticket_detail", args=[presented_ticket.pk])).content.decode()
    assert "Report the tracking number unknown" in page
    client.post(reverse("ticket_report_tracking_unknown", args=[presented_ticket.pk]),
                {"note": "Not in our system."})
    staff = Client()
    staff.force_login(hfs_staff)
    page = staff.get(reverse("ticket_detail", args=[presented_ticket.pk])).content.decode()
    assert "Close for an invalid tracking number" in page
    assert "Not in our system." in page


# --- Deadlines hold at their due moment, not when the sweep gets there (R-CLK-2, R-CLK-5) -


def test_information_cannot_be_requested_after_the_window_though_no_sweep_ran(
        presented_ticket, mco_staff):
    window = running(presented_ticket, "info_window")
    with after(window, days=39), pytest.raises(workflow.ActionRefused, match="closed on"):
        workflow.request_information(presented_ticket.pk, by=mco_staff, request_text="?")
    assert running(presented_ticket, "info_window") is not None  # the sweep never came


def test_a_late_response_before_the_sweep_is_recorded_late_and_a_sanction_candidate(
        presented_ticket, mco_staff, hfs_staff, django_capture_on_commit_callbacks):
    from django.core import mail

    due = running(presented_ticket, "mco_response")
    with after(due), django_capture_on_commit_callbacks(execute=True):
        ticket = workflow.respond(presented_ticket.pk, by=mco_staff,
                                  response={**RESPONSE, "resolve_by": None,
                                            "plan_applies": False})
    assert ticket.events.filter(action="responded_late").exists()
    assert not ticket.events.filter(action="responded").exists()
    assert ticket.response.is_late and ticket.sanction_candidate_at == due.due_at
    assert Clock.objects.get(pk=due.pk).outcome == Outcome.EXPIRED
    assert any("overdue" in m.subject and m.to == [hfs_staff.email] for m in mail.outbox)


def test_a_response_at_the_last_moment_is_on_time(presented_ticket, mco_staff):
    due = running(presented_ticket, "mco_response")
    with time_machine.travel(due.due_at, tick=False):
        ticket = workflow.respond(presented_ticket.pk, by=mco_staff,
                                  response={**RESPONSE, "resolve_by": None,
                                            "plan_applies": False})
    assert ticket.events.filter(action="responded").exists()
    assert ticket.sanction_candidate_at is None
    assert Clock.objects.get(pk=due.pk).outcome == Outcome.MET


def test_an_extension_cannot_be_asked_after_the_cut_off_though_no_sweep_ran(
        presented_ticket, mco_staff):
    with (
        after(running(presented_ticket, "extension_cutoff")),
        pytest.raises(workflow.ActionRefused, match="Extension requests closed on"),
    ):
        workflow.ask_for_extension(presented_ticket.pk, by=mco_staff,
                                   circumstances="Flood.")


def test_an_extension_cannot_be_approved_after_the_response_was_due(presented_ticket,
                                                                    mco_staff, hfs_staff):
    request = workflow.ask_for_extension(presented_ticket.pk, by=mco_staff,
                                         circumstances="Flood.")
    with (
        after(running(presented_ticket, "mco_response")),
        pytest.raises(workflow.ActionRefused, match="no longer running"),
    ):
        workflow.decide_extension(request.pk, by=hfs_staff, approve=True)


def test_information_cannot_be_answered_after_five_business_days(presented_ticket,
                                                                 mco_staff, provider_user):
    workflow.request_information(presented_ticket.pk, by=mco_staff, request_text="EOB?")
    with (
        after(running(presented_ticket, "provider_info")),
        pytest.raises(workflow.ActionRefused, match="ended on"),
    ):
        workflow.answer_information(presented_ticket.pk, by=provider_user,
                                    answer_text="Here.", files=[pdf()])
    assert not TicketAttachment.objects.exists()


def test_the_provider_cannot_accept_or_contest_after_five_business_days(responded,
                                                                       provider_user):
    with after(running(responded, "provider_answer")):
        for act in (lambda: workflow.accept(responded.pk, by=provider_user),
                    lambda: workflow.contest(responded.pk, by=provider_user,
                                             contact=CONTACT)):
            with pytest.raises(workflow.ActionRefused, match="deemed accepted"):
                act()


def test_review_cannot_be_asked_after_thirty_days(contested, provider_user):
    with (
        after(running(contested, "review_request")),
        pytest.raises(workflow.ActionRefused, match="30 days to ask for HFS review"),
    ):
        workflow.request_review(contested.pk, by=provider_user)


def test_review_submissions_refused_after_their_thirty_days(in_review, provider_user):
    with (
        after(running(in_review, "review_submissions")),
        pytest.raises(workflow.ActionRefused, match="ended on"),
    ):
        workflow.save_review_submission(in_review.pk, by=provider_user, party="provider",
                                        statement="x", contacts="y", complete=True)


def test_presenting_after_ten_business_days_marks_the_triage_late(submitted_ticket,
                                                                 hfs_staff):
    triage = running(submitted_ticket, "triage")
    with after(triage):
        ticket = workflow.present(submitted_ticket.pk, by=hfs_staff)
    assert ticket.triage_overdue_at == triage.due_at
    assert Clock.objects.get(pk=triage.pk).outcome == Outcome.EXPIRED


def test_ticket_windows_expire_without_a_warning(presented_ticket, caplog):
    import logging

    window = running(presented_ticket, "info_window")
    with caplog.at_level(logging.WARNING, logger="deadlines.clocks"):
        clocks.enforce_due_clocks(window.due_at + datetime.timedelta(seconds=1))
    assert Clock.objects.get(pk=window.pk).outcome == Outcome.EXPIRED
    assert "no expiry handler" not in caplog.text


def test_the_engines_closures_refuse_before_the_due_moment(presented_ticket, mco_staff,
                                                          provider_user):
    """A command calling the engine's transitions early changes nothing."""
    workflow.request_information(presented_ticket.pk, by=mco_staff, request_text="EOB?")
    ticket = Ticket.objects.get(pk=presented_ticket.pk)
    with pytest.raises(ValidationError, match="has not passed"):
        ticket.close_for_no_information(at=ticket.presented_at)


# --- Attachments belong to their action ---------------------------------------------------


def test_a_refused_response_leaves_no_file_and_no_event(presented_ticket, mco_staff):
    before = TicketEvent.objects.count()
    with pytest.raises(workflow.ActionRefused):
        workflow.respond(presented_ticket.pk, by=mco_staff,
                         response={**RESPONSE, "representative_name": ""},
                         files=[pdf("plan.pdf")])
    assert not TicketAttachment.objects.exists()
    assert TicketEvent.objects.count() == before
    assert stored_files(presented_ticket) == []


def test_a_duplicate_answer_stores_one_file(presented_ticket, mco_staff, provider_user):
    workflow.request_information(presented_ticket.pk, by=mco_staff, request_text="EOB?")
    workflow.answer_information(presented_ticket.pk, by=provider_user, answer_text="Here.",
                                files=[pdf("one.pdf")])
    with pytest.raises(workflow.ActionRefused, match="nothing was changed"):
        workflow.answer_information(presented_ticket.pk, by=provider_user,
                                    answer_text="Here.", files=[pdf("two.pdf")])
    assert list(TicketAttachment.objects.values_list("name", flat=True)) == ["one.pdf"]
    assert TicketEvent.objects.filter(action="attachment_added").count() == 1
    assert len(stored_files(presented_ticket)) == 1


def test_a_review_file_is_private_to_hfs_and_its_party(in_review, provider_user, mco_staff,
                                                        hfs_staff):
    workflow.save_review_submission(in_review.pk, by=provider_user, party="provider",
                                    statement="Facts.", contacts="Jo", complete=False,
                                    files=[pdf("review.pdf")])
    attachment = TicketAttachment.objects.get()
    assert attachment.review_party == "provider"
    url = reverse("ticket_attachment", args=[in_review.pk, attachment.pk])
    answers = {}
    for name, user in (("provider", provider_user), ("mco", mco_staff), ("hfs", hfs_staff)):
        client = Client()
        client.force_login(user)
        answers[name] = client.get(url).status_code
        page = client.get(reverse("ticket_detail", args=[in_review.pk])).content.decode()
        assert ("review.pdf" in page) == (name != "mco")
    assert answers == {"provider": 200, "mco": 404, "hfs": 200}


# --- Filing rules re-checked at submission (R-FILE-6, R-FILE-7) --------------------------


def test_submission_rechecks_the_template_rows(provider_user, provider):
    from tests.tickets.conftest import make_draft
    from tickets.claims_template import MAX_ROWS

    draft = make_draft(provider_user, provider, claims=3)
    draft.claims.filter(row_number=3).update(tracking_number="")
    with pytest.raises(workflow.ActionRefused, match=r"row\(s\) 3 have none"):
        workflow.submit(draft.pk, by=provider_user)
    big = make_draft(provider_user, provider, claims=MAX_ROWS + 1)
    with pytest.raises(workflow.ActionRefused, match=f"At most {MAX_ROWS} claims"):
        workflow.submit(big.pk, by=provider_user)
    assert not Ticket.objects.exclude(state=State.DRAFT).exists()


def test_submission_by_someone_not_approved_for_the_provider_is_refused(
        provider_user, provider, other_provider_user):
    from tests.tickets.conftest import make_draft

    draft = make_draft(provider_user, provider)
    with pytest.raises(workflow.ActionRefused, match="not approved to file"):
        workflow.submit(draft.pk, by=other_provider_user)


# --- Every change is in the audit log, whatever the path (R-SEC-2) -----------------------


def test_every_workflow_change_writes_an_audit_row(presented_ticket, mco_staff):
    from portal.models import AuditEvent

    before = AuditEvent.objects.filter(object_type="ticket", object_id=presented_ticket.pk)
    count = before.count()
    workflow.request_information(presented_ticket.pk, by=mco_staff, request_text="EOB?")
    rows = AuditEvent.objects.filter(object_type="ticket", object_id=presented_ticket.pk)
    assert rows.count() == count + 1
    row = rows.order_by("-pk").first()
    assert row.user == mco_staff and row.action == "information_requested"
    assert "EOB" not in row.detail  # the step is named, never the text


def test_hfs_sees_a_deadline_that_could_not_be_enforced_and_retries_it(
        presented_ticket, mco_staff, hfs_staff, monkeypatch):
    from deadlines import kinds

    workflow.request_information(presented_ticket.pk, by=mco_staff, request_text="EOB?")
    clock = running(presented_ticket, "provider_info")

    def broken(clock, now):
        raise RuntimeError("mail server misconfigured")

    monkeypatch.setitem(kinds._EXPIRY_HANDLERS, "provider_info", broken)  # fault injection
    clocks.enforce_due_clocks(clock.due_at + datetime.timedelta(seconds=1))
    client = Client()
    client.force_login(hfs_staff)
    home = client.get(reverse("hfs_home")).content.decode()
    assert "1 deadline could not be enforced" in home and presented_ticket.number in home
    monkeypatch.undo()
    client.post(reverse("clock_retry", args=[clock.pk]))
    assert Clock.objects.get(pk=clock.pk).attention_at is None
    clocks.enforce_due_clocks(clock.due_at + datetime.timedelta(minutes=1))
    assert Ticket.objects.get(pk=presented_ticket.pk).close_reason == "no_information"


# --- A refused action keeps what was typed (R-SEC-5) -------------------------------------


def test_a_refused_review_submission_keeps_the_statement(in_review, provider_user):
    client = Client()
    client.force_login(provider_user)
    fake = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 a program", content_type="application/pdf")
    response = client.post(reverse("ticket_review_submission", args=[in_review.pk]), {
        "statement": "Our full account of the dispute.", "contacts": "Jo 312-555-0100",
        "files": fake})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Our full account of the dispute." in page and "scan.pdf" in page
    assert not TicketAttachment.objects.exists()


def test_an_answer_refused_after_the_deadline_is_shown_again_with_its_text(
        presented_ticket, mco_staff, provider_user):
    workflow.request_information(presented_ticket.pk, by=mco_staff, request_text="EOB?")
    with after(running(presented_ticket, "provider_info")):
        client = Client()
        client.force_login(provider_user)
        response = client.post(reverse("ticket_answer_information", args=[presented_ticket.pk]),
                               {"answer_text": "The EOB is attached."})
    assert response.status_code == 400
    page = response.content.decode()
    assert "The EOB is attached." in page and "ended on" in page


def test_closing_at_triage_meets_the_triage_clock(submitted_ticket, hfs_staff):
    triage = running(submitted_ticket, "triage")
    workflow.close_at_triage(submitted_ticket.pk, by=hfs_staff, reason="duplicate")
    assert Clock.objects.get(pk=triage.pk).outcome == Outcome.MET
