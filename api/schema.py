"""drf-spectacular extensions: the bearer token as the schema's security scheme."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.TokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": "A token made by the portal staff who manage your client: "
                               "`Authorization: Bearer prp_…`."}
