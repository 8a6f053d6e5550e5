"""Who may call an endpoint: a valid token (read scope for reading, act scope for any
write), of a client of the kind the endpoint serves. *What* it may do to *which* ticket is
the workflow's and the querysets' business, as in the pages (``portal.permissions``)."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from api.models import ApiToken


class TokenScope(BasePermission):
    message = ("This token may only read. Ask for a token with the “act” scope to take "
               "actions.")

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            return False
        kinds = getattr(view, "client_kinds", None)
        if kinds is not None and token.client.kind not in kinds:
            self.message = (f"This endpoint is for {' and '.join(sorted(kinds))} clients; "
                            f"yours is a {token.client.kind} client.")
            return False
        if request.method in SAFE_METHODS:
            return True
        self.message = TokenScope.message
        return token.allows_acting
