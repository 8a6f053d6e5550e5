"""``manage.py grant_role EMAIL ROLE [--mco SLUG] [--revoke]``: give a staff role to an
existing account, or take it away (SPEC §1).

The roles are ``hfs`` (HFS portal staff), ``registration_admin`` and ``mco`` (MCO staff,
with ``--mco`` naming their one MCO); ``audit_reader`` puts HFS portal staff in the "Audit
readers" group, which may search and export the audit log (R-SEC-2). Provider users are
never granted by hand: they sign up and register, and a registration admin approves them
(SPEC §2). The command refuses what SPEC §1 forbids: a provider user holding a staff role,
MCO staff also holding a state role (or working for two MCOs), and taking the role from the
last active registration admin. Each change is one audit row (R-SEC-2, source
``command:grant_role``) and one line of output; a grant or revocation that changes nothing
says so and exits 0.
"""

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal import audit
from portal.access import GROUP_NAMES, LABELS, STAFF_ROLES, Role, forget_roles, roles_of
from portal.models import MCO, Invitation, User

#: What may be typed for each role: its key, its group's name or its label, any case.
GRANTABLE = {Role.HFS, Role.REGISTRATION_ADMIN, Role.MCO}
STATE_ROLES = {Role.HFS, Role.REGISTRATION_ADMIN}


#: Not a role of SPEC §1 but a group of HFS staff: who may read the audit log (R-SEC-2,
#: migration portal 0006_audit_readers).
AUDIT_READER = "audit_reader"
AUDIT_READERS_GROUP = "Audit readers"


def parse_role(text):
    """The ``Role`` named by ``text``, or ``AUDIT_READER``."""
    typed = (text or "").strip().lower().replace("-", "_").replace(" ", "_")
    if typed in (AUDIT_READER, "audit_readers"):
        return AUDIT_READER
    for role in Role:
        names = {role.value, GROUP_NAMES[role].lower().replace(" ", "_"),
                 LABELS[role].lower().replace(" ", "_")}
        if typed in names:
            if role is Role.PROVIDER:
                raise CommandError(
                    "Provider users are not granted by hand: the person signs up on the "
                    "portal and files a registration request, which a registration admin "
                    "approves (SPEC §2)."
                )
            return role
    raise CommandError(f"{text!r} is not a role. Choose one of: {_choices()}.")


def _choices():
    return "hfs (HFS portal staff), registration_admin (Registration admin), mco (MCO staff, " \
        "with --mco SLUG), audit_reader (HFS portal staff who read the audit log)"


def _mco_slugs():
    return ", ".join(MCO.objects.order_by("slug").values_list("slug", flat=True)) or "none yet"


def find_account(email) -> User:
    user = User.objects.filter(email__iexact=(email or "").strip()).first()
    if user is None:
        raise CommandError(
            f"No account has the e-mail address {email}. Create it first (the first admin: "
            "`manage.py createsuperuser`; anyone else: invite them from the People page), "
            "then run grant_role again."
        )
    return user


@transaction.atomic
def grant(user, role, mco_slug=None) -> str:
    """Give ``role`` to ``user``; returns what was done, in one sentence."""
    if role == AUDIT_READER:
        return _grant_audit_reader(user, mco_slug)
    if role not in GRANTABLE:
        raise CommandError(f"{role.label} cannot be granted. Choose one of: {_choices()}.")
    if role is Role.MCO and not mco_slug:
        raise CommandError(
            f"MCO staff work for one MCO: add --mco SLUG, one of: {_mco_slugs()}."
        )
    if role is not Role.MCO and mco_slug:
        raise CommandError(f"--mco goes only with the mco role, not with {role.value}.")
    mco = None
    if mco_slug:
        mco = MCO.objects.filter(slug=mco_slug.strip().lower()).first()
        if mco is None:
            raise CommandError(f"No MCO has the slug {mco_slug!r}; use one of: {_mco_slugs()}.")
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise CommandError(
            f"{user.email} is deactivated; reactivate the account on the People page first."
        )
    held = roles_of(user)
    if Role.PROVIDER in held:
        raise CommandError(
            f"{user.email} is a provider user, and a provider user is never MCO or HFS staff "
            "(SPEC §1). Staff need an account of their own, with their work e-mail address."
        )
    if role is Role.MCO and held & STATE_ROLES:
        raise CommandError(
            f"{user.email} holds {_labels(held & STATE_ROLES)}; state staff cannot also be "
            "MCO staff. Use a separate account."
        )
    if role in STATE_ROLES and Role.MCO in held:
        raise CommandError(
            f"{user.email} is MCO staff ({user.mco}); MCO staff cannot also hold "
            f"{role.label}. Use a separate account."
        )
    if role is Role.MCO and Role.MCO in held:
        if user.mco_id == mco.pk:
            return f"{user.email} is already MCO staff of {mco}; nothing changed."
        raise CommandError(
            f"{user.email} is MCO staff of {user.mco}; MCO staff work for one MCO. Revoke "
            "the mco role first, then grant it with the new MCO."
        )
    if role in held:
        return f"{user.email} already holds {role.label}; nothing changed."
    user.groups.add(Group.objects.get(name=role.group_name))
    if role is Role.MCO:
        user.mco = mco
        user.save(update_fields=["mco"])
    forget_roles(user)
    audit.write(user=None, action="grant_role", object_type=audit.PERSON, object_id=user.pk,
                detail=role.value + (f" for MCO {mco.slug}" if mco else ""))  # R-SEC-2
    done = f"Granted {role.label} to {user.email}" + (f" for {mco}." if mco else ".")
    if role in STAFF_ROLES:
        done += " At their next sign-in they set up two-step verification (R-SEC-3)."
    if not user.has_usable_password():
        if Invitation.objects.filter(user=user, accepted_at__isnull=True).exists():
            done += " They set their password from their invitation's link before signing in."
        else:
            done += (f" The account has no password yet: set one with `manage.py "
                     f"changepassword {user.email}`.")
    return done


def _grant_audit_reader(user, mco_slug):
    if mco_slug:
        raise CommandError("--mco goes only with the mco role, not with audit_reader.")
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise CommandError(
            f"{user.email} is deactivated; reactivate the account on the People page first."
        )
    if Role.HFS not in roles_of(user):
        raise CommandError(
            f"{user.email} is not HFS portal staff; the audit log is read by HFS portal "
            "staff only. Grant hfs first."
        )
    if user.groups.filter(name=AUDIT_READERS_GROUP).exists():
        return f"{user.email} is already an audit reader; nothing changed."
    user.groups.add(Group.objects.get(name=AUDIT_READERS_GROUP))
    audit.write(user=None, action="grant_role", object_type=audit.PERSON, object_id=user.pk,
                detail=AUDIT_READER)  # R-SEC-2
    return f"{user.email} may now search and export the audit log (Audit readers)."


@transaction.atomic
def revoke(user, role) -> str:
    """Take ``role`` from ``user``; returns what was done, in one sentence."""
    if role == AUDIT_READER:
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.groups.filter(name=AUDIT_READERS_GROUP).exists():
            return f"{user.email} is not an audit reader; nothing changed."
        user.groups.remove(Group.objects.get(name=AUDIT_READERS_GROUP))
        audit.write(user=None, action="revoke_role", object_type=audit.PERSON,
                    object_id=user.pk, detail=AUDIT_READER)  # R-SEC-2
        return f"{user.email} no longer reads the audit log."
    if role not in GRANTABLE:
        raise CommandError(f"{role.label} cannot be revoked here. Choose one of: {_choices()}.")
    user = User.objects.select_for_update().get(pk=user.pk)
    if role not in roles_of(user):
        return f"{user.email} does not hold {role.label}; nothing changed."
    if role is Role.REGISTRATION_ADMIN:
        others = User.objects.filter(
            is_active=True, groups__name=role.group_name
        ).exclude(pk=user.pk)
        if not others.exists():
            raise CommandError(
                f"{user.email} is the only active registration admin: nobody could approve "
                "registrations. Grant the role to someone else first."
            )
    user.groups.remove(Group.objects.get(name=role.group_name))
    detail = role.value
    if role is Role.MCO:
        detail += f" for MCO {user.mco.slug}" if user.mco else ""
        user.mco = None
        user.save(update_fields=["mco"])
    forget_roles(user)
    audit.write(user=None, action="revoke_role", object_type=audit.PERSON, object_id=user.pk,
                detail=detail)  # R-SEC-2
    return f"Revoked {role.label} from {user.email}."


def _labels(roles):
    return " and ".join(sorted(r.label for r in roles))


class Command(BaseCommand):
    help = (
        "Grant (or with --revoke, take away) a staff role on an existing account: hfs, "
        "registration_admin, mco with --mco SLUG, or audit_reader (HFS staff). Provider "
        "users register instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The account's e-mail address.")
        parser.add_argument("role", help="hfs, registration_admin, mco or audit_reader.")
        parser.add_argument("--mco", dest="mco", help="For the mco role: the MCO's slug.")
        parser.add_argument("--revoke", action="store_true", dest="take_away",
                            help="Take the role away.")

    def handle(self, *args, email, role, mco=None, take_away=False, **options):
        chosen = parse_role(role)
        user = find_account(email)
        if take_away and mco:
            raise CommandError("--mco goes only with a grant; --revoke takes no MCO.")
        # The audit row says this command did it, however it was started (R-SEC-2).
        with audit.bound(source="command:grant_role"):
            done = revoke(user, chosen) if take_away else grant(user, chosen, mco)
        self.stdout.write(done)
