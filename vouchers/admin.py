"""Read-only admin: every change to vouchers goes through the services, so the ledger stays
balanced and the audit log complete."""

from django.contrib import admin

from registry.admin import ReadOnlyInline
from registry.bases.admin import ReadOnlyAdmin
from vouchers.models import (
    Application,
    ExternalOrder,
    LedgerEntry,
    LedgerTransaction,
    Programme,
    Redemption,
    SettlementClaim,
    Voucher,
)


@admin.register(Programme)
class ProgrammeAdmin(ReadOnlyAdmin):
    list_display = ("name", "authority", "kind", "year", "state", "budget_fen", "coverage_bp")
    list_filter = ("kind", "state", "year")
    search_fields = ("name", "authority__name")
    list_select_related = ("authority",)
    readonly_fields = [field.name for field in Programme._meta.fields] + ["providers"]


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ("pk", "programme", "applicant", "requested_fen", "approved_fen", "state", "submitted_at")
    list_filter = ("state",)
    search_fields = ("applicant__name", "programme__name")
    list_select_related = ("programme", "applicant")
    readonly_fields = [field.name for field in Application._meta.fields]


@admin.register(Voucher)
class VoucherAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "programme", "holder", "face_fen", "state", "valid_until")
    list_filter = ("state",)
    search_fields = ("=code", "holder__name")
    list_select_related = ("programme", "holder")
    readonly_fields = [field.name for field in Voucher._meta.fields]


@admin.register(ExternalOrder)
class ExternalOrderAdmin(ReadOnlyAdmin):
    list_display = ("description", "holder", "provider", "value_fen", "ordered_on")
    search_fields = ("holder__name", "provider__name")
    list_select_related = ("holder", "provider")
    readonly_fields = [field.name for field in ExternalOrder._meta.fields]


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
    list_display = ("pk", "voucher", "holder", "provider", "contract", "order", "amount_fen", "state", "requested_at")
    list_filter = ("state",)
    search_fields = ("holder__name", "provider__name", "=contract__reference")
    list_select_related = ("voucher", "holder", "provider", "contract", "order")
    readonly_fields = [field.name for field in Redemption._meta.fields]


@admin.register(SettlementClaim)
class SettlementClaimAdmin(ReadOnlyAdmin):
    list_display = ("pk", "programme", "claimant", "redemption", "state", "submitted_at", "transfer_number")
    list_filter = ("state",)
    search_fields = ("claimant__name", "=transfer_number")
    list_select_related = ("programme", "claimant", "redemption")
    readonly_fields = [field.name for field in SettlementClaim._meta.fields]


class LedgerEntryInline(ReadOnlyInline):
    model = LedgerEntry
    fields = ("account", "voucher", "amount_fen")
    readonly_fields = fields


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ("pk", "programme", "kind", "voucher", "created_at")
    list_filter = ("kind",)
    list_select_related = ("programme", "voucher")
    readonly_fields = [field.name for field in LedgerTransaction._meta.fields]
    inlines = (LedgerEntryInline,)
