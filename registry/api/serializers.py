"""Parsing and presenting registry resources. Rules live in services, not here."""

from rest_framework import serializers

from registry.models import Membership, Organisation, Region
from registry.roles import OrganisationKind, Role


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "name_en", "level", "parent"]


class OrganisationSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.display_name", read_only=True)
    verified = serializers.BooleanField(read_only=True)

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
            "created_at",
        ]
        read_only_fields = fields


class OrganisationCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=OrganisationKind.choices)
    credit_code = serializers.CharField(max_length=64)
    region = serializers.CharField(max_length=16, help_text="GB/T 2260 six-digit division code")


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
