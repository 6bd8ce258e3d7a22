"""Multipart parsing that remembers unsafe upload names, as `config.middleware.UploadNameGuardMiddleware`
does for the pages (DRF parses the body itself, so the middleware's hook does not run for the API)."""

import html

from django.conf import settings
from django.http.multipartparser import MultiPartParser as DjangoMultiPartParser
from django.http.multipartparser import MultiPartParserError
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class _RecordingParser(DjangoMultiPartParser):
    def __init__(self, *args, unsafe_names, **kwargs):
        super().__init__(*args, **kwargs)
        self._unsafe_names = unsafe_names

    def sanitize_file_name(self, file_name):
        safe = super().sanitize_file_name(file_name)
        if safe != html.unescape(file_name):
            self._unsafe_names.append(file_name)
        return safe


class GuardedMultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser; a name carrying a path or control characters is recorded on the
    request (`request.unsafe_upload_names`) so the upload refuses the whole request."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        request = parser_context["request"]
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        meta = request.META.copy()
        meta["CONTENT_TYPE"] = media_type
        unsafe = []
        request._request.unsafe_upload_names = unsafe
        try:
            parser = _RecordingParser(meta, stream, request.upload_handlers, encoding, unsafe_names=unsafe)
            data, files = parser.parse()
            return parsers.DataAndFiles(data, files)
        except MultiPartParserError as exc:
            raise ParseError() from exc
