"""The DRF side of idempotency: wrap a view's create method with `@idempotent` (it also documents
the header in the OpenAPI schema)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from portal.idempotency.services import KEY_HEADER, fingerprint_of, idempotent_call
from portal.permissions import signed_in

REPLAYED_HEADER = "Idempotent-Replayed"
KEY_PARAMETER = OpenApiParameter(
    KEY_HEADER,
    str,
    OpenApiParameter.HEADER,
    description=(
        "Any unique string (1-255 printable ASCII characters). A retry with the same key and body "
        "replays the first successful response; the same key with another body answers 409."
    ),
)


def _payload(request: Request) -> Any:
    data = request.data
    if hasattr(data, "lists"):  # form or multipart: keep every value, name files by their content
        fields = {name: values for name, values in data.lists() if name not in request.FILES}
        files = {name: [(f.name, f.size, _sha256(f)) for f in request.FILES.getlist(name)] for name in request.FILES}
        return {"fields": fields, "files": files}
    return data


def _sha256(upload: UploadedFile) -> str:
    """The file's SHA-256, so that a retry with the same key but another file of the same name and
    size answers 409 instead of replaying. The file is rewound for the view that reads it next."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def idempotent(method: Callable[..., Response]) -> Callable[..., Response]:
    @wraps(method)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(KEY_HEADER)
        if key is None or not request.user.is_authenticated:
            return method(view, request, *args, **kwargs)
        first: list[Response] = []

        def call() -> tuple[int, Any]:
            response = method(view, request, *args, **kwargs)
            first.append(response)
            return response.status_code, response.data

        fingerprint = fingerprint_of(
            method=request.method or "POST", path=request.get_full_path(), payload=_payload(request)
        )
        outcome = idempotent_call(user=signed_in(request.user), key=key, fingerprint=fingerprint, call=call)
        if not outcome.replayed:
            return first[0]
        response = Response(outcome.body, status=outcome.status)
        response[REPLAYED_HEADER] = "true"
        return response

    return extend_schema(parameters=[KEY_PARAMETER])(wrapper)
