"""Appending to the audit log. Every audited state change calls `audit_record` inside its own
transaction, so the row exists exactly when the change does."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import models, transaction
from django.utils import timezone

from portal.accounts.models import User
from portal.audit.chain import chain_of, entry_hash, to_json_value
from portal.audit.models import AuditChainHead, AuditEntry

SYSTEM_ACTOR_LABEL = "system"


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of `instance` as JSON values (foreign keys as their ids)."""
    values: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        attname = getattr(field, "attname", name)
        values[name] = getattr(instance, attname)
    return to_json_value(values)


def _locked_head(chain: int) -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=chain).first()
    if head is None:
        # First entry of this chain: create its head race-free, then lock it.
        AuditChainHead.objects.bulk_create([AuditChainHead(pk=chain)], ignore_conflicts=True)
        head = AuditChainHead.objects.select_for_update().get(pk=chain)
    return head


def audit_chains_lock(objects: Iterable[models.Model]) -> None:
    """Lock, in ascending order, the chain heads the audit rows of `objects` will take. A
    transaction that audits several objects calls it first: two such transactions then always take
    shared heads in the same order and wait for each other instead of deadlocking."""
    chains = {chain_of(obj._meta.label_lower, str(obj.pk)) for obj in objects}
    for chain in sorted(chains):
        _locked_head(chain)


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    obj: models.Model,
    before: dict[str, Any],
    after: dict[str, Any],
) -> AuditEntry:
    """Append one row. Call it last in the service's transaction: it locks the head of the object's
    chain until commit, so the shorter the rest of the transaction, the less writers wait."""
    user = actor if actor is not None and actor.is_authenticated else None
    object_type = obj._meta.label_lower
    object_id = str(obj.pk)
    chain = chain_of(object_type, object_id)
    with transaction.atomic():
        head = _locked_head(chain)
        content = {
            "chain": chain,
            "seq": head.seq + 1,
            "created_at": timezone.now(),
            "actor_id": user.pk if user is not None else None,
            "actor_label": user.get_username() if user is not None else SYSTEM_ACTOR_LABEL,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "before": to_json_value(before),
            "after": to_json_value(after),
            "prev_hash": head.hash,
        }
        digest = entry_hash(content)
        entry = AuditEntry.objects.create(**content, hash=digest)
        AuditChainHead.objects.filter(pk=chain).update(seq=content["seq"], hash=digest)
    return entry
