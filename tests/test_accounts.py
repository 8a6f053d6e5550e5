"""Accounts (django-allauth): e-mail login, mandatory verification, MFA for staff,
idle sessions, rate limits, deactivation (R-SEC-3)."""

import re
from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.contrib.sessions.models import Session
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from portal.access import Role, roles_of
from portal.models import User, UserSession
from tests.factories import TEST_PASSWORD, TEST_TOTP_SECRET

pytestmark = pytest.mark.django_db


def test_signing_up_needs_a_verified_email_and_makes_a_provider_user(client, reference_data):
    response = client.post(
        reverse("account_signup"),
        {"email": "New.Person@Clinic.test", "password1": TEST_PASSWORD, "password2": TEST_PASSWORD},
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.person@clinic.test")
    assert roles_of(user) == {Role.PROVIDER}
    # Not signed in until the address is verified.
    assert client.get(reverse("provider_home")).status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)
    path = link.split("testserver", 1)[-1]
    client.post(path)
    assert client.get(reverse("provider_home")).status_code == 200


def test_sign_in_is_by_email_address(client, provider_user):
    response = client.post(
        reverse("account_login"), {"login": "PROVIDER@example.test", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("provider_home")


def test_wrong_password_is_refused_and_names_the_problem(client, provider_user):
    response = client.post(
        reverse("account_login"), {"login": provider_user.email, "password": "wrong-password-1"}
    )
    assert response.status_code == 200
    assert b"not correct" in response.content
    assert b'value="provider@example.test"' in response.content


def test_failed_sign_ins_are_rate_limited(client, provider_user):
    for _ in range(5):
        client.post(
            reverse("account_login"), {"login": provider_user.email, "password": "wrong-pass-0"}
        )
    response = client.post(
        reverse("account_login"), {"login": provider_user.email, "password": TEST_PASSWORD}
    )
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session


def test_staff_without_an_authenticator_are_sent_to_enrol(client, reference_data):
    from tests.factories import hfs_staff

    staff = hfs_staff(totp=False)
    client.force_login(staff)
    response = client.get(reverse("hfs_home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    # The enrolment pages themselves stay open.
    assert client.get(reverse("mfa_activate_totp")).status_code in (200, 302)


def test_staff_with_an_authenticator_reach_their_home(client, hfs_staff):
    client.force_login(hfs_staff)
    assert client.get(reverse("hfs_home")).status_code == 200


def test_provider_users_need_no_authenticator(client, provider_user):
    client.force_login(provider_user)
    assert client.get(reverse("provider_home")).status_code == 200


def test_staff_sign_in_asks_for_the_authenticator_code(client, mco_staff):
    from portal.demo import current_totp_code

    response = client.post(
        reverse("account_login"), {"login": mco_staff.email, "password": TEST_PASSWORD}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert "_auth_user_id" not in client.session
    response = client.post(
        reverse("mfa_authenticate"), {"code": current_totp_code(TEST_TOTP_SECRET)}
    )
    assert response.status_code == 302
    assert client.get(reverse("mco_queue")).status_code == 200


def test_staff_cannot_switch_two_step_verification_off(hfs_staff):
    from portal.adapters import MFAAdapter

    totp = Authenticator.objects.get(user=hfs_staff, type=Authenticator.Type.TOTP)
    assert MFAAdapter().can_delete_authenticator(totp) is False


def test_idle_sessions_end_after_the_configured_minutes(client, provider_user, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        client.force_login(provider_user)
        for _ in range(3):  # activity keeps the session alive past 30 minutes in total
            traveller.shift(timedelta(minutes=25))
            assert client.get(reverse("provider_home")).status_code == 200
        traveller.shift(timedelta(minutes=31))
        response = client.get(reverse("provider_home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_password_reset_sends_a_link(client, provider_user):
    client.post(reverse("account_reset_password"), {"email": provider_user.email})
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_deactivation_ends_access_and_sessions_at_once(client, registration_admin, mco_staff):
    from django.test import Client

    from portal.demo import current_totp_code

    staff_client = Client()
    staff_client.post(
        reverse("account_login"), {"login": mco_staff.email, "password": TEST_PASSWORD}
    )
    staff_client.post(reverse("mfa_authenticate"), {"code": current_totp_code(TEST_TOTP_SECRET)})
    assert staff_client.get(reverse("mco_queue")).status_code == 200
    session_key = staff_client.session.session_key
    assert UserSession.objects.filter(user=mco_staff, session_key=session_key).exists()

    client.force_login(registration_admin)
    response = client.post(reverse("people_deactivate", args=[mco_staff.pk]))
    assert response.status_code == 302

    mco_staff.refresh_from_db()
    assert not mco_staff.is_active
    assert mco_staff.deactivated_by == registration_admin
    assert not Session.objects.filter(session_key=session_key).exists()
    response = staff_client.get(reverse("mco_queue"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_admin_signs_in_through_allauth(client, settings):
    response = client.get("/" + settings.ADMIN_URL + "login/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_account_emails_name_the_portal_not_the_host(client, reference_data, settings):
    """Issue 12: never "Hello from 127.0.0.1:8000"."""
    from django.core import mail

    from tests import factories

    settings.SITE_URL = "https://portal.example.gov"
    factories.UserFactory(email="reset-me@example.test")
    client.post(reverse("account_reset_password"), {"email": "reset-me@example.test"})
    message = mail.outbox[-1]
    assert message.subject.startswith(f"[{settings.PORTAL_NAME}] ")
    assert f"Hello from the {settings.PORTAL_NAME}." in message.body
    assert "Hello from testserver" not in message.body
    assert "https://portal.example.gov" in message.body
