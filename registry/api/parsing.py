"""Query-parameter and body-reference parsing shared by every registry API.

Bad values answer 400 naming the parameter (the API's error shape), never 500 or a silent ignore.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from rest_framework.request import Request

from portal.permissions import AnyUser
from registry.models import Organisation, Region
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


def region_param(request: Request, name: str = "region") -> Region | None:
    """A GB/T 2260 division code in the query string; an unknown code is a 400 on the parameter."""
    code = request.query_params.get(name, "").strip()
    if not code:
        return None
    region = Region.objects.filter(pk=code).first()
    if region is None:
        raise ValidationError({name: [_("Unknown region code “%(code)s”.") % {"code": code}]})
    return region
