"""Read-only admin views: bases, members and output change through the services (and the audit log),
on the pages or through the API."""

from django.contrib import admin
from django.http import HttpRequest

from registry.bases.models import AnnotationBase, BaseMembership, BaseOutput


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AnnotationBase)
class AnnotationBaseAdmin(ReadOnlyAdmin):
    list_display = ("name", "city", "designation", "operator", "designated_on")
    list_filter = ("designation",)
    search_fields = ("name", "operator__name")


@admin.register(BaseMembership)
class BaseMembershipAdmin(ReadOnlyAdmin):
    list_display = ("base", "organisation", "joined_on")
    search_fields = ("base__name", "organisation__name")


@admin.register(BaseOutput)
class BaseOutputAdmin(ReadOnlyAdmin):
    list_display = ("base", "year", "quarter", "annotated_items", "revenue_fen", "headcount", "reported_at")
    list_filter = ("year", "quarter")
