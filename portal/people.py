"""People management: invite staff, accept an invitation, deactivate and reactivate.

Views call these functions; the rules (who may invite whom) live in ``portal.access``.
Each action writes its audit row inside its transaction (R-SEC-2).
"""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from portal import audit
from portal.access import Role, forget_roles
from portal.models import Invitation, User
from portal.notifications import notify


def invitation_link(user):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accept_invitation", kwargs={"uidb64": uid, "token": token})
    return settings.SITE_URL + path


def create_invited_account(*, email, first_name, last_name, role, mco=None):
    """An account with no password yet, in ``role``'s group; the person sets the password
    through the invitation link (``accept_invitation``)."""
    role = Role(role)
    user = User.objects.create_user(
        email=email,
        first_name=first_name,
        last_name=last_name,
        mco=mco if role is Role.MCO else None,
    )
    user.groups.add(Group.objects.get(name=role.group_name))
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    return user


@transaction.atomic
def invite_staff(*, inviter, email, first_name, last_name, role, mco=None):
    """Create the staff account (no password yet) and e-mail a set-password link."""
    role = Role(role)
    user = create_invited_account(
        email=email, first_name=first_name, last_name=last_name, role=role, mco=mco
    )
    invitation = Invitation.objects.create(
        email=user.email, role=role.value, mco=user.mco, user=user, invited_by=inviter
    )
    audit.write(user=inviter, action="invite", object_type=audit.PERSON, object_id=user.pk,
                detail=f"{role.label}" + (f", {mco}" if role is Role.MCO and mco else ""))
    notify(
        to=user,
        template="invitation",
        context={
            "role": role.label,
            "mco": str(mco) if role is Role.MCO else "",
            "inviter": str(inviter),
            "link": invitation_link(user),
            "valid_days": settings.PASSWORD_RESET_TIMEOUT // 86400,
        },
    )
    return invitation


@transaction.atomic
def accept_invitation(user, password):
    """Set the password; the e-mail is now verified (the person used the link sent to it)."""
    user.set_password(password)
    user.save(update_fields=["password"])
    EmailAddress.objects.filter(user=user, email__iexact=user.email).update(
        verified=True, primary=True
    )
    Invitation.objects.filter(user=user, accepted_at__isnull=True).update(
        accepted_at=timezone.now()
    )
    audit.write(user=user, action="accept_invitation", object_type=audit.PERSON,
                object_id=user.pk)


@transaction.atomic
def set_active(person, *, active, by):
    """Deactivating ends access at once: the auth backend refuses inactive users on their
    next request, and their stored sessions are deleted too."""
    person.is_active = active
    person.deactivated_at = None if active else timezone.now()
    person.deactivated_by = None if active else by
    person.save(update_fields=["is_active", "deactivated_at", "deactivated_by"])
    audit.write(user=by, action="reactivate" if active else "deactivate",
                object_type=audit.PERSON, object_id=person.pk)
    if not active:
        end_sessions(person)
    forget_roles(person)


def end_sessions(user):
    from portal.models import UserSession

    UserSession.end_all_for(user)
