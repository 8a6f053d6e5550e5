"""drf-spectacular extensions: the bearer token as the schema's security scheme."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.TokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": "A token made by the portal staff who manage your client: "
                               "`Authorization: Bearer prp_…`."}


# --- Error answers, documented once -------------------------------------------------------

from drf_spectacular.utils import OpenApiResponse  # noqa: E402
from rest_framework import serializers  # noqa: E402

PROBLEM_MEDIA_TYPE = "application/problem+json"


class ProblemError(serializers.Serializer):
    field = serializers.CharField(allow_null=True, help_text="The field, or null for the "
                                                             "request as a whole.")
    message = serializers.CharField(help_text="What is wrong and how to fix it.")


class Problem(serializers.Serializer):
    """RFC 9457 problem details: every error of the API."""

    type = serializers.CharField(help_text="A link to the kind's explanation, e.g. "
                                           "/api/v1/docs/#problem-validation.")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = ProblemError(many=True)
    request_id = serializers.CharField(required=False)


WHEN = {
    400: "A field or parameter is wrong: `errors` names each and the fix.",
    401: "No valid token (missing, unknown, revoked or expired).",
    403: "This token or client may not do this (a read token writing, a client of the "
         "other kind, an actor rule, an address outside the client's ranges).",
    404: "No such resource, or not this client's.",
    409: "A rule refuses it now (a closed window, a ticket already moved): `detail` says "
         "which and until when.",
    413: "The request is larger than the portal takes.",
    415: "A body type this endpoint does not take.",
    422: "The Idempotency-Key was used for a different request.",
    429: "Too many requests for this token: wait Retry-After seconds.",
}


def problems(*codes):
    """The documented error answers for ``codes``, each a Problem as problem+json."""
    return {(code, PROBLEM_MEDIA_TYPE): OpenApiResponse(response=Problem,
                                                        description=WHEN[code])
            for code in codes}


#: What every read may answer besides its success, and every write.
READ_ERRORS = problems(400, 401, 403, 404, 429)
WRITE_ERRORS = problems(400, 401, 403, 404, 409, 413, 415, 422, 429)


def forbid_unknown_fields(result, generator, request, public):
    """drf-spectacular post-processing: request bodies refuse fields they do not name (as
    ``api.forms_bridge.bind`` does), so the schema says so."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
    return result
