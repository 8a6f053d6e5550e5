"""Drafts from a provider client's system (issue 13): a draft started, its claim (one in
the form's fields, or two or more on the Complaints/Claims-Issue template: the .xlsx
itself, or its rows as JSON), its files, and filing it.

Each endpoint mirrors a step of the filing pages (``tickets.views.provider``: start_ticket,
edit_draft, check_draft): it binds the page's own form and calls the same ``tickets.drafts``
or ``tickets.workflow`` function, so every rule (the filing window, the MCO's tracking-
number format, the template's row checks, the files' content checks, the submission
checks) and every message is the page's. Only provider clients use them; a draft is seen
only by the clients (and people) of its provider. A retried POST with an
``Idempotency-Key`` acts once.
"""

from __future__ import annotations

import copy
import dataclasses

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers as drf
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from api import forms_bridge, problems, serializers
from api.idempotency import idempotent
from api.views.actions import ERRORS, summary_of
from api.views.base import ApiView, visible_ticket
from api.views.tickets import TicketList, ticket_detail
from portal import spreadsheets
from registration.memberships import approved_providers
from tickets import claims_template, drafts, workflow
from tickets.forms import (
    AttachmentsForm,
    ClaimForm,
    ClaimsTemplateForm,
    ComplaintForm,
    StartTicketForm,
)
from tickets.models import State
from tickets.models.attachments import attachments_visible_to

PROVIDER = frozenset({"provider"})

#: At most this many of a template's problems are listed in a problem's ``errors``.
MAX_LISTED_PROBLEMS = spreadsheets.LISTED_PROBLEMS
#: The template name a draft's claims sent as JSON rows are saved under.
JSON_TEMPLATE_NAME = "api.json"
_COLUMN_KEY = {column.header: column.key for column in claims_template.COLUMNS}


def _optional(field):
    field = copy.deepcopy(field)
    field.required = False
    return field


class DraftForm(StartTicketForm):
    """The page's first step (StartTicketForm: provider, MCO, complaint type, the dispute
    with the MCO), and the description, optional here (the page asks it on the next step;
    ComplaintForm's rule)."""

    description = _optional(ComplaintForm.base_fields["description"])


# --- What the endpoints answer (for the schema) -------------------------------------------


class DraftClaims(drf.Serializer):
    ticket = serializers.TicketSummary()
    message = drf.CharField()
    claims = serializers.ClaimOut(many=True)


class DraftAttachments(drf.Serializer):
    ticket = serializers.TicketSummary()
    message = drf.CharField()
    attachments = serializers.AttachmentOut(many=True, help_text="All the draft's files.")


# --- What they take (for the schema; the forms check) -------------------------------------

# StartTicketForm's fields, on a plain form: the real one reads the MCOs when it is made,
# and the schema is built at import.
_DraftFields = type("DraftFields", (forms.Form,), dict(DraftForm.base_fields))


def _column_field(column):
    common = {"required": column.key != "comments", "help_text": column.hint}
    if column.key in ("service_from", "service_to"):
        return drf.DateField(**common)
    if column.key in ("billed", "paid", "disputed"):
        return drf.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=False,
                                **common)
    return drf.CharField(**common, allow_blank=not common["required"])


ClaimRowIn = type("ClaimRowIn", (drf.Serializer,), {
    column.key: _column_field(column) for column in claims_template.COLUMNS})


class ClaimRowsIn(drf.Serializer):
    rows = drf.ListField(
        child=ClaimRowIn(), min_length=1, max_length=claims_template.MAX_ROWS,
        help_text="One object per claim, keyed by the template's columns, checked as the "
        "template's rows are. Row 1 is the first object; an error names it "
        "rows[0].<column> (counting from 0, as in the list you sent).")


class ClaimsFileIn(drf.Serializer):
    claims_file = drf.FileField(help_text=str(ClaimsTemplateForm.base_fields[
        "claims_file"].help_text))


class AttachmentsIn(drf.Serializer):
    files = drf.ListField(child=drf.FileField(), help_text=str(AttachmentsForm.base_fields[
        "files"].help_text))


# --- Helpers ------------------------------------------------------------------------------


def _draft(request, pk):
    """The client's draft: 404 for a ticket it may not see; 409 once it is filed (the
    drafts module's words)."""
    ticket = visible_ticket(request, pk)
    if ticket.state != State.DRAFT:
        try:
            drafts._require_draft(ticket)  # its message, not a copy of it
        except ValidationError as error:
            raise _refused(error) from None
    return ticket


def _refused(error):
    return problems.Problem(409, "refused", " ".join(error.messages),
                            errors=[{"field": None, "message": m} for m in error.messages])


def _save_claims(ticket, claims, *, uses_template, template_name=""):
    """``drafts.save_details`` as edit_draft calls it; the draft's description stays."""
    try:
        return drafts.save_details(ticket, description=ticket.description, claims=claims,
                                   uses_template=uses_template, template_name=template_name)
    except ValidationError as error:  # filed meanwhile
        raise _refused(error) from None


def _claims_answer(ticket, message):
    return {"ticket": summary_of(ticket), "message": message,
            "claims": serializers.ClaimOut(ticket.claims.all(), many=True).data}


def _is_form_body(request):
    kind = (request.content_type or "").split(";")[0].strip().lower()
    return kind in ("multipart/form-data", "application/x-www-form-urlencoded")


def _field_error(field, message, detail=None):
    return problems.Problem(400, "validation", detail or message,
                            errors=[{"field": field, "message": message}])


def _json_rows(request):
    body = request.data
    if not isinstance(body, dict):
        raise _field_error(None, "Send a JSON object: {\"rows\": [...]}.")
    unknown = sorted(str(name) for name in body if name != "rows")
    if unknown:
        errors = [{"field": name, "message": f"{name} is not a field of this request; send "
                   "rows (JSON), or claims_file (multipart/form-data)."} for name in unknown]
        raise problems.Problem(400, "validation", problems._summary(errors), errors=errors)
    if "rows" not in body:
        raise _field_error("rows", "Send the claims as rows: a list of objects, one per "
                           "claim, keyed by the template's columns; or upload the template "
                           "as claims_file (multipart/form-data).")
    return body["rows"]


def _capitalized(text):
    return text[:1].upper() + text[1:]


def _template_problem(result, source):
    """The template's problems as a 400: each one ``{"field", "message"}``, the field
    ``rows[<index>].<column key>`` for JSON rows or ``claims_file`` for the file, at most
    ``MAX_LISTED_PROBLEMS`` of them (the detail says how many more)."""
    found = result.errors
    entries = []
    for error in found[:MAX_LISTED_PROBLEMS]:
        field = source
        if source == "rows" and error.row is not None:
            field = f"rows[{error.row - 1}]"
            if error.column:
                field += f".{_COLUMN_KEY[error.column]}"
        entries.append({"field": field, "message": _capitalized(str(error))})
    count = len(found)
    if all(error.row is None for error in found):
        detail = " ".join(error.message for error in found)  # the file or the list itself
    else:
        what = "Your template has" if source == "claims_file" else "Your rows have"
        listed = ("each is listed in errors" if count <= MAX_LISTED_PROBLEMS else
                  f"the first {MAX_LISTED_PROBLEMS} are listed in errors, and "
                  f"{count - MAX_LISTED_PROBLEMS} more are not")
        again = ("Fix them in the file and upload it again." if source == "claims_file"
                 else "Fix them and send the rows again.")
        detail = (f"{what} {count} problem{'' if count == 1 else 's'}: {listed}. {again}")
    return problems.Problem(400, "validation", detail, errors=entries)


def _reading(ticket):
    """What the template's rows are checked against: the draft's MCO and provider."""
    return {"mco": ticket.mco.name, "provider_npi": ticket.provider.npi,
            "tracking_number_is_valid": ticket.mco.tracking_number_is_valid,
            "tracking_example": ticket.mco.tracking_example,
            "mco_short_name": ticket.mco.short_name}


def _names(attachments):
    names = [a.name for a in attachments]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# --- The endpoints ------------------------------------------------------------------------


class Tickets(TicketList):
    """GET: the tickets this client may see (any client). POST: a draft (provider
    clients), as the page's first step (start_ticket)."""

    parser_classes = [JSONParser]

    @property
    def client_kinds(self):
        return PROVIDER if self.request.method == "POST" else None

    @extend_schema(
        operation_id="tickets_create_draft",
        summary="Provider: start a draft (the page's first step: provider, MCO, complaint "
                "type and the dispute with the MCO; the filing window and tracking number "
                "are checked first)",
        description="A draft, as the page's first step: the provider (one this client files "
                    "for), the MCO, the complaint type, the dispute with the MCO and, "
                    "optionally, the description. Then its claims, files, and submit.",
        request=forms_bridge.request_serializer(_DraftFields, "tickets_create_draft_request"),
        responses={201: OpenApiResponse(serializers.TicketDetail,
                                        description="The draft; Location is its address."),
                   **ERRORS},
    )
    @idempotent
    def post(self, request):
        providers = approved_providers(request.user)
        if not providers.exists():
            raise problems.Problem(403, "not-allowed", "This client is not approved to file "
                                   "for any provider or facility. Ask the portal staff who "
                                   "manage it to choose the providers it files for.")
        data = forms_bridge.bind(DraftForm, request, providers=providers)
        ticket = drafts.create_draft(by=request.user, **data)
        ticket = visible_ticket(request, ticket.pk)
        return Response(ticket_detail(ticket, request.user), status=201,
                        headers={"Location": reverse("api:ticket", args=[ticket.pk])})


class Claim(ApiView):
    """One claim for a single complaint (edit_draft's "One claim"): replaces the draft's
    claims; it carries the ticket's tracking number."""

    client_kinds = PROVIDER
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="tickets_set_claim",
        summary="Provider: set a draft's one claim (two or more go on the claims template)",
        request=forms_bridge.request_serializer(ClaimForm, "tickets_set_claim_request"),
        responses={200: DraftClaims, **ERRORS},
    )
    @idempotent
    def post(self, request, pk):
        ticket = _draft(request, pk)
        data = forms_bridge.bind(ClaimForm, request)
        claims = [data | {"tracking_number": ticket.tracking_number}]
        ticket = _save_claims(ticket, claims, uses_template=False)
        return Response(_claims_answer(ticket, "The claim is saved with the draft."))


class ClaimsTemplate(ApiView):
    """Two or more claims (edit_draft's "Two or more similar claims"): the completed
    template as ``claims_file`` (multipart/form-data), checked by its content as the page
    checks it, or its rows as JSON, checked by the same rules. They replace the draft's
    claims."""

    client_kinds = PROVIDER
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="tickets_claims_template",
        summary="Provider: set a draft's claims from the Complaints/Claims-Issue template "
                "(the .xlsx, or its rows as JSON)",
        description="Every row is checked as on the page: each problem is one entry of "
                    "errors, `rows[<index>].<column>` for JSON rows (counting from 0) or "
                    "`claims_file`, its message saying “Row N, <column>: ...”. At most "
                    f"{MAX_LISTED_PROBLEMS} are listed; the detail says how many there are. "
                    f"At most {claims_template.MAX_ROWS} claims fit on one template.",
        request={"application/json": ClaimRowsIn, "multipart/form-data": ClaimsFileIn},
        responses={200: DraftClaims, **ERRORS},
    )
    @idempotent
    def post(self, request, pk):
        ticket = _draft(request, pk)
        if _is_form_body(request):
            upload = forms_bridge.bind(ClaimsTemplateForm, request).get("claims_file")
            if upload is None:
                raise _field_error("claims_file", "Choose your completed Complaints/Claims-"
                                   "Issue template (.xlsx) to upload.")
            result = claims_template.read_template(upload, **_reading(ticket),
                                                   filename=upload.name)
            source, name = "claims_file", upload.name
        else:
            result = claims_template.check_json_rows(_json_rows(request), **_reading(ticket))
            source, name = "rows", JSON_TEMPLATE_NAME
        if not result.ok:
            raise _template_problem(result, source)
        claims = [dataclasses.asdict(row) for row in result.rows]
        ticket = _save_claims(ticket, claims, uses_template=True, template_name=name)
        count = len(claims)
        return Response(_claims_answer(
            ticket, f"{count} claim{'' if count == 1 else 's'} from the template "
            f"{'is' if count == 1 else 'are'} saved with the draft."))


class Attachments(ApiView):
    """Files for a draft (edit_draft's attachments): each checked by its content and size,
    the draft's totals too; all are saved or none."""

    client_kinds = PROVIDER
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="tickets_add_attachments",
        summary="Provider: add files to a draft (multipart/form-data, one or more `files`)",
        request={"multipart/form-data": AttachmentsIn},
        responses={201: DraftAttachments, **ERRORS},
    )
    @idempotent
    def post(self, request, pk):
        ticket = _draft(request, pk)
        files = forms_bridge.bind(AttachmentsForm, request).get("files") or []
        if not files:
            raise _field_error("files", "Choose one or more files to attach: send them as "
                               "files in a multipart/form-data body.")
        try:
            saved = drafts.add_attachments(ticket, files, by=request.user, role="provider")
        except ValidationError as error:
            errors = [{"field": "files", "message": m} for m in error.messages]
            raise problems.Problem(400, "validation", problems._summary(errors),
                                   errors=errors) from None
        return Response({
            "ticket": summary_of(ticket),
            "message": f"{_names(saved)} {'is' if len(saved) == 1 else 'are'} saved with "
                       "the draft.",
            "attachments": serializers.AttachmentOut(
                attachments_visible_to(request.user, ticket), many=True).data,
        }, status=201)


class Submit(ApiView):
    """File the draft (check_draft's "File the ticket"): the submission checks run; a
    refusal is a 409 listing each problem."""

    client_kinds = PROVIDER
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="tickets_submit",
        summary="Provider: file the draft (it gets its number; HFS checks it next)",
        request=None,
        responses={200: serializers.ActionResult, **ERRORS},
    )
    @idempotent
    def post(self, request, pk):
        ticket = visible_ticket(request, pk)
        ticket = workflow.submit(ticket.pk, by=request.user)
        return Response({
            "ticket": summary_of(ticket),
            "message": f"Ticket {ticket.number} is filed. HFS portal staff will check it "
                       f"and, if it is complete, present it to {ticket.mco.name} within 10 "
                       "business days.",
        })
