"""Voucher codes: 100 random bits as 20 characters of Crockford's base32 (no I, L, O or U, so a
code read aloud or typed from paper is not misread), shown in groups of four."""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 20
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def display_code(code: str) -> str:
    """ "ABCD…" -> "ABCD-EFGH-…"."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise_code(text: str) -> str | None:
    """What a person typed or a QR scan gave, as the stored form; None when it cannot be a code.
    Case, spaces and dashes do not matter; I, L and O read as 1, 1 and 0."""
    cleaned = "".join(str(text or "").split()).replace("-", "").upper().translate(_READ_AS)
    if len(cleaned) != LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned
