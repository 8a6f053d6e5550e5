"""Demo accounts, one per role, for the embedded default (`make run`) and the browser tests.

The passwords and TOTP secrets are public on purpose: these accounts exist only on a
developer's SQLite database (`seed_demo` refuses any other database).
"""

import base64
import hashlib
import hmac
import struct
import time
from dataclasses import dataclass

from portal.access import Role

# The code generator below needs no Django at all, so that the README's one-liner works
# from a plain shell: the models are imported inside the functions that use them.
TOTP_PERIOD_SECONDS = 30  # allauth's defaults (MFA_TOTP_PERIOD, MFA_TOTP_DIGITS)
TOTP_DIGITS = 6


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


def create_demo_account(account: DemoAccount):
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP
    from django.contrib.auth.models import Group
    from django.db import transaction

    from portal.models import MCO, User

    with transaction.atomic():
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
    """The 6-digit code an authenticator app shows now (or at the Unix time ``at``) for the
    base32 ``secret``: RFC 6238 TOTP, HMAC-SHA1, 30-second steps, as allauth checks it."""
    counter = int((time.time() if at is None else at) // TOTP_PERIOD_SECONDS)
    text = secret.strip().replace(" ", "").upper().rstrip("=")
    try:
        key = base64.b32decode(text + "=" * (-len(text) % 8))
    except ValueError:
        raise ValueError(
            f"{secret!r} is not a TOTP secret: use the base32 secret of the account (letters "
            "A-Z and digits 2-7), e.g. the demo table's in README.md."
        ) from None
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**TOTP_DIGITS:0{TOTP_DIGITS}d}"
