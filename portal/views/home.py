"""Each role's home page. Later issues fill them with that role's queue."""

from django.shortcuts import render

from portal import access
from portal.access import Role

#: The provider's home lists this many tickets waiting on them, and this many recent ones.
ACTION_NEEDED_LIMIT = 50
RECENT_TICKETS = 25


@access.for_roles(Role.PROVIDER)
def provider_home(request):
    """What waits on the provider first, with its due date and days left (issue 11), then
    their recent tickets with each one's next deadline; a fixed number of queries."""
    from registration.memberships import approved_providers
    from registration.models import RegistrationRequest
    from tickets.action_needed import action_needed, with_next_deadline
    from tickets.models import Ticket

    waiting = action_needed(request.user, limit=ACTION_NEEDED_LIMIT + 1)
    recent = with_next_deadline(
        Ticket.objects.visible_to(request.user)
        .select_related("mco", "provider", "complaint_type")
        .order_by("-created_at")[:RECENT_TICKETS]
    )
    return render(
        request,
        "portal/home/provider.html",
        {
            "providers": approved_providers(request.user),
            "requests": RegistrationRequest.objects.filter(requester=request.user)[:20],
            "waiting": waiting[:ACTION_NEEDED_LIMIT],
            "more_waiting": len(waiting) > ACTION_NEEDED_LIMIT,
            "tickets": recent,
            "recent_limit": RECENT_TICKETS,
        },
    )


@access.for_roles(Role.HFS)
def hfs_home(request):
    from django.utils import timezone

    from deadlines.clocks import needing_attention
    from tickets.models import ExtensionRequest, Investigation, State, Ticket
    from tickets.views.hfs import triage_queryset

    waiting = triage_queryset(request.user)
    attention = list(needing_attention().select_related("content_type")[:20])
    for clock in attention:
        clock.ticket = (Ticket.objects.filter(pk=clock.object_id).only("pk", "number").first()
                        if clock.content_type.model == "ticket" else None)
    return render(request, "portal/home/hfs.html", {
        "attention": attention,
        "waiting": waiting.count(),
        "overdue": waiting.filter(triage_due_at__lt=timezone.now()).count(),
        "mine": waiting.filter(assigned_to=request.user).count(),
        "extensions": ExtensionRequest.objects.filter(status="pending").count(),
        "sanction_candidates": Ticket.objects.filter(sanction_candidate_at__isnull=False,
                                                     responded_at__isnull=True).count(),
        "reviews": Ticket.objects.filter(state=State.HFS_REVIEW).count(),
        "investigations": Investigation.objects.filter(status="open").count(),
    })


@access.signed_in
def no_role_home(request):
    """A signed-in person with no role yet (e.g. a deactivated membership)."""
    return render(request, "portal/home/no_role.html")


@access.signed_in
def account_settings(request):
    return render(request, "portal/account.html", {"needs_mfa": access.needs_mfa(request.user)})
