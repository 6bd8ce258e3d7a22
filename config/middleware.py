import functools

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Chinese unless the user chose otherwise with the switch in the header.

    Django's LocaleMiddleware follows the browser's Accept-Language; a bureau machine with an
    English browser would then show English. Here only the user's explicit choice (the language
    cookie set by the switch) changes the language.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = dict(settings.LANGUAGES)
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class UploadNameGuardMiddleware:
    """Remember upload file names that arrived with a path or control characters.

    Django's multipart parser quietly cuts `../../x.pdf` down to `x.pdf`. A browser never sends a
    path, so such a name is an attack or a broken client: the evidence upload refuses the whole
    request when this list is not empty. Must come before CsrfViewMiddleware, which parses the body.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.unsafe_upload_names = []
        if request.method == "POST" and request.content_type == "multipart/form-data":
            request.parse_file_upload = _recording_parser(request)
        return self.get_response(request)


def _recording_parser(request):
    import html

    from django.http.multipartparser import MultiPartParser
    from django.utils.datastructures import ImmutableList

    class RecordingParser(MultiPartParser):
        def sanitize_file_name(self, file_name):
            safe = super().sanitize_file_name(file_name)
            if safe != html.unescape(file_name):
                request.unsafe_upload_names.append(file_name)
            return safe

    def parse_file_upload(META, post_data):
        request.upload_handlers = ImmutableList(
            request.upload_handlers,
            warning="You cannot alter upload handlers after the upload has been processed.",
        )
        return RecordingParser(META, post_data, request.upload_handlers, request.encoding).parse()

    return parse_file_upload


class ContentSecurityPolicyMiddleware:
    """A Content-Security-Policy on every response: scripts only from this site's own files (no
    inline script anywhere), nothing framed, forms post only here. Styles may be inline (the map
    and chart libraries set them); a view that sets its own policy keeps it (file downloads send
    `sandbox`). Images may also come from the configured map tile server."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", csp_policy(getattr(settings, "MAP_TILE_URL", "")))
        return response


@functools.lru_cache(maxsize=8)
def csp_policy(tile_urls: str) -> str:
    from urllib.parse import urlsplit

    images = ["'self'", "data:", "blob:"]
    for template in (tile_urls or "").split():
        parts = urlsplit(template.replace("{s}", "a"))
        if parts.scheme in ("http", "https") and parts.hostname:
            host = parts.hostname
            if "{s}" in template and "." in host:
                host = "*." + host.split(".", 1)[1]
            images.append(f"{parts.scheme}://{host}")
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            f"img-src {' '.join(images)}",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class DatabaseUnavailableMiddleware:
    """When the database is down (restarting, unreachable), answer 503 with a plain message in the
    user's language instead of a server error; nothing was written, since every change runs in a
    transaction. Connections are health-checked, so requests recover by themselves once it is back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db import InterfaceError, OperationalError, connections
        from django.http import HttpResponse, JsonResponse
        from django.utils.translation import gettext as _

        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        for connection in connections.all(initialized_only=True):
            connection.close_if_unusable_or_obsolete()
        message = _(
            "The system is briefly unavailable (the database cannot be reached). Nothing was changed. "
            "Please try again in a minute."
        )
        if request.path.startswith("/api/"):
            response = JsonResponse({"code": "unavailable", "message": message, "fields": {}}, status=503)
        else:
            response = HttpResponse(
                f"<!DOCTYPE html><meta charset=utf-8><title>503</title><p>{message}</p>", status=503
            )
        response["Retry-After"] = "30"
        return response
