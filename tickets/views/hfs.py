"""HFS portal staff: the triage queue and the triage actions (R-FLOW-1)."""

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from deadlines import kinds
from deadlines.models import Clock
from portal import access
from portal.access import Role
from portal.audit import audited
from portal.models import MCO, ComplaintType
from portal.models.users import named_by
from tickets import clock_kinds, workflow
from tickets.forms import InternalNoteForm, PresentForm, TriageCloseForm
from tickets.models import State, Ticket
from tickets.queues import CappedPaginator, with_clock
from tickets.views.common import act, bound, post_action, row_forms, visible_ticket

hfs_staff = access.for_roles(Role.HFS)


def triage_queryset(user, *, mco=None, complaint_type=None, overdue=False, mine=False,
                    query="", now=None):
    """Submitted tickets, the soonest triage due first: the bare query a paginator counts
    and pages; ``triage_rows`` adds what a row shows."""
    now = now or timezone.now()
    qs = Ticket.objects.visible_to(user).filter(state=State.SUBMITTED)
    if mco:
        qs = qs.filter(mco__slug=mco)
    if complaint_type:
        qs = qs.filter(complaint_type__slug=complaint_type)
    if overdue:
        qs = qs.filter(triage_due__lt=now)
    if mine:
        qs = qs.filter(assigned_to=user)
    if query:
        digits = "".join(c for c in query if c.isdigit())
        match = (
            Q(number__iexact=query.strip())
            | Q(tracking_number__iexact=query.strip())
            | Q(claims__tracking_number__iexact=query.strip())
            | Q(provider__legal_name__icontains=query)
            | Q(provider__medicaid_id__iexact=query.strip())
        )
        if digits:
            match |= Q(provider__npi=digits)
        qs = qs.filter(match).distinct()
    # The clock's due moment as mirrored on the ticket, read in order from
    # ticket_triage_queue_idx (issue 14).
    return qs.order_by("triage_due", "submitted_at", "id")


def triage_rows(qs):
    """What a row of the triage queue shows: the triage clock, provider, MCO, type and
    assignee."""
    return with_clock(qs, clock_kinds.TRIAGE.key, "triage").select_related(
        "provider", "mco", "complaint_type", "assigned_to")


#: What the triage page's rows read (as the MCO queue's PAGE_FIELDS).
PAGE_FIELDS = ("id", "number", "state", "provider__legal_name", "mco__short_name",
               "complaint_type__name", *named_by("assigned_to"))


def triage_page_rows(qs):
    return triage_rows(qs).only(*PAGE_FIELDS)


@hfs_staff
def triage_queue(request):
    params = {
        "mco": request.GET.get("mco", ""),
        "complaint_type": request.GET.get("type", ""),
        "overdue": request.GET.get("overdue") == "1",
        "mine": request.GET.get("mine") == "1",
        "query": request.GET.get("q", "").strip(),
    }
    page = CappedPaginator(triage_queryset(request.user, **params), 25,
                           rows=triage_page_rows).get_page(request.GET.get("page"))
    return render(request, "tickets/hfs/triage.html", {
        "page": page, "params": params, "now": timezone.now(),
        "mcos": MCO.objects.all(), "types": ComplaintType.objects.all(),
        "query": params["query"],
    })


@hfs_staff
@require_POST
@audited("ticket")
def assign_to_me(request, pk):
    ticket = visible_ticket(request, pk)
    return act(request, ticket, lambda tid: workflow.assign(tid, to=request.user),
               "The ticket is assigned to you.")


@hfs_staff
@require_POST
@audited("ticket")
def present(request, pk):
    return post_action(
        request, pk, {"present_form": bound(PresentForm, "present_%s")}, workflow.present,
        "The ticket is presented to the MCO; its clocks have started.",
        lambda data: {"note": data["note"]},
    )


@hfs_staff
@require_POST
@audited("ticket")
def close(request, pk):
    return post_action(
        request, pk, {"close_form": bound(TriageCloseForm, "close_%s")},
        workflow.close_at_triage, "The ticket is closed; the provider is told why.",
        lambda data: {"reason": data["reason"], "note": data["note"]},
    )


@hfs_staff
@require_POST
@audited("ticket")
def internal_note(request, pk):
    return post_action(
        request, pk, {"note_form": bound(InternalNoteForm, "internal_%s")},
        workflow.add_internal_note, "Your internal note is saved.",
        lambda data: {"text": data["text"]},
    )


@hfs_staff
def extension_queue(request):
    """Pending extension requests with the ticket's clocks, oldest first (R-FLOW-4)."""
    from tickets.forms import ExtensionDecisionForm
    from tickets.models import ExtensionRequest

    page = CappedPaginator(
        ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING)
        .select_related("ticket__mco", "ticket__provider", "requested_by")
        .order_by("requested_at", "id"), 25).get_page(request.GET.get("page"))
    pending = list(page)
    clocks = _clocks_by_ticket([r.ticket_id for r in pending],
                               [clock_kinds.MCO_RESPONSE.key, clock_kinds.EXTENSION_CUTOFF.key])
    now = timezone.now()
    forms = row_forms(ExtensionDecisionForm, [r.pk for r in pending])
    for r in pending:
        r.clocks = clocks.get(r.ticket_id, [])
        r.form = forms[r.pk]
        response = next((c for c in r.clocks if c.kind == clock_kinds.MCO_RESPONSE.key
                         and c.is_open_at(now)), None)
        # The actual new due date, by the clock's own rule (R-FLOW-4: 60 calendar days).
        r.old_due = response.due_date if response else None
        r.new_due = kinds.compute_due_date(response.start_date, response.unit, 60,
                                           response.extra_calendar_days) if response else None
    decided = ExtensionRequest.objects.exclude(status=ExtensionRequest.Status.PENDING) \
        .select_related("ticket", "decided_by").order_by("-decided_at")[:20]
    return render(request, "tickets/hfs/extensions.html",
                  {"pending": pending, "decided": decided, "page": page})


def _clocks_by_ticket(ticket_ids, kinds):
    result = {}
    for clock in Clock.objects.filter(
        content_type=ContentType.objects.get_for_model(Ticket), object_id__in=ticket_ids,
        kind__in=kinds,
    ).order_by("pk"):
        result.setdefault(clock.object_id, []).append(clock)
    return result


@hfs_staff
@require_POST
@audited("extension", id_kwarg="request_pk")
def decide_extension(request, request_pk):
    from tickets.forms import ExtensionDecisionForm
    from tickets.models import ExtensionRequest

    extension = ExtensionRequest.objects.filter(pk=request_pk).first()
    if extension is None:
        from django.http import Http404

        raise Http404
    form = ExtensionDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose Approve or Deny, then try again.")
        return redirect("extension_queue")
    approve = form.cleaned_data["decision"] == "approve"
    try:
        workflow.decide_extension(extension.pk, by=request.user, approve=approve,
                                  note=form.cleaned_data["note"])
    except workflow.ActionRefused as refusal:
        messages.error(request, f"{extension.ticket}: {refusal}")
    else:
        outcome = "approved: the response is now due on day 60" if approve else "denied"
        messages.success(request, f"The extension on {extension.ticket} is {outcome}.")
    return redirect("extension_queue")


@hfs_staff
def overdue_responses(request):
    """Sanction candidates: tickets whose MCO response clock expired (R-FLOW-2), the mark
    staying after a late response: all of them, newest mark first, or ("open") the ones still
    not answered, the longest overdue first. Each reads its own partial index, 50 a page
    (issue 14)."""
    from deadlines import calendar

    show = "open" if request.GET.get("show") == "open" else "all"
    tickets = Ticket.objects.filter(sanction_candidate_at__isnull=False)
    if show == "open":
        tickets = tickets.filter(responded_at__isnull=True).exclude(state=State.CLOSED)
        tickets = tickets.order_by("sanction_candidate_at", "id")
    else:
        tickets = tickets.order_by("-sanction_candidate_at", "-id")
    page = CappedPaginator(tickets.select_related("mco", "provider"), 50).get_page(
        request.GET.get("page"))
    today = timezone.localdate()
    for t in page:
        due = timezone.localtime(t.response_due).date() if t.response_due else None
        t.response_due_date = due
        end = timezone.localtime(t.responded_at).date() if t.responded_at else today
        t.days_late = max((end - due).days, 0) if due else None
        t.business_days_late = calendar.business_days_between(due, end) if due else None
    return render(request, "tickets/hfs/overdue.html", {"page": page, "tickets": page,
                                                          "show": show})
