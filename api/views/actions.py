"""Actions on a filed ticket (issue 13): each binds the page's own form and calls the same
``tickets.workflow`` function as the page, so every rule, clock, actor check and audit row
is the same (docs/decisions/0012). A retried POST with an ``Idempotency-Key`` acts once."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from api import forms_bridge, serializers
from api.idempotency import idempotent
from api.schema import WRITE_ERRORS
from api.views.base import ApiView, visible_ticket
from tickets import workflow
from tickets.forms import (
    AcceptForm,
    ContestForm,
    ExtensionForm,
    InformationAnswerForm,
    InformationRequestForm,
    MessageForm,
    ResponseForm,
    ReviewSubmissionForm,
    TrackingUnknownForm,
)

MCO = frozenset({"mco"})
PROVIDER = frozenset({"provider"})
BOTH = frozenset({"mco", "provider"})

ERRORS = WRITE_ERRORS


def summary_of(ticket):
    fresh = filtered_tickets_for_one(ticket)
    return serializers.TicketSummary(fresh).data if fresh else None


def filtered_tickets_for_one(ticket):
    from tickets.models import Ticket

    return Ticket.objects.select_related("mco", "provider", "complaint_type").filter(
        pk=ticket.pk).first()


class TicketAction(ApiView):
    """POST one action. Subclasses name the form, the workflow function and its arguments."""

    form_class = None
    client_kinds = BOTH
    takes_files = False
    success = ""
    status_code = 200
    parser_classes = [JSONParser]

    def arguments(self, data, request):
        return {}

    def run(self, ticket, request, data):
        return self.workflow(ticket.pk, by=request.user, **self.arguments(data, request))

    @idempotent
    def post(self, request, pk):
        ticket = visible_ticket(request, pk)
        data = forms_bridge.bind(self.form_class, request) if self.form_class else {}
        self.run(ticket, request, data)
        return Response({"ticket": summary_of(ticket), "message": self.success},
                        status=self.status_code)

    @classmethod
    def own_post(cls):
        """A post function of the class's own, for its own schema decoration."""

        def post(self, request, pk):
            return TicketAction.post(self, request, pk)

        return post

    @classmethod
    def documented(cls, operation_id, summary):
        request = (forms_bridge.request_serializer(cls.form_class, f"{operation_id}_request")
                   if cls.form_class else None)
        if cls.takes_files and request is not None:
            request = {"application/json": request, "multipart/form-data": request}
        return extend_schema(operation_id=operation_id, summary=summary, description=summary,
                             request=request,
                             responses={cls.status_code: serializers.ActionResult, **ERRORS})


def _files(request):
    return request.FILES.getlist("files") if hasattr(request, "FILES") else []


class WithFiles(TicketAction):
    takes_files = True
    parser_classes = [JSONParser, MultiPartParser, FormParser]


class RequestInformation(TicketAction):
    form_class, client_kinds = InformationRequestForm, MCO
    success = "Your information request is sent; the provider has 5 business days to answer."

    def run(self, ticket, request, data):
        return workflow.request_information(ticket.pk, by=request.user,
                                            request_text=data["request_text"])


class SendResponse(WithFiles):
    form_class, client_kinds = ResponseForm, MCO
    success = "Your response is sent to the provider."
    status_code = 201

    def run(self, ticket, request, data):
        return workflow.respond(ticket.pk, by=request.user,
                                response={k: data[k] for k in ResponseForm.base_fields},
                                files=_files(request))


class ReportTrackingUnknown(TicketAction):
    form_class, client_kinds = TrackingUnknownForm, MCO
    success = "HFS is told that your records do not have this tracking number."

    def run(self, ticket, request, data):
        return workflow.report_unknown_tracking_number(ticket.pk, by=request.user,
                                                       note=data["note"])


class AskForExtension(TicketAction):
    form_class = ExtensionForm
    success = "Your extension request is sent to HFS."
    status_code = 201

    def run(self, ticket, request, data):
        return workflow.ask_for_extension(ticket.pk, by=request.user,
                                          circumstances=data["circumstances"])


class PostMessage(TicketAction):
    form_class = MessageForm
    success = "Your message is posted."
    status_code = 201

    def run(self, ticket, request, data):
        return workflow.post_message(ticket.pk, by=request.user, body=data["body"])


class AnswerInformation(WithFiles):
    form_class, client_kinds = InformationAnswerForm, PROVIDER
    success = "Your answer is sent to the MCO."

    def run(self, ticket, request, data):
        return workflow.answer_information(ticket.pk, by=request.user,
                                           answer_text=data["answer_text"],
                                           already_sent=data["already_sent"],
                                           files=_files(request))


class Accept(TicketAction):
    form_class, client_kinds = AcceptForm, PROVIDER
    success = "You accepted the MCO's response; the ticket is closed."

    def run(self, ticket, request, data):
        return workflow.accept(ticket.pk, by=request.user)


class Contest(TicketAction):
    form_class, client_kinds = ContestForm, PROVIDER
    success = "The response is contested. You may ask for HFS review within 30 calendar days."

    def run(self, ticket, request, data):
        return workflow.contest(ticket.pk, by=request.user, contact={
            k: data[k] for k in ("contacted_on", "method", "outcome")})


class RequestReview(TicketAction):
    client_kinds = PROVIDER
    success = "HFS review is requested. Send all relevant information within 30 calendar days."

    def run(self, ticket, request, data):
        return workflow.request_review(ticket.pk, by=request.user)


class ReviewSubmission(WithFiles):
    form_class = ReviewSubmissionForm
    success = "Your review submission is saved."

    def run(self, ticket, request, data):
        party = "mco" if self.client.kind == "mco" else "provider"
        if data["complete"]:
            self.success = "Your review submission is complete."
        return workflow.save_review_submission(
            ticket.pk, by=request.user, party=party, statement=data["statement"],
            contacts=data["contacts"], complete=data["complete"], files=_files(request))


for view, operation, text in (
    (RequestInformation, "tickets_request_information",
     "MCO: request information from the provider (within 5 business days of presentation)"),
    (SendResponse, "tickets_respond", "MCO: send the written response (with its plan, date "
     "and representative; files optional)"),
    (ReportTrackingUnknown, "tickets_report_tracking_unknown",
     "MCO: report that its records do not have the ticket's tracking number"),
    (AskForExtension, "tickets_ask_for_extension", "Ask HFS for an extension"),
    (PostMessage, "tickets_post_message", "Post a message in the ticket's thread"),
    (AnswerInformation, "tickets_answer_information",
     "Provider: answer the MCO's information request"),
    (Accept, "tickets_accept", "Provider: accept the MCO's response (closes the ticket)"),
    (Contest, "tickets_contest", "Provider: contest the response, with the representative "
     "contact"),
    (RequestReview, "tickets_request_review", "Provider: ask HFS to review"),
    (ReviewSubmission, "tickets_review_submission",
     "Send (or complete) the party's information for the HFS review"),
):
    view.post = view.documented(operation, text)(view.own_post())
