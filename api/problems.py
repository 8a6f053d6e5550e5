"""Every API error in one shape: RFC 9457 problem details (``application/problem+json``).

    {"type": ".../api/v1/docs/#problem-validation", "title": "The request has errors",
     "status": 400, "detail": "...", "errors": [{"field": "tracking_number",
     "message": "..."}], "request_id": "..."}

``errors`` lists each field's problem in the same words as the page's form (the API binds
the same forms); ``field`` is null for a problem with the request as a whole.
"""

from __future__ import annotations

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    ValidationError,
)
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

from portal import audit

PROBLEM_TYPES = {
    "validation": "The request has errors",
    "refused": "The action is refused by a rule",
    "not-allowed": "This client may not do that",
    "unauthenticated": "A valid token is needed",
    "not-found": "There is no such resource, or this client may not see it",
    "rate-limited": "Too many requests",
    "idempotency": "The Idempotency-Key was used for another request",
    "conflict": "The request conflicts with another one",
    "unsupported": "The request is not in a form this endpoint takes",
    "method": "This method is not allowed here",
    "too-large": "The request is too large",
    "unavailable": "The portal is briefly unavailable",
    "server-error": "The portal failed to answer",
}
CONTENT_TYPE = "application/problem+json"


class Problem(exceptions.APIException):
    """Raise to answer with a problem: ``Problem(400, "validation", "...", errors=[...])``."""

    def __init__(self, status_code, kind, detail, *, errors=None, headers=None):
        super().__init__(detail)
        self.status_code = status_code
        self.kind = kind
        self.errors = errors or []
        self.headers = headers or {}


def type_uri(kind: str) -> str:
    return f"/api/v1/docs/#problem-{kind}"


def body(status_code, kind, detail, errors=()):
    problem = {
        "type": type_uri(kind),
        "title": PROBLEM_TYPES[kind],
        "status": status_code,
        "detail": str(detail),
    }
    problem["errors"] = [{"field": e.get("field"), "message": str(e["message"])} for e in errors]
    request_id = audit.current().request_id
    if request_id:
        problem["request_id"] = request_id
    return problem


def response(status_code, kind, detail, *, errors=(), headers=None):
    return Response(body(status_code, kind, detail, errors), status=status_code,
                    headers=headers, content_type=CONTENT_TYPE)


def form_errors(form) -> list[dict]:
    """A bound, invalid Django form's errors, one entry per message."""
    errors = []
    for name, messages in form.errors.items():
        field = None if name == "__all__" else name
        errors.extend({"field": field, "message": m} for m in messages)
    return errors


def validation_error_entries(error: ValidationError) -> list[dict]:
    if hasattr(error, "error_dict"):
        return [{"field": None if name == "__all__" else name, "message": m}
                for name, items in error.message_dict.items() for m in items]
    return [{"field": None, "message": m} for m in error.messages]


def _drf_entries(detail, field=None):
    if isinstance(detail, dict):
        out = []
        for name, value in detail.items():
            sub = None if name in ("non_field_errors", "__all__") else (
                f"{field}.{name}" if field else str(name))
            out.extend(_drf_entries(value, sub))
        return out
    if isinstance(detail, list):
        out = []
        for value in detail:
            out.extend(_drf_entries(value, field))
        return out
    return [{"field": field, "message": str(detail)}]


def exception_handler(exc, context):
    """DRF's exception handler: every error as a problem (never an HTML page)."""
    from tickets.workflow import ActionRefused, NotAllowed

    if isinstance(exc, RequestDataTooBig | TooManyFilesSent):
        return response(413, "too-large", "The request is larger than the portal takes. Send "
                        "at most the attachment limits (see the reference), one request per "
                        "action.")
    if isinstance(exc, TooManyFieldsSent):
        return response(400, "validation", "The request has far more fields than any "
                        "endpoint takes.")
    if isinstance(exc, Problem):
        return response(exc.status_code, exc.kind, exc.detail, errors=exc.errors,
                        headers=exc.headers)
    if isinstance(exc, NotAllowed):
        return response(403, "not-allowed", exc, errors=[{"field": exc.field, "message": exc}])
    if isinstance(exc, ActionRefused):
        return response(409, "refused", exc,
                        errors=[{"field": exc.field, "message": line}
                                for line in str(exc).split("\n") if line.strip()])
    if isinstance(exc, ValidationError):
        entries = validation_error_entries(exc)
        return response(400, "validation", _summary(entries), errors=entries)
    if isinstance(exc, Http404 | exceptions.NotFound):
        return response(404, "not-found", "There is no such resource, or this client may "
                        "not see it. Check the id in the address.")
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        detail = (exc.detail if isinstance(exc, exceptions.AuthenticationFailed) else
                  "Send your token in the Authorization header: “Authorization: Bearer "
                  "prp_…”.")
        return response(401, "unauthenticated", detail,
                        headers={"WWW-Authenticate": 'Bearer realm="api"'})
    if isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 1)
        return response(429, "rate-limited",
                        f"This token sent too many requests. Try again in {wait} "
                        f"second{'s' if wait != 1 else ''}.",
                        headers={"Retry-After": str(max(1, wait))})
    if isinstance(exc, PermissionDenied | exceptions.PermissionDenied):
        detail = exc.detail if isinstance(exc, exceptions.APIException) else (
            exc.args[0] if exc.args else "This client may not do that.")
        return response(403, "not-allowed", detail)
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return response(415, "unsupported", f"{exc.detail} Send application/json, or "
                        "multipart/form-data where the endpoint takes files.")
    if isinstance(exc, exceptions.MethodNotAllowed):
        return response(405, "method", exc.detail)
    if isinstance(exc, exceptions.NotAcceptable):
        return response(406, "unsupported", "This endpoint answers in application/json.")
    if isinstance(exc, exceptions.ParseError):
        return response(400, "validation", f"The body could not be read: {exc.detail}",
                        errors=[{"field": None, "message": exc.detail}])
    if isinstance(exc, exceptions.ValidationError):
        entries = _drf_entries(exc.detail)
        return response(400, "validation", _summary(entries), errors=entries)
    if isinstance(exc, exceptions.APIException):
        code = exc.status_code
        kind = "too-large" if code == 413 else ("unavailable" if code == 503 else "validation")
        return response(code, kind, exc.detail)
    return None  # anything else is a bug: Django's 500 handler answers (with a problem)


def _summary(entries):
    if not entries:
        return "The request has errors."
    first = entries[0]
    more = len(entries) - 1
    where = f"{first['field']}: " if first.get("field") else ""
    return f"{where}{first['message']}" + (f" (and {more} more)" if more else "")


def django_error(request, status_code):
    """For ``portal.views.errors``: an /api/ address outside DRF (a 404 of the URL
    resolver, a server error) answers as a problem too."""
    kind = {404: "not-found", 403: "not-allowed", 500: "server-error",
            503: "unavailable"}.get(status_code, "validation")
    detail = {404: "There is no such API endpoint. The reference is at /api/v1/docs/.",
              500: "The portal failed to answer. Nothing was changed unless the event feed "
                   "shows it; you may retry with the same Idempotency-Key.",
              503: "The portal is briefly unavailable; nothing you sent was saved. Try "
                   "again in a minute."}.get(status_code, "The request was refused.")
    return JsonResponse(body(status_code, kind, detail), status=status_code,
                        content_type=CONTENT_TYPE)


STATUS = status
