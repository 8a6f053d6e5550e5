"""Provider users' ticket pages."""

from django.shortcuts import render

from portal import access
from portal.access import Role
from registration.memberships import approved_providers


@access.for_roles(Role.PROVIDER)
def start_ticket(request):
    """R-REG-1: only a person with an approved registration may enter a ticket; anyone else
    is told why, and how to get there."""
    providers = approved_providers(request.user)
    return render(
        request,
        "tickets/start.html",
        {"providers": providers, "may_file": providers.exists()},
    )
