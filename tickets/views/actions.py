"""Actions on a presented ticket, each one POST (R-FLOW-2..4, R-FLOW-10): the MCO requests
information and responds, the provider answers, either asks for an extension, everyone
writes in the thread. Each view checks the role and visibility; the rule lives in the
model, and ``tickets.workflow`` runs it under the ticket's row lock."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from portal import access
from portal.access import Role
from portal.audit import audited
from tickets import drafts, workflow
from tickets.forms import (
    AttachmentsForm,
    ExtensionForm,
    IncompleteInformationForm,
    InformationAnswerForm,
    InformationRequestForm,
    MessageForm,
    ResponseForm,
)
from tickets.views.common import act, ticket_page, visible_ticket


def _done(request, ticket, message):
    messages.success(request, message)
    return redirect("ticket_detail", ticket.pk)


def _refused(request, ticket, refusal):
    messages.error(request, str(refusal))
    return redirect("ticket_detail", ticket.pk)


@access.for_roles(Role.MCO)
@require_POST
@audited("ticket")
def request_information(request, pk):
    ticket = visible_ticket(request, pk)
    form = InformationRequestForm(request.POST, auto_id="info_%s")
    if not form.is_valid():
        return ticket_page(request, ticket, {"info_form": form}, status=400)
    return act(request, ticket, workflow.request_information, "Your information request "
               "is sent; the provider has 5 business days to answer.", by=request.user,
               request_text=form.cleaned_data["request_text"])


@access.for_roles(Role.MCO)
@require_POST
@audited("ticket")
def respond(request, pk):
    ticket = visible_ticket(request, pk)
    form = ResponseForm(request.POST, auto_id="response_%s")
    files_form = AttachmentsForm(request.POST, request.FILES, auto_id="response_files_%s")
    if not (form.is_valid() and files_form.is_valid()):
        return ticket_page(request, ticket, {"response_form": form,
                                             "response_files_form": files_form}, status=400)
    try:
        files = files_form.cleaned_data.get("files") or []
        if files:
            drafts.add_attachments(ticket, files, by=request.user, role="mco")
        workflow.respond(ticket.pk, by=request.user, response=form.cleaned_data)
    except ValidationError as error:
        files_form.add_error("files", error.messages)
        return ticket_page(request, ticket, {"response_form": form,
                                             "response_files_form": files_form}, status=400)
    except workflow.ActionRefused as refusal:
        return _refused(request, ticket, refusal)
    return _done(request, ticket, "Your response is sent to the provider.")


@access.for_roles(Role.PROVIDER)
@require_POST
@audited("ticket")
def answer_information(request, pk):
    ticket = visible_ticket(request, pk)
    form = InformationAnswerForm(request.POST, auto_id="answer_%s")
    files_form = AttachmentsForm(request.POST, request.FILES, auto_id="answer_files_%s")
    if not (form.is_valid() and files_form.is_valid()):
        return ticket_page(request, ticket, {"answer_form": form,
                                             "answer_files_form": files_form}, status=400)
    try:
        files = files_form.cleaned_data.get("files") or []
        if form.cleaned_data["already_sent"] and not files:
            form.add_error("already_sent", "Attach the evidence that the MCO already had it.")
            return ticket_page(request, ticket, {"answer_form": form,
                                                 "answer_files_form": files_form}, status=400)
        if files:
            drafts.add_attachments(ticket, files, by=request.user, role="provider")
        workflow.answer_information(ticket.pk, by=request.user,
                                    answer_text=form.cleaned_data["answer_text"],
                                    already_sent=form.cleaned_data["already_sent"])
    except ValidationError as error:
        files_form.add_error("files", error.messages)
        return ticket_page(request, ticket, {"answer_form": form,
                                             "answer_files_form": files_form}, status=400)
    except workflow.ActionRefused as refusal:
        return _refused(request, ticket, refusal)
    return _done(request, ticket, "Your answer is sent to the MCO.")


@access.for_roles(Role.MCO, Role.PROVIDER)
@require_POST
@audited("ticket")
def ask_for_extension(request, pk):
    ticket = visible_ticket(request, pk)
    form = ExtensionForm(request.POST, auto_id="extension_%s")
    if not form.is_valid():
        return ticket_page(request, ticket, {"extension_form": form}, status=400)
    party = "mco" if access.is_mco_staff(request.user) else "provider"
    return act(request, ticket, workflow.ask_for_extension, "Your extension request is sent "
               "to HFS.", by=request.user, party=party,
               circumstances=form.cleaned_data["circumstances"])


@access.for_roles(Role.PROVIDER, Role.MCO, Role.HFS)
@require_POST
@audited("ticket")
def post_message(request, pk):
    ticket = visible_ticket(request, pk)
    form = MessageForm(request.POST, auto_id="message_%s")
    if not form.is_valid():
        return ticket_page(request, ticket, {"message_form": form}, status=400)
    roles = access.roles_of(request.user)
    role = "hfs" if Role.HFS in roles else ("mco" if Role.MCO in roles else "provider")
    return act(request, ticket, workflow.post_message, "Your message is posted.",
               by=request.user, role=role, body=form.cleaned_data["body"])


@access.for_roles(Role.HFS)
@require_POST
@audited("ticket")
def close_for_incomplete_information(request, pk):
    ticket = visible_ticket(request, pk)
    form = IncompleteInformationForm(request.POST, auto_id="incomplete_%s")
    if not form.is_valid():
        return ticket_page(request, ticket, {"incomplete_form": form}, status=400)
    return act(request, ticket, workflow.close_for_incomplete_information, "The ticket is "
               "closed: the information was incomplete.", by=request.user,
               note=form.cleaned_data["note"])


