"""Issue 7: the provider's answer, HFS review, the final decision, unfinished-resolution
reports, and closing for good (R-FLOW-5..R-FLOW-9)."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from deadlines import clocks
from deadlines.calendar import CENTRAL
from tickets import workflow
from tickets.models import Decision, Investigation, State, Ticket

pytestmark = pytest.mark.django_db

RESPONSE = {
    "response_text": "We will reprocess the claim.", "plan_applies": True,
    "plan_text": "Reprocess and pay.", "resolve_by": datetime.date(2026, 11, 20),
    "representative_name": "Rita Rep", "representative_phone": "312-555-0199",
    "representative_email": "rita@molina.example.test",
}
DECISION = {
    "outcome": "partly", "reasoning": "Half of the claims were covered.",
    "rests_on_contract": True, "rests_on_policy": True, "rests_on_law": False,
    "citations": "HealthChoice Illinois contract §5.3; HFS policy 2024-07",
}


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def responded(presented_ticket, mco_staff):
    return workflow.respond(presented_ticket.pk, by=mco_staff, response=RESPONSE)


@pytest.fixture
def in_review(responded, provider_user):
    workflow.contest(responded.pk, by=provider_user, contact={
        "contacted_on": datetime.date(2026, 11, 4), "method": "phone",
        "outcome": "No change."})
    return workflow.request_review(responded.pk, by=provider_user)


def test_accepting_closes_as_resolved_once_confirmed(client, responded, provider_user):
    client.force_login(provider_user)
    response = client.post(reverse("ticket_accept", args=[responded.pk]))
    assert response.status_code == 400
    assert "Tick the box to confirm" in response.content.decode()
    assert Ticket.objects.get(pk=responded.pk).state == State.MCO_RESPONDED
    client.post(reverse("ticket_accept", args=[responded.pk]), {"confirm": "on"})
    ticket = Ticket.objects.get(pk=responded.pk)
    assert ticket.state == State.CLOSED and ticket.close_reason == "accepted"


def test_contesting_needs_the_representative_contact(responded, provider_user):
    client = logged_in(provider_user)
    url = reverse("ticket_contest", args=[responded.pk])
    response = client.post(url, {"contacted_on": "", "method": "", "outcome": ""})
    assert response.status_code == 400
    assert "Enter date you contacted the MCO&#x27;s representative." in (
        response.content.decode())
    response = client.post(url, {"contacted_on": "2026-11-04", "method": "email",
                                 "outcome": "Rep declined."})
    ticket = Ticket.objects.get(pk=responded.pk)
    assert ticket.state == State.CONTESTED
    contact = ticket.representative_contacts.get()
    assert (contact.method, contact.outcome) == ("email", "Rep declined.")


def test_a_contact_before_the_response_is_refused(responded, provider_user):
    with pytest.raises(workflow.ActionRefused, match="after the MCO's response"):
        workflow.contest(responded.pk, by=provider_user, contact={
            "contacted_on": datetime.date(2026, 10, 1), "method": "phone", "outcome": "x"})


def test_silence_for_five_business_days_is_deemed_acceptance_once(responded):
    due = clocks.running_clock(responded, "provider_answer").due_at
    for _ in range(2):
        clocks.enforce_due_clocks(due + datetime.timedelta(seconds=1))
    ticket = Ticket.objects.get(pk=responded.pk)
    assert ticket.close_reason == "deemed_accepted"
    assert ticket.events.filter(action="deemed_accepted").count() == 1


def test_no_review_request_within_thirty_days_closes(responded, provider_user):
    workflow.contest(responded.pk, by=provider_user, contact={
        "contacted_on": datetime.date(2026, 11, 4), "method": "phone", "outcome": "No change."})
    clock = clocks.running_clock(responded, "review_request")
    # Responded Wed Nov 4, 2026: + 30 = Fri Dec 4.
    assert clock.due_date == datetime.date(2026, 12, 4)
    clocks.enforce_due_clocks(clock.due_at + datetime.timedelta(seconds=1))
    assert Ticket.objects.get(pk=responded.pk).close_reason == "no_review_requested"
    with pytest.raises(workflow.ActionRefused):
        workflow.request_review(responded.pk, by=provider_user)


def test_the_record_closes_when_both_parties_are_complete(in_review, provider_user,
                                                           mco_staff):
    workflow.save_review_submission(in_review.pk, by=provider_user, party="provider",
                                    statement="All facts.", contacts="Jo 312-555-0100",
                                    complete=True)
    assert Ticket.objects.get(pk=in_review.pk).record_closed_at is None
    with pytest.raises(workflow.ActionRefused, match="knowledgeable personnel"):
        workflow.save_review_submission(in_review.pk, by=mco_staff, party="mco",
                                        statement="Ours.", contacts="", complete=True)
    workflow.save_review_submission(in_review.pk, by=mco_staff, party="mco",
                                    statement="Ours.", contacts="Al 312-555-0101",
                                    complete=True)
    ticket = Ticket.objects.get(pk=in_review.pk)
    assert ticket.record_closed_at is not None
    decision_clock = clocks.running_clock(ticket, "hfs_decision")
    # Closed Wed Nov 4 + 30 = Fri Dec 4.
    assert decision_clock.due_date == datetime.date(2026, 12, 4)


def test_the_record_closes_when_the_thirty_days_end(in_review, mco_staff, hfs_staff,
                                                    django_capture_on_commit_callbacks):
    from django.core import mail

    due = clocks.running_clock(in_review, "review_submissions").due_at
    with django_capture_on_commit_callbacks(execute=True):
        clocks.enforce_due_clocks(due + datetime.timedelta(seconds=1))
    told = {m.to[0] for m in mail.outbox if "review record" in m.subject}
    assert {"provider@example.test", mco_staff.email, hfs_staff.email} <= told
    ticket = Ticket.objects.get(pk=in_review.pk)
    assert ticket.record_closed_at == due + datetime.timedelta(seconds=1)
    assert clocks.running_clock(ticket, "hfs_decision") is not None


def test_an_overdue_decision_is_escalated(in_review, hfs_staff):
    due = clocks.running_clock(in_review, "review_submissions").due_at
    clocks.enforce_due_clocks(due + datetime.timedelta(seconds=1))
    decision_due = clocks.running_clock(in_review, "hfs_decision").due_at
    clocks.enforce_due_clocks(decision_due + datetime.timedelta(seconds=1))
    assert Ticket.objects.get(pk=in_review.pk).decision_overdue_at is not None


def test_the_decision_is_final_cites_its_basis_and_closes_for_good(in_review, hfs_staff,
                                                                    provider_user, mco_staff):
    due = clocks.running_clock(in_review, "review_submissions").due_at
    clocks.enforce_due_clocks(due + datetime.timedelta(seconds=1))
    client = logged_in(hfs_staff)
    url = reverse("ticket_decide", args=[in_review.pk])
    form = {k: v for k, v in DECISION.items() if not k.startswith("rests_on")}
    response = client.post(url, form)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose at least one basis" in html
    assert "Half of the claims were covered." in html  # kept
    assert "<legend" in html and "What the decision rests on" in html
    response = client.post(url, {**form, "bases": ["contract", "policy"]})
    assert response.status_code == 400 and "decision is final" in response.content.decode()
    response = client.post(url, {**form, "bases": ["contract", "policy"], "confirm": "on"})
    assert response["Location"] == reverse("ticket_decision", args=[in_review.pk])
    ticket = Ticket.objects.get(pk=in_review.pk)
    assert ticket.state == State.CLOSED and ticket.decision.outcome == "partly"
    for user in (provider_user, mco_staff, hfs_staff):
        page = logged_in(user).get(reverse("ticket_decision", args=[ticket.pk])).content
        assert b"This decision is final." in page
        assert b"confers no right to an administrative hearing" in page
    pdf = logged_in(provider_user).get(reverse("ticket_decision_pdf", args=[ticket.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    with pytest.raises(ValueError, match="final"):
        ticket.decision.save()
    with pytest.raises(ValueError, match="final"):
        Decision.objects.get(pk=ticket.decision.pk).delete()


def test_every_write_path_refuses_a_closed_ticket(responded, provider_user, mco_staff,
                                                  hfs_staff, admin_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    workflow.accept(responded.pk, by=provider_user)
    before = Ticket.objects.get(pk=responded.pk).events.count()
    provider, mco, hfs = logged_in(provider_user), logged_in(mco_staff), logged_in(hfs_staff)
    attempts = [
        (provider, "ticket_message", {"body": "hello"}),
        (mco, "ticket_message", {"body": "hello"}),
        (mco, "ticket_respond", {}),
        (mco, "ticket_request_information", {"request_text": "x"}),
        (provider, "ticket_ask_extension", {"circumstances": "x"}),
        (provider, "ticket_contest", {"contacted_on": "2026-11-04", "method": "phone",
                                      "outcome": "x"}),
        (provider, "ticket_request_review", {}),
        (provider, "ticket_answer_information", {"answer_text": "x"}),
        (hfs, "ticket_present", {}),
        (hfs, "ticket_close", {"reason": "duplicate", "confirm": "on"}),
        (hfs, "ticket_close_incomplete", {"note": "x"}),
        (hfs, "ticket_decide", {"outcome": "mco", "reasoning": "x", "bases": ["law"],
                                "confirm": "on",
                                "citations": "x"}),
    ]
    for client, name, data in attempts:
        client.post(reverse(name, args=[responded.pk]), data)
    with pytest.raises(Exception, match="closed"):
        from tickets import drafts

        drafts.add_attachments(Ticket.objects.get(pk=responded.pk),
                               [SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF")],
                               by=provider_user, role="provider")
    ticket = Ticket.objects.get(pk=responded.pk)
    assert ticket.state == State.CLOSED and ticket.close_reason == "accepted"
    assert ticket.events.count() == before
    assert not ticket.messages.exists() and not ticket.attachments.exists()
    # The admin shows tickets read-only.
    admin = Client()
    admin.force_login(admin_user)
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(admin_user, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
    from django.conf import settings

    url = f"/{settings.ADMIN_URL}tickets/ticket/{ticket.pk}/change/"
    response = admin.post(url, {"tracking_number": "changed"})
    assert response.status_code in (403, 200)
    assert Ticket.objects.get(pk=ticket.pk).tracking_number != "changed"


def test_an_unfinished_resolution_opens_an_investigation_on_a_closed_ticket(
    responded, provider_user, hfs_staff
):
    workflow.accept(responded.pk, by=provider_user)
    with pytest.raises(workflow.ActionRefused, match="has until Nov 20, 2026"):
        workflow.report_unfinished_resolution(responded.pk, by=provider_user,
                                              description="Not paid.")
    with time_machine.travel(datetime.datetime(2026, 11, 23, 10, tzinfo=CENTRAL)):
        client = logged_in(provider_user)
        page = client.get(reverse("ticket_detail", args=[responded.pk])).content.decode()
        assert "Report an unfinished resolution" in page
        client.post(reverse("ticket_report_unfinished", args=[responded.pk]),
                    {"description": "Still not paid."})
        investigation = Investigation.objects.get()
        assert Ticket.objects.get(pk=responded.pk).state == State.CLOSED
        hfs = logged_in(hfs_staff)
        assert "Still not paid." in hfs.get(reverse("investigations")).content.decode()
        hfs.post(reverse("investigation_close", args=[investigation.pk]),
                 {"notes": "Called the MCO.", "outcome": "Paid on Nov 24."})
    investigation.refresh_from_db()
    assert investigation.status == "closed" and investigation.closed_by == hfs_staff


def test_reviews_are_private_to_their_parties(in_review, other_provider_user, other_mco_staff,
                                              hfs_staff):
    for user in (other_provider_user, other_mco_staff):
        client = logged_in(user)
        assert client.get(reverse("ticket_detail", args=[in_review.pk])).status_code == 404
        response = client.post(reverse("ticket_review_submission", args=[in_review.pk]),
                               {"statement": "x", "contacts": "y"})
        assert response.status_code in (403, 404)
    html = logged_in(hfs_staff).get(reverse("review_queue")).content.decode()
    assert in_review.number in html


def test_a_refused_contest_keeps_what_was_typed(responded, provider_user):
    response = logged_in(provider_user).post(
        reverse("ticket_contest", args=[responded.pk]),
        {"contacted_on": "2026-10-01", "method": "phone", "outcome": "Rep said no."})
    assert response.status_code == 400
    html = response.content.decode()
    assert "must come after the MCO&#x27;s response" in html
    assert "Rep said no." in html


def test_completing_a_review_submission_needs_both_fields_and_keeps_the_text(in_review,
                                                                            provider_user):
    response = logged_in(provider_user).post(
        reverse("ticket_review_submission", args=[in_review.pk]),
        {"statement": "All our facts.", "contacts": "", "complete": "on"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter the knowledgeable personnel before marking" in html
    assert "All our facts." in html
