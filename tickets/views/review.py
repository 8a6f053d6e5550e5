"""After the MCO's response (issue 7): accept or contest, HFS review, the final decision
and unfinished-resolution investigations (R-FLOW-5..R-FLOW-9)."""

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.db.models import F, OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from deadlines.models import Clock
from portal import access
from portal.access import Role
from portal.audit import audited
from tickets import clock_kinds as ck
from tickets import decision_pdf, workflow
from tickets.forms import (
    AcceptForm,
    AttachmentsForm,
    ContestForm,
    DecisionForm,
    InvestigationCloseForm,
    ReviewSubmissionForm,
    UnfinishedResolutionForm,
)
from tickets.models import Investigation, State, Ticket
from tickets.queues import CappedPaginator
from tickets.views.common import act, bound, post_action, refused_page, ticket_page, visible_ticket


@access.for_roles(Role.PROVIDER)
@require_POST
@audited("ticket")
def accept(request, pk):
    return post_action(
        request, pk, {"accept_form": bound(AcceptForm, "accept_%s")}, workflow.accept,
        "You accepted the MCO's response; the ticket is closed as resolved.",
        lambda data: {},
    )


@access.for_roles(Role.PROVIDER)
@require_POST
@audited("ticket")
def contest(request, pk):
    return post_action(
        request, pk,
        {"contest_form": bound(ContestForm, "contest_%s", responded_on=_responded_on)},
        workflow.contest, "The response is contested. You may ask for HFS review within 30 "
        "calendar days of the response.",
        lambda data: {"contact": {k: data[k] for k in ("contacted_on", "method", "outcome")}},
    )


def _responded_on(ticket):
    return timezone.localtime(ticket.responded_at).date() if ticket.responded_at else None


@access.for_roles(Role.PROVIDER)
@require_POST
@audited("ticket")
def request_review(request, pk):
    ticket = visible_ticket(request, pk)
    return act(request, ticket, workflow.request_review, "HFS review is requested. Send "
                "all relevant information within 30 calendar days.", by=request.user)


@access.for_roles(Role.PROVIDER, Role.MCO)
@require_POST
@audited("ticket")
def review_submission(request, pk):
    ticket = visible_ticket(request, pk)
    party = "mco" if access.is_mco_staff(request.user) else "provider"
    form = ReviewSubmissionForm(request.POST, auto_id="review_%s")
    files_form = AttachmentsForm(request.POST, request.FILES, auto_id="review_files_%s")
    if not (form.is_valid() and files_form.is_valid()):
        return ticket_page(request, ticket, {"review_form": form,
                                             "review_files_form": files_form}, status=400)
    data = form.cleaned_data
    done = "complete" if data["complete"] else "saved"
    forms = {"review_form": form, "review_files_form": files_form}
    return act(request, ticket, workflow.save_review_submission,
                f"Your review submission is {done}.", forms=forms, by=request.user, party=party,
                statement=data["statement"], contacts=data["contacts"],
                complete=data["complete"], files=files_form.cleaned_data.get("files") or [])


@access.for_roles(Role.HFS)
@require_POST
@audited("ticket")
def decide(request, pk):
    ticket = visible_ticket(request, pk)
    form = DecisionForm(request.POST, auto_id="decision_%s")
    if not form.is_valid():
        return ticket_page(request, ticket, {"decision_form": form}, status=400)
    try:
        workflow.decide(ticket.pk, by=request.user, decision=form.decision())
    except workflow.ActionRefused as refusal:
        return refused_page(request, ticket, {"decision_form": form}, refusal)
    messages.success(request, "The decision is issued; both parties are notified.")
    return redirect("ticket_decision", ticket.pk)


def _decided_ticket(request, pk):
    ticket = visible_ticket(request, pk)
    if not hasattr(ticket, "decision"):
        raise Http404
    return ticket


@access.for_roles(Role.PROVIDER, Role.MCO, Role.HFS)
@audited("ticket")
def decision_page(request, pk):
    ticket = _decided_ticket(request, pk)
    return render(request, "tickets/decision.html", {"ticket": ticket,
                                                     "decision": ticket.decision})


@access.for_roles(Role.PROVIDER, Role.MCO, Role.HFS)
@audited("ticket", action="download_decision")
def decision_download(request, pk):
    ticket = _decided_ticket(request, pk)
    response = HttpResponse(decision_pdf.render(ticket, ticket.decision),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="decision-{ticket.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@access.for_roles(Role.PROVIDER)
@require_POST
@audited("ticket")
def report_unfinished(request, pk):
    return post_action(
        request, pk, {"unfinished_form": bound(UnfinishedResolutionForm, "unfinished_%s")},
        workflow.report_unfinished_resolution,
        "Thank you. HFS opened an investigation; the ticket itself is not reopened.",
        lambda data: {"description": data["description"]},
    )


def _review_rows(tickets):
    """A review queue row: the decision and submission clocks' due moments, MCO, provider."""
    def due(kind):
        return Clock.objects.filter(
            content_type=ContentType.objects.get_for_model(Ticket), object_id=OuterRef("pk"),
            kind=kind, outcome="",
        )
    return tickets.annotate(
        decision_due_at=Subquery(due(ck.HFS_DECISION.key).values("due_at")[:1]),
        decision_due_date=Subquery(due(ck.HFS_DECISION.key).values("due_date")[:1]),
        submissions_due_date=Subquery(due(ck.REVIEW_SUBMISSIONS.key).values("due_date")[:1]),
    ).select_related("mco", "provider")


@access.for_roles(Role.HFS)
def review_queue(request):
    """Tickets in HFS review, soonest decision due first (submissions still open after)."""
    tickets = (
        Ticket.objects.filter(state=State.HFS_REVIEW)
        # The decision clock's due moment mirrored on the ticket (ticket_review_queue_idx,
        # issue 14); reviews whose record is still open (no decision clock yet) after.
        .order_by(F("decision_due").asc(nulls_last=True), "review_requested_at", "id")
    )
    page = CappedPaginator(tickets, 25, rows=_review_rows).get_page(request.GET.get("page"))
    return render(request, "tickets/hfs/reviews.html", {"tickets": page, "page": page,
                                                         "now": timezone.now()})


@access.for_roles(Role.HFS)
def investigations(request):
    items = Investigation.objects.select_related("ticket__mco", "ticket__provider",
                                                 "reported_by", "closed_by")
    status = request.GET.get("status", "open")
    if status in Investigation.Status.values:
        items = items.filter(status=status)
    for item in items:
        item.form = InvestigationCloseForm(auto_id=f"inv{item.pk}_%s")
    return render(request, "tickets/hfs/investigations.html",
                  {"items": items, "status": status})


@access.for_roles(Role.HFS)
@require_POST
@audited("investigation", id_kwarg="investigation_pk")
def close_investigation(request, investigation_pk):
    investigation = get_object_or_404(Investigation, pk=investigation_pk)
    form = InvestigationCloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write the outcome of the investigation, then try again.")
        return redirect("investigations")
    try:
        workflow.close_investigation(investigation.pk, by=request.user,
                                     notes=form.cleaned_data["notes"],
                                     outcome=form.cleaned_data["outcome"])
    except workflow.ActionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"The investigation on {investigation.ticket} is closed.")
    return redirect("investigations")
