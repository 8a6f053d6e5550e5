"""The ticket page and its files, for every role that may see the ticket (R-SEC-1): the
queryset comes from ``Ticket.objects.visible_to``; anyone else gets "not found"."""

from dataclasses import dataclass

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from deadlines.clocks import clocks_for
from portal import access, uploads
from portal.access import Role
from portal.audit import audited
from portal.models.users import naming
from tickets.forms import InternalNoteForm, PresentForm, TriageCloseForm
from tickets.models import State, Ticket

ticket_roles = access.for_roles(Role.PROVIDER, Role.MCO, Role.HFS)


def visible_ticket(request, pk):
    return get_object_or_404(
        Ticket.objects.visible_to(request.user).select_related(
            "provider", "mco", "complaint_type", "assigned_to", "created_by"
        ),
        pk=pk,
    )


def bound(form_class, auto_id, **options):
    """How ``post_action`` makes one of its forms from the request; an option that is
    callable is called with the ticket (``responded_on=lambda ticket: ...``)."""
    def make(request, ticket):
        kwargs = {k: v(ticket) if callable(v) else v for k, v in options.items()}
        return form_class(request.POST, request.FILES, auto_id=auto_id, **kwargs)
    return make


_ROW = "__row__"


def row_forms(form_class, keys, auto_id="x{}_%s"):
    """The same empty form for each row of a queue (a decision per row), rendered once and
    given each row's key in its ids: one form render a page instead of one a row (issue 14:
    a form's widgets are templates). ``keys`` are integers (primary keys)."""
    from django.utils.safestring import mark_safe

    html = str(form_class(auto_id=auto_id.format(_ROW)))
    # The keys are integers and the marker is ours: the result stays the form's safe HTML.
    return {key: mark_safe(html.replace(_ROW, str(int(key)))) for key in keys}  # noqa: S308


def post_action(request, pk, forms, action, success, arguments):
    """One POSTed action on a visible ticket: its forms bound to what was sent; invalid,
    the page again with them (400); valid, the workflow action with ``arguments(data)``,
    ``data`` being every form's cleaned data merged. Refused, the page again with the
    forms and the refusal at its field (``act``)."""
    ticket = visible_ticket(request, pk)
    made = {name: make(request, ticket) for name, make in forms.items()}
    if not all(form.is_valid() for form in made.values()):
        return ticket_page(request, ticket, made, status=400)
    data = {}
    for form in made.values():
        data.update(form.cleaned_data)
    return act(request, ticket, action, success, forms=made, by=request.user,
               **arguments(data))


def act(request, ticket, action, success, *, forms=None, **kwargs):
    """Run one workflow action on the ticket and come back to its page with the outcome.

    Done: the success message, back to the ticket. Refused: when the action came from a
    form, the page again with that form bound (everything typed kept) and the refusal at
    its field (R-SEC-5); otherwise the refusal as a message. ``forms``: the bound forms of
    the action, by their context name."""
    from django.contrib import messages

    from tickets import workflow

    try:
        action(ticket.pk, **kwargs)
    except workflow.ActionRefused as refusal:
        if not forms:
            messages.error(request, str(refusal))
            return redirect("ticket_detail", ticket.pk)
        return refused_page(request, ticket, forms, refusal)
    messages.success(request, success)
    return redirect("ticket_detail", ticket.pk)


def refused_page(request, ticket, forms, refusal):
    """The ticket page with the action's bound forms (what was typed is kept) and the
    refusal: at its field when it names one, otherwise as the page's error message (the
    form may no longer apply to the ticket as it is now)."""
    from django.contrib import messages

    for form in forms.values():
        if refusal.field and refusal.field in form.fields:
            form.add_error(refusal.field, str(refusal))
            break
    else:
        messages.error(request, str(refusal))
    fresh = visible_ticket(request, ticket.pk)
    return ticket_page(request, fresh, forms, status=400)


@ticket_roles
@audited("ticket")
def ticket_detail(request, pk):
    ticket = visible_ticket(request, pk)
    if ticket.state == State.DRAFT:
        return redirect("ticket_edit", ticket.pk)
    return ticket_page(request, ticket)


def ticket_page(request, ticket, forms=None, status=200):
    """The ticket as the person may see it, with the actions their role may take now."""
    from django.utils import timezone

    from tickets import clock_kinds as ck
    from tickets.forms import (
        AttachmentsForm,
        ExtensionForm,
        IncompleteInformationForm,
        InformationAnswerForm,
        InformationRequestForm,
        InvalidTrackingCloseForm,
        MessageForm,
        ResponseForm,
        TrackingUnknownForm,
    )
    from tickets.models.attachments import attachments_visible_to

    user = request.user
    is_hfs = access.is_hfs_staff(user)
    is_mco = access.is_mco_staff(user) and ticket.mco_id == user.mco_id
    is_provider = access.is_provider_user(user) and not is_hfs and not is_mco
    events = naming(ticket.events.all(), "actor")
    if not is_hfs:
        events = events.filter(internal=False)
    state = ticket.state
    now = timezone.now()
    # Each related list read once: what the page shows also decides which actions it
    # offers (issue 14: five queries fewer a ticket page). The workflow checks on POST.
    clocks = list(clocks_for(ticket).order_by("due_at", "pk"))
    claims = list(ticket.claims.all())
    information_requests = list(naming(ticket.information_requests.all(), "requested_by",
                                       "answered_by"))
    extension_requests = list(naming(ticket.extension_requests.all(), "requested_by",
                                     "decided_by"))

    def is_open(kind):
        """The running clock of ``kind`` whose due moment has not passed (open_clock's
        answer, from the clocks read above)."""
        return any(c.kind == kind and c.is_open_at(now) for c in clocks)

    working = state in (State.WITH_MCO, State.AWAITING_PROVIDER_INFO)
    extension_open = (
        working and not extension_requests and is_open(ck.EXTENSION_CUTOFF.key))
    context = {
        "ticket": ticket,
        "events": events,
        "claims": claims,
        "attachments": attachments_visible_to(user, ticket),
        "information_requests": information_requests,
        "extension_requests": extension_requests,
        "thread": naming(ticket.messages.all(), "author"),
        "response": getattr(ticket, "response", None) if ticket.responded_at else None,
        "is_hfs": is_hfs,
        "is_mco": is_mco,
        "is_provider": is_provider,
        "window": ticket.filing_window(),
    }
    if not ticket.is_closed and state != State.SUBMITTED:
        context["message_form"] = MessageForm(auto_id="message_%s")
    if is_mco and state == State.WITH_MCO and is_open(ck.INFO_WINDOW.key):
        context["info_form"] = InformationRequestForm(auto_id="info_%s")
    if is_mco and working and ticket.tracking_reported_unknown_at is None:
        context["tracking_unknown_form"] = TrackingUnknownForm(auto_id="tracking_unknown_%s")
    if is_hfs and working and ticket.tracking_reported_unknown_at is not None:
        context["invalid_tracking_form"] = InvalidTrackingCloseForm(
            auto_id="invalid_tracking_%s")
    if is_mco and working:
        context["response_form"] = ResponseForm(auto_id="response_%s")
        context["response_files_form"] = AttachmentsForm(auto_id="response_files_%s")
    if (is_provider and state == State.AWAITING_PROVIDER_INFO
            and is_open(ck.PROVIDER_INFO.key)):
        context["answer_form"] = InformationAnswerForm(auto_id="answer_%s")
        context["answer_files_form"] = AttachmentsForm(auto_id="answer_files_%s")
    if (is_mco or is_provider) and extension_open:
        context["extension_form"] = ExtensionForm(auto_id="extension_%s")
    if is_hfs and state == State.SUBMITTED:
        context.update(present_form=PresentForm(auto_id="present_%s"),
                       close_form=TriageCloseForm(auto_id="close_%s"))
    if ((is_hfs or is_mco) and state == State.WITH_MCO
            and any(r.answered_at is not None for r in information_requests)):
        context["incomplete_form"] = IncompleteInformationForm(auto_id="incomplete_%s")
    _review_context(context, ticket, is_open, is_hfs=is_hfs, is_mco=is_mco,
                    is_provider=is_provider)
    if is_hfs:
        context["note_form"] = InternalNoteForm(auto_id="internal_%s")
        from tickets.rules import tracking_number_refusal

        context["checks"] = submission_checks(ticket, tracking_number_refusal,
                                              claim_count=len(claims))
    context["next_step"] = next_step(ticket, is_hfs=is_hfs, is_mco=is_mco)
    _deadline_context(context, ticket, clocks, party="hfs" if is_hfs else (
        "mco" if is_mco else "provider"), now=now)
    context.update(forms or {})
    context["show_actions"] = any(key.endswith("_form") and key != "message_form"
                                  for key in context) or context.get("can_request_review")
    return render(request, "tickets/detail.html", context, status=status)


def _deadline_context(context, ticket, all_clocks, *, party, now):
    """The viewer's own next deadline first, the other parties' after it (issue 12);
    running clocks in the deadlines table, ended ones in the timeline. ``all_clocks``: the
    ticket's clocks in the order they fall due."""
    from tickets import next_steps

    running = [c for c in all_clocks if c.is_running]
    submissions = {s.party: s for s in context.get("review_submissions", [])}
    context["running_clocks"] = running
    context["ended_clocks"] = sorted((c for c in all_clocks if not c.is_running),
                                     key=lambda c: c.stopped_at)
    context["my_step"] = next_steps.for_viewer(ticket, party, running, now, submissions)
    context["other_deadlines"] = next_steps.others(ticket, party, running, submissions)
    context["pending_extension"] = next(
        (x for x in context["extension_requests"] if x.status == "pending"), None)
    context["representative_contacts"] = naming(ticket.representative_contacts.all(),
                                                "recorded_by")
    for sub in context.get("review_submissions", []):
        # HFS reads both; each party re-reads its own (the statements are HFS's record).
        sub.readable = party == "hfs" or sub.party == party


def next_step(ticket, *, is_hfs, is_mco):
    """Whose turn it is, in the viewer's words."""
    you = "HFS" if is_hfs else ("your MCO" if is_mco else "you")
    mco = ticket.mco.short_name
    steps = {
        State.SUBMITTED: "HFS checks the ticket and presents it to the MCO or closes it.",
        State.WITH_MCO: f"{mco} prepares its written response"
        + (" (you may still request information)." if is_mco else "."),
        State.AWAITING_PROVIDER_INFO: (
            "The provider sends the requested information." if you != "you"
            else "You send the information the MCO asked for, within 5 business days."
        ),
        State.MCO_RESPONDED: (
            "The provider accepts or contests the response." if you != "you"
            else "You accept the response, or contest it within 5 business days."
        ),
        State.CONTESTED: (
            "The provider may ask HFS to review." if you != "you"
            else "You may ask HFS to review, within 30 calendar days of the response."
        ),
        State.HFS_REVIEW: (
            "HFS writes its decision." if ticket.record_closed_at
            else "Both parties send HFS their information and mark it complete."
        ),
    }
    return steps.get(ticket.state, "")


def _review_context(context, ticket, is_open, *, is_hfs, is_mco, is_provider):
    """Issue 7's actions: accept or contest, ask for review, review submissions, the
    decision, reporting an unfinished resolution. ``is_open(kind)``: whether the ticket's
    clock of that kind runs and has not passed its due moment."""
    from django.utils import timezone

    from tickets import clock_kinds as ck
    from tickets.forms import (
        AttachmentsForm,
        ContestForm,
        DecisionForm,
        ReviewSubmissionForm,
        UnfinishedResolutionForm,
    )

    state = ticket.state
    if is_provider and state == State.MCO_RESPONDED and is_open(ck.PROVIDER_ANSWER.key):
        from tickets.forms import AcceptForm

        context["accept_form"] = AcceptForm(auto_id="accept_%s")
        context["contest_form"] = ContestForm(auto_id="contest_%s")  # dates checked on POST
    if is_provider and state == State.CONTESTED and is_open(ck.REVIEW_REQUEST.key):
        context["can_request_review"] = True
    if state == State.HFS_REVIEW:
        submissions = {s.party: s for s in ticket.review_submissions.all()}
        context["review_submissions"] = list(submissions.values())
        party = "mco" if is_mco else ("provider" if is_provider else None)
        mine = submissions.get(party)
        if (mine is not None and mine.completed_at is None
                and ticket.record_closed_at is None
                and is_open(ck.REVIEW_SUBMISSIONS.key)):
            context["review_form"] = ReviewSubmissionForm(
                auto_id="review_%s",
                initial={"statement": mine.statement, "contacts": mine.contacts})
            context["review_files_form"] = AttachmentsForm(auto_id="review_files_%s")
        if is_hfs and ticket.record_closed_at is not None:
            context["decision_form"] = DecisionForm(auto_id="decision_%s")
    response = context.get("response")
    if (is_provider and response is not None and response.plan_applies
            and response.resolve_by and response.resolve_by < timezone.localdate()):
        context["unfinished_form"] = UnfinishedResolutionForm(auto_id="unfinished_%s")
    context["investigations"] = ticket.investigations.all() if (is_hfs or is_provider) else []
    context["has_decision"] = ticket.close_reason == "decided"


@dataclass(frozen=True)
class Check:
    label: str
    status: str  # "ok", "problem" or "not_checked"
    detail: str

    @property
    def status_label(self):
        return {"ok": "Checked", "problem": "Look at this", "not_checked": "Not checked"}[
            self.status]


def _checked(ok):
    return "ok" if ok else "problem"


def submission_checks(ticket, tracking_number_refusal, *, claim_count):
    """What the portal checked when the provider filed, for the HFS staff member triaging
    it; what no check can tell (the provider's own statement) says so. ``claim_count``: how
    many claims the ticket has (the page has read them)."""
    window = ticket.filing_window()
    filed = timezone.localtime(ticket.submitted_at).date() if ticket.submitted_at else None
    count = claim_count
    refusal = tracking_number_refusal(ticket.mco, ticket.tracking_number)
    return [
        Check("Filed inside the filing window",
              _checked(filed is not None and window.is_open_on(filed)),
              window.explain(ticket.mco.name)),
        Check("The tracking number fits the MCO's format", _checked(refusal is None),
              ticket.tracking_number if refusal is None else refusal)
        if ticket.mco.tracking_pattern else
        Check("The tracking number fits the MCO's format", "not_checked",
              f"HFS has no format on record for {ticket.mco.short_name}: check "
              f"{ticket.tracking_number} yourself."),
        Check("The MCO's own dispute process was used and exhausted", "not_checked",
              "The provider confirmed it when filing; the portal cannot check it."
              if ticket.internal_process_exhausted else "The provider did not confirm it."),
        Check("Several claims come on the claims template",
              _checked(ticket.uses_claims_template or count <= 1),
              f"{count} claim{'s' if count != 1 else ''}"
              + (", from the template" if ticket.uses_claims_template else "")),
    ]


@ticket_roles
@audited("ticket", action="download")
def attachment_download(request, pk, attachment_pk):
    """R-SEC-4: files are served only here, to people who may see the ticket."""
    ticket = visible_ticket(request, pk)
    attachment = get_object_or_404(ticket.attachments, pk=attachment_pk)
    if not attachment.is_visible_to(request.user, ticket):
        raise Http404  # a review submission's file: HFS and its party only (R-FLOW-6)
    response = FileResponse(attachment.file.open("rb"))
    uploads.safe_download_headers(response, filename=attachment.name,
                                  content_type=attachment.content_type)
    return response
