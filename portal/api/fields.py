"""Serializer fields shared by every app's API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.money import hundredths, hundredths_text


@extend_schema_field(OpenApiTypes.DECIMAL)
class HundredthsField(serializers.Field):
    """A decimal string (or JSON number, parsed as Decimal) with at most two decimals, as integer
    hundredths: yuan to fen, a percentage to basis points."""

    def to_internal_value(self, data: Any) -> int:
        if not isinstance(data, (str, int, Decimal)) or isinstance(data, bool):
            raise serializers.ValidationError(_("Enter a number, such as 1234.56."))
        try:
            return hundredths(data)
        except ValidationError as error:
            raise serializers.ValidationError(error.messages) from error

    def to_representation(self, value: int) -> str:
        return hundredths_text(value)
