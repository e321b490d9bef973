"""Turning a typed resident identity number into what the portal keeps: a keyed hash and a mask."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

from registry import resident_id


@dataclass(frozen=True)
class Identity:
    hash: str
    masked: str


def identify(raw: str, *, field: str) -> Identity:
    """Validate and reduce a number; errors are reported on `field` and never quote the number."""
    value = resident_id.normalise(raw)
    try:
        resident_id.validate_resident_id(value)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from error
    return Identity(hash=resident_id.keyed_hash(value, key=settings.PERSON_ID_HASH_KEY), masked=resident_id.mask(value))
