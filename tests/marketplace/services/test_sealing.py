"""Sealing: authenticated encryption under a per-tender key derived from a secret outside the
database; a changed byte, a moved ciphertext or another key all fail to open."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace import sealing


@given(st.binary(max_size=2_000))
def test_sealed_content_opens_back_to_itself(plaintext):
    sealed = sealing.seal(tender_id=7, bid_uid="b-1", plaintext=plaintext)
    assert sealing.unseal(tender_id=7, bid_uid="b-1", sealed=sealed) == plaintext


def test_the_same_content_seals_differently_each_time():
    first = sealing.seal(tender_id=7, bid_uid="b-1", plaintext=b"price 100")
    second = sealing.seal(tender_id=7, bid_uid="b-1", plaintext=b"price 100")
    assert first != second
    assert b"price" not in first


@given(st.integers(min_value=0, max_value=40))
def test_any_changed_byte_is_detected(position):
    sealed = bytearray(sealing.seal(tender_id=7, bid_uid="b-1", plaintext=b'{"price_fen":123}'))
    sealed[position % len(sealed)] ^= 0x01
    with pytest.raises(sealing.SealBroken):
        sealing.unseal(tender_id=7, bid_uid="b-1", sealed=bytes(sealed))


def test_a_sealed_bid_moved_to_another_bid_or_tender_does_not_open():
    sealed = sealing.seal(tender_id=7, bid_uid="b-1", plaintext=b"x")
    with pytest.raises(sealing.SealBroken):
        sealing.unseal(tender_id=7, bid_uid="b-2", sealed=sealed)
    with pytest.raises(sealing.SealBroken):
        sealing.unseal(tender_id=8, bid_uid="b-1", sealed=sealed)


def test_without_the_configured_key_nothing_opens(settings):
    sealed = sealing.seal(tender_id=7, bid_uid="b-1", plaintext=b"x")
    settings.BID_SEALING_KEY = "another deployment's key"
    with pytest.raises(sealing.SealBroken):
        sealing.unseal(tender_id=7, bid_uid="b-1", sealed=sealed)


def test_truncated_values_are_refused():
    with pytest.raises(sealing.SealBroken):
        sealing.unseal(tender_id=7, bid_uid="b-1", sealed=b"short")


def test_the_receipt_is_the_hash_of_the_sealed_bytes():
    sealed = sealing.seal(tender_id=7, bid_uid="b-1", plaintext=b"x")
    assert len(sealing.receipt_hash(sealed)) == 64
    assert sealing.receipt_hash(sealed) != sealing.receipt_hash(sealed + b"!")
