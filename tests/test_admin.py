"""The Django admin for the state team (issue 10): people, memberships, notifications,
clocks and closure days. Records stay read-only; actions go through the same functions as
the portal's pages; only active superusers get in."""

import datetime

import pytest
import time_machine
from django.contrib import admin
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse

from deadlines import calendar, clocks, closures
from deadlines.models import Clock, ClosureChange, ClosureDay
from portal.models import Notification, User
from portal.notifications import MAX_ATTEMPTS, notify
from registration import services
from registration.models import ProviderMembership, RegistrationDecision, RegistrationRequest
from tests import factories
from tests.registration.helpers import MONDAY, make_request

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _on_a_monday():
    with time_machine.travel(MONDAY, tick=False):
        yield


@pytest.fixture
def superuser(reference_data):
    return factories.UserFactory(email="ops@state.example.test", is_staff=True,
                                 is_superuser=True, totp=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def records(provider_user, registration_admin, django_capture_on_commit_callbacks):
    """One of everything the admin lists: a decided request with its clock, decisions and
    membership, a sent and a failed notification, a closure day and its change."""
    with django_capture_on_commit_callbacks(execute=True):
        request = make_request(provider_user)
        services.approve(request, by=registration_admin,
                         provider_ids={request.providers.get().pk})
    failed = notify(to="nobody@example.test", template="registration_reminder",
                    context={"reference": "R-1", "target": "soon", "link": "x"})
    Notification.objects.filter(pk=failed.pk).update(attempts=MAX_ATTEMPTS,
                                                     last_error="SMTP 550 mailbox unavailable")
    closures.add_closure(calendar.add_business_days(MONDAY.date(), 10), "Snow emergency",
                         registration_admin)
    return request


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_admin_page_opens_for_a_superuser(admin_client, superuser, records):
    as_superuser = RequestFactory().get("/")
    as_superuser.user = superuser
    for model, model_admin in admin.site._registry.items():
        assert admin_client.get(admin_url(model, "changelist")).status_code == 200, model
        obj = model._default_manager.first()
        if obj is not None:
            page = admin_client.get(admin_url(model, "change", obj.pk))
            assert page.status_code == 200, model
        if model_admin.has_add_permission(as_superuser):
            assert admin_client.get(admin_url(model, "add")).status_code == 200, model


@pytest.mark.parametrize("model", [Clock, RegistrationDecision, RegistrationRequest,
                                   ProviderMembership, Notification, ClosureChange])
def test_records_cannot_be_added_changed_or_deleted(admin_client, records, model):
    obj = model._default_manager.first()
    before = model._default_manager.count()
    assert admin_client.get(admin_url(model, "add")).status_code == 403
    assert admin_client.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code \
        == 403
    page = admin_client.get(admin_url(model, "change", obj.pk)).content.decode()
    assert 'name="_save"' not in page
    assert model._default_manager.count() == before


def test_staff_without_superuser_do_not_get_in(client, hfs_staff):
    hfs_staff.is_staff = True
    hfs_staff.save()
    client.force_login(hfs_staff)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_a_failed_send_shows_its_error_and_can_be_resent(admin_client, records,
                                                        django_capture_on_commit_callbacks):
    failed = Notification.objects.get(to_email="nobody@example.test")
    listing = admin_client.get(admin_url(Notification, "changelist"), {"delivery": "gave_up"})
    html = listing.content.decode()
    assert "SMTP 550 mailbox unavailable" in html
    assert f"Failed {MAX_ATTEMPTS} times; no more retries" in html
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(admin_url(Notification, "changelist"), {
            "action": "resend_selected", "_selected_action": [failed.pk],
        })
    failed.refresh_from_db()
    assert failed.sent_at is not None and failed.attempts == 1
    assert [m.to for m in mail.outbox] == [["nobody@example.test"]]


def test_resending_a_sent_notification_sends_a_copy_and_keeps_the_record(
    admin_client, records, django_capture_on_commit_callbacks
):
    sent = Notification.objects.filter(sent_at__isnull=False).first()
    count = Notification.objects.count()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(admin_url(Notification, "changelist"), {
            "action": "resend_selected", "_selected_action": [sent.pk],
        })
    assert Notification.objects.count() == count + 1
    assert [m.to for m in mail.outbox] == [[sent.to_email]]
    assert Notification.objects.get(pk=sent.pk).sent_at == sent.sent_at


def test_deactivating_from_the_admin_ends_access(admin_client, superuser, provider_user):
    response = admin_client.post(admin_url(User, "changelist"), {
        "action": "deactivate", "_selected_action": [provider_user.pk, superuser.pk],
    }, follow=True)
    html = response.content.decode()
    assert "You cannot deactivate your own account." in html
    provider_user.refresh_from_db()
    superuser.refresh_from_db()
    assert (provider_user.is_active, provider_user.deactivated_by) == (False, superuser)
    assert superuser.is_active


def test_roles_are_not_edited_in_the_admin(admin_client, mco_staff):
    page = admin_client.get(admin_url(User, "change", mco_staff.pk)).content.decode()
    assert 'name="groups"' not in page and 'name="mco"' not in page
    assert "MCO staff" in page


def test_a_closure_day_added_in_the_admin_moves_the_clocks(admin_client, provider_user,
                                                          superuser):
    request = make_request(provider_user)  # due Wed Jan 6, 2027: 2 business days
    closed = calendar.add_business_days(datetime.date(2027, 1, 4), 1)
    response = admin_client.post(admin_url(ClosureDay, "add"), {
        "date": closed.isoformat(), "reason": "Snow emergency",
    })
    assert response.status_code == 302
    assert ClosureDay.objects.get().added_by == superuser
    assert ClosureChange.objects.get().action == "added"
    clock = clocks.running_clock(request, "registration")
    assert clock.due_date == calendar.add_business_days(datetime.date(2027, 1, 4), 2)
    assert clock.due_date == datetime.date(2027, 1, 7)


def test_a_weekend_closure_is_refused_on_the_form(admin_client):
    response = admin_client.post(admin_url(ClosureDay, "add"), {
        "date": "2027-01-09", "reason": "Snow",
    })
    assert response.status_code == 200
    assert "weekends are never business days" in response.content.decode()
    assert not ClosureDay.objects.exists()
