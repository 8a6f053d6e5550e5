"""Demo accounts, one per role, for the embedded default (`make run`) and the browser tests.

The passwords and TOTP secrets are public on purpose: these accounts exist only on a
developer's SQLite database (`seed_demo` refuses any other database).
"""

import time
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.contrib.auth.models import Group
from django.db import transaction

from portal.access import Role
from portal.models import MCO, User


@dataclass(frozen=True)
class DemoAccount:
    role: Role
    email: str
    password: str
    first_name: str
    last_name: str
    totp_secret: str = ""
    mco_slug: str = ""


DEMO_ACCOUNTS = (
    DemoAccount(Role.PROVIDER, "provider@demo.portal.invalid", "demo-provider-pass-2026",
                "Pat", "Provider"),
    DemoAccount(Role.MCO, "mco@demo.portal.invalid", "demo-mco-pass-2026", "Morgan", "Molina",
                totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", mco_slug="molina"),
    DemoAccount(Role.HFS, "hfs@demo.portal.invalid", "demo-hfs-pass-2026", "Harper", "State",
                totp_secret="KRUGKIDROVUWG2ZAMJZG653OEBTG66BA"),
    DemoAccount(Role.REGISTRATION_ADMIN, "registration-admin@demo.portal.invalid",
                "demo-admin-pass-2026", "Riley", "Admin",
                totp_secret="ONSWG4TFOQQGC3TEEBZWK3DGEBQWC3TE"),
)


@transaction.atomic
def create_demo_account(account: DemoAccount) -> User:
    user = User.objects.filter(email=account.email).first()
    if user is None:
        user = User.objects.create_user(
            email=account.email,
            password=account.password,
            first_name=account.first_name,
            last_name=account.last_name,
            mco=MCO.objects.get(slug=account.mco_slug) if account.mco_slug else None,
        )
        user.groups.add(Group.objects.get(name=account.role.group_name))
    EmailAddress.objects.update_or_create(
        user=user, email=account.email, defaults={"verified": True, "primary": True}
    )
    if account.totp_secret and not Authenticator.objects.filter(
        user=user, type=Authenticator.Type.TOTP
    ).exists():
        TOTP.activate(user, account.totp_secret)
        RecoveryCodes.activate(user)
    return user


def create_demo_accounts():
    return [create_demo_account(a) for a in DEMO_ACCOUNTS]


def current_totp_code(secret: str, at: float | None = None) -> str:
    """The 6-digit code an authenticator app shows now for ``secret``."""
    counter = int((time.time() if at is None else at) // 30)
    return format_hotp_value(hotp_value(secret, counter))
