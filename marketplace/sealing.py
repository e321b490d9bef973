"""Sealing bids (DESIGN §4): authenticated encryption with a per-tender key that is never stored.

The key of a tender is derived with HKDF-SHA256 from `settings.BID_SEALING_KEY` and the tender's id,
so the database alone (a dump, a backup, a curious administrator) opens nothing. Each bid is
sealed with AES-256-GCM under a fresh 96-bit nonce; the associated data binds the ciphertext to its
bid, so a sealed value copied onto another bid row fails to open.

The receipt hash is the SHA-256 of the sealed bytes (nonce + ciphertext + tag), not of the plain
content: a hash of the plain content would let anyone who sees the receipt try every likely price.
"""

from __future__ import annotations

import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

NONCE_BYTES = 12


class SealBroken(Exception):
    """The sealed value was altered, truncated or moved to another bid."""


def _tender_key(tender_id: int) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"annotation-portal:bid-sealing:v1",
        info=f"tender:{tender_id}".encode(),
    ).derive(settings.BID_SEALING_KEY.encode())


def _associated_data(tender_id: int, bid_uid: str) -> bytes:
    return f"tender:{tender_id}/bid:{bid_uid}".encode()


def seal(*, tender_id: int, bid_uid: str, plaintext: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(_tender_key(tender_id)).encrypt(nonce, plaintext, _associated_data(tender_id, bid_uid))


def unseal(*, tender_id: int, bid_uid: str, sealed: bytes) -> bytes:
    if len(sealed) <= NONCE_BYTES:
        raise SealBroken("sealed value too short")
    nonce, ciphertext = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    try:
        return AESGCM(_tender_key(tender_id)).decrypt(nonce, ciphertext, _associated_data(tender_id, bid_uid))
    except InvalidTag as exc:
        raise SealBroken("authentication tag does not match") from exc


def receipt_hash(sealed: bytes) -> str:
    return hashlib.sha256(sealed).hexdigest()
