"""One error shape for the whole API: `{"code": ..., "message": ..., "fields": {...}}`.

`message` is in the request's language (see `api.middleware.ApiLocaleMiddleware`); `fields` maps a
field name (or `non_field_errors`) to its messages, and is `{}` when the error is not about input.
The services' `CaseError`, Django's `ValidationError`, `Http404`, `PermissionDenied` and
`SuspiciousOperation`, and every DRF exception end here. Anything else is a bug: it is logged and
answered by `api.views.server_error`, still as JSON.
"""

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings

from restoration.errors import CaseError

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY

# DRF exception class → our code, where DRF's own codes are not the contract.
CODES = {
    exceptions.ValidationError: "invalid",
    exceptions.ParseError: "parse_error",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def error_body(code: str, message, fields: dict | None = None) -> dict:
    return {"code": code, "message": str(message), "fields": fields or {}}


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error details as {"field": [...], "items.0.name": [...]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = NON_FIELD if key in (NON_FIELD, NON_FIELD_ERRORS) and not prefix else str(key)
            for sub, messages in _flatten(value, f"{prefix}.{name}" if prefix else name).items():
                out.setdefault(sub, []).extend(messages)
    elif isinstance(detail, list | tuple):
        plain = [item for item in detail if not isinstance(item, dict | list | tuple)]
        if plain:
            out.setdefault(prefix or NON_FIELD, []).extend(str(item) for item in plain)
        for index, item in enumerate(detail):
            if isinstance(item, dict | list | tuple) and item:
                for sub, messages in _flatten(item, f"{prefix}.{index}" if prefix else str(index)).items():
                    out.setdefault(sub, []).extend(messages)
    elif detail is not None:
        out.setdefault(prefix or NON_FIELD, []).append(str(detail))
    return out


def django_validation_fields(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            (NON_FIELD if field == NON_FIELD_ERRORS else field): [str(m) for m in messages]
            for field, messages in error.message_dict.items()
        }
    return {NON_FIELD: [str(m) for m in error.messages]}


def _validation_message(fields: dict[str, list[str]]):
    if list(fields) == [NON_FIELD] and len(fields[NON_FIELD]) == 1:
        return fields[NON_FIELD][0]
    return _("The request has errors; see the fields.")


def exception_handler(exc, context):
    headers = {}
    if isinstance(exc, CaseError):
        body = error_body(exc.code, exc.message, {k: [str(m) for m in v] for k, v in exc.fields.items()})
        return Response(body, status=exc.status)
    if isinstance(exc, DjangoValidationError):
        fields = django_validation_fields(exc)
        return Response(error_body("invalid", _validation_message(fields), fields), status=400)
    if isinstance(exc, Http404):
        return Response(error_body("not_found", exceptions.NotFound.default_detail), status=404)
    if isinstance(exc, PermissionDenied):
        return Response(error_body("forbidden", exceptions.PermissionDenied.default_detail), status=403)
    if isinstance(exc, SuspiciousOperation):
        # Too many files or fields, a body too large, a disallowed host: the client's fault.
        return Response(error_body("bad_request", _("The request could not be processed.")), status=400)
    if not isinstance(exc, exceptions.APIException):
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        return Response(error_body("invalid", _validation_message(fields), fields), status=400)
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    code = getattr(exc, "error_code", None) or next(
        (value for cls, value in CODES.items() if isinstance(exc, cls)), None
    )
    if code is None:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
    detail = exc.detail
    if isinstance(detail, dict | list):
        fields = _flatten(detail)
        message = _validation_message(fields)
    else:
        fields, message = {}, detail
    return Response(error_body(code, message, fields), status=exc.status_code, headers=headers)
