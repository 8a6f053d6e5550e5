"""People management: invitations, accepting them, deactivation (issue 2)."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse

from portal.access import Role, roles_of
from portal.models import Invitation, Notification, User
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def invite(client, django_capture_on_commit_callbacks):
    """Posts the invitation form; the outbox's after-commit send runs when the request ends."""

    def post(**overrides):
        data = {
            "email": "new.staff@molina.example.test",
            "first_name": "Nia",
            "last_name": "Staff",
            "role": Role.MCO.value,
            "mco": factories.mco("molina").pk,
        }
        data.update(overrides)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("people_invite"), data)

    return post


def link_from(message):
    return re.search(r"http://\S+/invitation/\S+/\S+/", message.body).group(0)


def test_a_registration_admin_invites_mco_staff_for_one_mco(client, invite, registration_admin):
    client.force_login(registration_admin)
    response = invite()
    assert response.status_code == 302
    person = User.objects.get(email="new.staff@molina.example.test")
    assert roles_of(person) == {Role.MCO}
    assert person.mco.slug == "molina"
    assert not person.has_usable_password()
    invitation = Invitation.objects.get(user=person)
    assert invitation.invited_by == registration_admin
    assert Notification.objects.filter(recipient=person, template="invitation").count() == 1
    assert len(mail.outbox) == 1
    assert "MCO staff for Molina Healthcare of Illinois" in mail.outbox[0].body


def test_an_mco_invitation_needs_the_mco_and_keeps_what_was_typed(
    client, invite, registration_admin
):
    client.force_login(registration_admin)
    response = invite(mco="")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Choose the MCO this person works for." in html
    assert 'value="new.staff@molina.example.test"' in html
    assert 'aria-invalid="true"' in html
    assert not User.objects.filter(email="new.staff@molina.example.test").exists()


def test_an_address_with_an_account_cannot_be_invited_again(
    client, invite, registration_admin, hfs_staff
):
    client.force_login(registration_admin)
    response = invite(email=hfs_staff.email.upper(), role=Role.HFS.value, mco="")
    assert response.status_code == 200
    assert "already has an account" in response.content.decode()


def test_the_invitee_sets_a_password_then_must_enrol_mfa(client, invite, registration_admin):
    client.force_login(registration_admin)
    invite(role=Role.HFS.value, mco="")
    client.logout()
    link = link_from(mail.outbox[0]).split("testserver", 1)[-1]
    assert client.get(link).status_code == 200
    response = client.post(
        link,
        {"new_password1": factories.TEST_PASSWORD, "new_password2": factories.TEST_PASSWORD},
    )
    assert response.status_code == 302
    person = User.objects.get(email="new.staff@molina.example.test")
    assert person.check_password(factories.TEST_PASSWORD)
    assert EmailAddress.objects.get(user=person).verified
    assert Invitation.objects.get(user=person).accepted_at is not None
    # Signed in, but no staff page opens before two-step verification is set up.
    response = client.get(reverse("hfs_home"))
    assert response["Location"] == reverse("mfa_activate_totp")
    # The link works once only.
    client.logout()
    assert client.get(link).status_code == 404


def test_a_tampered_invitation_link_is_refused(client, invite, registration_admin):
    client.force_login(registration_admin)
    invite()
    client.logout()
    link = link_from(mail.outbox[0]).split("testserver", 1)[-1]
    response = client.get(link[:-3] + "xx/")
    assert response.status_code == 404
    assert b"not valid" in response.content


def test_hfs_staff_manage_people_only_with_the_permission(client, hfs_staff):
    client.force_login(hfs_staff)
    assert client.get(reverse("people_list")).status_code == 403
    hfs_staff.user_permissions.add(Permission.objects.get(codename="manage_people"))
    hfs_staff = User.objects.get(pk=hfs_staff.pk)  # permissions are cached per object
    client.force_login(hfs_staff)
    assert client.get(reverse("people_list")).status_code == 200


def test_provider_users_cannot_be_deactivated_from_the_people_page(
    client, registration_admin, provider_user
):
    client.force_login(registration_admin)
    response = client.post(reverse("people_deactivate", args=[provider_user.pk]))
    assert response.status_code == 404
    provider_user.refresh_from_db()
    assert provider_user.is_active


def test_deactivated_staff_can_be_reactivated(client, registration_admin, mco_staff):
    client.force_login(registration_admin)
    client.post(reverse("people_deactivate", args=[mco_staff.pk]))
    client.post(reverse("people_reactivate", args=[mco_staff.pk]))
    mco_staff.refresh_from_db()
    assert mco_staff.is_active and mco_staff.deactivated_at is None


def test_the_people_list_searches_and_shows_only_staff(
    client, registration_admin, mco_staff, other_mco_staff, provider_user
):
    client.force_login(registration_admin)
    html = client.get(reverse("people_list"), {"q": "aetna"}).content.decode()
    assert other_mco_staff.email in html
    assert mco_staff.email not in html
    html = client.get(reverse("people_list")).content.decode()
    assert provider_user.email not in html


def test_deactivating_needs_post(client, registration_admin, mco_staff):
    client.force_login(registration_admin)
    assert client.get(reverse("people_deactivate", args=[mco_staff.pk])).status_code == 405
