"""Writes on user accounts."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from portal.accounts.models import User
from portal.audit.services import audit_record, snapshot

USER_AUDIT_FIELDS = ("username", "name", "email")


def api_token_regenerate(*, user: User) -> Token:
    """Replace the user's API token: the old one stops working at once."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        token = Token.objects.create(user=user)
        audit_record(actor=user, action="api_token.regenerate", obj=user, before={}, after={})
    return token


def user_register(*, username: str, name: str, email: str, password: str) -> User:
    """Open an account. The person then registers (or is added to) an organisation for a role."""
    user = User(username=(username or "").strip(), name=(name or "").strip(), email=User.objects.normalize_email(email))
    errors: dict[str, list[str]] = {}
    if not user.email:
        errors["email"] = [_("An e-mail address is needed to reset a forgotten password.")]
    elif User.objects.filter(email__iexact=user.email).exists():
        errors["email"] = [_("An account with this e-mail address already exists.")]
    try:
        validate_password(password, user)
    except ValidationError as error:
        errors["password"] = error.messages
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    with transaction.atomic():
        user.save()
        audit_record(actor=user, action="user.register", obj=user, before={}, after=snapshot(user, USER_AUDIT_FIELDS))
    return user
