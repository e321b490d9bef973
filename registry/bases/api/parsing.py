"""Query-parameter and body-reference parsing shared by the APIs of bases, institutions and showcase.

Bad values answer 400 naming the parameter (the API's error shape), never 500 or a silent ignore.
Candidates for `portal/api/` once other apps need them.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from rest_framework.request import Request

from portal.permissions import AnyUser
from registry.models import Organisation
from registry.selectors import organisations_visible_to


def choice_param(request: Request, name: str, values: list[str]) -> str:
    value = request.query_params.get(name, "")
    if value and value not in values:
        raise ValidationError({name: [_("Unknown value “%(value)s”.") % {"value": value}]})
    return value


def int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name, "")
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationError({name: [_("Enter a whole number.")]})
    return int(raw)


def body_organisation(user: AnyUser, pk: int, *, field: str) -> Organisation:
    """An organisation named by id in a request body. One the user may not see is as unknown as a
    missing one (400 on the field, so that the answer reveals nothing)."""
    organisation = organisations_visible_to(user=user).filter(pk=pk).first()
    if organisation is None:
        raise ValidationError({field: [_("Unknown organisation.")]})
    return organisation
