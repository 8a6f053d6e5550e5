"""R-SEC-2: every page that shows a ticket or a registration, and every action that
changes one, leaves an audit row: a walk over the URLs of ``tickets`` and
``registration``.

Each case answers one request as the person who may make it, on a ticket or request in
the state the action needs, and checks the rows that request wrote (found by the request
id the response returns): a GET is exactly one row, an action at least one, each naming
the person and the record. ``test_every_ticket_and_registration_url_is_walked`` fails when
a new URL is neither walked here nor listed in ``NOT_ONE_RECORD`` with the reason.
"""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse

from deadlines.calendar import CENTRAL
from portal.models import AuditEvent, User
from registration.models import DenialReason, ProviderMembership, RegistrationRequest
from tests import factories
from tests.registration.helpers import provider_payload
from tests.tickets.conftest import (
    CONTACT,
    FILED_ON,
    NOW,
    RESPONSE,
    approve,
    make_draft,
    make_provider,
    make_submitted,
)
from tickets import drafts, workflow
from tickets.models import ExtensionRequest, Investigation

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# The MCO's plan date in RESPONSE is Nov 20, 2026: an unfinished resolution can be
# reported from the next business day.
AFTER_PLAN_DATE = datetime.datetime(2026, 11, 23, 10, tzinfo=CENTRAL)

#: URLs of tickets/ and registration/ that show no one ticket or registration, and why.
NOT_ONE_RECORD = {
    "ticket_filing_window": "the filing window message for the start form: no ticket",
    "ticket_claims_template": "the blank claims template: no ticket",
    "registration_template": "the blank registration template: no request",
    "triage_queue": "a queue (its tickets' pages are what is recorded)",
    "extension_queue": "a queue",
    "overdue_responses": "a queue",
    "review_queue": "a queue",
    "investigations": "a queue",
    "mco_queue": "a queue (its export is recorded: mco_export)",
    "registration_queue": "a queue",
    "ticket_search": "a search over many tickets: one 'search' row (tickets/views/search.py)",
    "ticket_search_export": "starts an export job: one 'export' row naming the job; its "
                            "download is recorded too (tests/test_jobs.py)",
}


@pytest.fixture(autouse=True)
def _in_november_2026():
    with time_machine.travel(NOW, tick=True):
        yield


class World:
    """The people, and the ticket or request a case needs, made on demand."""

    def __init__(self, personas):
        self.people = personas
        self.provider = make_provider(0)
        approve(personas["provider"], self.provider)

    @property
    def hfs(self):
        return self.people["hfs"]

    @property
    def mco(self):
        return self.people["mco"]

    @property
    def provider_user(self):
        return self.people["provider"]

    def draft(self):
        return make_draft(self.provider_user, self.provider)

    def draft_with_file(self):
        ticket = self.draft()
        drafts.add_attachments(ticket, [SimpleUploadedFile("eob.pdf", PDF)],
                               by=self.provider_user, role="provider")
        return ticket

    def submitted(self):
        return make_submitted(self.provider_user, self.provider)

    def presented(self):
        return workflow.present(self.submitted().pk, by=self.hfs)

    def info_requested(self):
        return workflow.request_information(self.presented().pk, by=self.mco,
                                            request_text="Send the EOB.")

    def info_answered(self):
        return workflow.answer_information(self.info_requested().pk, by=self.provider_user,
                                           answer_text="Attached it.", already_sent=False)

    def tracking_reported(self):
        return workflow.report_unknown_tracking_number(self.presented().pk, by=self.mco,
                                                       note="No dispute MOL-12345 here.")

    def responded(self):
        return workflow.respond(self.presented().pk, by=self.mco, response=RESPONSE)

    def contested(self):
        return workflow.contest(self.responded().pk, by=self.provider_user, contact=CONTACT)

    def in_review(self):
        return workflow.request_review(self.contested().pk, by=self.provider_user)

    def record_closed(self):
        ticket = self.in_review()
        for party, user in (("provider", self.provider_user), ("mco", self.mco)):
            workflow.save_review_submission(ticket.pk, by=user, party=party,
                                            statement="All we have.", contacts="Dana, 555",
                                            complete=True)
        return ticket

    def decided(self):
        return workflow.decide(self.record_closed().pk, by=self.hfs, decision={
            "outcome": "partly", "reasoning": "Half were covered.",
            "rests_on_contract": True, "rests_on_policy": False, "rests_on_law": False,
            "citations": "Contract 5.3"})

    def closed(self):
        return workflow.close_at_triage(self.submitted().pk, by=self.hfs, reason="duplicate",
                                        note="Same as another.")

    def accepted(self):
        return workflow.accept(self.responded().pk, by=self.provider_user)

    def extension_asked(self):
        ticket = self.presented()
        workflow.ask_for_extension(ticket.pk, by=self.mco, circumstances="A flood.")
        return ExtensionRequest.objects.get(ticket=ticket)

    def investigation(self):
        ticket = self.accepted()
        with time_machine.travel(AFTER_PLAN_DATE):
            workflow.report_unfinished_resolution(ticket.pk, by=self.provider_user,
                                                  description="Not paid.")
        return Investigation.objects.get(ticket=ticket)

    def registration(self):
        from tests.registration.test_admin_queue import make_request

        with time_machine.travel(NOW):
            return make_request(self.provider_user, providers=1)

    def membership(self):
        return ProviderMembership.objects.get(user=self.provider_user, provider=self.provider)


# name: (persona, method, state, URL kwargs, data, the records its rows may name)
# A record is (object type, id); "new" in place of an id: the record the response
# redirects to.
CASES = {
    # --- Pages that show a ticket ---
    "ticket_detail": ("hfs", "get", "presented", lambda t: {"pk": t.pk}, None,
                      lambda t: {("ticket", t.pk)}),
    "ticket_detail_mco": ("mco", "get", "presented", lambda t: {"pk": t.pk}, None,
                          lambda t: {("ticket", t.pk)}),
    "ticket_detail_provider": ("provider", "get", "presented", lambda t: {"pk": t.pk}, None,
                               lambda t: {("ticket", t.pk)}),
    "ticket_edit": ("provider", "get", "draft", lambda t: {"pk": t.pk}, None,
                    lambda t: {("ticket", t.pk)}),
    "ticket_submitted": ("provider", "get", "submitted", lambda t: {"pk": t.pk}, None,
                         lambda t: {("ticket", t.pk)}),
    "ticket_attachment": ("provider", "get", "draft_with_file",
                          lambda t: {"pk": t.pk, "attachment_pk": t.attachments.get().pk},
                          None, lambda t: {("ticket", t.pk)}),
    "ticket_decision": ("mco", "get", "decided", lambda t: {"pk": t.pk}, None,
                        lambda t: {("ticket", t.pk)}),
    "ticket_decision_pdf": ("provider", "get", "decided", lambda t: {"pk": t.pk}, None,
                            lambda t: {("ticket", t.pk)}),
    # Issue 14: starts the export job; the row names the job (its download: test_jobs.py).
    "mco_export": ("mco", "post", "presented", lambda t: {}, {},
                   lambda t: {("export", "new")}),
    # --- Actions on a ticket ---
    "ticket_start": ("provider", "post", None, lambda t: {}, "start",
                     lambda t: {("ticket", "new")}),
    "ticket_edit_post": ("provider", "post", "draft", lambda t: {"pk": t.pk}, "details",
                         lambda t: {("ticket", t.pk)}),
    "ticket_copy": ("provider", "post", "closed", lambda t: {"pk": t.pk}, {},
                    lambda t: {("ticket", t.pk), ("ticket", "new")}),
    # The filing steps (issue 12): the first step changed, the answers checked and filed,
    # a draft discarded.
    "ticket_change": ("provider", "get", "draft", lambda t: {"pk": t.pk}, None,
                      lambda t: {("ticket", t.pk)}),
    "ticket_change_post": ("provider", "post", "draft", lambda t: {"pk": t.pk}, "start",
                           lambda t: {("ticket", t.pk)}),
    "ticket_check": ("provider", "get", "draft", lambda t: {"pk": t.pk}, None,
                     lambda t: {("ticket", t.pk)}),
    "ticket_check_post": ("provider", "post", "draft", lambda t: {"pk": t.pk}, {},
                          lambda t: {("ticket", t.pk)}),
    "ticket_discard": ("provider", "get", "draft", lambda t: {"pk": t.pk}, None,
                       lambda t: {("ticket", t.pk)}),
    "ticket_discard_post": ("provider", "post", "draft", lambda t: {"pk": t.pk}, {},
                            lambda t: {("ticket", t.pk)}),
    "ticket_attachment_remove": (
        "provider", "post", "draft_with_file",
        lambda t: {"pk": t.pk, "attachment_pk": t.attachments.get().pk}, {},
        lambda t: {("ticket", t.pk)}),
    "ticket_assign": ("hfs", "post", "submitted", lambda t: {"pk": t.pk}, {},
                      lambda t: {("ticket", t.pk)}),
    "ticket_present": ("hfs", "post", "submitted", lambda t: {"pk": t.pk}, {"note": ""},
                       lambda t: {("ticket", t.pk)}),
    "ticket_close": ("hfs", "post", "submitted", lambda t: {"pk": t.pk},
                     {"reason": "duplicate", "note": "Same as another.", "confirm": "on"},
                     lambda t: {("ticket", t.pk)}),
    "ticket_note": ("hfs", "post", "submitted", lambda t: {"pk": t.pk},
                    {"text": "Called the provider."}, lambda t: {("ticket", t.pk)}),
    "ticket_request_information": ("mco", "post", "presented", lambda t: {"pk": t.pk},
                                   {"request_text": "Send the EOB."},
                                   lambda t: {("ticket", t.pk)}),
    "ticket_answer_information": ("provider", "post", "info_requested",
                                  lambda t: {"pk": t.pk}, {"answer_text": "Here it is."},
                                  lambda t: {("ticket", t.pk)}),
    "ticket_close_incomplete": ("hfs", "post", "info_answered", lambda t: {"pk": t.pk},
                                {"note": "The EOB is missing."},
                                lambda t: {("ticket", t.pk)}),
    "ticket_report_tracking_unknown": ("mco", "post", "presented", lambda t: {"pk": t.pk},
                                       {"note": "No dispute MOL-12345 in our system."},
                                       lambda t: {("ticket", t.pk)}),
    "ticket_close_invalid_tracking": ("hfs", "post", "tracking_reported",
                                      lambda t: {"pk": t.pk}, {"note": ""},
                                      lambda t: {("ticket", t.pk)}),
    "ticket_respond": ("mco", "post", "presented", lambda t: {"pk": t.pk}, {
        "response_text": "We will pay.", "plan_applies": "on", "plan_text": "Pay.",
        "resolve_by": "2026-11-20", "representative_name": "Rita Rep",
        "representative_phone": "312-555-0199",
        "representative_email": "rita@molina.example.test"},
        lambda t: {("ticket", t.pk)}),
    "ticket_ask_extension": ("mco", "post", "presented", lambda t: {"pk": t.pk},
                             {"circumstances": "A flood closed our office."},
                             lambda t: {("ticket", t.pk)}),
    "ticket_message": ("provider", "post", "presented", lambda t: {"pk": t.pk},
                       {"body": "Any news?"}, lambda t: {("ticket", t.pk)}),
    "ticket_accept": ("provider", "post", "responded", lambda t: {"pk": t.pk},
                      {"confirm": "on"}, lambda t: {("ticket", t.pk)}),
    "ticket_contest": ("provider", "post", "responded", lambda t: {"pk": t.pk}, {
        "contacted_on": "2026-11-04", "method": "phone", "outcome": "No change."},
        lambda t: {("ticket", t.pk)}),
    "ticket_request_review": ("provider", "post", "contested", lambda t: {"pk": t.pk}, {},
                              lambda t: {("ticket", t.pk)}),
    "ticket_review_submission": ("provider", "post", "in_review", lambda t: {"pk": t.pk},
                                 {"statement": "All we have.", "contacts": "Dana, 555"},
                                 lambda t: {("ticket", t.pk)}),
    "ticket_decide": ("hfs", "post", "record_closed", lambda t: {"pk": t.pk}, {
        "outcome": "partly", "reasoning": "Half were covered.", "bases": ["contract"],
        "citations": "Contract 5.3", "confirm": "on"}, lambda t: {("ticket", t.pk)}),
    "ticket_report_unfinished": ("provider", "post", "accepted", lambda t: {"pk": t.pk},
                                 {"description": "Still not paid."},
                                 lambda t: {("ticket", t.pk)}),
    "extension_decide": ("hfs", "post", "extension_asked", lambda x: {"request_pk": x.pk},
                         {"decision": "approve", "note": ""},
                         lambda x: {("extension", x.pk), ("ticket", x.ticket_id)}),
    "investigation_close": ("hfs", "post", "investigation",
                            lambda x: {"investigation_pk": x.pk},
                            {"notes": "Called the MCO.", "outcome": "Paid."},
                            lambda x: {("investigation", x.pk), ("ticket", x.ticket_id)}),
    "mco_assign": ("supervisor", "post", "presented", lambda t: {}, "assign",
                   lambda t: {("ticket", None), ("ticket", t.pk)}),
    # --- Registration ---
    "registration_new": ("provider", "post", None, lambda r: {}, "registration",
                         lambda r: {("registration", "new")}),
    "registration_detail": ("provider", "get", "registration", lambda r: {"pk": r.pk}, None,
                            lambda r: {("registration", r.pk)}),
    "registration_review": ("registration_admin", "get", "registration",
                            lambda r: {"pk": r.pk}, None,
                            lambda r: {("registration", r.pk)}),
    "registration_approve": ("registration_admin", "post", "registration",
                             lambda r: {"pk": r.pk}, "approve",
                             lambda r: {("registration", r.pk)}),
    "registration_deny": ("registration_admin", "post", "registration",
                          lambda r: {"pk": r.pk}, "deny", lambda r: {("registration", r.pk)}),
    "registration_provider": ("registration_admin", "get", "membership",
                              lambda m: {"pk": m.provider_id}, None,
                              lambda m: {("provider", m.provider_id)}),
    "registration_end_membership": ("registration_admin", "post", "membership",
                                    lambda m: {"pk": m.pk}, {"reason": "Left the office."},
                                    lambda m: {("membership", m.pk)}),
}

URL_NAME = {
    "ticket_detail_mco": "ticket_detail", "ticket_detail_provider": "ticket_detail",
    "ticket_edit_post": "ticket_edit", "ticket_change_post": "ticket_change",
    "ticket_check_post": "ticket_check", "ticket_discard_post": "ticket_discard",
}


def _payload(kind, world, thing):
    if not isinstance(kind, str):
        return kind
    if kind == "start":
        from portal.models import MCO, ComplaintType

        return {"provider": world.provider.pk, "mco": MCO.objects.get(slug="molina").pk,
                "complaint_type": ComplaintType.objects.get(slug="claims-payment").pk,
                "dispute_filed_on": FILED_ON.isoformat(), "tracking_number": "MOL-12345",
                "internal_process_exhausted": "on"}
    if kind == "details":
        return {"dispute_filed_on": thing.dispute_filed_on.isoformat(),
                "tracking_number": thing.tracking_number, "internal_process_exhausted": "on",
                "description": "Denied although the PA was approved.", "claims_mode": "none"}
    if kind == "assign":
        return {"tickets": [thing.pk], "assignee": world.people["mco"].pk}
    if kind == "registration":
        return provider_payload()
    if kind == "approve":
        return {"providers": [str(thing.providers.get().pk)], "note": ""}
    if kind == "deny":
        return {"reasons": [DenialReason.objects.first().pk], "note": "Missing Medicaid ID."}
    raise AssertionError(kind)


def _new_record_id(response):
    from django.urls import resolve

    return resolve(response["Location"].split("?")[0]).kwargs.get("pk")


@pytest.fixture
def world(personas):
    supervisor = factories.mco_staff("molina", email="supervisor@molina.example.test")
    supervisor.user_permissions.add(Permission.objects.get(codename="supervise_mco_queue"))
    return World({**personas, "supervisor": User.objects.get(pk=supervisor.pk)})


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_request_leaves_an_audit_row(case, world):
    persona, method, state, url_kwargs, data, records = CASES[case]
    if state == "membership":
        world.registration()
        from registration import services

        request = RegistrationRequest.objects.get()
        services.approve(request, by=world.people["registration_admin"],
                         provider_ids={request.providers.get().pk})
    thing = getattr(world, state)() if state else None
    user = world.people[persona]
    url = reverse(URL_NAME.get(case, case), kwargs=url_kwargs(thing))
    travel = time_machine.travel(AFTER_PLAN_DATE) if case == "ticket_report_unfinished" else (
        time_machine.travel(NOW, tick=True))
    with travel:
        client = Client()
        client.force_login(user)
        if method == "get":
            response = client.get(url)
        else:
            response = client.post(url, _payload(data, world, thing))
    assert response.status_code < 400, (case, response.status_code)
    assert "/accounts/" not in response.get("Location", ""), case
    if method == "post" and response.status_code == 302:
        # The action was done, not refused: it redirects, and no error message waits.
        messages = [str(m) for m in response.wsgi_request._messages]
        assert not any(m.level_tag == "error" for m in response.wsgi_request._messages), (
            case, messages)
    written = list(AuditEvent.objects.filter(request_id=response["X-Request-ID"]))
    assert written, f"{case}: no audit row"
    if method == "get":
        assert len(written) == 1, (case, [(e.action, e.object_type) for e in written])
    allowed = set()
    for object_type, object_id in records(thing):
        if object_id == "new":
            object_id = _new_record_id(response)
        allowed.add((object_type, object_id))
    for event in written:
        assert event.user == user, (case, event.action)
        assert (event.object_type, event.object_id) in allowed, (
            case, event.action, event.object_type, event.object_id, allowed)
        assert event.ip_address == "127.0.0.1" and event.source == "web"


def _urls_of(module):
    for pattern in get_resolver(module).url_patterns:
        if isinstance(pattern, URLPattern) and pattern.name:
            yield pattern.name


def test_every_ticket_and_registration_url_is_walked():
    names = set(_urls_of("tickets.urls")) | set(_urls_of("registration.urls"))
    walked = {URL_NAME.get(case, case) for case in CASES}
    assert names - walked - set(NOT_ONE_RECORD) == set(), (
        "walk the new URL in CASES, or say in NOT_ONE_RECORD why it shows no one record")
    assert not walked & set(NOT_ONE_RECORD)


def test_a_refused_look_writes_no_row(world):
    """A stranger's attempt is not a view of the ticket (Django's request log has it)."""
    ticket = world.presented()
    client = Client()
    client.force_login(factories.provider_user(email="stranger-provider@example.test"))
    assert client.get(reverse("ticket_detail", args=[ticket.pk])).status_code == 404
    response = client.get(reverse("ticket_decision_pdf", args=[ticket.pk]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(request_id=response["X-Request-ID"]).exists()
