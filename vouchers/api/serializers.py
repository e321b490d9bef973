"""Parsing and presenting vouchers over the API. Rules live in `vouchers.services` and
`vouchers.selectors`, not here.

Money is integer fen (`*_fen`) and ratios are basis points (`coverage_bp`); no float ever. A
voucher's code leaves the server only through `VoucherSerializer.code`, and only to the holder's
staff and the programme's officers (the view passes who they are in the context as `code_readers`).
Every vocabulary of the voucher domain is one named schema component (`VoucherStateEnum`…), so that
the voucher API needs no entry in the project's `ENUM_NAME_OVERRIDES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from registry.roles import OrganisationKind
from vouchers.codes import display_code
from vouchers.models import (
    Application,
    ApplicationState,
    ClaimState,
    ExternalOrder,
    Programme,
    ProgrammeKind,
    ProgrammeState,
    ProviderRule,
    Redemption,
    RedemptionState,
    SettlementClaim,
    TransactionKind,
    Voucher,
    VoucherState,
)
from vouchers.selectors import PUBLIC_STATES

MAX_ID = 2**63 - 1  # ids and fen amounts are PostgreSQL bigints
MAX_FEN = 2**63 - 1


def _named_choices(name: str, choices: type[models.TextChoices]) -> Callable[..., serializers.ChoiceField]:
    """A ChoiceField over `choices` whose schema is the one component `name`, however many
    serializers use it."""

    class NamedChoiceField(serializers.ChoiceField):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(choices=choices.choices, **kwargs)

    NamedChoiceField.__name__ = NamedChoiceField.__qualname__ = f"{name}Field"
    schema = serializers.ChoiceField(choices=choices.choices)
    return extend_schema_field(schema, component_name=name)(NamedChoiceField)


ProgrammeKindField = _named_choices("VoucherProgrammeKindEnum", ProgrammeKind)
ProgrammeStateField = _named_choices("VoucherProgrammeStateEnum", ProgrammeState)
ProviderRuleField = _named_choices("VoucherProviderRuleEnum", ProviderRule)
VoucherStateField = _named_choices("VoucherStateEnum", VoucherState)
RedemptionStateField = _named_choices("VoucherRedemptionStateEnum", RedemptionState)
ApplicationStateField = _named_choices("VoucherApplicationStateEnum", ApplicationState)
ClaimStateField = _named_choices("VoucherClaimStateEnum", ClaimState)
TransactionKindField = _named_choices("VoucherTransactionKindEnum", TransactionKind)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer and nothing else: text ("100"), a fraction (even 100.0) or a boolean is
    refused, so that an amount of money is never guessed from a loose value."""

    default_error_messages = {"strict": _("Give a whole number: a JSON integer, not text or a fraction.")}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("strict")
        return super().to_internal_value(data)


def _id_field(help_text: str, **kwargs: Any) -> StrictIntegerField:
    return StrictIntegerField(min_value=1, max_value=MAX_ID, help_text=help_text, **kwargs)


# --- programmes ----------------------------------------------------------------------------


class VoucherProviderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class VoucherProgrammeSerializer(serializers.ModelSerializer):
    """A programme and its rules: what it pays (`coverage_bp` of an eligible contract's value, at
    most `holder_cap_fen` per holder and year), who may hold its vouchers and whom they may pay."""

    kind = ProgrammeKindField(read_only=True)
    state = ProgrammeStateField(read_only=True)
    authority_name = serializers.CharField(source="authority.name", read_only=True)
    region = serializers.CharField(source="authority.region_id", read_only=True, help_text="the authority's region")
    holder_region = serializers.CharField(source="holder_region_id", read_only=True)
    holder_region_name = serializers.CharField(source="holder_region.display_name", read_only=True)
    holder_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=OrganisationKind.choices),
        read_only=True,
        help_text="the organisation kinds that may hold the programme's vouchers",
    )
    provider_rule = ProviderRuleField(read_only=True)
    provider_region = serializers.CharField(
        source="provider_region_id", read_only=True, allow_null=True, help_text="with `provider_rule` region"
    )
    providers = VoucherProviderSerializer(
        many=True, read_only=True, help_text="with `provider_rule` list: the providers it pays"
    )

    class Meta:
        model = Programme
        fields = [
            "id",
            "name",
            "kind",
            "year",
            "state",
            "authority",
            "authority_name",
            "region",
            "budget_fen",
            "currency",
            "coverage_bp",
            "holder_cap_fen",
            "valid_from",
            "valid_until",
            "holder_region",
            "holder_region_name",
            "holder_kinds",
            "provider_rule",
            "provider_region",
            "providers",
            "rules",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class VoucherProgrammeFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ProgrammeKind.choices, required=False, allow_blank=True, default="")
    region = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="GB/T 2260 division code: programmes of authorities in this region or below it",
    )
    state = serializers.ChoiceField(
        choices=[(state.value, state.label) for state in PUBLIC_STATES],
        required=False,
        allow_blank=True,
        default="",
    )


# --- vouchers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeReaders:
    """Who may read voucher codes: the staff of these holders and the officers of these
    authorities (the view fills it from the selectors, once per request)."""

    holder_ids: frozenset[int]
    authority_ids: frozenset[int]

    def may_read(self, voucher: Voucher) -> bool:
        return voucher.holder_id in self.holder_ids or voucher.programme.authority_id in self.authority_ids


class VoucherSerializer(serializers.ModelSerializer):
    """A voucher with its balance, derived from the ledger: `balance_fen` is unused, `redeemed_fen`
    used (confirmed or settled redemptions)."""

    code = serializers.SerializerMethodField(
        help_text="as printed (groups of four); only for the holder's staff and the programme's officers, "
        "null for anyone else"
    )
    programme_name = serializers.CharField(source="programme.name", read_only=True)
    programme_kind = ProgrammeKindField(source="programme.kind", read_only=True)
    holder_name = serializers.CharField(source="holder.name", read_only=True)
    balance_fen = serializers.IntegerField(read_only=True)
    redeemed_fen = serializers.IntegerField(read_only=True)
    state = VoucherStateField(read_only=True)

    class Meta:
        model = Voucher
        fields = [
            "id",
            "code",
            "programme",
            "programme_name",
            "programme_kind",
            "holder",
            "holder_name",
            "face_fen",
            "balance_fen",
            "redeemed_fen",
            "currency",
            "valid_from",
            "valid_until",
            "state",
            "issued_at",
            "ended_at",
            "cancellation_reason",
        ]
        read_only_fields = fields

    def get_code(self, voucher: Voucher) -> str | None:
        readers: CodeReaders | None = self.context.get("code_readers")
        return display_code(voucher.code) if readers is not None and readers.may_read(voucher) else None


class VoucherHistoryEntrySerializer(serializers.Serializer):
    """One ledger transaction that moved the voucher's balance: positive when issued, negative
    when redeemed, expired or cancelled."""

    id = serializers.IntegerField(help_text="ledger transaction id")
    kind = TransactionKindField()
    amount_fen = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    redemption = serializers.IntegerField(source="redemption_id", allow_null=True)


class VoucherDetailSerializer(VoucherSerializer):
    """A voucher with its history (the view passes `selectors.voucher_history` as `history`)."""

    history = serializers.SerializerMethodField(help_text="oldest first")

    class Meta(VoucherSerializer.Meta):
        fields = [*VoucherSerializer.Meta.fields, "history"]
        read_only_fields = fields

    @extend_schema_field(VoucherHistoryEntrySerializer(many=True))
    def get_history(self, voucher: Voucher) -> list[dict[str, Any]]:
        return list(VoucherHistoryEntrySerializer(self.context["history"], many=True).data)


class VoucherFilterSerializer(serializers.Serializer):
    role = serializers.ChoiceField(
        choices=[("holder", "holder"), ("officer", "officer")],
        required=False,
        allow_blank=True,
        default="",
        help_text="holder: vouchers of organisations you act for; officer: vouchers of the programmes you run",
    )
    state = serializers.ChoiceField(choices=VoucherState.choices, required=False, allow_blank=True, default="")
    programme = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID)


# --- redemptions ---------------------------------------------------------------------------


class VoucherRedemptionSerializer(serializers.ModelSerializer):
    """A redemption names its voucher by id, never by code: the provider sees it too."""

    programme_name = serializers.CharField(source="programme.name", read_only=True)
    holder_name = serializers.CharField(source="holder.name", read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    state = RedemptionStateField(read_only=True)

    class Meta:
        model = Redemption
        fields = [
            "id",
            "voucher",
            "programme",
            "programme_name",
            "holder",
            "holder_name",
            "provider",
            "provider_name",
            "contract",
            "order",
            "amount_fen",
            "currency",
            "state",
            "year",
            "requested_at",
            "confirmed_at",
        ]
        read_only_fields = fields


class VoucherRedemptionCreateSerializer(serializers.Serializer):
    """Exactly one of `contract` and `order`; every number a JSON integer."""

    contract = _id_field("an exchange contract's id", required=False, allow_null=True, default=None)
    order = _id_field("an external order's id (voucher-orders)", required=False, allow_null=True, default=None)
    amount_fen = StrictIntegerField(
        min_value=1,
        max_value=MAX_FEN,
        help_text="the amount to redeem, in fen",
        error_messages={"min_value": _("The amount must be more than zero.")},
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["contract"] is None and attrs["order"] is None:
            message = _("Give the contract or the order the voucher pays for.")
        elif attrs["contract"] is not None and attrs["order"] is not None:
            message = _("Give either a contract or an order, not both.")
        else:
            return attrs
        raise serializers.ValidationError({"contract": [message], "order": [message]})


class VoucherRedemptionFilterSerializer(serializers.Serializer):
    role = serializers.ChoiceField(
        choices=[("holder", "holder"), ("provider", "provider"), ("officer", "officer")],
        required=False,
        allow_blank=True,
        default="",
        help_text="the side you read from: your organisations as holder or as provider, or your programmes",
    )
    state = serializers.ChoiceField(choices=RedemptionState.choices, required=False, allow_blank=True, default="")


# --- applications --------------------------------------------------------------------------


class VoucherApplicationSerializer(serializers.ModelSerializer):
    programme_name = serializers.CharField(source="programme.name", read_only=True)
    applicant_name = serializers.CharField(source="applicant.name", read_only=True)
    state = ApplicationStateField(read_only=True)
    voucher = serializers.SerializerMethodField(help_text="the voucher issued on approval")

    class Meta:
        model = Application
        fields = [
            "id",
            "programme",
            "programme_name",
            "applicant",
            "applicant_name",
            "requested_fen",
            "approved_fen",
            "purpose",
            "evidence_name",
            "evidence_sha256",
            "state",
            "review_note",
            "voucher",
            "submitted_at",
            "reviewed_at",
        ]
        read_only_fields = fields

    def get_voucher(self, application: Application) -> int | None:
        try:
            return application.voucher.pk
        except ObjectDoesNotExist:
            return None


class VoucherApplicationCreateSerializer(serializers.Serializer):
    programme = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="an open programme's id")
    applicant = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="id of the organisation you apply for (you act for it)"
    )
    requested_fen = serializers.IntegerField(min_value=1, max_value=MAX_FEN, help_text="in fen")
    purpose = serializers.CharField(max_length=5_000)
    evidence = serializers.FileField(help_text="PDF, OFD, JPEG, PNG or ZIP")


class VoucherApplicationFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=ApplicationState.choices, required=False, allow_blank=True, default="")
    programme = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID)


# --- settlement claims ---------------------------------------------------------------------


class VoucherClaimSerializer(serializers.ModelSerializer):
    programme_name = serializers.CharField(source="programme.name", read_only=True)
    claimant_name = serializers.CharField(source="claimant.name", read_only=True)
    amount_fen = serializers.IntegerField(source="redemption.amount_fen", read_only=True)
    state = ClaimStateField(read_only=True)

    class Meta:
        model = SettlementClaim
        fields = [
            "id",
            "redemption",
            "programme",
            "programme_name",
            "claimant",
            "claimant_name",
            "amount_fen",
            "note",
            "evidence_name",
            "evidence_sha256",
            "state",
            "review_note",
            "transfer_number",
            "transferred_on",
            "submitted_at",
            "reviewed_at",
            "settled_at",
        ]
        read_only_fields = fields


class VoucherClaimCreateSerializer(serializers.Serializer):
    redemption = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="a confirmed redemption's id")
    evidence = serializers.FileField(help_text="PDF, OFD, JPEG, PNG or ZIP: proof the contract or order is paid")
    note = serializers.CharField(max_length=5_000, required=False, allow_blank=True, default="")


class VoucherClaimFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=ClaimState.choices, required=False, allow_blank=True, default="")


# --- external orders -----------------------------------------------------------------------


class VoucherOrderSerializer(serializers.ModelSerializer):
    holder_name = serializers.CharField(source="holder.name", read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True)

    class Meta:
        model = ExternalOrder
        fields = [
            "id",
            "holder",
            "holder_name",
            "provider",
            "provider_name",
            "description",
            "value_fen",
            "currency",
            "ordered_on",
            "recorded_at",
        ]
        read_only_fields = fields


class VoucherOrderCreateSerializer(serializers.Serializer):
    holder = _id_field("id of the organisation that placed the order (you act for it)")
    provider = serializers.CharField(max_length=18, help_text="the provider's unified social credit code")
    description = serializers.CharField(max_length=200)
    value_fen = StrictIntegerField(
        min_value=1,
        max_value=MAX_FEN,
        help_text="the order's value, in fen",
        error_messages={"min_value": _("The order's value must be more than zero.")},
    )
    ordered_on = serializers.DateField()
