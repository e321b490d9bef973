"""Whether the navigation offers the dashboard link.

Decision: asked once, when the user signs in, and kept in the session, so that no page pays a
membership query for its menu (several pages have bounded query counts). A regulator role granted
or withdrawn during a session shows in the menu at the next sign-in; the dashboard itself checks
the role on every request, so a stale menu link never shows figures (it answers 403).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from portal.permissions import AnyUser, is_operator
from registry.selectors import regulator_scope_prefixes

SESSION_KEY = "monitoring_dashboard_link"


def remember_dashboard_link(*, sender: Any, request: HttpRequest, user: AnyUser, **kwargs: Any) -> None:
    """`user_logged_in` receiver."""
    request.session[SESSION_KEY] = regulator_scope_prefixes(user=user) is not None


def may_see_dashboard_link(request: HttpRequest) -> bool:
    user = request.user
    return is_operator(user) or bool(user.is_authenticated and request.session.get(SESSION_KEY, False))
