"""Parsing and presenting statistical reports over the API. Only types are checked here; every
rule (required, ranges, the sum check, the quarter, who files) is the service's."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from monitoring.models import AnomalyKind, ReportState, StatisticalReport, StatisticalReportFlag
from monitoring.reports import calendar
from registry.taxonomy import Modality


class WholeNumberField(serializers.IntegerField):
    """A JSON integer and nothing else (no text, fraction or boolean); the service checks ranges."""

    default_error_messages = {"strict": _("Give a whole number: a JSON integer, not text or a fraction.")}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("strict")
        return int(data)


@extend_schema_field(
    {
        "type": "object",
        "properties": {modality: {"type": "integer", "minimum": 0} for modality in Modality.values},
        "required": list(Modality.values),
        "additionalProperties": False,
    }
)
class VolumesField(serializers.DictField):
    """{modality: items}, one entry per modality of the portal's taxonomy."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=WholeNumberField(), **kwargs)


class StatisticalReportCreateSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(min_value=1, help_text=_("The reporting vendor or base operator."))
    year = WholeNumberField()
    quarter = WholeNumberField()
    revenue_fen = WholeNumberField(help_text=_("Revenue in the quarter, in fen."))
    headcount = WholeNumberField()
    total_items = WholeNumberField(help_text=_("Annotated items in the quarter: the sum of `volumes`."))
    public_data_share_bp = WholeNumberField(help_text=_("Share of public-data work, in basis points (0–10000)."))
    volumes = VolumesField()


class StatisticalReportFilterSerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    quarter = serializers.IntegerField(required=False, min_value=1, max_value=4)
    organisation = serializers.IntegerField(required=False, min_value=1)
    state = serializers.ChoiceField(choices=ReportState.choices, required=False)
    flagged = serializers.BooleanField(required=False, allow_null=True, default=None)


class StatisticalReportFlagSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=AnomalyKind.choices)

    class Meta:
        model = StatisticalReportFlag
        fields = ["kind", "evidence", "raised_at"]


class StatisticalReportSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    region = serializers.CharField(source="organisation.region_id", read_only=True)
    state = serializers.ChoiceField(choices=ReportState.choices, read_only=True)
    volumes = serializers.SerializerMethodField()
    flags = StatisticalReportFlagSerializer(many=True, read_only=True)
    due_on = serializers.SerializerMethodField()
    late = serializers.SerializerMethodField()

    class Meta:
        model = StatisticalReport
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "region",
            "year",
            "quarter",
            "state",
            "revenue_fen",
            "currency",
            "headcount",
            "total_items",
            "public_data_share_bp",
            "volumes",
            "version",
            "first_submitted_at",
            "submitted_at",
            "due_on",
            "late",
            "flags",
        ]
        read_only_fields = fields

    @extend_schema_field(VolumesField)
    def get_volumes(self, report: StatisticalReport) -> dict[str, int]:
        return {volume.modality: volume.items for volume in report.volumes.all()}

    def get_due_on(self, report: StatisticalReport) -> str:
        return calendar.due_on(report.year, report.quarter).isoformat()

    def get_late(self, report: StatisticalReport) -> bool:
        return calendar.is_late(
            year=report.year,
            quarter=report.quarter,
            first_submitted_at=report.first_submitted_at,
            now=self.context["now"],
        )
