"""Resident identity numbers (居民身份证号码, GB 11643-1999), kept only as a keyed hash and a mask.

The portal never stores or shows a full number (PIPL data minimisation). It keeps:
- an HMAC-SHA256 of the normalised number under a key that is not in the database, so that the same
  person can be recognised across records (legal representatives, shareholders, talent, experts)
  while a leaked table cannot be reversed by enumerating the small space of valid numbers;
- a mask showing the first 3 and last 4 characters (`110***********1234`).
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]  # 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


def normalise(value: str) -> str:
    return (value or "").strip().upper()


def check_character(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def validate_resident_id(value: str) -> None:
    """Raise ValidationError unless `value` (normalised) is an 18-character number whose check
    character is right. The message never repeats the number."""
    if not _SHAPE.match(value):
        raise ValidationError(
            _("A resident identity number has 17 digits followed by a digit or X."), code="resident_id_shape"
        )
    if check_character(value[:17]) != value[17]:
        raise ValidationError(
            _("The check character of this resident identity number is wrong."), code="resident_id_check"
        )


def mask(value: str) -> str:
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def keyed_hash(value: str, *, key: str) -> str:
    return hmac.new(key.encode("utf-8"), value.encode("ascii"), hashlib.sha256).hexdigest()


def mask_name(name: str) -> str:
    """What the public sees of a person's name: the first character, then one * per character."""
    name = (name or "").strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""
