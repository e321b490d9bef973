"""Read-only views of the talent pool for operators; every change goes through the services (and
the audit log). Identity numbers appear masked only: the full number is never stored."""

from django.contrib import admin
from django.http import HttpRequest

from registry.admin import ReadOnlyInline
from registry.talent.models import Certificate, Employment, Expert, ExpertModality, ExpertRelation, ExpertSector, Person


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ("name", "id_masked", "region", "registered_by", "user")
    search_fields = ("name",)
    fields = ("name", "id_masked", "region", "skills", "registered_by", "user", "created_at")
    readonly_fields = fields


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ("number", "issuer", "occupation", "level", "issued_on", "expires_on", "revoked_at")
    list_filter = ("occupation", "level")
    search_fields = ("=number",)
    list_select_related = ("issuer",)
    fields = (
        "number",
        "person",
        "issuer",
        "occupation",
        "level",
        "issued_on",
        "expires_on",
        "revoked_at",
        "revocation_reason",
        "created_at",
    )
    readonly_fields = fields


class ModalityInline(ReadOnlyInline):
    model = ExpertModality
    fields = ("modality",)


class SectorInline(ReadOnlyInline):
    model = ExpertSector
    fields = ("sector",)


class EmploymentInline(ReadOnlyInline):
    model = Employment
    fields = ("organisation", "role", "started_on", "ended_on")


class RelationInline(ReadOnlyInline):
    model = ExpertRelation
    fields = ("organisation", "nature", "declared_at")


@admin.register(Expert)
class ExpertAdmin(ReadOnlyAdmin):
    list_display = ("person", "status", "available", "unavailable_until", "approved_at")
    list_filter = ("status", "available")
    search_fields = ("person__name",)
    fields = ("person", "status", "status_reason", "available", "unavailable_until", "approved_at", "approved_by")
    readonly_fields = fields
    inlines = (ModalityInline, SectorInline, EmploymentInline, RelationInline)
