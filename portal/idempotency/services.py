"""One mechanism for idempotent requests, independent of HTTP framework details."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.errors import Conflict, DomainError
from portal.idempotency.models import IdempotencyRecord

KEY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class Outcome:
    status: int
    body: Any
    replayed: bool


class _NotStored(Exception):
    """Carries a non-success outcome out of the transaction so that it is rolled back."""

    def __init__(self, status: int, body: Any) -> None:
        self.status = status
        self.body = body


def fingerprint_of(*, method: str, path: str, payload: Any) -> str:
    """A keyed hash (HMAC under SECRET_KEY) of the request. Keyed, because request bodies can hold
    secrets from a small space, such as a sealed bid's price: a plain hash stored in the database
    would let anyone who reads the table try every likely price."""
    canonical = json.dumps(
        [method.upper(), path, payload], sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder
    )
    return hmac.new(settings.SECRET_KEY.encode(), canonical.encode("utf-8"), hashlib.sha256).hexdigest()


def _check_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise DomainError(
            _("The Idempotency-Key header must be 1 to 255 printable ASCII characters."),
            fields={KEY_HEADER: [_("Invalid key.")]},
        )


def _replay(record: IdempotencyRecord, fingerprint: str) -> Outcome:
    if record.fingerprint != fingerprint:
        raise Conflict(
            _("This Idempotency-Key was already used for a different request."),
            fields={KEY_HEADER: [_("Already used with another request body.")]},
        )
    # A stored record always has its status: it is written in the same transaction as the row.
    return Outcome(status=record.status_code or 200, body=record.response_body, replayed=True)


def idempotent_call(
    *,
    user: User,
    key: str,
    fingerprint: str,
    call: Callable[[], tuple[int, Any]],
) -> Outcome:
    """Run `call` once per (user, key); later calls with the same request replay its outcome.

    Only a success (2xx) is stored. A failure changed nothing (its transaction rolled back), so the
    client may correct the request and retry with the same key.
    """
    _check_key(key)
    existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if existing is not None:
        return _replay(existing, fingerprint)
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(user=user, key=key, fingerprint=fingerprint)
            except IntegrityError:
                # A concurrent request with this key committed first (we waited on its row).
                return _replay(IdempotencyRecord.objects.get(user=user, key=key), fingerprint)
            status, body = call()
            if not 200 <= status < 300:
                raise _NotStored(status, body)
            record.status_code = status
            record.response_body = body
            record.save(update_fields=["status_code", "response_body"])
    except _NotStored as outcome:
        return Outcome(status=outcome.status, body=outcome.body, replayed=False)
    return Outcome(status=status, body=body, replayed=False)


def idempotency_records_prune(*, now: datetime) -> int:
    cutoff = now - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _per_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
