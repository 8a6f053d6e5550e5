"""The API's base view: token authentication, scope, rate limit, problem errors, and the
access declaration the portal's deny-by-default middleware asks for (``portal.access``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import get_object_or_404
from rest_framework.views import APIView

from api.authentication import TokenAuthentication
from api.permissions import TokenScope
from api.throttling import TokenRateThrottle
from portal import access
from tickets.models import Ticket

API_RULE = access.AccessRule(
    public=True,  # no session: the token is checked by the view (api.permissions)
    description="integration API: a bearer token of the right scope and client kind",
)


class ApiView(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [TokenScope]
    throttle_classes = [TokenRateThrottle]
    #: The client kinds ("mco", "provider") the endpoint serves; None: both.
    client_kinds: frozenset[str] | None = None
    portal_access = API_RULE

    @classmethod
    def as_view(cls, **initkwargs):
        return login_not_required(super().as_view(**initkwargs))

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Protected health information: never kept by a cache between us and the client.
        response["Cache-Control"] = "private, no-store"
        return response

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        from django.conf import settings

        from api import problems

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = getattr(settings, "API_MAX_REQUEST_BYTES", 0)
        if limit and length > limit:
            raise problems.Problem(413, "too-large", f"The request is {length:,} bytes; the "
                                   f"portal takes at most {limit:,} in one request.")

    @property
    def client(self):
        return self.request.auth.client


def visible_ticket(request, pk, *related):
    """R-SEC-1: the ticket if this client may see it; anyone else's is a 404 (as a page)."""
    return get_object_or_404(
        Ticket.objects.visible_to(request.user).select_related(
            "mco", "provider", "complaint_type", *related),
        pk=pk,
    )
