"""The notifications page of every signed-in user: newest first, unread ones marked, each opened
through "mark read" so that following a notification also reads it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.notifications import kinds, selectors, services
from portal.permissions import signed_in, visible_or_404

PAGE_SIZE = 20


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request.user)
    notifications = selectors.notifications_of(user=user).only("kind", "params", "url", "created_at", "read_at")
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(notification, kinds.message(notification.kind, notification.params)) for notification in page]
    return render(request, "notifications/list.html", {"page": page, "rows": rows, "query": ""})


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of the user's notifications read and go where it points (another user's: 404)."""
    user = signed_in(request.user)
    notification = visible_or_404(selectors.notifications_of(user=user), pk=pk)
    services.notifications_mark_read(user=user, notification_ids=[notification.pk])
    safe = url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(notification.url if notification.url and safe else "notifications:list")


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    marked = services.notifications_mark_read(user=signed_in(request.user))
    if marked:
        messages.success(request, _("All notifications are marked read."))
    return redirect("notifications:list")
