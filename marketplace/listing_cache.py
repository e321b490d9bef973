"""The public tender search page, cached for anonymous visitors.

Most visitors of the tender list are anonymous and ask for the same few pages (the newest tenders,
a province, a sector), so a rendered page is kept for `TENDER_LIST_CACHE_SECONDS` under a key of
the language, the query string and a *generation*. Every change the public can see on the list
(a tender published, amended, closed, opened, failed, cancelled) moves the generation after its
transaction commits (`invalidate`), so no cached page outlives a change by more than the time a
shared cache takes to answer; with a per-process cache (no `CACHE_URL`), other processes catch up
within the timeout.

Only requests without a session or a messages cookie are served from the cache: such a page holds
nothing of the visitor (the language switch needs no CSRF token; see portal/urls.py).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import translation

GENERATION_KEY = "marketplace:tender-list:generation"


def invalidate() -> None:
    cache.set(GENERATION_KEY, time.time_ns(), None)


def _generation() -> str:
    return str(cache.get_or_set(GENERATION_KEY, time.time_ns, None))


def _cacheable(request: HttpRequest) -> bool:
    return (
        settings.TENDER_LIST_CACHE_SECONDS > 0
        and request.method == "GET"
        and not request.user.is_authenticated
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def cached_page(request: HttpRequest, render_page: Callable[[], HttpResponse]) -> HttpResponse:
    """The page `render_page` makes, from the cache when the visitor is anonymous."""
    if not _cacheable(request):
        return render_page()
    query = "&".join(sorted(request.GET.urlencode().split("&")))
    fragment = "fragment" if request.headers.get("HX-Request") else "page"
    digest = hashlib.sha256(f"{translation.get_language()}|{fragment}|{query}".encode()).hexdigest()
    key = f"marketplace:tender-list:{_generation()}:{digest}"
    stored = cache.get(key)
    if stored is not None:
        status, content_type, content = stored
        return HttpResponse(content, status=status, content_type=content_type)
    response = render_page()
    if response.status_code in (200, 400):
        cache.set(
            key,
            (response.status_code, response["Content-Type"], response.content),
            settings.TENDER_LIST_CACHE_SECONDS,
        )
    return response
