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
