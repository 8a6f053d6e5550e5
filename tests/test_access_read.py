"""What every request asks of the signed-in person — roles, TOTP (R-SEC-3), permissions —
is read in one query per request (issue 14), matches what the database says, and is read
afresh on the next request."""

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal import access
from portal.access import Role
from portal.models import User
from tests import factories

pytestmark = pytest.mark.django_db


def fresh(user):
    return User.objects.get(pk=user.pk)


def test_one_query_answers_roles_totp_and_permissions(django_assert_num_queries,
                                                      registration_admin):
    user = fresh(registration_admin)
    with django_assert_num_queries(1):
        assert access.roles_of(user) == {Role.REGISTRATION_ADMIN}
        assert access.has_totp(user)
        assert access.needs_mfa(user)
        # The permission comes with the Registration admins group (migration 0002).
        assert access.can_manage_people(user)
        assert not access.has_permission(user, "portal.read_audit_log")


def test_what_is_read_matches_the_database(reference_data):
    two_roles = factories.UserFactory(roles=[Role.PROVIDER, Role.HFS], totp=False)
    user = fresh(two_roles)
    assert access.roles_of(user) == {Role.PROVIDER, Role.HFS}
    assert not access.has_totp(user)
    assert not access.can_manage_people(user)  # HFS staff without the permission
    assert access.has_permission(user, "portal.manage_people") is user.has_perm(
        "portal.manage_people") is False

    # A permission given to the person (not through a group) counts, as in Django.
    two_roles.user_permissions.add(Permission.objects.get(codename="manage_people"))
    assert access.can_manage_people(fresh(two_roles))
    # One through a group too.
    two_roles.groups.add(Group.objects.get(name="Audit readers"))
    user = fresh(two_roles)
    assert access.has_permission(user, "portal.read_audit_log")
    assert not access.has_permission(user, "tickets.supervise_mco_queue")
    # Exactly Django's own answer (ModelBackend.get_all_permissions), for every permission.
    assert access._access(user).permissions == fresh(two_roles).get_all_permissions()
    assert {"portal.manage_people", "portal.read_audit_log"} <= user.get_all_permissions()

    provider = fresh(factories.provider_user())
    assert access.roles_of(provider) == {Role.PROVIDER}
    assert not access.can_manage_people(provider)  # not a role that manages people


def test_inactive_people_and_anonymous_visitors_hold_nothing(hfs_staff):
    from django.contrib.auth.models import AnonymousUser

    hfs_staff.user_permissions.add(Permission.objects.get(codename="manage_people"))
    hfs_staff.is_active = False
    hfs_staff.save()
    user = fresh(hfs_staff)
    assert access.roles_of(user) == frozenset()
    assert not access.has_permission(user, "portal.manage_people")
    assert not access.has_permission(AnonymousUser(), "portal.manage_people")


def test_a_superuser_holds_every_permission(reference_data):
    admin = User.objects.create_superuser("root@hfs.example.test", "x" * 20)
    assert access.has_permission(fresh(admin), "portal.read_audit_log")


def test_forget_roles_reads_again_after_a_change(django_assert_num_queries, hfs_staff):
    user = fresh(hfs_staff)
    assert not access.can_manage_people(user)
    user.groups.add(Group.objects.get(name=Role.REGISTRATION_ADMIN.group_name))
    access.forget_roles(user)
    with django_assert_num_queries(1):
        assert access.roles_of(user) == {Role.HFS, Role.REGISTRATION_ADMIN}
        assert access.can_manage_people(user)  # through the group just added


def test_a_removed_authenticator_counts_on_the_next_request(client, hfs_staff):
    """R-SEC-3: nothing is kept between requests: staff whose TOTP is removed are sent to
    set one up on their very next page."""
    client.force_login(hfs_staff)
    assert client.get(reverse("hfs_home")).status_code == 200
    Authenticator.objects.filter(user=hfs_staff).delete()
    response = client.get(reverse("hfs_home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_a_signed_in_page_reads_the_access_once(client, hfs_staff):
    """Before the view: the session, the person, their access — three queries, whatever the
    navigation and the middleware ask."""
    hfs_staff.user_permissions.add(Permission.objects.get(codename="manage_people"))
    hfs_staff.groups.add(Group.objects.get(name="Audit readers"))
    client.force_login(hfs_staff)
    client.get(reverse("account_settings"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("account_settings"))
    assert response.status_code == 200
    # The navigation asked can_manage_people and audit.can_read: both links are there.
    assert b">People<" in response.content and b">Audit log<" in response.content
    statements = [q["sql"] for q in queries.captured_queries]
    assert sum("UNION ALL" in s and "'totp'" in s for s in statements) == 1
    separate = [s for s in statements if s.startswith((
        'SELECT "auth_group"."name"',  # the groups alone
        'SELECT 1 AS "a" FROM "mfa_authenticator"',  # the authenticator alone
        'SELECT "django_content_type"."app_label"',  # Django's has_perm
    ))]
    assert separate == [], separate
