"""Tickets: the list (filters, cursor pages), one ticket with everything the client may see,
and its files (issue 13)."""

from __future__ import annotations

import datetime

from django import forms
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers as serializers_
from rest_framework.response import Response

from api import forms_bridge, problems, serializers
from api.pagination import TicketCursor
from api.schema import READ_ERRORS
from api.views.base import ApiView, visible_ticket
from deadlines.calendar import deadline_moment
from deadlines.clocks import clocks_for
from portal import audit, uploads
from portal.models import ComplaintType
from tickets.models import State, Ticket
from tickets.models.attachments import attachments_visible_to


class TicketFilters(forms.Form):
    state = forms.ChoiceField(required=False, choices=[("", "any")] + State.choices,
                              help_text="One state, e.g. with_mco.")
    complaint_type = forms.SlugField(required=False, help_text="A complaint type's slug.")
    response_due_before = forms.DateField(required=False,
                                          help_text="The MCO response is due on or before.")
    response_due_after = forms.DateField(required=False,
                                         help_text="The MCO response is due on or after.")
    updated_since = forms.DateTimeField(required=False,
                                        help_text="Had an event at or after (ISO 8601).")

    def clean_complaint_type(self):
        slug = self.cleaned_data["complaint_type"]
        if slug and not ComplaintType.objects.filter(slug=slug).exists():
            known = ", ".join(ComplaintType.objects.values_list("slug", flat=True))
            raise forms.ValidationError(f"There is no complaint type {slug}; use one of "
                                        f"{known}.")
        return slug


class TicketListQuery(serializers_.Serializer):
    """The list's query parameters, for the schema (TicketFilters checks them)."""

    state = serializers_.ChoiceField(choices=State.choices, required=False,
                                     help_text="One state, e.g. with_mco.")
    complaint_type = serializers_.SlugField(required=False,
                                            help_text="A complaint type's slug.")
    response_due_before = serializers_.DateField(
        required=False, help_text="The MCO response is due on or before.")
    response_due_after = serializers_.DateField(
        required=False, help_text="The MCO response is due on or after.")
    updated_since = serializers_.DateTimeField(
        required=False, help_text="Had an event at or after (ISO 8601).")
    cursor = serializers_.CharField(required=False,
                                    help_text="The next or previous link's cursor.")
    page_size = serializers_.IntegerField(required=False, min_value=1, max_value=200,
                                          help_text="1 to 200 (default 50).")


#: The smallest step after a due moment (the end of one day) to the next day's start.
MOMENT = datetime.timedelta(microseconds=1)


def filtered_tickets(user, filters):
    tickets = Ticket.objects.visible_to(user).select_related(
        "mco", "provider", "complaint_type")
    if filters.get("state"):
        tickets = tickets.filter(state=filters["state"])
    if filters.get("complaint_type"):
        tickets = tickets.filter(complaint_type__slug=filters["complaint_type"])
    # The response clock's due moment as mirrored on the ticket (ClockKind.mirror): the end
    # of a day, Central time, so a day's bound is that day's due moment.
    if filters.get("response_due_before"):
        tickets = tickets.filter(
            response_due__lte=deadline_moment(filters["response_due_before"]))
    if filters.get("response_due_after"):
        tickets = tickets.filter(response_due__gte=deadline_moment(
            filters["response_due_after"] - datetime.timedelta(days=1)) + MOMENT)
    if filters.get("updated_since"):
        tickets = tickets.filter(updated_at__gte=filters["updated_since"])
    return tickets


class TicketList(ApiView):
    """GET: the tickets this client may see, newest first. POST (provider clients): a
    draft (``api.views.provider``)."""

    @extend_schema(operation_id="tickets_list", parameters=[TicketListQuery],
                   responses={200: serializers.TicketPage, **READ_ERRORS},
                   summary="List the tickets this client may see",
                   description="Newest first, 50 a page, with next and previous links whose "
                               "cursor stays right while tickets arrive. An MCO client sees "
                               "its MCO's tickets once presented; a provider client its "
                               "providers' tickets, drafts included.")
    def get(self, request):
        filters = forms_bridge.bind(TicketFilters, request, data=_params(request))
        tickets = filtered_tickets(request.user, filters)
        paginator = TicketCursor()
        try:
            page = paginator.paginate_queryset(tickets, request, view=self)
        except Exception as error:  # a hand-made cursor
            from rest_framework.exceptions import NotFound

            if isinstance(error, NotFound):
                raise problems.Problem(400, "validation", "The cursor is not one this list "
                                       "gave; follow the next and previous links.",
                                       errors=[{"field": "cursor", "message": "not valid"}]
                                       ) from None
            raise
        data = serializers.TicketSummary(page, many=True).data
        return paginator.get_paginated_response(data)


def _params(request):
    return {k: v for k, v in request.query_params.items() if k not in ("cursor", "page_size")}


def ticket_detail(ticket, user):
    """Everything on the ticket page that this client may see, in a constant number of
    queries."""
    from tickets.models import TicketMessage

    clocks = list(clocks_for(ticket).order_by("due_at", "pk"))
    response = _response_of(ticket)
    messages = TicketMessage.objects.filter(ticket=ticket).select_related("author")
    data = {
        **serializers.TicketSummary(ticket).data,
        "description": ticket.description,
        "dispute_filed_on": ticket.dispute_filed_on,
        "internal_process_exhausted": ticket.internal_process_exhausted,
        "uses_claims_template": ticket.uses_claims_template,
        "claims": serializers.ClaimOut(ticket.claims.all(), many=True).data,
        "clocks": serializers.ClockOut(clocks, many=True).data,
        "events": serializers.EventOut(ticket.events.filter(internal=False), many=True).data,
        "messages": [
            {"id": m.pk, "role": m.role, "author": str(m.author), "at": m.at, "body": m.body}
            for m in messages
        ],
        "attachments": serializers.AttachmentOut(attachments_visible_to(user, ticket),
                                                 many=True).data,
        "information_requests": serializers.InformationRequestOut(
            ticket.information_requests.all(), many=True).data,
        "response": serializers.ResponseOut(response).data if response else None,
        "extension_requests": serializers.ExtensionOut(
            ticket.extension_requests.all(), many=True).data,
    }
    return data


class TicketRead(ApiView):
    @extend_schema(operation_id="tickets_read",
                   responses={200: serializers.TicketDetail, **READ_ERRORS},
                   summary="Read one ticket: what was filed, claims, clocks, timeline, "
                           "messages, files")
    def get(self, request, pk):
        ticket = visible_ticket(request, pk)
        audit.write(user=request.user, action="view", object_type=audit.TICKET,
                    object_id=ticket.pk, detail=f"{ticket.number or 'draft'} (API)")
        return Response(ticket_detail(ticket, request.user))


class AttachmentDownload(ApiView):
    @extend_schema(operation_id="attachments_download",
                   responses={(200, "*/*"): OpenApiResponse(
                       response=OpenApiTypes.BINARY,
                       description="The file, in its own type (application/pdf, image/png, "
                                   "...), as an attachment."), **READ_ERRORS},
                   summary="Download one of the ticket's files")
    def get(self, request, pk, attachment_pk):
        ticket = visible_ticket(request, pk)
        attachment = get_object_or_404(attachments_visible_to(request.user, ticket),
                                       pk=attachment_pk)
        audit.write(user=request.user, action="download", object_type=audit.TICKET,
                    object_id=ticket.pk, detail=f"file {attachment.pk} (API)")
        response = FileResponse(attachment.file.open("rb"))
        uploads.safe_download_headers(response, filename=attachment.name,
                                      content_type=attachment.content_type)
        return response


def now():
    return timezone.now()


def _response_of(ticket):
    from tickets.models import TicketResponse

    return TicketResponse.objects.filter(ticket=ticket).first()
