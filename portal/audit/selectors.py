"""Reading the audit log: the trail of one object, and the chain check."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from portal.audit.chain import entry_hash
from portal.audit.models import GENESIS_HASH, AuditChainHead, AuditEntry


def audit_trail_of(*, obj: models.Model) -> models.QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).select_related("actor")


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def audit_chain_report(*, chunk_size: int = 2000) -> ChainReport:
    """Walk the whole chain in order; report the first row that was edited, removed or reordered."""
    head = AuditChainHead.objects.filter(pk=1).first()
    head_seq = head.seq if head else 0
    head_hash = head.hash if head else GENESIS_HASH
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0

    def broken(seq: int, reason: str) -> ChainReport:
        return ChainReport(checked, head_seq, head_hash, broken_seq=seq, reason=reason)

    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=chunk_size):
        if entry.seq != expected_seq:
            return broken(expected_seq, f"row {expected_seq} is missing (next row is {entry.seq})")
        if entry.prev_hash != prev_hash:
            return broken(
                entry.seq,
                f"its previous-hash does not match row {entry.seq - 1} (one of the two was altered)",
            )
        recomputed = entry_hash(
            seq=entry.seq,
            created_at=entry.created_at,
            actor_id=entry.actor_id,
            actor_label=entry.actor_label,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            before=entry.before,
            after=entry.after,
            prev_hash=entry.prev_hash,
        )
        if recomputed != entry.hash:
            return broken(entry.seq, "its content does not match its hash (the row was edited)")
        prev_hash = entry.hash
        expected_seq += 1
        checked += 1

    if checked != head_seq:
        return broken(checked + 1, f"the chain ends at row {checked} but the head records row {head_seq}")
    if prev_hash != head_hash:
        return broken(checked, "its hash does not match the chain head (the row was altered)")
    return ChainReport(checked, head_seq, head_hash)
