"""Actions on a presented ticket, each one POST (R-FLOW-2..4, R-FLOW-10, R-FILE-4): the MCO
requests information, responds or reports an unknown tracking number, the provider
answers, either asks for an extension, everyone writes in the thread. Each view declares
its roles; the rule and the actor check live in the model, and ``tickets.workflow`` runs it
under the ticket's row lock. The views only present it (``post_action``)."""

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
from tickets.views.common import bound, post_action


def _files(data):
    return data.get("files") or []


@access.for_roles(Role.MCO)
@require_POST
@audited("ticket")
def request_information(request, pk):
    return post_action(
        request, pk, {"info_form": bound(InformationRequestForm, "info_%s")},
        workflow.request_information,
        "Your information request is sent; the provider has 5 business days to answer.",
        lambda data: {"request_text": data["request_text"]},
    )


@access.for_roles(Role.MCO)
@require_POST
@audited("ticket")
def respond(request, pk):
    return post_action(
        request, pk, {"response_form": bound(ResponseForm, "response_%s"),
                      "response_files_form": bound(AttachmentsForm, "response_files_%s")},
        workflow.respond, "Your response is sent to the provider.",
        lambda data: {"response": {k: data[k] for k in ResponseForm.base_fields},
                      "files": _files(data)},
    )


@access.for_roles(Role.PROVIDER)
@require_POST
@audited("ticket")
def answer_information(request, pk):
    return post_action(
        request, pk, {"answer_form": bound(InformationAnswerForm, "answer_%s"),
                      "answer_files_form": bound(AttachmentsForm, "answer_files_%s")},
        workflow.answer_information, "Your answer is sent to the MCO.",
        lambda data: {"answer_text": data["answer_text"], "already_sent": data["already_sent"],
                      "files": _files(data)},
    )


@access.for_roles(Role.MCO)
@require_POST
@audited("ticket")
def report_tracking_unknown(request, pk):
    return post_action(
        request, pk, {"tracking_unknown_form": bound(TrackingUnknownForm, "tracking_unknown_%s")},
        workflow.report_unknown_tracking_number,
        "HFS is told that your records do not have this tracking number.",
        lambda data: {"note": data["note"]},
    )


@access.for_roles(Role.HFS)
@require_POST
@audited("ticket")
def close_for_invalid_tracking(request, pk):
    return post_action(
        request, pk,
        {"invalid_tracking_form": bound(InvalidTrackingCloseForm, "invalid_tracking_%s")},
        workflow.close_for_invalid_tracking,
        "The ticket is closed: invalid tracking number. The provider and the MCO are told.",
        lambda data: {"note": data["note"]},
    )


@access.for_roles(Role.MCO, Role.PROVIDER)
@require_POST
@audited("ticket")
def ask_for_extension(request, pk):
    return post_action(
        request, pk, {"extension_form": bound(ExtensionForm, "extension_%s")},
        workflow.ask_for_extension, "Your extension request is sent to HFS.",
        lambda data: {"circumstances": data["circumstances"]},
    )


@access.for_roles(Role.PROVIDER, Role.MCO, Role.HFS)
@require_POST
@audited("ticket")
def post_message(request, pk):
    return post_action(
        request, pk, {"message_form": bound(MessageForm, "message_%s")},
        workflow.post_message, "Your message is posted.", lambda data: {"body": data["body"]},
    )


@access.for_roles(Role.HFS, Role.MCO)
@require_POST
@audited("ticket")
def close_for_incomplete_information(request, pk):
    return post_action(
        request, pk, {"incomplete_form": bound(IncompleteInformationForm, "incomplete_%s")},
        workflow.close_for_incomplete_information,
        "The ticket is closed: the information was incomplete.",
        lambda data: {"note": data["note"]},
    )
