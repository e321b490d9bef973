from django.contrib import admin
from django.http import HttpRequest

from registry.models import (
    DeclaredRelation,
    Membership,
    Organisation,
    OrganisationCapability,
    OrganisationSector,
    Region,
    Shareholder,
)


class ReadOnlyInline(admin.TabularInline):
    """Shown for reference; changes go through the services (and the audit log)."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class CapabilityInline(ReadOnlyInline):
    model = OrganisationCapability
    fields = ("modality", "daily_capacity")


class SectorInline(ReadOnlyInline):
    model = OrganisationSector
    fields = ("sector",)


class ShareholderInline(ReadOnlyInline):
    """Persons appear with the masked number only; the full number is never stored."""

    model = Shareholder
    fields = ("holder_kind", "name", "holder_credit_code", "holder_id_masked", "share_bp")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name", "name_en")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    """Read-only: registration, profiles and verification go through the services (and the audit log)."""

    list_display = ("name", "kind", "credit_code", "region", "status")
    list_filter = ("kind", "status")
    search_fields = ("name", "credit_code")
    fields = (
        "name",
        "kind",
        "credit_code",
        "region",
        "status",
        "status_changed_at",
        "verified_at",
        "rejection_reason",
        "legal_representative",
        "legal_representative_id_masked",
        "registered_capital_fen",
        "founded_on",
        "address",
        "size_class",
        "annotator_headcount",
        "iso27001_certified",
        "mlps_level",
        "description",
        "members_group",
    )
    readonly_fields = fields
    inlines = (CapabilityInline, SectorInline, ShareholderInline)

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(DeclaredRelation)
class DeclaredRelationAdmin(admin.ModelAdmin):
    list_display = ("organisation", "related_organisation", "nature", "declared_at")
    search_fields = ("organisation__name", "related_organisation__name", "nature")
    readonly_fields = ("organisation", "related_organisation", "nature", "declared_by", "declared_at")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "role", "scope_region")
    list_filter = ("role",)
    search_fields = ("user__username", "organisation__name")
    readonly_fields = ("user", "organisation", "role", "scope_region")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
