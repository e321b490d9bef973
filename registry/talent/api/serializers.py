"""Parsing and presenting talent-pool resources. Rules live in services and selectors, not here;
names come out as the selector marked them (full or masked), identity numbers only masked."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from registry.talent import selectors
from registry.talent.models import (
    Certificate,
    CertificateStatus,
    Employment,
    EmploymentRole,
    Expert,
    ExpertRelation,
    Occupation,
    Person,
    SkillLevel,
)
from registry.talent.qr import verification_path
from registry.taxonomy import Modality, Sector

ID_NUMBER_HELP = "Resident identity number (18 characters); kept only as a keyed hash and a masked form."


class PersonSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField(help_text="Full, or masked for readers who may not see it in full.")
    region = serializers.CharField(source="region_id", read_only=True, allow_null=True)
    region_name = serializers.CharField(source="region.display_name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Person
        fields = ["id", "name", "id_masked", "region", "region_name", "skills", "created_at"]
        read_only_fields = fields

    def get_name(self, person: Person) -> str:
        return selectors.shown_name(person)


class PersonCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    id_number = serializers.CharField(max_length=32, help_text=ID_NUMBER_HELP)
    region = serializers.CharField(max_length=16, help_text="GB/T 2260 six-digit division code")
    skills = serializers.ListField(child=serializers.CharField(max_length=100), required=False, default=list)
    issuer = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="The issuing organisation registering the person"
    )


class LinkAccountSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    id_number = serializers.CharField(max_length=32, help_text=ID_NUMBER_HELP)


class CertificateSerializer(serializers.ModelSerializer):
    issuer_name = serializers.CharField(source="issuer.name", read_only=True)
    holder = serializers.IntegerField(source="person_id", read_only=True)
    holder_name = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    verification_url = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = [
            "id",
            "number",
            "occupation",
            "level",
            "issuer",
            "issuer_name",
            "holder",
            "holder_name",
            "issued_on",
            "expires_on",
            "status",
            "revoked_at",
            "revocation_reason",
            "verification_url",
        ]
        read_only_fields = fields

    def get_holder_name(self, certificate: Certificate) -> str:
        return selectors.holder_name(certificate)

    def get_status(self, certificate: Certificate) -> str:
        return str(certificate.status_on(timezone.localdate()))

    def get_verification_url(self, certificate: Certificate) -> str:
        path = verification_path(certificate)
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class CertificateCreateSerializer(serializers.Serializer):
    issuer = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Issuing organisation; optional for staff of one issuer",
    )
    holder_name = serializers.CharField(max_length=100)
    id_number = serializers.CharField(max_length=32, help_text=ID_NUMBER_HELP)
    region = serializers.CharField(
        max_length=16, required=False, allow_blank=True, default="", help_text="Holder's region, if new to the pool"
    )
    skills = serializers.ListField(child=serializers.CharField(max_length=100), required=False, default=list)
    occupation = serializers.ChoiceField(choices=Occupation.choices)
    level = serializers.ChoiceField(choices=SkillLevel.choices)
    number = serializers.CharField(max_length=64)
    issued_on = serializers.DateField()
    expires_on = serializers.DateField(required=False, allow_null=True, default=None)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, allow_blank=True)


class CertificateCheckSerializer(serializers.Serializer):
    """One certificate as public verification shows it."""

    number = serializers.CharField()
    holder = serializers.CharField(help_text="Masked name of the holder")
    occupation = serializers.ChoiceField(choices=Occupation.choices)
    occupation_label = serializers.CharField()
    level = serializers.ChoiceField(choices=SkillLevel.choices)
    level_label = serializers.CharField()
    issuer_name = serializers.CharField()
    issuer_credit_code = serializers.CharField()
    issued_on = serializers.DateField()
    expires_on = serializers.DateField(allow_null=True)
    status = serializers.ChoiceField(choices=CertificateStatus.choices)
    status_label = serializers.CharField()


class VerifyQuerySerializer(serializers.Serializer):
    number = serializers.CharField(max_length=64)
    issuer = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")


class EmploymentSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    organisation_credit_code = serializers.CharField(source="organisation.credit_code", read_only=True)

    class Meta:
        model = Employment
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "organisation_credit_code",
            "role",
            "started_on",
            "ended_on",
        ]
        read_only_fields = fields


class RelationSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = ExpertRelation
        fields = ["id", "organisation", "organisation_name", "nature", "declared_at"]
        read_only_fields = fields


class ExpertSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="person.name", read_only=True)
    id_masked = serializers.CharField(source="person.id_masked", read_only=True)
    region = serializers.CharField(source="person.region_id", read_only=True, allow_null=True)
    modalities = serializers.SerializerMethodField()
    sectors = serializers.SerializerMethodField()
    employments = EmploymentSerializer(many=True, read_only=True)
    relations = RelationSerializer(source="declared_relations", many=True, read_only=True)

    class Meta:
        model = Expert
        fields = [
            "id",
            "name",
            "id_masked",
            "region",
            "status",
            "status_reason",
            "status_changed_at",
            "available",
            "unavailable_until",
            "approved_at",
            "modalities",
            "sectors",
            "employments",
            "relations",
            "created_at",
        ]
        read_only_fields = fields

    def get_modalities(self, expert: Expert) -> list[str]:
        return [item.modality for item in expert.modalities.all()]

    def get_sectors(self, expert: Expert) -> list[str]:
        return [item.sector for item in expert.sectors.all()]


class EmploymentInputSerializer(serializers.Serializer):
    organisation = serializers.CharField(
        max_length=32, help_text="Unified social credit code of a registered organisation"
    )
    role = serializers.ChoiceField(choices=EmploymentRole.choices)
    started_on = serializers.DateField()
    ended_on = serializers.DateField(required=False, allow_null=True, default=None)


class EmploymentUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=EmploymentRole.choices)
    started_on = serializers.DateField()
    ended_on = serializers.DateField(required=False, allow_null=True, default=None)


class RelationInputSerializer(serializers.Serializer):
    organisation = serializers.CharField(
        max_length=32, help_text="Unified social credit code of a registered organisation"
    )
    nature = serializers.CharField(max_length=200)


class ExpertApplySerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    id_number = serializers.CharField(max_length=32, help_text=ID_NUMBER_HELP)
    region = serializers.CharField(max_length=16, help_text="GB/T 2260 six-digit division code")
    modalities = serializers.ListField(
        child=serializers.ChoiceField(choices=Modality.choices), required=False, default=list
    )
    sectors = serializers.ListField(child=serializers.ChoiceField(choices=Sector.choices), required=False, default=list)
    employments = serializers.ListField(child=EmploymentInputSerializer(), required=False, default=list, max_length=50)
    relations = serializers.ListField(child=RelationInputSerializer(), required=False, default=list, max_length=50)


class AvailabilitySerializer(serializers.Serializer):
    available = serializers.BooleanField()
    unavailable_until = serializers.DateField(required=False, allow_null=True, default=None)
