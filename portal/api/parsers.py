"""Parsers that refuse oversized bodies before reading them into memory: JSON, and multipart with
a size limit per file (`SizeLimitedMultiPartParser`).

DRF reads the request stream directly, which skips Django's DATA_UPLOAD_MAX_MEMORY_SIZE check that
`request.body` would apply; this parser applies the same limit. Fractions parse as Decimal, never as
binary floats, and NaN / Infinity are refused.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http.multipartparser import MultiPartParser as DjangoMultiPartParser
from django.http.multipartparser import MultiPartParserError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import DataAndFiles, JSONParser, MultiPartParser

from portal.uploads import SizeLimitedUploadHandler


class LimitedJSONParser(JSONParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestDataTooBig(_("The request body is too large."))
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.decode(raw, encoding)
        except UnicodeDecodeError as exc:
            raise ParseError(_("The request body is not valid %(encoding)s text.") % {"encoding": encoding}) from exc
        try:
            return json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
        except ValueError as exc:
            raise ParseError(_("The request body is not valid JSON: %(error)s") % {"error": exc}) from exc


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


class SizeLimitedMultiPartParser(MultiPartParser):
    """A multipart parser that stops receiving a file once it is larger than the setting named by
    `limit_setting`, so an oversized upload is never spooled to disk in full, and answers 400 on
    the file's field instead of leaving the field empty. Subclass it per limit."""

    limit_setting = "DATA_UPLOAD_MAX_MEMORY_SIZE"

    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> DataAndFiles:
        context = parser_context or {}
        request = context["request"]
        limit = getattr(settings, self.limit_setting)
        handler = SizeLimitedUploadHandler(request._request, max_bytes=limit)
        meta = request.META.copy()
        meta["CONTENT_TYPE"] = media_type
        try:
            data, files = DjangoMultiPartParser(
                meta, stream, [handler, *request.upload_handlers], context.get("encoding", settings.DEFAULT_CHARSET)
            ).parse()
        except MultiPartParserError as exc:
            raise ParseError(_("The multipart body cannot be read: %(error)s") % {"error": exc}) from exc
        if handler.too_large:
            size = filesizeformat(limit)
            message = _("The file is larger than %(size)s, the largest accepted here.") % {"size": size}
            raise ValidationError({handler.field_name or "file": [message]})
        return DataAndFiles(data, files)
