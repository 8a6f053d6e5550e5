"""Actions on a presented ticket, each one POST (R-FLOW-2..4, R-FLOW-10): the MCO requests
information and responds, the provider answers, either asks for an extension, everyone
writes in the thread. Each view checks the role and visibility; the rule lives in the
model, and ``tickets.workflow`` runs it under the ticket's row lock."""

from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from portal import access
from portal.access import Role
from portal.audit import audited
from tickets import workflow
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
               "is sent; the provider has 5 business days to answer.",
               forms={"info_form": form}, by=request.user,
               request_text=form.cleaned_data["request_text"])


@access.for_roles(Role.MCO)
@require_POST
@audited("ticket")
def respond(request, pk):
    ticket = visible_ticket(request, pk)
    forms = {"response_form": ResponseForm(request.POST, auto_id="response_%s"),
             "response_files_form": AttachmentsForm(request.POST, request.FILES,
                                                    auto_id="response_files_%s")}
    if not all(f.is_valid() for f in forms.values()):
        return ticket_page(request, ticket, forms, status=400)
    return act(request, ticket, workflow.respond, "Your response is sent to the provider.",
               forms=forms, by=request.user, response=forms["response_form"].cleaned_data,
               files=forms["response_files_form"].cleaned_data.get("files") or [])


@access.for_roles(Role.PROVIDER)
@require_POST
@audited("ticket")
def answer_information(request, pk):
    ticket = visible_ticket(request, pk)
    forms = {"answer_form": InformationAnswerForm(request.POST, auto_id="answer_%s"),
             "answer_files_form": AttachmentsForm(request.POST, request.FILES,
                                                  auto_id="answer_files_%s")}
    if not all(f.is_valid() for f in forms.values()):
        return ticket_page(request, ticket, forms, status=400)
    data = forms["answer_form"].cleaned_data
    return act(request, ticket, workflow.answer_information, "Your answer is sent to the MCO.",
               forms=forms, by=request.user, answer_text=data["answer_text"],
               already_sent=data["already_sent"],
               files=forms["answer_files_form"].cleaned_data.get("files") or [])


@access.for_roles(Role.MCO)
@require_POST
@audited("ticket")
def report_tracking_unknown(request, pk):
    ticket = visible_ticket(request, pk)
    form = TrackingUnknownForm(request.POST, auto_id="tracking_unknown_%s")
    if not form.is_valid():
        return ticket_page(request, ticket, {"tracking_unknown_form": form}, status=400)
    return act(request, ticket, workflow.report_unknown_tracking_number, "HFS is told that "
               "your records do not have this tracking number.",
               forms={"tracking_unknown_form": form}, by=request.user,
               note=form.cleaned_data["note"])


@access.for_roles(Role.HFS)
@require_POST
@audited("ticket")
def close_for_invalid_tracking(request, pk):
    ticket = visible_ticket(request, pk)
    form = InvalidTrackingCloseForm(request.POST, auto_id="invalid_tracking_%s")
    if not form.is_valid():
        return ticket_page(request, ticket, {"invalid_tracking_form": form}, status=400)
    return act(request, ticket, workflow.close_for_invalid_tracking, "The ticket is closed: "
               "invalid tracking number. The provider and the MCO are told.",
               forms={"invalid_tracking_form": form}, by=request.user,
               note=form.cleaned_data["note"])


@access.for_roles(Role.MCO, Role.PROVIDER)
@require_POST
@audited("ticket")
def ask_for_extension(request, pk):
    ticket = visible_ticket(request, pk)
    form = ExtensionForm(request.POST, auto_id="extension_%s")
    if not form.is_valid():
        return ticket_page(request, ticket, {"extension_form": form}, status=400)
    return act(request, ticket, workflow.ask_for_extension, "Your extension request is sent "
               "to HFS.", forms={"extension_form": form}, by=request.user,
               circumstances=form.cleaned_data["circumstances"])


@access.for_roles(Role.PROVIDER, Role.MCO, Role.HFS)
@require_POST
@audited("ticket")
def post_message(request, pk):
    ticket = visible_ticket(request, pk)
    form = MessageForm(request.POST, auto_id="message_%s")
    if not form.is_valid():
        return ticket_page(request, ticket, {"message_form": form}, status=400)
    return act(request, ticket, workflow.post_message, "Your message is posted.",
               forms={"message_form": form}, by=request.user, body=form.cleaned_data["body"])


@access.for_roles(Role.HFS, Role.MCO)
@require_POST
@audited("ticket")
def close_for_incomplete_information(request, pk):
    ticket = visible_ticket(request, pk)
    form = IncompleteInformationForm(request.POST, auto_id="incomplete_%s")
    if not form.is_valid():
        return ticket_page(request, ticket, {"incomplete_form": form}, status=400)
    return act(request, ticket, workflow.close_for_incomplete_information, "The ticket is "
               "closed: the information was incomplete.", forms={"incomplete_form": form},
               by=request.user, note=form.cleaned_data["note"])


