"""Appending to the audit log. Every audited state change calls `audit_record` inside its own
transaction, so the row exists exactly when the change does."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection, models, transaction
from django.utils import timezone

from portal import prepared
from portal.accounts.models import User
from portal.audit.chain import HASHED_FIELDS, chain_of, entry_hash, to_json_value
from portal.audit.models import GENESIS_HASH, AuditChainHead, AuditEntry

SYSTEM_ACTOR_LABEL = "system"


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of `instance` as JSON values (foreign keys as their ids)."""
    values: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        attname = getattr(field, "attname", name)
        values[name] = getattr(instance, attname)
    return to_json_value(values)


# The three statements of an append are written by hand (prepared statements, `portal.prepared`):
# every audited change runs them, and through the ORM they cost more processor time than the
# database spends on them.
_HEAD = AuditChainHead._meta.db_table
_ENTRY = AuditEntry._meta.db_table
_ENTRY_COLUMNS = (*HASHED_FIELDS, "hash")
_INSERT_ENTRY = (
    f"INSERT INTO {_ENTRY} ({', '.join(_ENTRY_COLUMNS)})"
    f" VALUES ({', '.join(['%s'] * len(_ENTRY_COLUMNS))}) RETURNING id"
)
_UPDATE_HEAD = f"UPDATE {_HEAD} SET seq = %s, hash = %s WHERE id = %s"
# A chain's first head, race-free: of two transactions making it at once, the second waits for the
# first and then finds the row. A prepared statement rather than `bulk_create`, which wraps its one
# INSERT in an `atomic` of its own.
_CREATE_HEAD = f"INSERT INTO {_HEAD} (id, seq, hash) VALUES (%s, 0, %s) ON CONFLICT (id) DO NOTHING"


def head_sql() -> str:
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    return f"SELECT seq, hash FROM {_HEAD} WHERE id = %s{lock}"


def locked_head(chain: int) -> tuple[int, str]:
    """The chain's head (position, hash), locked until the transaction ends."""
    head = prepared.fetchone(head_sql(), [chain])
    if head is None:
        # First entry of this chain: create its head race-free, then lock it.
        prepared.send(_CREATE_HEAD, [chain, GENESIS_HASH])
        head = prepared.fetchone(head_sql(), [chain])
    if head is None:
        raise RuntimeError(f"audit chain head {chain} missing after its creation")
    return int(head[0]), str(head[1])


def audit_chains_lock(objects: Iterable[models.Model]) -> None:
    """Lock, in ascending order, the chain heads the audit rows of `objects` will take. A
    transaction that audits several objects calls it first: two such transactions then always take
    shared heads in the same order and wait for each other instead of deadlocking."""
    chains = {chain_of(obj._meta.label_lower, str(obj.pk)) for obj in objects}
    for chain in sorted(chains):
        locked_head(chain)


def audit_entry_statements(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    obj: models.Model,
    before: dict[str, Any],
    after: dict[str, Any],
    head: tuple[int, str],
) -> tuple[AuditEntry, list[tuple[str, list[Any]]]]:
    """The row that appends to `obj`'s chain after `head` (its position and hash, locked by the
    caller until commit), and the statements that write it and move the head: `audit_record` runs
    them, the redemption sends them with its other writes in one statement."""
    user = actor if actor is not None and actor.is_authenticated else None
    object_type = obj._meta.label_lower
    object_id = str(obj.pk)
    seq, prev_hash = head
    content = {
        "chain": chain_of(object_type, object_id),
        "seq": seq + 1,
        "created_at": timezone.now(),
        "actor_id": user.pk if user is not None else None,
        "actor_label": user.get_username() if user is not None else SYSTEM_ACTOR_LABEL,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "before": to_json_value(before),
        "after": to_json_value(after),
        "prev_hash": prev_hash,
    }
    digest = entry_hash(content)
    stored = {
        **content,
        "created_at": connection.ops.adapt_datetimefield_value(content["created_at"]),
        "before": json.dumps(content["before"]),
        "after": json.dumps(content["after"]),
        "hash": digest,
    }
    entry = AuditEntry(**content, hash=digest)
    statements = [
        (_INSERT_ENTRY, [stored[column] for column in _ENTRY_COLUMNS]),
        (_UPDATE_HEAD, [content["seq"], digest, content["chain"]]),
    ]
    return entry, statements


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
    # No savepoint: a failure here fails the caller's whole transaction anyway, and a savepoint is
    # two more statements on every audited change (redemptions are the hot path).
    with transaction.atomic(savepoint=False):
        head = locked_head(chain_of(obj._meta.label_lower, str(obj.pk)))
        entry, ((insert, values), (update, moved)) = audit_entry_statements(
            actor=actor, action=action, obj=obj, before=before, after=after, head=head
        )
        row = prepared.fetchone(insert, values)
        prepared.fetchone(update, moved)
    if row is None:
        raise RuntimeError("INSERT … RETURNING returned no row")
    entry.id = row[0]
    entry._state.adding = False
    entry._state.db = connection.alias
    return entry
