"""Writes on user accounts."""

from __future__ import annotations

from django.db import transaction
from rest_framework.authtoken.models import Token

from portal.accounts.models import User
from portal.audit.services import audit_record


def api_token_regenerate(*, user: User) -> Token:
    """Replace the user's API token: the old one stops working at once."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        token = Token.objects.create(user=user)
        audit_record(actor=user, action="api_token.regenerate", obj=user, before={}, after={})
    return token
