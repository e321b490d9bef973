"""Domain errors raised by services and selectors.

The API's exception handler and the page views map them to responses in one place; services never
build HTTP responses. A message is user-facing (translated); `fields` maps a field name to messages.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status = 400
    code = "invalid"
    default_message = _("The request cannot be carried out.")

    def __init__(self, message: str | None = None, *, fields: dict[str, list[str]] | None = None):
        self.message = str(message or self.default_message)
        self.fields = fields or {}
        super().__init__(self.message)


class NotFound(DomainError):
    """Missing, or not visible to this user: the two answer the same."""

    status = 404
    code = "not_found"
    default_message = _("Not found.")


class PermissionDenied(DomainError):
    """The user can see the object but may not do this to it."""

    status = 403
    code = "permission_denied"
    default_message = _("You do not have permission to do this.")


class Conflict(DomainError):
    """The request is well formed but clashes with the current state."""

    status = 409
    code = "conflict"
    default_message = _("The request conflicts with the current state.")


class ServiceUnavailable(DomainError):
    """An outside service the request needs does not answer; trying again later may work."""

    status = 503
    code = "service_unavailable"
    default_message = _("A service this needs is not answering. Try again in a few minutes.")
