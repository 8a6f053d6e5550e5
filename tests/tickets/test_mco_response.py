"""Issue 6: the MCO's queue, information requests, the written response, extensions, the
thread, and late-response escalation (R-FLOW-2, R-FLOW-3, R-FLOW-4, R-FLOW-10, R-SEC-1)."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from deadlines import clocks
from deadlines.calendar import CENTRAL
from portal.models import User
from tests.tickets.conftest import RESPONSE as COMPLETE_RESPONSE
from tests.tickets.conftest import make_submitted
from tickets import workflow
from tickets.models import ExtensionRequest, State, Ticket

pytestmark = pytest.mark.django_db

RESPONSE = {
    "response_text": "We reprocessed the claim and will pay it.",
    "plan_applies": "on",
    "plan_text": "Reprocess and pay.",
    "resolve_by": "2026-12-15",
    "representative_name": "Rita Rep",
    "representative_phone": "312-555-0199",
    "representative_email": "rita@molina.example.test",
}


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


# --- Information requests (R-FLOW-3) ------------------------------------------------------


@pytest.mark.parametrize(("day", "allowed"), [(5, True), (6, False)])
def test_information_may_be_requested_until_business_day_five(presented_ticket, mco_staff,
                                                              day, allowed):
    # Presented Wed Nov 4, 2026; Veterans Day (Wed Nov 11) is not a business day:
    # business days 1..6 are Nov 5, 6, 9, 10, 12, 13.
    days = {5: datetime.date(2026, 11, 12), 6: datetime.date(2026, 11, 13)}
    moment = datetime.datetime.combine(days[day], datetime.time(15), tzinfo=CENTRAL)
    with time_machine.travel(moment, tick=False):
        clocks.enforce_due_clocks()
        client = logged_in(mco_staff)
        page = client.get(reverse("ticket_detail", args=[presented_ticket.pk])).content
        response = client.post(reverse("ticket_request_information",
                                       args=[presented_ticket.pk]),
                               {"request_text": "Send the EOB."}, follow=True)
    ticket = Ticket.objects.get(pk=presented_ticket.pk)
    if allowed:
        assert b"Request information from the provider" in page
        assert ticket.state == State.AWAITING_PROVIDER_INFO
    else:
        assert b"Request information from the provider" not in page
        assert "closed on Nov 12, 2026" in response.content.decode()
        assert ticket.state == State.WITH_MCO


def test_the_provider_answers_with_evidence_that_it_was_already_sent(presented_ticket,
                                                                     mco_staff, provider_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    workflow.request_information(presented_ticket.pk, by=mco_staff, request_text="EOB?")
    client = logged_in(provider_user)
    url = reverse("ticket_answer_information", args=[presented_ticket.pk])
    response = client.post(url, {"answer_text": "Faxed on Oct 1.", "already_sent": "on"})
    assert response.status_code == 400
    assert "Attach the evidence" in response.content.decode()
    pdf = SimpleUploadedFile("fax-receipt.pdf", b"%PDF-1.4\n%%EOF\n")
    response = client.post(url, {"answer_text": "Faxed on Oct 1.", "already_sent": "on",
                                 "files": pdf})
    assert response.status_code == 302
    ticket = Ticket.objects.get(pk=presented_ticket.pk)
    assert ticket.state == State.WITH_MCO
    request = ticket.information_requests.get()
    assert request.already_sent and request.answered_by == provider_user
    assert ticket.attachments.get().name == "fax-receipt.pdf"


# --- The written response (R-FLOW-2) ------------------------------------------------------


def test_a_response_needs_its_fields_and_a_plan_needs_its_date(presented_ticket, mco_staff):
    client = logged_in(mco_staff)
    url = reverse("ticket_respond", args=[presented_ticket.pk])
    response = client.post(url, {**RESPONSE, "resolve_by": "", "representative_email": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter the date by which it will be resolved." in html
    assert "Enter representative&#x27;s e-mail." in html
    assert "Reprocess and pay." in html  # kept
    response = client.post(url, RESPONSE)
    assert response.status_code == 302
    ticket = Ticket.objects.get(pk=presented_ticket.pk)
    assert ticket.state == State.MCO_RESPONDED
    assert ticket.response.representative_name == "Rita Rep" and not ticket.response.is_late


def test_a_late_response_is_accepted_recorded_late_and_stays_a_sanction_candidate(
    presented_ticket, mco_staff, hfs_staff, django_capture_on_commit_callbacks
):
    from django.core import mail

    due = clocks.running_clock(presented_ticket, "mco_response").due_at
    with django_capture_on_commit_callbacks(execute=True):
        clocks.enforce_due_clocks(due + datetime.timedelta(seconds=1))
    assert [m.to for m in mail.outbox if "overdue" in m.subject] == [[hfs_staff.email]]
    late_day = due + datetime.timedelta(days=2)
    with time_machine.travel(late_day, tick=False):
        response = logged_in(mco_staff).post(
            reverse("ticket_respond", args=[presented_ticket.pk]), RESPONSE)
        assert response.status_code == 302
        overdue = logged_in(hfs_staff).get(reverse("overdue_responses")).content.decode()
    ticket = Ticket.objects.get(pk=presented_ticket.pk)
    assert ticket.response.is_late and ticket.sanction_candidate_at is not None
    assert presented_ticket.number in overdue
    assert "2 calendar" in overdue


# --- Extensions (R-FLOW-4) ----------------------------------------------------------------


def test_an_approved_extension_moves_the_response_to_day_sixty(presented_ticket, mco_staff,
                                                                hfs_staff):
    response = logged_in(mco_staff).post(
        reverse("ticket_ask_extension", args=[presented_ticket.pk]),
        {"circumstances": "Claims system outage."})
    assert response.status_code == 302
    extension = ExtensionRequest.objects.get()
    queue = logged_in(hfs_staff).get(reverse("extension_queue")).content.decode()
    assert presented_ticket.number in queue and "Claims system outage." in queue
    # The decision shows the actual new due date before HFS approves (issue 12).
    assert "If approved, the MCO’s response is due Mon, Jan 4, 2027" in queue
    logged_in(hfs_staff).post(reverse("extension_decide", args=[extension.pk]),
                              {"decision": "approve", "note": "Outage confirmed."})
    clock = clocks.running_clock(presented_ticket, "mco_response")
    # Presented Wed Nov 4: day 60 is Sun Jan 3, 2027, rolled forward to Mon Jan 4.
    assert clock.due_date == datetime.date(2027, 1, 4)
    change = clock.changes.get()
    assert change.changed_by == hfs_staff and "Extension approved" in change.reason


def test_one_extension_per_ticket_for_either_party_not_both(presented_ticket, mco_staff,
                                                            provider_user):
    workflow.ask_for_extension(presented_ticket.pk, by=provider_user, party="provider",
                               circumstances="Staff out sick.")
    with pytest.raises(workflow.ActionRefused, match="already asked for this ticket"):
        workflow.ask_for_extension(presented_ticket.pk, by=mco_staff, party="mco",
                                   circumstances="Outage.")
    with pytest.raises(workflow.ActionRefused, match="already asked"):
        workflow.ask_for_extension(presented_ticket.pk, by=provider_user, party="provider",
                                   circumstances="Again.")


def test_an_extension_after_the_cut_off_is_refused_with_the_date(presented_ticket, mco_staff):
    cutoff = clocks.running_clock(presented_ticket, "extension_cutoff")
    # Nov 4 + 23 = Fri Nov 27 (the day after Thanksgiving, a closure) -> Mon Nov 30.
    assert cutoff.due_date == datetime.date(2026, 11, 30)
    clocks.enforce_due_clocks(cutoff.due_at + datetime.timedelta(seconds=1))
    with pytest.raises(workflow.ActionRefused, match="closed on Nov 30, 2026"):
        workflow.ask_for_extension(presented_ticket.pk, by=mco_staff, party="mco",
                                   circumstances="Outage.")


def test_a_denied_extension_leaves_the_deadline(presented_ticket, mco_staff, hfs_staff):
    request = workflow.ask_for_extension(presented_ticket.pk, by=mco_staff, party="mco",
                                         circumstances="Busy.")
    workflow.decide_extension(request.pk, by=hfs_staff, approve=False, note="Not extenuating.")
    assert clocks.running_clock(presented_ticket, "mco_response").due_date == (
        datetime.date(2026, 12, 4))
    with pytest.raises(workflow.ActionRefused, match="already denied"):
        workflow.decide_extension(request.pk, by=hfs_staff, approve=True)


# --- The thread (R-FLOW-10) and closed tickets (R-FLOW-8) --------------------------------


def test_messages_are_shared_and_refused_once_closed(presented_ticket, mco_staff,
                                                     provider_user, hfs_staff):
    logged_in(mco_staff).post(reverse("ticket_message", args=[presented_ticket.pk]),
                              {"body": "Can you call us?"})
    page = logged_in(provider_user).get(reverse("ticket_detail", args=[presented_ticket.pk]))
    assert "Can you call us?" in page.content.decode()
    workflow.respond(presented_ticket.pk, by=mco_staff, response=COMPLETE_RESPONSE)
    workflow.accept(presented_ticket.pk, by=provider_user)
    response = logged_in(provider_user).post(
        reverse("ticket_message", args=[presented_ticket.pk]), {"body": "Thanks"}, follow=True)
    assert "is closed and cannot be changed" in response.content.decode()
    assert presented_ticket.messages.count() == 1


# --- The MCO queue, its isolation and the export ---------------------------------------


def test_the_queue_shows_only_this_mcos_presented_tickets(presented_ticket, mco_staff,
                                                          other_mco_staff, provider_user,
                                                          provider):
    not_presented = make_submitted(provider_user, provider)
    html = logged_in(mco_staff).get(reverse("mco_queue")).content.decode()
    assert presented_ticket.number in html and not_presented.number not in html
    other = logged_in(other_mco_staff)
    assert presented_ticket.number not in other.get(reverse("mco_queue")).content.decode()
    for name in ("ticket_detail",):
        assert other.get(reverse(name, args=[presented_ticket.pk])).status_code == 404
    # The export (a job since issue 14): tests/tickets/test_mco_export_job.py.


def test_supervisors_assign_tickets_to_colleagues(presented_ticket, mco_staff):
    from tests import factories

    colleague = factories.mco_staff("molina", email="colleague@molina.example.test")
    assert logged_in(mco_staff).post(reverse("mco_assign"), {}).status_code == 403
    mco_staff.user_permissions.add(Permission.objects.get(codename="supervise_mco_queue"))
    supervisor = User.objects.get(pk=mco_staff.pk)
    logged_in(supervisor).post(reverse("mco_assign"), {
        "tickets": [presented_ticket.pk], "assignee": colleague.pk})
    assert Ticket.objects.get(pk=presented_ticket.pk).mco_assigned_to == colleague
    mine = logged_in(colleague).get(reverse("mco_queue"), {"mine": "1"}).content.decode()
    assert presented_ticket.number in mine


def test_the_queue_query_count_does_not_grow(mco_staff, provider_user, provider, hfs_staff,
                                            django_assert_max_num_queries):
    client = logged_in(mco_staff)
    workflow.present(make_submitted(provider_user, provider).pk, by=hfs_staff)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("mco_queue"))
    for _ in range(6):
        workflow.present(make_submitted(provider_user, provider).pk, by=hfs_staff)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("mco_queue"))


def test_no_answer_in_five_business_days_closes_and_tells_both(presented_ticket, mco_staff,
                                                               django_capture_on_commit_callbacks):
    from django.core import mail

    workflow.request_information(presented_ticket.pk, by=mco_staff, request_text="EOB?")
    due = clocks.running_clock(presented_ticket, "provider_info").due_at
    with django_capture_on_commit_callbacks(execute=True):
        clocks.enforce_due_clocks(due + datetime.timedelta(seconds=1))
    ticket = Ticket.objects.get(pk=presented_ticket.pk)
    assert ticket.close_reason == "no_information"
    closed_mail = [m for m in mail.outbox if "is closed" in m.subject]
    assert {m.to[0] for m in closed_mail} >= {"provider@example.test", mco_staff.email}
    assert all("Pat Member" not in m.body for m in mail.outbox)


def test_the_mco_is_reminded_two_business_days_before_its_response_is_due(
    presented_ticket, mco_staff, django_capture_on_commit_callbacks
):
    from django.core import mail

    clock = clocks.running_clock(presented_ticket, "mco_response")
    # Due Fri Dec 4, 2026: reminded from the start of Wed Dec 2.
    assert clock.remind_at == datetime.datetime(2026, 12, 2, tzinfo=CENTRAL)
    with django_capture_on_commit_callbacks(execute=True):
        assert clocks.send_due_reminders(datetime.datetime(2026, 12, 2, 8, tzinfo=CENTRAL)) >= 1
    reminders = [m for m in mail.outbox if m.subject.endswith("is due on Friday, December 4, 2026")]
    assert [m.to for m in reminders] == [[mco_staff.email]]
    assert "MCO written response" in reminders[0].body


def test_the_ticket_page_says_whose_turn_it_is(presented_ticket, mco_staff, provider_user):
    workflow.request_information(presented_ticket.pk, by=mco_staff, request_text="EOB?")
    url = reverse("ticket_detail", args=[presented_ticket.pk])
    provider_page = logged_in(provider_user).get(url).content.decode()
    assert "Your next step: Send the information the MCO asked for" in provider_page
    assert "or the ticket closes" in provider_page
    mco_page = logged_in(mco_staff).get(url).content.decode()
    assert "Your next step: Send your written response" in mco_page
    assert "The provider — Provider sends the requested information" in mco_page


def test_the_queue_opens_on_what_needs_the_mcos_action(presented_ticket, mco_staff,
                                                       provider_user, provider, hfs_staff):
    """Issue 12: the default view is "needs our action"; a ticket answered shows when, never
    a date that no longer applies; a non-supervisor gets no empty form."""
    second = workflow.present(make_submitted(provider_user, provider).pk, by=hfs_staff)
    workflow.respond(second.pk, by=mco_staff, response=COMPLETE_RESPONSE)
    client = logged_in(mco_staff)
    page = client.get(reverse("mco_queue")).content.decode()
    assert presented_ticket.number in page and second.number not in page
    assert "1 ticket needing your action" in page
    main = page.split("<main")[1].split("</main>")[0]
    # No assignment form (the export's form, issue 14, is the only one that posts).
    assert reverse("mco_assign") not in main and main.count('method="post"') == 1
    page = client.get(reverse("mco_queue"), {"status": "open"}).content.decode()
    row = page.split(second.number)[1].split("</tr>")[0]
    assert "Responded Nov 4, 2026" in row
    assert "Ask by" not in row and "Overdue" not in row
