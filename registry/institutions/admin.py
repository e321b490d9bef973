"""Read-only admin views: offers, needs and responses change through the services (and the audit
log), on the pages or through the API."""

from django.contrib import admin

from registry.bases.admin import ReadOnlyAdmin
from registry.institutions.models import InstitutionService, ServiceNeed, ServiceResponse


@admin.register(InstitutionService)
class InstitutionServiceAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "category", "created_at")
    list_filter = ("category",)
    search_fields = ("organisation__name",)


@admin.register(ServiceNeed)
class ServiceNeedAdmin(ReadOnlyAdmin):
    list_display = ("title", "organisation", "category", "region", "status", "created_at")
    list_filter = ("status", "category")
    search_fields = ("title", "organisation__name")


@admin.register(ServiceResponse)
class ServiceResponseAdmin(ReadOnlyAdmin):
    list_display = ("need", "institution", "quote_fen", "created_at")
    search_fields = ("need__title", "institution__name")
