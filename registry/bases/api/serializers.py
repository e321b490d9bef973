"""Parsing and presenting annotation bases. Rules live in the services."""

from rest_framework import serializers

from registry.bases.models import AnnotationBase, BaseMembership, BaseOutput, Designation


class AnnotationBaseSerializer(serializers.ModelSerializer):
    city = serializers.CharField(source="city_id", read_only=True)
    city_name = serializers.CharField(source="city.display_name", read_only=True)
    operator_name = serializers.CharField(source="operator.name", read_only=True)
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = AnnotationBase
        fields = [
            "id",
            "name",
            "city",
            "city_name",
            "designation",
            "operator",
            "operator_name",
            "description",
            "designated_on",
            "member_count",
        ]
        read_only_fields = fields


class AnnotationBaseCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    city = serializers.CharField(max_length=16, help_text="GB/T 2260 six-digit division code")
    designation = serializers.ChoiceField(choices=Designation.choices)
    operator = serializers.IntegerField(help_text="id of a verified organisation of kind base_operator")
    designated_on = serializers.DateField()
    description = serializers.CharField(required=False, allow_blank=True, default="")


class BaseMembershipSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    organisation_verified = serializers.BooleanField(source="organisation.verified", read_only=True)

    class Meta:
        model = BaseMembership
        fields = ["id", "base", "organisation", "organisation_name", "organisation_verified", "joined_on"]
        read_only_fields = fields


class BaseMembershipCreateSerializer(serializers.Serializer):
    base = serializers.IntegerField()
    organisation = serializers.IntegerField(help_text="id of a verified organisation")
    joined_on = serializers.DateField(required=False, allow_null=True, default=None)


class BaseOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = BaseOutput
        fields = ["id", "base", "year", "quarter", "annotated_items", "revenue_fen", "headcount", "reported_at"]
        read_only_fields = fields


class BaseOutputReportSerializer(serializers.Serializer):
    base = serializers.IntegerField()
    year = serializers.IntegerField()
    quarter = serializers.IntegerField()
    annotated_items = serializers.IntegerField()
    revenue_fen = serializers.IntegerField(help_text="integer fen (CNY minor units)")
    headcount = serializers.IntegerField()
