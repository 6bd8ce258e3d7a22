"""Plumbing views: JSON for errors under /api/ (404, 403, 400, 500, CSRF), HTML elsewhere."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.csrf import csrf_failure as default_csrf_failure
from django.views.decorators.csrf import csrf_exempt

from api.exceptions import error_body
from api.middleware import is_api_request


def _json(code, message, status):
    return JsonResponse(error_body(code, message), status=status, json_dumps_params={"ensure_ascii": False})


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Any /api/ URL that names no resource (also with DEBUG on, where handler404 is not used)."""
    return _json("not_found", _("No such resource in the API."), 404)


def page_not_found(request, exception=None):
    if is_api_request(request):
        return not_found(request)
    return defaults.page_not_found(request, exception)


def permission_denied(request, exception=None):
    if is_api_request(request):
        return _json("forbidden", _("You do not have permission to do this."), 403)
    return defaults.permission_denied(request, exception)


def bad_request(request, exception=None):
    if is_api_request(request):
        return _json("bad_request", _("The request could not be processed."), 400)
    return defaults.bad_request(request, exception)


def server_error(request):
    if is_api_request(request):
        return _json("server_error", _("Something went wrong on the server; it has been logged."), 500)
    return defaults.server_error(request)


def csrf_failure(request, reason=""):
    if is_api_request(request):
        return _json("csrf_failed", _("The session's CSRF check failed; send the X-CSRFToken header."), 403)
    return default_csrf_failure(request, reason=reason)
