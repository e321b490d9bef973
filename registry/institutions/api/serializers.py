"""Parsing and presenting institutions' offers, service needs and responses. Rules live in services."""

from rest_framework import serializers

from registry.institutions.models import InstitutionService, ServiceCategory, ServiceNeed, ServiceResponse


class InstitutionServiceSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    region = serializers.CharField(source="organisation.region_id", read_only=True)

    class Meta:
        model = InstitutionService
        fields = ["id", "organisation", "organisation_name", "region", "category", "description", "created_at"]
        read_only_fields = fields


class InstitutionServiceCreateSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(help_text="id of a third-party institution you manage")
    category = serializers.ChoiceField(choices=ServiceCategory.choices)
    description = serializers.CharField(required=False, allow_blank=True, default="")


class ServiceNeedSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.display_name", read_only=True)

    class Meta:
        model = ServiceNeed
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "category",
            "region",
            "region_name",
            "title",
            "description",
            "budget_fen",
            "status",
            "chosen_response",
            "status_changed_at",
            "created_at",
        ]
        read_only_fields = fields


class ServiceNeedCreateSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(help_text="id of a verified enterprise or vendor you manage")
    category = serializers.ChoiceField(choices=ServiceCategory.choices)
    region = serializers.CharField(max_length=16, help_text="GB/T 2260 six-digit division code")
    title = serializers.CharField(max_length=200)
    description = serializers.CharField()
    budget_fen = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="integer fen")


class ChooseSerializer(serializers.Serializer):
    response = serializers.IntegerField(help_text="id of a response to this need")


class SuggestedInstitutionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    region = serializers.CharField(source="region_id")
    region_name = serializers.CharField(source="region.display_name")
    proximity = serializers.SerializerMethodField()

    def get_proximity(self, institution: object) -> str:
        return PROXIMITY_NAMES[getattr(institution, "proximity", 2)]


PROXIMITY_NAMES = {0: "same_city", 1: "same_province", 2: "elsewhere"}


class ServiceResponseSerializer(serializers.ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)

    class Meta:
        model = ServiceResponse
        fields = ["id", "need", "institution", "institution_name", "message", "quote_fen", "created_at"]
        read_only_fields = fields


class ServiceResponseCreateSerializer(serializers.Serializer):
    need = serializers.IntegerField()
    institution = serializers.IntegerField(help_text="id of a third-party institution you manage")
    message = serializers.CharField()
    quote_fen = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="integer fen")
