"""Presenting red-flag alerts over the API, and parsing its filters and notes. Money in the
evidence is integer fen (`*_fen`) and shares are basis points (`*_bp`)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from monitoring.redflags.models import Alert, AlertState, RedFlag


@extend_schema_field(serializers.ChoiceField(choices=RedFlag.choices), component_name="RedFlagEnum")
class RedFlagField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=RedFlag.choices, **kwargs)


@extend_schema_field(serializers.ChoiceField(choices=AlertState.choices), component_name="RedFlagAlertStateEnum")
class AlertStateField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=AlertState.choices, **kwargs)


class RedFlagAlertSerializer(serializers.ModelSerializer):
    flag = RedFlagField(read_only=True)
    flag_label = serializers.CharField(source="get_flag_display", read_only=True)
    state = AlertStateField(read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    tender_reference = serializers.SerializerMethodField()
    tender_url = serializers.SerializerMethodField()
    buyer_name = serializers.CharField(source="buyer.name", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.display_name", read_only=True)
    evidence = serializers.JSONField(read_only=True)
    decided_by = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = [
            "id",
            "flag",
            "flag_label",
            "state",
            "state_label",
            "tender",
            "tender_reference",
            "tender_url",
            "buyer",
            "buyer_name",
            "region",
            "region_name",
            "evidence",
            "note",
            "decided_by",
            "decided_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_tender_reference(self, alert: Alert) -> str | None:
        return alert.tender.reference if alert.tender is not None else None

    @extend_schema_field(OpenApiTypes.URI)
    def get_tender_url(self, alert: Alert) -> str | None:
        """The tender's public page (null for the buyer-level flag)."""
        if alert.tender_id is None:
            return None
        return reverse("marketplace:tender-detail", args=[alert.tender_id])

    def get_decided_by(self, alert: Alert) -> str | None:
        return alert.decided_by.get_username() if alert.decided_by is not None else None


class RedFlagAlertFilterSerializer(serializers.Serializer):
    flag = RedFlagField(required=False, allow_blank=True, default="")
    state = AlertStateField(required=False, allow_blank=True, default="")
    region = serializers.CharField(required=False, help_text="A GB/T 2260 division code: that region and below.")


class RedFlagAlertNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5_000)
