"""The object-permission pattern every app follows (django-guardian underneath).

1. The service that creates an object grants permissions on it, usually to the owning
   organisation's members group (`grant`), inside the same transaction.
2. Selectors filter lists with `with_perm`, combined with whatever is public.
3. Views fetch single objects from those selectors, so an object the user may not see answers 404,
   exactly like a missing one (`visible_or_404`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser, Group
from django.db import models
from guardian.shortcuts import assign_perm, get_objects_for_user

from portal.accounts.models import User
from portal.errors import NotFound, PermissionDenied

M = TypeVar("M", bound=models.Model)
AnyUser = User | AnonymousUser


def grant(*, perms: Iterable[str], to: User | Group, obj: models.Model) -> None:
    for perm in perms:
        assign_perm(perm, to, obj)


def with_perm(*, user: AnyUser, perm: str, queryset: models.QuerySet[M]) -> models.QuerySet[M]:
    """Objects of `queryset` on which `user` holds `perm` (directly or through a group).

    Operators (superusers) hold every permission; global model permissions are not consulted, so
    that object visibility never depends on a stray global grant.
    """
    return get_objects_for_user(user, perm, klass=queryset, accept_global_perms=False, with_superuser=True)


def visible_or_404(queryset: models.QuerySet[M], **lookup: Any) -> M:
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise NotFound()
    return obj


def is_operator(user: AnyUser) -> bool:
    """Platform operators are active staff users."""
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def signed_in(user: AnyUser) -> User:
    """The user of a request that required signing in (views check first; this narrows the type)."""
    if not isinstance(user, User) or not user.is_active:
        raise PermissionDenied()
    return user
