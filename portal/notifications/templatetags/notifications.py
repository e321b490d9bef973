"""`{% load notifications %}{% unread_count as n %}`: the signed-in user's unread notifications,
for the header of every page (one query per request, none for anonymous visitors)."""

from __future__ import annotations

from typing import Any

from django import template

from portal.notifications.selectors import unread_count as unread_count_of

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_count(context: dict[str, Any]) -> int:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or not user.is_authenticated:
        return 0
    if request is None:
        return unread_count_of(user=user)
    # Asked once per request however often a page shows it.
    if not hasattr(request, "_unread_notifications"):
        request._unread_notifications = unread_count_of(user=user)
    return int(request._unread_notifications)
