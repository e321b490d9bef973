"""Read-only admin views: operators curate cases and competitions on the pages or through the API,
whose services write the audit log."""

from django.contrib import admin

from registry.bases.admin import ReadOnlyAdmin
from registry.showcase.models import Competition, CompetitionEntry, ExcellentCase


@admin.register(ExcellentCase)
class ExcellentCaseAdmin(ReadOnlyAdmin):
    list_display = ("title", "organisation", "sector", "modality", "year", "published")
    list_filter = ("published", "sector", "modality", "year")
    search_fields = ("title", "organisation__name")


@admin.register(Competition)
class CompetitionAdmin(ReadOnlyAdmin):
    list_display = ("name", "year", "organiser", "starts_on", "ends_on")
    list_filter = ("year",)
    search_fields = ("name",)


@admin.register(CompetitionEntry)
class CompetitionEntryAdmin(ReadOnlyAdmin):
    list_display = ("title", "competition", "organisation", "award")
    list_filter = ("award",)
    search_fields = ("title", "organisation__name")
