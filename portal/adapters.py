"""django-allauth adapters: where a person lands, and who may remove an authenticator."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.urls import reverse

from portal import access


class AccountAdapter(DefaultAccountAdapter):
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
