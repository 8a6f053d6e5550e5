"""The OpenAPI 3 schema and the reference page generated from it (public: no PHI)."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from drf_spectacular.views import SpectacularJSONAPIView

from portal import access


class Schema(SpectacularJSONAPIView):
    authentication_classes = []
    permission_classes = []
    portal_access = access.AccessRule(public=True, description="public: the API's schema")

    @classmethod
    def as_view(cls, **initkwargs):
        return login_not_required(super().as_view(**initkwargs))


@access.public
def docs(request):
    from api.reference import reference_context

    return render(request, "api/reference.html", reference_context(request))
