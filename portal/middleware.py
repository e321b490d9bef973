"""Site-wide middleware: language choice and the Content-Security-Policy header."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

API_PREFIX = "/api/"


def language_for(request: HttpRequest) -> str:
    """The portal speaks zh-Hans unless the user picked another language with the switch.

    Browsers send Accept-Language for the machine's locale, not the user's choice, so pages ignore
    it; API clients choose deliberately, so the API honours it after the language cookie.
    """
    supported = {code for code, _name in settings.LANGUAGES}
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if cookie in supported:
        return cookie
    if request.path.startswith(API_PREFIX) and request.headers.get("Accept-Language"):
        return translation.get_language_from_request(request)
    return settings.LANGUAGE_CODE


class PortalLocaleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = language_for(request)
        # For this request only: a worker thread's next request, or code that runs after it in the
        # same thread (in-process tasks), starts from the default again.
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        response.headers.setdefault("Content-Language", language)
        return response


class ContentSecurityPolicyMiddleware:
    """Adds the policy from settings unless a view set its own (a card-entry page may widen it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


class DomainErrorMiddleware:
    """Pages raise the same domain errors as the API; this answers them with an error page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from portal.error_pages import domain_error_page
        from portal.errors import DomainError

        if isinstance(exception, DomainError):
            return domain_error_page(request, exception)
        return None
