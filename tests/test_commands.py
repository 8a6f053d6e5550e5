"""Management commands a state team needs on day one (issue 10): ``grant_role``, and the
README's TOTP one-liner."""

import io
import subprocess
import sys
import time
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command

from portal import access
from portal.access import Role
from portal.models import AuditEvent, User
from tests import factories

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def grant_role(*args):
    out = io.StringIO()
    call_command("grant_role", *args, stdout=out)
    return out.getvalue().strip()


def refused(*args):
    with pytest.raises(CommandError) as caught:
        grant_role(*args)
    return str(caught.value)


def roles(email):
    return access.roles_of(User.objects.get(email=email))


@pytest.fixture
def account(reference_data):
    """A fresh account holding no role yet, as ``createsuperuser`` leaves it."""
    return User.objects.create_superuser(email="first.admin@state.example.test",
                                         password=factories.TEST_PASSWORD)


def test_granting_registration_admin_says_what_it_did_and_audits_it(account):
    said = grant_role("First.Admin@state.example.test", "registration_admin")
    assert said == ("Granted Registration admin to first.admin@state.example.test. At their "
                    "next sign-in they set up two-step verification (R-SEC-3).")
    assert roles(account.email) == {Role.REGISTRATION_ADMIN}
    row = AuditEvent.objects.get(action="grant_role")
    assert (row.object_type, row.object_id, row.detail, row.source) == (
        "person", account.pk, "registration_admin", "command:grant_role")


def test_a_role_may_be_named_by_its_group(account):
    grant_role(account.email, "HFS portal staff")
    assert roles(account.email) == {Role.HFS}


def test_granting_twice_changes_nothing(account):
    grant_role(account.email, "hfs")
    assert grant_role(account.email, "hfs") == (
        "first.admin@state.example.test already holds HFS portal staff; nothing changed.")
    assert AuditEvent.objects.filter(action="grant_role").count() == 1


def test_hfs_staff_may_also_be_registration_admins(account):
    grant_role(account.email, "hfs")
    grant_role(account.email, "registration_admin")
    assert roles(account.email) == {Role.HFS, Role.REGISTRATION_ADMIN}


def test_provider_users_are_not_granted(account):
    assert "files a registration request" in refused(account.email, "provider")
    assert roles(account.email) == frozenset()


def test_a_provider_user_never_becomes_staff(provider_user):
    message = refused(provider_user.email, "hfs")
    assert message.startswith("provider@example.test is a provider user")
    assert roles(provider_user.email) == {Role.PROVIDER}


def test_an_unknown_account_or_role_is_named(account):
    assert refused("nobody@example.test", "hfs").startswith(
        "No account has the e-mail address nobody@example.test. Create it first")
    assert refused(account.email, "wizard").startswith("'wizard' is not a role. Choose one")


def test_mco_staff_name_their_mco(account):
    assert "add --mco SLUG, one of: " in refused(account.email, "mco")
    assert "molina" in refused(account.email, "mco")
    assert refused(account.email, "mco", "--mco", "acme").startswith(
        "No MCO has the slug 'acme'")
    assert refused(account.email, "hfs", "--mco", "molina") == (
        "--mco goes only with the mco role, not with hfs.")
    said = grant_role(account.email, "mco", "--mco", "molina")
    assert said.startswith("Granted MCO staff to first.admin@state.example.test for ")
    account.refresh_from_db()
    assert account.mco.slug == "molina"
    assert roles(account.email) == {Role.MCO}


def test_mco_staff_hold_no_state_role_and_one_mco(account, mco_staff, hfs_staff):
    assert "MCO staff cannot also hold HFS portal staff" in refused(mco_staff.email, "hfs")
    assert "state staff cannot also be MCO staff" in refused(hfs_staff.email, "mco", "--mco",
                                                             "molina")
    assert "Revoke the mco role first" in refused(mco_staff.email, "mco", "--mco", "aetna")


def test_a_deactivated_account_is_not_granted(account):
    account.is_active = False
    account.save()
    assert "is deactivated; reactivate" in refused(account.email, "hfs")


def test_revoking_takes_the_role_and_the_mco_away(mco_staff):
    assert grant_role(mco_staff.email, "mco", "--revoke") == (
        "Revoked MCO staff from staff@molina.example.test.")
    mco_staff.refresh_from_db()
    assert mco_staff.mco is None
    assert roles(mco_staff.email) == frozenset()
    assert AuditEvent.objects.get(action="revoke_role").detail == "mco for MCO molina"


def test_revoking_a_role_not_held_changes_nothing(hfs_staff):
    assert grant_role(hfs_staff.email, "registration_admin", "--revoke") == (
        "analyst@hfs.example.test does not hold Registration admin; nothing changed.")


def test_the_last_registration_admin_keeps_the_role(registration_admin):
    assert "the only active registration admin" in refused(registration_admin.email,
                                                           "registration_admin", "--revoke")
    assert roles(registration_admin.email) == {Role.REGISTRATION_ADMIN}
    other = factories.registration_admin(email="second@hfs.example.test")
    grant_role(registration_admin.email, "registration_admin", "--revoke")
    assert roles(other.email) == {Role.REGISTRATION_ADMIN}
    assert roles(registration_admin.email) == frozenset()


def test_the_readme_totp_one_liner_runs_without_django_set_up():
    """README: `.venv/bin/python -c "from portal.demo import current_totp_code as c;
    print(c('SECRET'))"` (it raised AppRegistryNotReady)."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    secret = "KRUGKIDROVUWG2ZAMJZG653OEBTG66BA"
    # The subprocess reads the real clock, also under `pytest --today` (a time travel).
    hatch = time_machine.escape_hatch
    real_time = hatch.time.time if hatch.is_travelling() else time.time
    before = int(real_time()) // 30
    done = subprocess.run(  # noqa: S603 (our own interpreter, a fixed command)
        [sys.executable, "-c",
         f"from portal.demo import current_totp_code as c; print(c('{secret}'))"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    after = int(real_time()) // 30
    assert done.returncode == 0, done.stderr
    expected = {format_hotp_value(hotp_value(secret, n)) for n in range(before, after + 1)}
    assert done.stdout.strip() in expected


def test_an_invited_person_is_pointed_to_their_invitation(registration_admin):
    from portal.people import invite_staff

    invite_staff(inviter=registration_admin, email="nia@hfs.example.test", first_name="Nia",
                 last_name="New", role="hfs")
    assert grant_role("nia@hfs.example.test", "registration_admin").endswith(
        "They set their password from their invitation's link before signing in.")


def test_hfs_staff_become_audit_readers(hfs_staff, mco_staff):
    from portal.audit import can_read

    assert "is not HFS portal staff" in refused(mco_staff.email, "audit_reader")
    assert grant_role(hfs_staff.email, "audit_reader") == (
        "analyst@hfs.example.test may now search and export the audit log (Audit readers).")
    assert can_read(User.objects.get(pk=hfs_staff.pk))
    assert grant_role(hfs_staff.email, "audit_reader", "--revoke") == (
        "analyst@hfs.example.test no longer reads the audit log.")
    assert not can_read(User.objects.get(pk=hfs_staff.pk))
    assert list(AuditEvent.objects.filter(object_id=hfs_staff.pk).order_by("pk").values_list(
        "action", "detail")) == [("grant_role", "audit_reader"), ("revoke_role", "audit_reader")]
