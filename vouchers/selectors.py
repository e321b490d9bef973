"""Reads with rules: who sees which programme, application, voucher, redemption and claim, and the
balances the ledger derives.

Visibility follows membership, not per-object grants: every voucher object belongs to a fixed set
of organisations (the programme's authority, the holder, the provider), so a user sees it exactly
when they act for one of them (officers for the authority, the managing role for holders and
providers). Operators see everything. Anything else answers 404, like a missing object.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import BigIntegerField, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from marketplace.models import Contract, ContractState
from portal.errors import NotFound
from portal.permissions import AnyUser, is_operator
from registry.models import Membership, Organisation, Region
from registry.roles import MANAGING_ROLE, Role
from registry.selectors import region_subtree_q
from vouchers.codes import normalise_code
from vouchers.models import (
    Account,
    Application,
    ClaimState,
    ExternalOrder,
    LedgerEntry,
    LedgerTransaction,
    Programme,
    ProgrammeState,
    Redemption,
    RedemptionState,
    SettlementClaim,
    TransactionKind,
    Voucher,
)

PUBLIC_STATES = (ProgrammeState.OPEN, ProgrammeState.PAUSED, ProgrammeState.CLOSED)
# Redemptions that use a voucher's money (pending ones do not, until the holder confirms).
USED_STATES = (RedemptionState.CONFIRMED, RedemptionState.SETTLED)


# --- Who acts for which organisation --------------------------------------------------------


def officer_authorities(user: AnyUser) -> QuerySet[Organisation]:
    """The voucher authorities the user is an officer of."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(memberships__user=user, memberships__role=Role.VOUCHER_OFFICER)


def managed_organisations(user: AnyUser) -> QuerySet[Organisation]:
    """The organisations the user acts for with its kind's managing role (an enterprise's buyer, a
    vendor's staff…): the holders and providers they may act for."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    managing = Q()
    for kind, role in MANAGING_ROLE.items():
        managing |= Q(organisation__kind=kind, role=role)
    return Organisation.objects.filter(pk__in=Membership.objects.filter(managing, user=user).values("organisation_id"))


def managing_membership_sql(membership: str, organisation: str) -> tuple[str, list[str]]:
    """`managed_organisations`' rule as an SQL condition on a membership row and its organisation
    (table aliases), with its parameters: for statements written by hand (redemption)."""
    pairs = list(MANAGING_ROLE.items())
    condition = " OR ".join(f"({organisation}.kind = %s AND {membership}.role = %s)" for _pair in pairs)
    return f"({condition})", [str(value) for pair in pairs for value in pair]


def acts_for(user: AnyUser, organisation: Organisation) -> bool:
    return managed_organisations(user).filter(pk=organisation.pk).exists()


def is_officer_of(user: AnyUser, programme: Programme) -> bool:
    return officer_authorities(user).filter(pk=programme.authority_id).exists()


# --- Programmes ---------------------------------------------------------------------------------


def programmes_public(*, kind: str = "", region_code: str = "", state: str = "") -> QuerySet[Programme]:
    """What anyone may read: every programme past its draft, newest year first."""
    programmes = Programme.objects.filter(state__in=PUBLIC_STATES).select_related("authority", "holder_region")
    if kind:
        programmes = programmes.filter(kind=kind)
    if region_code:
        region = Region.objects.filter(pk=region_code).first()
        if region is None:
            return programmes.none()
        programmes = programmes.filter(region_subtree_q(region, field="authority__region"))
    if state in PUBLIC_STATES:
        programmes = programmes.filter(state=state)
    return programmes


def programmes_visible_to(*, user: AnyUser) -> QuerySet[Programme]:
    """Public programmes plus the drafts of the user's authorities."""
    visible = Q(state__in=PUBLIC_STATES)
    if is_operator(user):
        visible = Q()
    elif user.is_authenticated:
        visible |= Q(authority__in=officer_authorities(user))
    return Programme.objects.filter(visible).select_related("authority", "holder_region", "provider_region")


def programmes_run_by(*, user: AnyUser) -> QuerySet[Programme]:
    if is_operator(user):
        return Programme.objects.select_related("authority")
    return Programme.objects.filter(authority__in=officer_authorities(user)).select_related("authority")


def programme_visible(*, user: AnyUser, pk: int | str) -> Programme:
    programme = programmes_visible_to(user=user).filter(pk=pk).first()
    if programme is None:
        raise NotFound()
    return programme


def region_and_ancestors(organisation: Organisation) -> list[str]:
    """The division codes whose subtree holds the organisation's region (GB/T 2260 nests by
    prefix: province, prefecture, county)."""
    code = organisation.region_id
    return sorted({code[:2] + "0000", code[:4] + "00", code})


def programmes_open_to(*, organisation: Organisation, today: datetime.date) -> list[Programme]:
    """Open programmes the organisation may apply to today: its region lies in the holders'
    region and its kind is one the programme admits."""
    candidates = Programme.objects.filter(
        state=ProgrammeState.OPEN,
        valid_from__lte=today,
        valid_until__gte=today,
        holder_region_id__in=region_and_ancestors(organisation),
    ).select_related("authority", "holder_region")
    return [programme for programme in candidates if organisation.kind in programme.holder_kinds]


# --- Balances (derived from the ledger) ---------------------------------------------------------


def _entry_sum(**filters: object) -> Subquery:
    return Subquery(
        LedgerEntry.objects.filter(**filters)
        .order_by()
        .values("voucher")
        .annotate(total=Sum("amount_fen"))
        .values("total")[:1],
        output_field=BigIntegerField(),
    )


def with_balance(vouchers: QuerySet[Voucher]) -> QuerySet[Voucher]:
    """Each voucher annotated with `balance_fen` (unused) and `redeemed_fen` (used, any state)."""
    return vouchers.annotate(
        balance_fen=Coalesce(_entry_sum(voucher=OuterRef("pk"), account=Account.ISSUED), Value(0)),
        redeemed_fen=Coalesce(
            Subquery(
                Redemption.objects.filter(voucher=OuterRef("pk"), state__in=USED_STATES)
                .order_by()
                .values("voucher")
                .annotate(total=Sum("amount_fen"))
                .values("total")[:1],
                output_field=BigIntegerField(),
            ),
            Value(0),
        ),
    )


def voucher_balance_fen(voucher: Voucher) -> int:
    return (
        LedgerEntry.objects.filter(voucher=voucher, account=Account.ISSUED).aggregate(total=Sum("amount_fen"))["total"]
        or 0
    )


def programme_balances(programme: Programme) -> dict[str, int]:
    """Every account's balance for the programme (funding is negative: it is the source)."""
    sums = dict(
        LedgerEntry.objects.filter(programme=programme)
        .order_by()
        .values_list("account")
        .annotate(total=Sum("amount_fen"))
        .values_list("account", "total")
    )
    return {account: sums.get(account, 0) for account in Account.values}


def budget_available_fen(programme: Programme) -> int:
    return (
        LedgerEntry.objects.filter(programme=programme, account=Account.BUDGET).aggregate(total=Sum("amount_fen"))[
            "total"
        ]
        or 0
    )


def contract_voucher_fen(contract: Contract) -> int:
    """What vouchers cover of an exchange contract: its confirmed and settled redemptions. The
    payments of the contract's milestones subtract it (marketplace.services.payments)."""
    return (
        Redemption.objects.filter(contract=contract, state__in=USED_STATES).aggregate(total=Sum("amount_fen"))["total"]
        or 0
    )


@dataclass(frozen=True)
class ReportRow:
    month: datetime.date
    funded_fen: int
    issued_fen: int
    redeemed_fen: int
    settled_fen: int
    returned_fen: int  # expired or cancelled, back to the budget


def programme_report(programme: Programme) -> list[ReportRow]:
    """Per month: what was funded, issued, redeemed, settled and returned (expired or cancelled)."""
    flows: dict[datetime.date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = (
        LedgerEntry.objects.filter(programme=programme, amount_fen__gt=0)
        .annotate(month=TruncMonth("transaction__created_at"))
        .order_by()
        .values_list("month", "transaction__kind")
        .annotate(total=Sum("amount_fen"))
    )
    for month, kind, total in rows:
        day = month.date() if isinstance(month, datetime.datetime) else month
        flows[day][kind] += total
    return [
        ReportRow(
            month=month,
            funded_fen=flow[TransactionKind.FUND],
            issued_fen=flow[TransactionKind.ISSUE],
            redeemed_fen=flow[TransactionKind.REDEEM],
            settled_fen=flow[TransactionKind.SETTLE],
            returned_fen=flow[TransactionKind.EXPIRE] + flow[TransactionKind.CANCEL],
        )
        for month, flow in sorted(flows.items())
    ]


# --- Applications, vouchers, redemptions, claims -----------------------------------------------


def applications_visible_to(*, user: AnyUser) -> QuerySet[Application]:
    applications = Application.objects.select_related("programme__authority", "applicant")
    if is_operator(user):
        return applications
    return applications.filter(
        Q(applicant__in=managed_organisations(user)) | Q(programme__authority__in=officer_authorities(user))
    )


def application_queue(*, user: AnyUser, programme: Programme | None = None) -> QuerySet[Application]:
    """Applications awaiting review in the programmes the user runs, oldest first."""
    queue = Application.objects.filter(state="submitted", programme__in=programmes_run_by(user=user))
    if programme is not None:
        queue = queue.filter(programme=programme)
    return queue.select_related("programme", "applicant").order_by("submitted_at", "pk")


def vouchers_visible_to(*, user: AnyUser) -> QuerySet[Voucher]:
    vouchers = with_balance(Voucher.objects.select_related("programme__authority", "holder"))
    if is_operator(user):
        return vouchers
    return vouchers.filter(
        Q(holder__in=managed_organisations(user)) | Q(programme__authority__in=officer_authorities(user))
    )


def vouchers_held_by(*, user: AnyUser) -> QuerySet[Voucher]:
    return with_balance(
        Voucher.objects.filter(holder__in=managed_organisations(user)).select_related("programme__authority", "holder")
    )


def voucher_by_code(*, holder: Organisation, code: str) -> Voucher:
    """The holder's voucher with this code. A code that does not exist and a code of another
    holder answer the same, so that nobody learns whether a code exists."""
    normalised = normalise_code(code)
    voucher = (
        Voucher.objects.filter(code=normalised, holder=holder).select_related("programme__authority").first()
        if normalised
        else None
    )
    if voucher is None:
        raise NotFound(_no_voucher_message())
    return voucher


def _no_voucher_message() -> str:
    from django.utils.translation import gettext

    return gettext("No voucher with this code can be used here.")


def redemptions_visible_to(*, user: AnyUser) -> QuerySet[Redemption]:
    redemptions = Redemption.objects.select_related(
        "voucher", "programme__authority", "holder", "provider", "contract", "order"
    )
    if is_operator(user):
        return redemptions
    mine = managed_organisations(user)
    return redemptions.filter(
        Q(holder__in=mine) | Q(provider__in=mine) | Q(programme__authority__in=officer_authorities(user))
    )


def redemptions_received(*, user: AnyUser) -> QuerySet[Redemption]:
    """Redemptions in which one of the user's organisations is the provider."""
    return redemptions_visible_to(user=user).filter(provider__in=managed_organisations(user))


def claims_visible_to(*, user: AnyUser) -> QuerySet[SettlementClaim]:
    claims = SettlementClaim.objects.select_related("redemption__voucher", "programme__authority", "claimant")
    if is_operator(user):
        return claims
    mine = managed_organisations(user)
    return claims.filter(
        Q(redemption__holder__in=mine)
        | Q(redemption__provider__in=mine)
        | Q(programme__authority__in=officer_authorities(user))
    )


def claim_queue(*, user: AnyUser) -> QuerySet[SettlementClaim]:
    """Claims awaiting review or disbursement in the programmes the user runs, oldest first."""
    return (
        SettlementClaim.objects.filter(state__in=("submitted", "approved"), programme__in=programmes_run_by(user=user))
        .select_related("redemption__voucher", "programme", "claimant")
        .order_by("submitted_at", "pk")
    )


def voucher_history(voucher: Voucher) -> QuerySet[LedgerTransaction]:
    """The voucher's ledger transactions, oldest first, with the amount that touched it."""
    return (
        LedgerTransaction.objects.filter(entries__voucher=voucher, entries__account=Account.ISSUED)
        .annotate(amount_fen=Sum("entries__amount_fen"))
        .order_by("created_at", "pk")
    )


# --- What a holder or provider may act on -------------------------------------------------------


def holders_of(user: AnyUser) -> list[Organisation]:
    """The organisations the user acts for that may hold vouchers."""
    from vouchers.services.programmes import HOLDER_KINDS

    return list(managed_organisations(user).filter(kind__in=HOLDER_KINDS).order_by("name", "pk"))


def providers_of(user: AnyUser) -> QuerySet[Organisation]:
    """The supplier organisations the user acts for: those a voucher may pay."""
    from marketplace.services._common import SUPPLIER_KINDS

    return managed_organisations(user).filter(kind__in=SUPPLIER_KINDS)


def applicants_for(user: AnyUser, programme: Programme) -> list[Organisation]:
    """The user's organisations to which the programme is open today (`programmes_open_to`)."""
    if not user.is_authenticated or programme.state != ProgrammeState.OPEN:
        return []
    today = timezone.localdate()
    return [
        organisation
        for organisation in holders_of(user)
        if any(p.pk == programme.pk for p in programmes_open_to(organisation=organisation, today=today))
    ]


def holder_contracts(user: AnyUser) -> QuerySet[Contract]:
    """The active exchange contracts in which one of the user's organisations is the buyer."""
    return Contract.objects.filter(buyer__in=managed_organisations(user), state=ContractState.ACTIVE).select_related(
        "supplier"
    )


def holder_orders(user: AnyUser) -> QuerySet[ExternalOrder]:
    """The external orders the user's organisations recorded as holders."""
    return ExternalOrder.objects.filter(holder__in=managed_organisations(user)).select_related("holder", "provider")


def provider_contracts(user: AnyUser) -> QuerySet[Contract]:
    """The active exchange contracts in which one of the user's organisations supplies."""
    return Contract.objects.filter(supplier__in=providers_of(user), state=ContractState.ACTIVE).select_related("buyer")


def provider_orders(user: AnyUser) -> QuerySet[ExternalOrder]:
    return ExternalOrder.objects.filter(provider__in=providers_of(user))


def with_live_claim(redemptions: QuerySet[Redemption]) -> QuerySet[Redemption]:
    """Each redemption annotated with `has_live_claim`: a claim not rejected exists."""
    live = SettlementClaim.objects.filter(redemption=OuterRef("pk")).exclude(state=ClaimState.REJECTED)
    return redemptions.annotate(has_live_claim=Exists(live))


def with_programme_balances(programmes: QuerySet[Programme]) -> QuerySet[Programme]:
    """Each programme with its accounts' balances (derived from the ledger, in the same query)."""

    def balance(account: str) -> Coalesce:
        total = (
            LedgerEntry.objects.filter(programme=OuterRef("pk"), account=account)
            .order_by()
            .values("programme")
            .annotate(total=Sum("amount_fen"))
            .values("total")[:1]
        )
        return Coalesce(Subquery(total, output_field=BigIntegerField()), Value(0))

    return programmes.annotate(
        available_fen=balance(Account.BUDGET),
        issued_fen=balance(Account.ISSUED),
        redeemed_fen=balance(Account.REDEEMED),
        settled_fen=balance(Account.SETTLED),
    )
