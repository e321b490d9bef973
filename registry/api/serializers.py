"""Parsing and presenting registry resources. Rules live in services, not here."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from portal.api.fields import HundredthsField
from registry.models import (
    DeclaredRelation,
    HolderKind,
    Membership,
    Organisation,
    OrganisationCapability,
    OrganisationSector,
    Region,
    Shareholder,
    SizeClass,
)
from registry.related_parties import RelationReason
from registry.roles import OrganisationKind, Role
from registry.taxonomy import Modality, Sector


def flat_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors as one level of dotted names (`shareholders.1.share_bp`), the shape the
    API's error body and the services use."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            flat.update(flat_errors(value, f"{prefix}{key}."))
        return flat
    if isinstance(detail, list) and any(isinstance(item, (dict, list)) for item in detail):
        flat = {}
        for index, item in enumerate(detail):
            flat.update(flat_errors(item, f"{prefix}{index}."))
        return flat
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix.rstrip(".") or "non_field_errors": [str(message) for message in messages]} if messages else {}


def parse(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    """Validate a request body; bad input raises a ValidationError that answers 400 with dotted
    field names."""
    incoming = serializer_class(data=data)
    if not incoming.is_valid():
        raise ValidationError(flat_errors(incoming.errors))
    return dict(incoming.validated_data)


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "name_en", "level", "parent"]


class OrganisationSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.display_name", read_only=True)
    verified = serializers.BooleanField(read_only=True)
    modalities: serializers.SlugRelatedField[OrganisationCapability] = serializers.SlugRelatedField(
        source="capabilities", slug_field="modality", many=True, read_only=True
    )
    sectors: serializers.SlugRelatedField[OrganisationSector] = serializers.SlugRelatedField(
        slug_field="sector", many=True, read_only=True
    )

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "kind",
            "credit_code",
            "region",
            "region_name",
            "status",
            "verified",
            "status_changed_at",
            "rejection_reason",
            "modalities",
            "sectors",
            "created_at",
        ]
        read_only_fields = fields


class CapabilitySerializer(serializers.Serializer):
    modality = serializers.ChoiceField(choices=Modality.choices)
    daily_capacity = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="items per day; null when unknown"
    )


class OrganisationProfileSerializer(OrganisationSerializer):
    """The whole profile. `legal_representative_id_masked` only for the organisation's members and
    operators (context `member_view`); the full number is never stored."""

    capabilities = CapabilitySerializer(many=True, read_only=True)
    registered_capital_yuan = serializers.CharField(read_only=True, allow_null=True)
    legal_representative_id_masked = serializers.CharField(
        read_only=True, required=False, help_text="members and operators only"
    )

    class Meta(OrganisationSerializer.Meta):
        fields = [
            *OrganisationSerializer.Meta.fields,
            "legal_representative",
            "legal_representative_id_masked",
            "registered_capital_fen",
            "registered_capital_yuan",
            "founded_on",
            "address",
            "size_class",
            "annotator_headcount",
            "iso27001_certified",
            "mlps_level",
            "description",
            "capabilities",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Organisation) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not self.context.get("member_view"):
            data.pop("legal_representative_id_masked", None)
        return data


class OrganisationProfileUpdateSerializer(serializers.Serializer):
    """PATCH: only the fields sent change. Give the capital in fen or in yuan, not both."""

    name = serializers.CharField(max_length=200, required=False)
    region = serializers.CharField(max_length=16, required=False, help_text="GB/T 2260 six-digit division code")
    legal_representative = serializers.CharField(max_length=100, required=False, allow_blank=True)
    legal_representative_id_number = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="resident identity number; kept only hashed and masked; empty or omitted keeps the stored one",
    )
    registered_capital_fen = serializers.IntegerField(required=False, allow_null=True)
    registered_capital_yuan = HundredthsField(
        required=False, allow_null=True, help_text="decimal string, at most two decimals"
    )
    founded_on = serializers.DateField(required=False, allow_null=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    size_class = serializers.ChoiceField(choices=SizeClass.choices, required=False, allow_blank=True)
    annotator_headcount = serializers.IntegerField(required=False, allow_null=True)
    iso27001_certified = serializers.BooleanField(required=False)
    mlps_level = serializers.IntegerField(required=False, help_text="等保 level: 0 when not graded, else 1 to 5")
    description = serializers.CharField(required=False, allow_blank=True)
    capabilities = CapabilitySerializer(many=True, required=False, help_text="replaces the set")
    sectors = serializers.ListField(
        child=serializers.ChoiceField(choices=Sector.choices), required=False, help_text="replaces the set"
    )

    def validate_capabilities(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        modalities = [row["modality"] for row in value]
        if len(set(modalities)) != len(modalities):
            raise serializers.ValidationError(_("A modality is listed twice."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "registered_capital_fen" in attrs and "registered_capital_yuan" in attrs:
            raise serializers.ValidationError(
                {"registered_capital_yuan": [_("Give the registered capital in fen or in yuan, not both.")]}
            )
        return attrs


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, help_text="shown to the organisation's members")


class OrganisationSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "credit_code", "kind", "region", "status"]
        read_only_fields = fields


class ShareholderSerializer(serializers.ModelSerializer):
    """A person holder's name is masked and the masked number left out unless the reader is a
    member of the organisation or an operator (context `member_view`)."""

    credit_code = serializers.CharField(source="holder_credit_code", read_only=True)
    id_masked = serializers.CharField(source="holder_id_masked", read_only=True, help_text="members and operators only")
    share_percent = serializers.CharField(read_only=True)

    class Meta:
        model = Shareholder
        fields = ["id", "holder_kind", "name", "credit_code", "id_masked", "share_bp", "share_percent"]
        read_only_fields = fields

    def to_representation(self, instance: Shareholder) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not self.context.get("member_view"):
            data["name"] = instance.public_name
            data.pop("id_masked", None)
        return data


class ShareholderListSerializer(serializers.Serializer):
    shareholders = ShareholderSerializer(many=True, read_only=True)
    total_bp = serializers.IntegerField(read_only=True)


class ShareholderInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="a person holder already listed: keeps its number"
    )
    holder_kind = serializers.ChoiceField(choices=HolderKind.choices)
    name = serializers.CharField(max_length=200)
    credit_code = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    id_number = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        default="",
        write_only=True,
        help_text="natural persons: resident identity number (kept only hashed and masked)",
    )
    share_bp = serializers.IntegerField(help_text="basis points, 1 to 10000")


class ShareholderReplaceSerializer(serializers.Serializer):
    shareholders = ShareholderInputSerializer(many=True, allow_empty=True, max_length=200)  # type: ignore[call-arg]


class DeclaredRelationSerializer(serializers.ModelSerializer):
    organisation = OrganisationSummarySerializer(read_only=True)
    related_organisation = OrganisationSummarySerializer(read_only=True)

    class Meta:
        model = DeclaredRelation
        fields = ["id", "organisation", "related_organisation", "nature", "declared_at"]
        read_only_fields = fields


class RelationDeclareSerializer(serializers.Serializer):
    related_credit_code = serializers.CharField(max_length=64, help_text="credit code of a registered organisation")
    nature = serializers.CharField(max_length=200, allow_blank=True)


class RelationReasonSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=RelationReason.choices, source="value")
    label = serializers.CharField()  # type: ignore[assignment]  # a field named "label", not Field.label


class RelatedPartySerializer(serializers.Serializer):
    organisation = OrganisationSummarySerializer()
    reasons = RelationReasonSerializer(many=True)


class OrganisationCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=OrganisationKind.choices)
    credit_code = serializers.CharField(max_length=64)
    region = serializers.CharField(max_length=16, help_text="GB/T 2260 six-digit division code")


class OrganisationFilterSerializer(serializers.Serializer):
    """Query parameters of the list."""

    q = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="name contains, or exact credit code"
    )
    kind = serializers.ChoiceField(choices=OrganisationKind.choices, required=False, allow_blank=True, default="")
    region = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="division code; includes every region below it"
    )
    modality = serializers.ChoiceField(choices=Modality.choices, required=False, allow_blank=True, default="")
    sector = serializers.ChoiceField(choices=Sector.choices, required=False, allow_blank=True, default="")
    include_unverified = serializers.BooleanField(
        required=False,
        default=False,
        help_text="also unverified organisations: your own (members) or all (operators)",
    )


class MembershipSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    scope_region = serializers.CharField(source="scope_region_id", read_only=True, allow_null=True)

    class Meta:
        model = Membership
        fields = ["id", "username", "organisation", "organisation_name", "role", "scope_region", "created_at"]
        read_only_fields = fields


class MembershipCreateSerializer(serializers.Serializer):
    organisation = serializers.IntegerField()
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=Role.choices)
    scope_region = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")
