"""Signal receivers: a person who signs up is a provider user (SPEC §1)."""

from allauth.account.signals import user_signed_up
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from portal.access import Role, forget_roles
from portal.models import UserSession


@receiver(user_signed_up)
def make_new_people_provider_users(request, user, **kwargs):
    """Everyone who signs up is on the provider side; staff arrive only by invitation.
    What a provider user may file still depends on approved registrations (R-REG-1)."""
    user.groups.add(Group.objects.get(name=Role.PROVIDER.group_name))
    forget_roles(user)


@receiver(user_logged_in)
def remember_session(request, user, **kwargs):
    """Record the session so that deactivating the person can end it (portal.people)."""
    if request is None or not hasattr(request, "session"):
        return
    if request.session.session_key is None:
        request.session.save()
    UserSession.objects.update_or_create(
        session_key=request.session.session_key, defaults={"user": user}
    )
