"""OpenAPI generation: the token scheme, the error responses every operation can give, and the
committed copy of the schema (`docs/openapi.yaml`, `make schema`, checked by a test)."""

from pathlib import Path

from django.conf import settings
from django.utils import translation
from drf_spectacular.extensions import OpenApiAuthenticationExtension

SCHEMA_FILE = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "A personal API token from the profile page (`/accounts/profile/`) or `POST /api/v1/tokens/`: "
                "`Authorization: Bearer szr_…`. It acts as its user, with the user's role and scope."
            ),
        }


ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error has this shape.",
    "required": ["code", "message", "fields"],
    "properties": {
        "code": {
            "type": "string",
            "description": (
                "Machine-readable reason, e.g. `invalid`, `not_found`, `forbidden`, `role`, `four_eyes`, "
                "`wrong_state`, `state`, `already_decided`, `not_authenticated`, `token_expired`, `throttled`."
            ),
        },
        "message": {
            "type": "string",
            "description": "What went wrong, for people, in the request's language (zh-hans or en).",
        },
        "fields": {
            "type": "object",
            "description": "Per input field (or `non_field_errors`), its messages; empty when not about input.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}

ERRORS = {
    "400": "The input, a filter or the cursor is not valid (`fields` says which).",
    "401": "Not authenticated, or the token is unknown, expired or revoked.",
    "403": "Your role may not do this (the message names who may), or the four-eyes rule forbids it.",
    "404": "No such object, or not one you may see: both answer the same.",
    "409": "Not possible in the object's current state (the message names the state).",
    "415": "Send JSON (`application/json`), or `multipart/form-data` for file uploads.",
    "429": "Too many requests for this token or address; retry after `Retry-After` seconds.",
}
WRITE_ONLY_ERRORS = {"409", "415"}
# Ids in paths are 1-18 digits (api.viewsets.ID_PATTERN); anything else is a 404 before any view.
MAX_ID = 10**18 - 1
PATH_IDS = {
    "id": "The object's id.",
    "case_pk": "The case's id.",
    "fund_pk": "The fund's id.",
}


def add_error_responses(result, generator, request, public):
    """Document the error shape on every operation, so clients (and schemathesis) know each status."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    responses = components.setdefault("responses", {})
    for status, description in ERRORS.items():
        responses[f"Error{status}"] = {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "path" and parameter["name"] in PATH_IDS:
                    parameter["schema"] = {"type": "integer", "minimum": 0, "maximum": MAX_ID}
                    parameter["description"] = PATH_IDS[parameter["name"]]
            for response in operation["responses"].values():
                if isinstance(response, dict) and not response.get("description"):
                    response["description"] = "OK."
            for status in ERRORS:
                if status in WRITE_ONLY_ERRORS and method in ("get", "head", "options"):
                    continue
                operation["responses"].setdefault(status, {"$ref": f"#/components/responses/Error{status}"})
            operation["responses"] = dict(sorted(operation["responses"].items()))
    return result


def generate_schema_yaml() -> str:
    """The schema as `make schema` writes it: English, public, YAML."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiYamlRenderer

    with translation.override("en"):
        schema = SchemaGenerator().get_schema(request=None, public=True)
        return OpenApiYamlRenderer().render(schema, renderer_context={}).decode()
