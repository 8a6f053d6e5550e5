"""MCO staff: the queue of their MCO's presented tickets (R-SEC-1), its export, and bulk
assignment for supervisors (issue 6)."""

from django.contrib import messages
from django.db.models import OuterRef, Q, Subquery
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

import jobs
from portal import access, audit, permissions
from portal.access import Role
from portal.audit import audited
from portal.models import ComplaintType, User
from portal.models.users import named_by
from tickets import clock_kinds, workflow
from tickets.exports import MCO_EXPORT, describe_mco_filters
from tickets.models import ExtensionRequest, State, Ticket
from tickets.queues import CappedPaginator, with_clock

mco_staff = access.for_roles(Role.MCO)

# "Needs our action" first: tickets whose written response the MCO still owes (while the
# provider answers an information request too: the MCO's 30 days keep running, R-FLOW-3).
ACTION_STATES = (State.WITH_MCO, State.AWAITING_PROVIDER_INFO)
STATUS_FILTERS = {
    "action": "Needs our action",
    "open": "All open",
    State.WITH_MCO.value: "With the MCO",
    State.AWAITING_PROVIDER_INFO.value: "Waiting for the provider's information",
    State.MCO_RESPONDED.value: "Responded",
    State.CLOSED.value: "Closed",
    "all": "All",
}


def mco_queryset(user, *, status="action", complaint_type="", overdue=False, awaiting=False,
                 mine=False, query="", now=None):
    """Their MCO's presented tickets, soonest response due first: the bare query a paginator
    counts and pages; ``mco_rows`` adds what a row shows."""
    now = now or timezone.now()
    qs = Ticket.objects.visible_to(user).filter(response_due__isnull=False)
    if status == "action":
        qs = qs.filter(state__in=ACTION_STATES)
    elif status == "open":
        qs = qs.exclude(state=State.CLOSED)
    elif status in STATUS_FILTERS and status != "all":
        qs = qs.filter(state=status)
    if complaint_type:
        # The type's id first (no join): the filter is then read from the queue's index.
        qs = qs.filter(complaint_type=Subquery(
            ComplaintType.objects.filter(slug=complaint_type).values("pk")[:1]))
    if overdue:
        qs = qs.filter(response_due__lt=now, responded_at__isnull=True)
    if awaiting:
        qs = qs.filter(state=State.AWAITING_PROVIDER_INFO)
    if mine:
        qs = qs.filter(mco_assigned_to=user)
    if query:
        digits = "".join(c for c in query if c.isdigit())
        match = (Q(number__iexact=query) | Q(tracking_number__iexact=query)
                 | Q(claims__tracking_number__iexact=query)
                 | Q(provider__legal_name__icontains=query))
        if digits:
            match |= Q(provider__npi=digits)
        qs = qs.filter(match).distinct()
    # The response clock's due moment as mirrored on the ticket, read in order from the
    # MCO queue's partial index for the status chosen (issue 14).
    return qs.order_by("response_due", "presented_at", "id")


def mco_rows(qs):
    """What a row of the MCO queue shows beside the ticket: its response, information
    window and extension cut-off clocks, the first extension request's status, and the
    provider, type and assignee."""
    qs = with_clock(qs, clock_kinds.MCO_RESPONSE.key, "response")
    qs = with_clock(qs, clock_kinds.INFO_WINDOW.key, "info_window")
    qs = with_clock(qs, clock_kinds.EXTENSION_CUTOFF.key, "extension_cutoff")
    return qs.annotate(
        extension_status=Subquery(
            ExtensionRequest.objects.filter(ticket=OuterRef("pk")).values("status")[:1]
        ),
    ).select_related("provider", "complaint_type", "mco_assigned_to")


#: What the queue page's rows read of a ticket and its related rows (issue 14: a row of
#: every column of four tables cost ~2 ms more a page to build). A field the template
#: starts to show goes here too: test_queue_queries holds the page's query count.
PAGE_FIELDS = ("id", "number", "state", "responded_at", "provider__legal_name",
               "complaint_type__name", *named_by("mco_assigned_to"))


def mco_page_rows(qs):
    """The rows of the queue page: ``mco_rows`` with the columns the page shows."""
    return mco_rows(qs).only(*PAGE_FIELDS)


def _params(request):
    status = request.GET.get("status", "action")
    return {
        "status": status if status in STATUS_FILTERS else "action",
        "complaint_type": request.GET.get("type", ""),
        "overdue": request.GET.get("overdue") == "1",
        "awaiting": request.GET.get("awaiting") == "1",
        "mine": request.GET.get("mine") == "1",
        "query": request.GET.get("q", "").strip(),
    }


@mco_staff
def mco_queue(request):
    params = _params(request)
    page = CappedPaginator(mco_queryset(request.user, **params), 25,
                           rows=mco_page_rows).get_page(request.GET.get("page"))
    supervisor = permissions.supervises_mco_queue(request.user)
    return render(request, "tickets/mco/queue.html", {
        "mco": request.user.mco, "page": page, "params": params, "now": timezone.now(),
        "types": ComplaintType.objects.all(), "statuses": STATUS_FILTERS,
        "supervisor": supervisor, "query": params["query"],
        "colleagues": User.objects.filter(mco=request.user.mco_id, is_active=True)
        if supervisor else [],
        "export_query": request.GET.urlencode(),
    })


@mco_staff
@require_POST
def mco_export(request):
    """Start the export of the queue as filtered (the filters in the query string, as the
    page shows them) as .xlsx: a background job (issue 14; tickets.exports), then its page
    with the progress. Recorded as an 'export' row naming the job (R-SEC-2); each download
    of the file is recorded too."""
    params = _params(request)
    query = request.GET.urlencode()
    back = reverse("mco_queue") + (f"?{query}" if query else "")
    mco = request.user.mco
    job = jobs.start(MCO_EXPORT, {"mco": mco.pk, "filters": params}, request.user,
                     label=f"{mco.short_name} tickets export: {STATUS_FILTERS[params['status']]}",
                     return_url=back)
    audit.write(user=request.user, action="export", object_type=audit.EXPORT, object_id=job.pk,
                detail=f"MCO queue: {describe_mco_filters(params)}", status=302)
    return redirect(job)


@access.for_roles(Role.MCO, check=permissions.supervises_mco_queue)
@require_POST
@audited("ticket", id_kwarg=None, post_ids=("tickets", "assignee"))
def assign(request):
    """Supervisors assign several tickets of their MCO to one colleague at once."""
    colleague = User.objects.filter(
        pk=request.POST.get("assignee") or 0, mco=request.user.mco_id, is_active=True
    ).first()
    ids = [int(i) for i in request.POST.getlist("tickets") if i.isdigit()]
    if colleague is None or not ids:
        messages.error(request, "Choose the tickets and the colleague to assign them to.")
        return redirect("mco_queue")
    visible = list(Ticket.objects.visible_to(request.user).filter(pk__in=ids).exclude(
        state=State.CLOSED).order_by("pk").values_list("pk", flat=True))
    try:
        count = workflow.assign_to_mco_colleague(visible, to=colleague, by=request.user)
    except workflow.ActionRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("mco_queue")
    messages.success(request, f"{count} ticket{'s' if count != 1 else ''} assigned to "
                     f"{colleague}.")
    return redirect("mco_queue")
