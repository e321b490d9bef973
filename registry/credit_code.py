"""The unified social credit code (统一社会信用代码) of GB 32100-2015.

18 characters from a 31-character alphabet (digits and capitals without I, O, S, V, Z). The 18th is a
check character: with weights 3^(i-1) mod 31 over the first 17, it is the value that brings the
weighted sum to a multiple of 31. As 31 is prime and no weight is 0 mod 31, any single wrong
character changes the sum and is caught.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
LENGTH = 18
_VALUE = {char: index for index, char in enumerate(ALPHABET)}
_WEIGHTS = [pow(3, i, 31) for i in range(LENGTH - 1)]


def normalise(value: str) -> str:
    """What users type: surrounding spaces and lower-case letters are accepted."""
    return value.strip().upper()


def check_character(first17: str) -> str:
    """The check character for the first 17 characters (which must be in the alphabet)."""
    total = sum(_VALUE[char] * weight for char, weight in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    if len(value) != LENGTH:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(length)d."),
            code="credit_code_length",
            params={"length": len(value)},
        )
    for position, char in enumerate(value, start=1):
        if char not in _VALUE:
            raise ValidationError(
                _(
                    "Character %(position)d (“%(char)s”) cannot appear in a unified social credit code: "
                    "only digits and capital letters other than I, O, S, V and Z are used."
                ),
                code="credit_code_character",
                params={"position": position, "char": char},
            )
    if check_character(value[:-1]) != value[-1]:
        raise ValidationError(
            _("The check character (the 18th) is wrong: this is not a valid unified social credit code."),
            code="credit_code_check",
        )
