"""Each role's home page. Later issues fill them with that role's queue."""

from django.shortcuts import render

from portal import access
from portal.access import Role

#: The provider's home lists this many tickets waiting on them (the rest on the waiting
#: page, provider_waiting below), and this many recent ones.
ACTION_NEEDED_LIMIT = 25
RECENT_TICKETS = 25
#: The waiting page shows this many tickets a page.
WAITING_PER_PAGE = 25


@access.for_roles(Role.PROVIDER)
def provider_home(request):
    """What waits on the provider first, with its due date and days left (issue 11), then
    their recent tickets with each one's next deadline; a fixed number of queries."""
    from registration.memberships import approved_providers
    from registration.models import RegistrationRequest
    from tickets.action_needed import (
        HOME_FIELDS,
        action_needed,
        waiting_tickets,
        with_next_deadline,
    )
    from tickets.models import Ticket
    from tickets.queues import capped_count

    providers = list(approved_providers(request.user))
    waiting = action_needed(request.user, limit=ACTION_NEEDED_LIMIT + 1)
    # How many wait, said on the page (counting at most 1,001 entries of the waiting index).
    waiting_count = capped_count(waiting_tickets(request.user)) if waiting else None
    recent = with_next_deadline(
        # Each provider's newest (ticket_provider_created_idx), not the whole state's newest
        # walked for theirs: PostgreSQL is told how few they are (issue 14).
        Ticket.objects.visible_to(request.user)
        .of_providers(provider.pk for provider in providers)
        .select_related("mco", "provider", "complaint_type").only(*HOME_FIELDS)
        .order_by("-created_at")[:RECENT_TICKETS]
    )
    return render(
        request,
        "portal/home/provider.html",
        {
            "providers": providers,
            "requests": RegistrationRequest.objects.filter(requester=request.user)[:20],
            "waiting": waiting[:ACTION_NEEDED_LIMIT],
            "waiting_count": waiting_count,
            "more_waiting": len(waiting) > ACTION_NEEDED_LIMIT,
            "tickets": recent,
            "recent_limit": RECENT_TICKETS,
        },
    )


@access.for_roles(Role.PROVIDER)
def provider_waiting(request):
    """Every ticket waiting on the provider user, soonest deadline first, a page at a time:
    the information the MCO asked for (R-FLOW-3), accepting or contesting a response and
    asking for review (R-FLOW-5), a review submission (R-FLOW-6). The home page shows the
    first ones and links here when there are more (issue 14)."""
    from tickets.action_needed import waiting_on, waiting_tickets, with_display
    from tickets.queues import CappedPaginator

    page = CappedPaginator(waiting_tickets(request.user), WAITING_PER_PAGE,
                           rows=with_display).get_page(request.GET.get("page"))
    return render(request, "portal/home/waiting.html",
                  {"page": page, "waiting": waiting_on(page.object_list)})


@access.for_roles(Role.HFS)
def hfs_home(request):
    from django.utils import timezone

    from deadlines.clocks import needing_attention
    from tickets.models import ExtensionRequest, Investigation, State, Ticket
    from tickets.queues import capped_count

    attention = list(needing_attention().select_related("content_type")[:20])
    numbered = Ticket.objects.only("pk", "number").in_bulk(
        [c.object_id for c in attention if c.content_type.model == "ticket"])
    for clock in attention:  # one query for all of them, not one a clock
        clock.ticket = (numbered.get(clock.object_id)
                        if clock.content_type.model == "ticket" else None)
    now = timezone.now()
    from django.urls import reverse

    triage = reverse("triage_queue")
    submitted = Ticket.objects.filter(state=State.SUBMITTED)
    # Each count reads one partial index and stops at the cap (issue 14: the home page does
    # not grow with history).
    tiles = [
        # (label, queryset counted, link, alert: shown in the warning style when not zero)
        ("Triage overdue", submitted.filter(triage_due__lt=now),
         f"{triage}?overdue=1", True),
        ("MCO responses overdue, not yet answered", Ticket.objects.filter(
            sanction_candidate_at__isnull=False, responded_at__isnull=True).exclude(
            state=State.CLOSED), f"{reverse('overdue_responses')}?show=open", True),
        ("Decisions overdue", Ticket.objects.filter(
            state=State.HFS_REVIEW, decision_overdue_at__isnull=False),
         reverse("review_queue"), True),
        ("Waiting for triage", submitted, triage, False),
        ("Assigned to you", submitted.filter(assigned_to=request.user),
         f"{triage}?mine=1", False),
        ("Extension requests to decide", ExtensionRequest.objects.filter(status="pending"),
         reverse("extension_queue"), False),
        ("In HFS review", Ticket.objects.filter(state=State.HFS_REVIEW),
         reverse("review_queue"), False),
        ("Open investigations", Investigation.objects.filter(status="open"),
         reverse("investigations"), False),
    ]
    from reports.charts import filed_per_month_chart

    return render(request, "portal/home/hfs.html", {
        "attention": attention,
        "chart": filed_per_month_chart(),
        "tiles": [{"label": label, **capped_count(queryset), "url": url, "alert": alert}
                  for label, queryset, url, alert in tiles],
    })


@access.signed_in
def no_role_home(request):
    """A signed-in person with no role yet (e.g. a deactivated membership)."""
    return render(request, "portal/home/no_role.html")


@access.signed_in
def account_settings(request):
    return render(request, "portal/account.html", {"needs_mfa": access.needs_mfa(request.user)})
