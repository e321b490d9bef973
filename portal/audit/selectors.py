"""Reading the audit log: the trail of one object, and the chain check."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from django.db import models

from portal.audit.chain import entry_hash, heads_digest, stored_content
from portal.audit.models import GENESIS_HASH, AuditChainHead, AuditEntry


def audit_trail_of(*, obj: models.Model) -> models.QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).select_related("actor")


@dataclass(frozen=True)
class ChainReport:
    checked: int
    anchor: str
    broken_row: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_row is None


def audit_chain_report(*, chunk_size: int = 2000, chains: Collection[int] | None = None) -> ChainReport:
    """Walk the log in insertion order, following each chain; report the first row that was edited,
    removed or reordered. Rows are named by their id (`broken_row`), as the admin lists them.
    `chains` limits the walk to those chains (an object's history lies in one: `chain_of`); the
    anchor then covers their heads only.

    Within a chain, ids grow with positions: a row is inserted while its chain's head is locked.
    """
    head_rows = AuditChainHead.objects.all()
    entries = AuditEntry.objects.order_by("pk")
    if chains is not None:
        head_rows = head_rows.filter(pk__in=list(chains))
        entries = entries.filter(chain__in=list(chains))
    heads = {head.pk: head for head in head_rows}
    anchor = heads_digest([(head.pk, head.seq, head.hash) for head in heads.values()])
    last: dict[int, tuple[int, str, int | None]] = {}  # chain -> (seq, hash, row id)
    checked = 0

    def broken(row: int | None, reason: str) -> ChainReport:
        return ChainReport(checked, anchor, broken_row=row if row is not None else 0, reason=reason)

    for entry in entries.iterator(chunk_size=chunk_size):
        prev_seq, prev_hash, prev_row = last.get(entry.chain, (0, GENESIS_HASH, None))
        if entry.seq != prev_seq + 1:
            return broken(
                entry.pk,
                f"chain {entry.chain} jumps from position {prev_seq} to {entry.seq}: a row before this one was removed",
            )
        if entry.prev_hash != prev_hash:
            return broken(
                entry.pk,
                f"its previous-hash does not match row {prev_row} (one of the two was altered)",
            )
        recomputed = entry_hash(stored_content(entry))
        if recomputed != entry.hash:
            return broken(entry.pk, "its content does not match its hash (the row was edited)")
        last[entry.chain] = (entry.seq, entry.hash, entry.pk)
        checked += 1

    for chain in sorted(set(heads) | set(last)):
        seq, digest, row = last.get(chain, (0, GENESIS_HASH, None))
        head = heads.get(chain)
        if head is None:
            return broken(row, f"chain {chain} has rows but its head is gone")
        if head.seq != seq:
            return broken(
                row, f"chain {chain} ends at position {seq} but its head records {head.seq}: rows were removed"
            )
        if head.hash != digest:
            return broken(row, f"the last row of chain {chain} does not match its head (the row was altered)")
    return ChainReport(checked, anchor)
