"""The random draw of an evaluation committee, as pure functions an auditor can re-run.

Each candidate expert gets the key HMAC-SHA256(seed, "<round>:<expert id>"); the `seats` candidates
with the smallest keys are drawn. Given the recorded seed and candidate list the result is fixed,
whatever the Python version or the order the candidates were listed in, and nobody who does not
know the seed beforehand can steer it. The seed is 32 bytes from the operating system's CSPRNG,
drawn by the server at the moment of the draw.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence

SEED_BYTES = 32


def new_seed() -> str:
    return secrets.token_hex(SEED_BYTES)


def _key(seed: bytes, round_number: int, expert_id: int) -> bytes:
    return hmac.new(seed, f"{round_number}:{expert_id}".encode(), hashlib.sha256).digest()


def draw(*, seed: str, candidates: Sequence[int], seats: int, round_number: int) -> list[int]:
    """The experts drawn from `candidates` (ids), in draw order."""
    if seats < 0 or seats > len(candidates):
        raise ValueError(f"cannot draw {seats} of {len(candidates)} candidates")
    if len(set(candidates)) != len(candidates):
        raise ValueError("a candidate is listed twice")
    key = bytes.fromhex(seed)
    return sorted(candidates, key=lambda expert_id: (_key(key, round_number, expert_id), expert_id))[:seats]


def digest(
    *, tender_id: int, round_number: int, seed: str, candidates: Sequence[int], seats: int, drawn: Sequence[int]
) -> str:
    """SHA-256 of the canonical JSON of a draw record: what the audit log keeps of it."""
    record = {
        "tender": tender_id,
        "round": round_number,
        "seed": seed,
        "candidates": list(candidates),
        "seats": seats,
        "drawn": list(drawn),
    }
    return hashlib.sha256(json.dumps(record, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
