from django.contrib import admin
from django.http import HttpRequest

from registry.models import Membership, Organisation, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name", "name_en")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    """Read-mostly: registration and verification go through the services (and the audit log)."""

    list_display = ("name", "kind", "credit_code", "region", "status")
    list_filter = ("kind", "status")
    search_fields = ("name", "credit_code")
    readonly_fields = ("name", "kind", "credit_code", "region", "status", "status_changed_at", "members_group")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "role", "scope_region")
    list_filter = ("role",)
    search_fields = ("user__username", "organisation__name")
    readonly_fields = ("user", "organisation", "role", "scope_region")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
