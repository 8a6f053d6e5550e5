"""django-allauth adapters: where a person lands, who may sign in, and who may remove an
authenticator."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.urls import reverse

from portal import access


def is_service_account(user) -> bool:
    """The user an API client acts as (``api.models.ApiClient.user``)."""
    return user is not None and user.pk is not None and hasattr(user, "api_client")


class AccountAdapter(DefaultAccountAdapter):
    """A service account never signs in to the pages (issue 13): its password, if someone
    set one, is refused as a wrong one would be (the form says the usual "not correct",
    telling nothing about the account), and ``pre_login`` refuses it on every other way in
    (a code, an e-mail confirmation, a password reset)."""

    def authenticate(self, request, **credentials):
        user = super().authenticate(request, **credentials)
        if is_service_account(user):
            self.authentication_failed(request, **credentials)
            return None
        return user

    def pre_login(self, request, user, **kwargs):
        if is_service_account(user):
            from allauth.account.internal.stagekit import clear_login

            clear_login(request)
            return self.respond_user_inactive(request, user)
        return super().pre_login(request, user, **kwargs)

    def get_login_redirect_url(self, request):
        return reverse(access.home_url_name(request.user))

    def send_mail(self, template_prefix, email, context):
        """Account e-mails name the portal and its public address, never the host the
        request came in on ("Hello from 127.0.0.1:8000")."""
        from django.conf import settings

        context = {**context, "portal_name": settings.PORTAL_NAME,
                   "site_url": settings.SITE_URL}
        return super().send_mail(template_prefix, email, context)


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator):
        """Staff may not switch two-step verification off (R-SEC-3)."""
        if access.needs_mfa(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)
