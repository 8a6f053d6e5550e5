"""Provider users file a ticket in three steps (R-REG-1, R-FILE-1..7): 1 the provider, MCO
and the dispute with the MCO (window and tracking number checked first), 2 the complaint
(description, claims, attachments), 3 check your answers, then "File the ticket". A draft's
first step can be changed and a draft discarded; a closed ticket starts a new draft
(R-FLOW-8)."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from portal import access, spreadsheets
from portal.access import Role
from portal.audit import audited
from portal.models import MCO
from registration.memberships import approved_providers
from tickets import claims_template, drafts, rules, workflow
from tickets.forms import (
    CLAIMS_NONE,
    CLAIMS_ONE,
    CLAIMS_SEVERAL,
    AttachmentsForm,
    ClaimForm,
    ClaimsModeForm,
    ClaimsTemplateForm,
    ComplaintForm,
    StartTicketForm,
)
from tickets.models import State, Ticket

provider_users = access.for_roles(Role.PROVIDER)


@provider_users
@audited("ticket", id_kwarg=None, action="create")
def start_ticket(request):
    """R-REG-1: only a person with an approved registration may enter a ticket; anyone else
    is told why. The filing window and tracking number are checked before anything else."""
    providers = approved_providers(request.user)
    if not providers.exists():
        return render(request, "tickets/start.html", {"may_file": False})
    form = StartTicketForm(request.POST if request.method == "POST" else None,
                           providers=providers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        draft = drafts.create_draft(by=request.user, **data)
        return redirect("ticket_edit", draft.pk)
    return _first_step(request, form)


def _first_step(request, form, ticket=None):
    window = None
    if form.is_bound and form.cleaned_data.get("dispute_filed_on") and form.cleaned_data.get(
        "mco"
    ):
        window = rules.filing_window(form.cleaned_data["dispute_filed_on"]).explain(
            form.cleaned_data["mco"].name
        )
    return render(
        request,
        "tickets/start.html",
        {"may_file": True, "form": form, "window": window, "ticket": ticket, "step": 1,
         "back_to": request.GET.get("next") == "check"},
        status=400 if form.is_bound else 200,
    )


BASICS = ["provider", "mco", "complaint_type", "dispute_filed_on", "tracking_number",
          "internal_process_exhausted"]


@provider_users
@audited("ticket")
def change_draft(request, pk):
    """Step 1 again, for a draft: its provider, MCO, complaint type and the dispute with
    the MCO, asked once and changed here (the tracking number is checked against the MCO
    chosen now, R-FILE-4). Back to the complaint, or to the check page it came from."""
    ticket = _own_draft(request, pk)
    form = StartTicketForm(request.POST if request.method == "POST" else None,
                           providers=approved_providers(request.user),
                           initial={name: getattr(ticket, name) for name in BASICS})
    if request.method == "POST" and form.is_valid():
        had_template = ticket.uses_claims_template
        try:
            ticket = drafts.change_basics(ticket, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if had_template and not ticket.uses_claims_template:
                messages.warning(request, "Your claims template listed the earlier provider "
                                 "or MCO on every row, so its claims are removed. Upload the "
                                 "template again with this provider and MCO.")
                return redirect(reverse("ticket_edit", args=[ticket.pk]) + "#claims")
            messages.success(request, "The provider, MCO and dispute details are saved.")
            return redirect("ticket_check" if request.GET.get("next") == "check"
                            else "ticket_edit", ticket.pk)
    return _first_step(request, form, ticket)


@provider_users
def filing_window(request):
    """The window message for the start page, as the person types (htmx partial)."""
    message, is_open = "", None
    try:
        filed_on = datetime.date.fromisoformat(request.GET.get("dispute_filed_on", ""))
        mco = MCO.objects.get(pk=int(request.GET.get("mco", "")))
    except (ValueError, MCO.DoesNotExist):
        filed_on = mco = None
    if filed_on and mco:
        from django.utils import timezone

        window = rules.filing_window(filed_on)
        message = window.explain(mco.name)
        is_open = window.is_open_on(timezone.localdate())
    return render(request, "tickets/_window.html", {"message": message, "is_open": is_open})


def _own_draft(request, pk):
    return get_object_or_404(
        Ticket.objects.visible_to(request.user).select_related(
            "mco", "provider", "complaint_type"
        ),
        pk=pk,
        state=State.DRAFT,
    )


def _edit_context(ticket, **forms):
    claims = list(ticket.claims.all())
    mode = CLAIMS_SEVERAL if ticket.uses_claims_template else (
        CLAIMS_ONE if claims else (CLAIMS_ONE if ticket.complaint_type.is_about_claims
                                   else CLAIMS_NONE)
    )
    single = claims[0] if claims and not ticket.uses_claims_template else None
    context = {
        "ticket": ticket,
        "step": 2,
        "window": ticket.filing_window().explain(ticket.mco.name),
        "complaint_form": ComplaintForm(initial={"description": ticket.description}),
        "mode_form": ClaimsModeForm(initial={"claims_mode": mode}),
        "claim_form": ClaimForm(initial=_claim_initial(single)),
        "template_form": ClaimsTemplateForm(),
        "attachments_form": AttachmentsForm(),
        "claims": claims if ticket.uses_claims_template else [],
        "attachments": ticket.attachments.all(),
        "template_errors": [],
    }
    context.update(forms)
    return context


def _claim_initial(claim):
    if claim is None:
        return {}
    return {f: getattr(claim, f) for f in ClaimForm.base_fields}


@provider_users
@audited("ticket")
def edit_draft(request, pk):
    """Step 2, the complaint: description, claims (one in the form, two or more on the
    template, R-FILE-6) and attachments. "Continue" saves and goes on to check the answers;
    "Save draft" saves and stays. Filing happens only on the check page."""
    ticket = _own_draft(request, pk)
    if request.method != "POST":
        return render(request, "tickets/edit.html", _edit_context(ticket))

    complaint_form = ComplaintForm(request.POST)
    mode_form = ClaimsModeForm(request.POST)
    claim_form = ClaimForm(request.POST)
    template_form = ClaimsTemplateForm(request.POST, request.FILES)
    attachments_form = AttachmentsForm(request.POST, request.FILES)
    forms_ok = all([complaint_form.is_valid(), mode_form.is_valid(),
                    template_form.is_valid(), attachments_form.is_valid()])
    template_errors, claims, uses_template, template_name = [], None, False, ""
    mode = mode_form.cleaned_data.get("claims_mode") if mode_form.is_valid() else None
    if mode == CLAIMS_ONE:
        if claim_form.is_valid():
            claims = [claim_form.cleaned_data | {"tracking_number": ticket.tracking_number}]
        else:
            forms_ok = False
    elif mode == CLAIMS_SEVERAL:
        upload = template_form.cleaned_data.get("claims_file") if template_form.is_valid() \
            else None
        if upload is not None:
            result = claims_template.read_template(
                upload, mco=ticket.mco.name, provider_npi=ticket.provider.npi,
                tracking_number_is_valid=ticket.mco.tracking_number_is_valid,
                tracking_example=ticket.mco.tracking_example,
                mco_short_name=ticket.mco.short_name, filename=upload.name,
            )
            if result.ok:
                claims = [_claim_from_row(row) for row in result.rows]
                uses_template, template_name = True, upload.name
            else:
                template_errors, summary = spreadsheets.listed_problems(result.errors)
                template_form.add_error("claims_file", summary)
                forms_ok = False
        elif ticket.uses_claims_template and ticket.claims.exists():
            claims = None  # keep the template rows already on the draft
            uses_template, template_name = True, ticket.claims_template_name
        else:
            template_form.add_error("claims_file", "Choose your completed Complaints/Claims-"
                                    "Issue template (.xlsx) to upload.")
            forms_ok = False
    elif mode == CLAIMS_NONE:
        claims = []

    attachment_errors = []
    if forms_ok:
        if claims is None:
            claims = [_claim_values(c) for c in ticket.claims.all()]
        drafts.save_details(ticket, description=complaint_form.cleaned_data["description"],
                            claims=claims, uses_template=uses_template,
                            template_name=template_name)
        files = attachments_form.cleaned_data.get("files") or []
        if files:
            try:
                drafts.add_attachments(ticket, files, by=request.user, role="provider")
            except ValidationError as error:
                attachment_errors = error.messages
        if not attachment_errors and "save" not in request.POST:
            return redirect("ticket_check", ticket.pk)  # "Continue" (or Enter)
        if not attachment_errors:
            messages.success(request, "Your draft is saved.")
            return redirect("ticket_edit", ticket.pk)

    if not forms_ok and attachments_form.is_valid():
        # R-SEC-5: nothing is lost on an error. A browser cannot re-fill a file input, so
        # files that pass their checks are kept with the draft at once.
        files = attachments_form.cleaned_data.get("files") or []
        if files:
            try:
                kept = drafts.add_attachments(ticket, files, by=request.user, role="provider")
            except ValidationError as error:
                attachment_errors = error.messages
            else:
                messages.info(request, f"{_names(kept)} {'is' if len(kept) == 1 else 'are'} "
                              "saved with the draft; you do not need to choose "
                              f"{'it' if len(kept) == 1 else 'them'} again.")
    if attachment_errors:
        attachments_form.add_error("files", attachment_errors)
    ticket.refresh_from_db()
    return render(
        request,
        "tickets/edit.html",
        _edit_context(
            ticket, complaint_form=complaint_form,
            mode_form=mode_form,
            claim_form=claim_form if mode == CLAIMS_ONE else ClaimForm(
                initial=request.POST.dict()),
            template_form=template_form, attachments_form=attachments_form,
            template_errors=template_errors, has_errors=True,
        ),
        status=400,
    )


@provider_users
@audited("ticket")
def check_draft(request, pk):
    """Step 3: every answer with a link to change it, and "File the ticket", the only
    button that files. Filing runs the workflow's submission checks (R-FILE-2..7); a
    refusal comes back here with each problem and where to fix it."""
    ticket = _own_draft(request, pk)
    submit_errors = []
    if request.method == "POST":
        try:
            ticket = workflow.submit(ticket.pk, by=request.user)
        except workflow.ActionRefused as refusal:
            submit_errors = str(refusal).split("\n")
            ticket = _own_draft(request, pk)
        else:
            return redirect("ticket_submitted", ticket.pk)
    claims = list(ticket.claims.all())
    return render(request, "tickets/check.html", {
        "ticket": ticket, "step": 3, "claims": claims,
        "claim": claims[0] if claims and not ticket.uses_claims_template else None,
        "attachments": list(ticket.attachments.all()),
        "window": ticket.filing_window().explain(ticket.mco.name),
        "submit_errors": submit_errors,
    }, status=400 if submit_errors else 200)


@provider_users
@audited("ticket")
def discard_draft(request, pk):
    """A draft deleted after a confirmation that says what goes; a filed ticket is not a
    draft (404 here) and drafts.discard_draft refuses it anyway."""
    ticket = _own_draft(request, pk)
    if request.method == "POST":
        drafts.discard_draft(ticket, by=request.user)
        messages.success(request, f"The draft {ticket.complaint_type.name} ticket with "
                         f"{ticket.mco.name} is discarded.")
        return redirect("provider_home")
    return render(request, "tickets/discard.html", {
        "ticket": ticket, "claims": ticket.claims.count(),
        "attachments": ticket.attachments.count(),
    })


def _names(attachments):
    names = [a.name for a in attachments]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _claim_from_row(row):
    return {
        "row_number": row.row_number, "claim_number": row.claim_number,
        "tracking_number": row.tracking_number, "member_rin": row.member_rin,
        "member_name": row.member_name, "service_from": row.service_from,
        "service_to": row.service_to, "billed": row.billed, "paid": row.paid,
        "disputed": row.disputed, "denial_reason": row.denial_reason,
        "comments": row.comments or "",
    }


def _claim_values(claim):
    return {f: getattr(claim, f) for f in (
        "row_number", "claim_number", "tracking_number", "member_rin", "member_name",
        "service_from", "service_to", "billed", "paid", "disputed", "denial_reason",
        "comments")}


@provider_users
def claims_template_download(request):
    response = HttpResponse(
        claims_template.build_blank_template(
            list(MCO.objects.filter(is_active=True).values_list("name", flat=True))
        ),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="complaints-claims-template-'
        f'{claims_template.TEMPLATE_VERSION}.xlsx"'
    )
    return response


@provider_users
@require_POST
@audited("ticket")
def remove_attachment(request, pk, attachment_pk):
    ticket = _own_draft(request, pk)
    attachment = get_object_or_404(ticket.attachments, pk=attachment_pk)
    drafts.remove_attachment(attachment)
    messages.success(request, f"{attachment.name} is removed.")
    return redirect("ticket_edit", ticket.pk)


@provider_users
@audited("ticket")
def submitted(request, pk):
    ticket = get_object_or_404(Ticket.objects.visible_to(request.user), pk=pk,
                               state=State.SUBMITTED)
    return render(request, "tickets/submitted.html", {"ticket": ticket})


@provider_users
@require_POST
@audited("ticket")
def start_from_closed(request, pk):
    """R-FLOW-8: never reopened; a new draft with everything copied in."""
    ticket = get_object_or_404(Ticket.objects.visible_to(request.user), pk=pk,
                               state=State.CLOSED)
    draft = drafts.copy_into_new_draft(ticket, by=request.user)
    messages.success(request, f"A new draft is started from {ticket.number}. Check every "
                     "detail, confirm the MCO process, and file it.")
    return redirect("ticket_change", draft.pk)
