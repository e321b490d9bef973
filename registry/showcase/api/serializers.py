"""Parsing and presenting excellent cases and competitions. Rules live in the services."""

from rest_framework import serializers

from registry.showcase.models import Award, Competition, CompetitionEntry, ExcellentCase
from registry.taxonomy import Modality, Sector


class ExcellentCaseSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    figures = serializers.ListField(child=serializers.DictField(child=serializers.CharField()), read_only=True)

    class Meta:
        model = ExcellentCase
        fields = [
            "id",
            "title",
            "organisation",
            "organisation_name",
            "sector",
            "modality",
            "year",
            "summary",
            "figures",
            "published",
            "published_at",
        ]
        read_only_fields = fields


class ExcellentCaseWriteSerializer(serializers.Serializer):
    """Create: every field but figures is required. Update (PATCH): any subset."""

    title = serializers.CharField(max_length=200)
    organisation = serializers.IntegerField(help_text="id of a verified organisation")
    sector = serializers.ChoiceField(choices=Sector.choices)
    modality = serializers.ChoiceField(choices=Modality.choices)
    year = serializers.IntegerField()
    summary = serializers.CharField()
    figures = serializers.JSONField(required=False, help_text='a list of {"label": "…", "value": "…"}')


class CompetitionEntrySerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = CompetitionEntry
        fields = ["id", "competition", "organisation", "organisation_name", "title", "award"]
        read_only_fields = fields


class CompetitionSerializer(serializers.ModelSerializer):
    organiser_name = serializers.CharField(source="organiser.name", read_only=True, allow_null=True)
    entry_count = serializers.IntegerField(read_only=True)
    winner_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Competition
        fields = [
            "id",
            "name",
            "year",
            "organiser",
            "organiser_name",
            "description",
            "starts_on",
            "ends_on",
            "entry_count",
            "winner_count",
        ]
        read_only_fields = fields


class CompetitionWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    year = serializers.IntegerField()
    organiser = serializers.IntegerField(required=False, allow_null=True, help_text="id of a verified organisation")
    description = serializers.CharField(required=False, allow_blank=True)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class CompetitionEntryCreateSerializer(serializers.Serializer):
    competition = serializers.IntegerField()
    organisation = serializers.IntegerField(help_text="id of a verified organisation")
    title = serializers.CharField(max_length=200)
    award = serializers.ChoiceField(choices=Award.choices, default=Award.NONE)


class CompetitionEntryAwardSerializer(serializers.Serializer):
    award = serializers.ChoiceField(choices=Award.choices)
