"""Error pages: JSON in the API's error shape under /api/, templates elsewhere."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from portal.api.exceptions import error_body
from portal.errors import DomainError
from portal.middleware import API_PREFIX


def _answer(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse(error_body(code, message), status=status)
    return render(request, "errors/error.html", {"status": status, "message": message}, status=status)


def domain_error_page(request: HttpRequest, error: DomainError) -> HttpResponse:
    return _answer(request, error.status, error.code, error.message)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _answer(request, 400, "bad_request", _("The request could not be understood."))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _answer(request, 403, "permission_denied", _("You do not have permission to do this."))


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _answer(request, 404, "not_found", _("Not found."))


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse(error_body("server_error", _("Something went wrong on our side.")), status=500)
    # Rendered without the request: no context processor may touch a database that may be down.
    return HttpResponseServerError(render_to_string("errors/500.html"))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _answer(request, 403, "csrf_failed", _("Your session form expired. Reload the page and try again."))
