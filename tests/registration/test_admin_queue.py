"""Registration admins: the queue, approve (all or some), deny with reasons, escalation,
ending a membership (R-REG-3, R-REG-4, R-REG-6)."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from deadlines import clocks
from deadlines.calendar import CENTRAL
from registration import services
from registration.memberships import approved_providers, can_file_tickets
from registration.models import (
    DenialReason,
    Provider,
    ProviderMembership,
    RegistrationDecision,
    RegistrationRequest,
    RequestStatus,
)
from tests.registration.helpers import MONDAY, entry, make_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, registration_admin):
    client.force_login(registration_admin)
    return client


def test_the_queue_orders_by_target_and_flags_overdue(admin_client, provider_user,
                                                      other_provider_user, registration_admin):
    late = make_request(provider_user, at=MONDAY - datetime.timedelta(days=14))
    soon = make_request(other_provider_user, at=MONDAY)
    with time_machine.travel(MONDAY + datetime.timedelta(hours=1), tick=False):
        admin_client.force_login(registration_admin)  # a session that is fresh at that time
        html = admin_client.get(reverse("registration_queue")).content.decode()
        assert html.index(late.reference) < html.index(soon.reference)
        assert html.count("Overdue</span>") == 1
        overdue_only = admin_client.get(reverse("registration_queue"), {"overdue": "1"})
    assert late.reference in overdue_only.content.decode()
    assert soon.reference not in overdue_only.content.decode()


def test_the_queue_searches_by_npi_tax_id_and_medicaid_id(admin_client, provider_user,
                                                          other_provider_user):
    first = make_request(provider_user)
    second = make_request(other_provider_user, providers=2)
    row = second.providers.order_by("pk").last()
    for query in (row.npi, row.tax_id[:2] + "-" + row.tax_id[2:], row.medicaid_id):
        html = admin_client.get(reverse("registration_queue"), {"q": query}).content.decode()
        assert second.reference in html and first.reference not in html, query


def test_the_queue_query_count_does_not_grow_with_rows(admin_client, provider_user,
                                                       django_assert_max_num_queries):
    for _ in range(3):
        make_request(provider_user, providers=2)
    # 13: the page's keys, then its rows (tickets.queues.CappedPaginator), among them.
    with django_assert_max_num_queries(13) as few:
        admin_client.get(reverse("registration_queue"))
    for _ in range(10):
        make_request(provider_user, providers=3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(reverse("registration_queue"))


def test_approving_some_providers_links_existing_ones_and_invites_people(
    admin_client, provider_user, hfs_staff, django_capture_on_commit_callbacks
):
    existing = services.find_or_create_provider(entry(0))
    request = make_request(provider_user, providers=2,
                           people=[("Sam Staff", "sam@clinic.example.test")])
    rows = list(request.providers.order_by("pk"))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("registration_approve", args=[request.pk]),
                                     {"providers": [str(rows[0].pk)], "note": "Row 2 later"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
    assert Provider.objects.count() == 1  # linked, not duplicated
    assert list(approved_providers(provider_user)) == [existing]
    membership = ProviderMembership.objects.get(user=provider_user)
    assert membership.relationship == "representative"
    sam = ProviderMembership.objects.get(user__email="sam@clinic.example.test").user
    assert not sam.has_usable_password()
    subjects = [m.subject for m in mail.outbox]
    assert any("You are invited" in s for s in subjects)
    approved_mail = next(m for m in mail.outbox if "is approved" in m.subject)
    assert "Not approved: Clinic 1" in approved_mail.body
    assert clocks.running_clock(request, "registration") is None
    assert request.decisions.filter(action="approved").get().by.email == "admin@hfs.example.test"


def test_denying_names_every_reason_and_the_request_can_be_copied(
    admin_client, client, provider_user, django_capture_on_commit_callbacks
):
    request = make_request(provider_user)
    reasons = list(DenialReason.objects.all()[:2])
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("registration_deny", args=[request.pk]), {
            "reasons": [r.pk for r in reasons], "note": "Missing Medicaid ID for row 3",
        })
    request.refresh_from_db()
    assert request.status == RequestStatus.DENIED
    body = next(m for m in mail.outbox if "denied" in m.subject).body
    for reason in reasons:
        assert reason.text in body
    assert "Missing Medicaid ID for row 3" in body
    client.force_login(provider_user)
    copy = client.get(reverse("registration_new") + f"?copy={request.pk}").content.decode()
    assert 'value="Clinic 0"' in copy and 'value="312-555-0100"' in copy


def test_a_denial_needs_a_reason(admin_client, provider_user):
    request = make_request(provider_user)
    response = admin_client.post(reverse("registration_deny", args=[request.pk]), {})
    assert response.status_code == 400
    assert "Choose at least one reason" in response.content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


def test_a_decided_request_cannot_be_decided_again(admin_client, provider_user):
    request = make_request(provider_user)
    row = request.providers.get()
    admin_client.post(reverse("registration_approve", args=[request.pk]),
                      {"providers": [str(row.pk)]})
    response = admin_client.post(reverse("registration_deny", args=[request.pk]),
                                 {"note": "changed my mind"}, follow=True)
    assert "was already approved" in response.content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED


def test_past_its_target_a_request_is_escalated_never_approved(
    provider_user, registration_admin, django_capture_on_commit_callbacks
):
    request = make_request(provider_user)
    with django_capture_on_commit_callbacks(execute=True):
        assert clocks.enforce_due_clocks(datetime.datetime(2027, 1, 7, 0, 1, tzinfo=CENTRAL)) == 1
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
    assert request.escalated_at is not None
    assert request.decisions.filter(action=RegistrationDecision.Action.ESCALATED).exists()
    assert [m.to for m in mail.outbox if "past its target" in m.subject] == [
        [registration_admin.email]
    ]
    assert not can_file_tickets(provider_user)


def test_ending_a_membership_ends_access_at_once(admin_client, client, provider_user,
                                                 registration_admin):
    request = make_request(provider_user)
    services.approve(request, by=registration_admin, provider_ids={request.providers.get().pk})
    assert can_file_tickets(provider_user)
    membership = ProviderMembership.objects.get(user=provider_user)
    response = admin_client.post(reverse("registration_end_membership", args=[membership.pk]),
                                 {"reason": "Left the office"})
    assert response.status_code == 302
    assert not can_file_tickets(provider_user)
    client.force_login(provider_user)
    assert "You cannot file a ticket yet" in client.get(reverse("ticket_start")).content.decode()


def test_the_review_page_shows_checks_and_possible_duplicates(admin_client, provider_user):
    services.find_or_create_provider(entry(0))
    request = make_request(provider_user)
    html = admin_client.get(reverse("registration_review", args=[request.pk])).content.decode()
    assert "Checks the portal ran" in html
    assert "already registered with the same Tax ID and location" in html
    assert RegistrationRequest.objects.count() == 1
