"""Bearer tokens for the integration API (issue 13). No session cookie is ever read on
``/api/``: a browser's signed-in session cannot call the API (so no CSRF exemption opens a
door), and a token cannot open a page."""

from __future__ import annotations

import datetime
import hmac

from django.utils import timezone
from rest_framework import authentication, exceptions

from api.models import TOKEN_PREFIX, ApiToken, hash_secret
from portal import audit

#: ``last_used_at`` is written at most this often per token (it is read, not audited).
LAST_USED_EVERY = datetime.timedelta(minutes=1)


class TokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer prp_<key id>_<secret>``."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != b"bearer":
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "The Authorization header must read “Bearer ” and the token, with no spaces "
                "in the token.")
        try:
            text = header[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed("The token has characters a token never "
                                                  "has; copy it again.") from error
        token = self._token(text)
        now = timezone.now()
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This token was revoked. Ask the portal "
                                                  "staff who manage your client for a new one.")
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(
                f"This token expired on {timezone.localtime(token.expires_at):%Y-%m-%d}. Ask "
                "for a new one.")
        client = token.client
        if not client.is_active or not client.user.is_active:
            raise exceptions.AuthenticationFailed("This API client is disabled.")
        address = audit.client_ip(request._request)
        if not client.allows_address(address):
            raise exceptions.PermissionDenied(
                f"Requests from {address or 'this address'} are not allowed for this client. "
                "Ask the staff who manage it to add your address range.")
        self._bind(request, client, token)
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return client.user, token

    @staticmethod
    def _token(text: str) -> ApiToken:
        parts = text.split("_", 2)
        if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1]:
            raise exceptions.AuthenticationFailed(
                "This is not a portal API token; a token reads “prp_” and two parts.")
        token = (ApiToken.objects.select_related("client", "client__user", "client__mco")
                 .filter(key_id=parts[1]).first())
        if token is None or not hmac.compare_digest(token.secret_hash, hash_secret(text)):
            raise exceptions.AuthenticationFailed("This token is not valid. Check that it was "
                                                  "copied whole.")
        return token

    @staticmethod
    def _bind(request, client, token):
        # R-SEC-2: the audit rows of this request name the client and the token, and the
        # service account as the user; the Django request sees the same user.
        context = audit.current()
        context.source = "api"
        context.api_client_id = client.pk
        context.api_token_id = token.pk
        request._request.user = client.user

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
