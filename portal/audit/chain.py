"""How an audit entry is hashed and which chain it joins: used when appending and when verifying."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from portal.audit.models import CHAINS


def to_json_value(value: Any) -> Any:
    """Reduce a snapshot to plain JSON types, so that what is hashed is what the database keeps."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def chain_of(object_type: str, object_id: str) -> int:
    digest = hashlib.sha256(f"{object_type}:{object_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % CHAINS


def entry_hash(
    *,
    chain: int,
    seq: int,
    created_at: datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    before: Any,
    after: Any,
    prev_hash: str,
) -> str:
    content = [
        chain,
        seq,
        created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        actor_id,
        actor_label,
        action,
        object_type,
        object_id,
        before,
        after,
        prev_hash,
    ]
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def heads_digest(heads: list[tuple[int, int, str]]) -> str:
    """One hash over every chain head (chain, seq, hash): the anchor to keep outside the database."""
    canonical = json.dumps(sorted(heads), separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
