"""How an audit entry is hashed and which chain it joins: used when appending and when verifying."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from portal.audit.models import CHAINS


def to_json_value(value: Any) -> Any:
    """Reduce a snapshot to plain JSON types, so that what is hashed is what the database keeps."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def chain_of(object_type: str, object_id: str) -> int:
    digest = hashlib.sha256(f"{object_type}:{object_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % CHAINS


def chain_of_sql(object_type: str, object_id: str) -> str:
    """`chain_of` as a PostgreSQL expression, for statements that find a chain themselves;
    `object_id` is an SQL expression (a column or variable), `object_type` a plain label. A test
    holds the two together."""
    if not object_type.replace(".", "").replace("_", "").isalnum():
        raise ValueError(f"not a model label: {object_type!r}")
    digest = f"sha256(convert_to('{object_type}:' || ({object_id})::text, 'UTF8'))"
    return f"(('x' || substr(encode({digest}, 'hex'), 1, 8))::bit(32)::bigint % {CHAINS})"


# What a row's hash covers, in order: every column but the id and the hash itself.
HASHED_FIELDS = (
    "chain",
    "seq",
    "created_at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "before",
    "after",
    "prev_hash",
)


def entry_hash(content: Mapping[str, Any]) -> str:
    """SHA-256 of the row's HASHED_FIELDS; `created_at` is taken in UTC to the microsecond."""
    values = [content[name] for name in HASHED_FIELDS]
    values[HASHED_FIELDS.index("created_at")] = content["created_at"].astimezone(UTC).isoformat(timespec="microseconds")
    canonical = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def stored_content(entry: Any) -> dict[str, Any]:
    """The hashed fields of a stored row, to recompute its hash."""
    return {name: getattr(entry, name) for name in HASHED_FIELDS}


def heads_digest(heads: list[tuple[int, int, str]]) -> str:
    """One hash over every chain head (chain, seq, hash): the anchor to keep outside the database."""
    canonical = json.dumps(sorted(heads), separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
