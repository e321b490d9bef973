"""Every invariant of DESIGN §6, checked against the rows (`python manage.py verify_voucher_ledger`).

Each check is one aggregate query or a pass over one; `ledger_violations` yields what it finds in
the order below, so the command can stop at the first and name it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum

from registry.models import DeclaredRelation, Organisation, Shareholder
from registry.related_parties import RELATED_SHARE_BP, related_parties
from vouchers.models import (
    Account,
    ClaimState,
    LedgerEntry,
    LedgerTransaction,
    Programme,
    RedeemedByHolder,
    RedeemedOnTarget,
    Redemption,
    RedemptionState,
    SettlementClaim,
    TransactionKind,
    Voucher,
    VoucherBalance,
    VoucherState,
)

USED = (RedemptionState.CONFIRMED, RedemptionState.SETTLED)


@dataclass(frozen=True)
class Violation:
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.detail}"


def _sums(queryset: QuerySet[Any], *keys: str) -> dict[Any, int]:
    rows = queryset.order_by().values_list(*keys).annotate(total=Sum("amount_fen"))
    return {row[:-1] if len(keys) > 1 else row[0]: row[-1] for row in rows}


def ledger_violations() -> Iterator[Violation]:
    yield from _balanced_transactions()
    yield from _programme_budgets()
    yield from _voucher_balances()
    yield from _redemptions_booked()
    yield from _claims_booked()
    yield from _rules_of_redemption()
    yield from _running_totals()


def _balanced_transactions() -> Iterator[Violation]:
    unbalanced = (
        LedgerTransaction.objects.annotate(total=Sum("entries__amount_fen"), legs=Count("entries"))
        .filter(Q(legs__lt=2) | ~Q(total=0))
        .order_by("pk")
    )
    for transaction in unbalanced[:100]:
        yield Violation(
            "unbalanced_transaction",
            f"transaction {transaction.pk} ({transaction.kind}) has {transaction.legs} entries summing to "
            f"{transaction.total}",
        )
    for entry in LedgerEntry.objects.exclude(programme=F("transaction__programme")).order_by("pk")[:100]:
        yield Violation("entry_programme", f"entry {entry.pk} is booked to another programme than its transaction")


def _programme_budgets() -> Iterator[Violation]:
    balances = _sums(LedgerEntry.objects.all(), "programme", "account")
    for programme in Programme.objects.order_by("pk"):
        funding = balances.get((programme.pk, Account.FUNDING), 0)
        if funding not in (0, -programme.budget_fen):
            yield Violation(
                "funding", f"programme {programme.pk} is funded {-funding} fen, its budget is {programme.budget_fen}"
            )
        for account in (Account.BUDGET, Account.ISSUED, Account.REDEEMED, Account.SETTLED):
            if balances.get((programme.pk, account), 0) < 0:
                yield Violation("negative_balance", f"programme {programme.pk}: account {account} is negative")
        issued = sum(balances.get((programme.pk, a), 0) for a in (Account.ISSUED, Account.REDEEMED, Account.SETTLED))
        if issued > programme.budget_fen:
            yield Violation(
                "issued_over_budget", f"programme {programme.pk} has issued {issued} fen of {programme.budget_fen}"
            )


def _voucher_balances() -> Iterator[Violation]:
    per_voucher = _sums(LedgerEntry.objects.filter(voucher__isnull=False), "voucher", "account")
    used = _sums(Redemption.objects.filter(state__in=USED), "voucher")
    awaiting = _sums(Redemption.objects.filter(state=RedemptionState.CONFIRMED), "voucher")
    returned = _sums(
        LedgerEntry.objects.filter(
            account=Account.ISSUED, transaction__kind__in=(TransactionKind.EXPIRE, TransactionKind.CANCEL)
        ),
        "voucher",
    )
    for pk, face, state in Voucher.objects.order_by("pk").values_list("pk", "face_fen", "state").iterator():
        balance = per_voucher.get((pk, Account.ISSUED), 0)
        redeemed = per_voucher.get((pk, Account.REDEEMED), 0)
        if balance < 0:
            yield Violation("negative_voucher_balance", f"voucher {pk} has a balance of {balance} fen")
        if used.get(pk, 0) > face:
            yield Violation(
                "redeemed_over_face", f"voucher {pk} redeemed {used.get(pk, 0)} fen of a face value of {face}"
            )
        if balance != face - used.get(pk, 0) + returned.get(pk, 0):
            yield Violation(
                "voucher_balance",
                f"voucher {pk}: balance {balance} fen, but face {face} less redeemed {used.get(pk, 0)} less returned "
                f"{-returned.get(pk, 0)}",
            )
        if redeemed != awaiting.get(pk, 0):
            yield Violation(
                "redeemed_account",
                f"voucher {pk}: {redeemed} fen await settlement in the ledger, {awaiting.get(pk, 0)} in redemptions",
            )
        if state != VoucherState.ACTIVE and balance != 0:
            yield Violation("ended_voucher_balance", f"voucher {pk} is {state} but keeps {balance} fen")


def _redemptions_booked() -> Iterator[Violation]:
    booked = _sums(
        LedgerEntry.objects.filter(transaction__kind=TransactionKind.REDEEM, account=Account.REDEEMED),
        "transaction__redemption",
    )
    for pk, amount, state in Redemption.objects.order_by("pk").values_list("pk", "amount_fen", "state").iterator():
        expected = amount if state in USED else 0
        if booked.get(pk, 0) != expected:
            yield Violation(
                "redemption_booking", f"redemption {pk} ({state}) of {amount} fen is booked as {booked.get(pk, 0)}"
            )


def _claims_booked() -> Iterator[Violation]:
    settled = _sums(
        LedgerEntry.objects.filter(transaction__kind=TransactionKind.SETTLE, account=Account.SETTLED),
        "transaction__claim",
    )
    claims = SettlementClaim.objects.order_by("pk").values_list(
        "pk", "state", "redemption__amount_fen", "redemption__state"
    )
    for pk, state, amount, redemption_state in claims.iterator():
        expected = amount if state == ClaimState.SETTLED else 0
        if settled.get(pk, 0) != expected:
            yield Violation("claim_booking", f"claim {pk} ({state}) is settled as {settled.get(pk, 0)} fen")
        if state == ClaimState.SETTLED and redemption_state != RedemptionState.SETTLED:
            yield Violation("claim_state", f"claim {pk} is settled but its redemption is {redemption_state}")
    for pk in (
        Redemption.objects.filter(state=RedemptionState.SETTLED)
        .exclude(claims__state=ClaimState.SETTLED)
        .values_list("pk", flat=True)
    ):
        yield Violation("settled_without_claim", f"redemption {pk} is settled without a settled claim")


def _rules_of_redemption() -> Iterator[Violation]:
    used = Redemption.objects.filter(state__in=USED)
    programmes = {p.pk: p for p in Programme.objects.select_related("authority")}
    for (holder, programme_id, year), total in _sums(used, "holder", "programme", "year").items():
        cap = programmes[programme_id].holder_cap_fen
        if total > cap:
            yield Violation(
                "holder_cap", f"holder {holder} used {total} fen of programme {programme_id} in {year}, cap {cap}"
            )
    for target in ("contract", "order"):
        rows = _sums(used.filter(**{f"{target}__isnull": False}), target, "programme")
        values = dict(
            used.filter(**{f"{target}__isnull": False}).values_list(target, f"{target}__value_fen").distinct()
        )
        per_target: dict[int, int] = defaultdict(int)
        regions: dict[tuple[int, str], set[int]] = defaultdict(set)
        for (target_pk, programme_id), total in rows.items():
            programme = programmes[programme_id]
            per_target[target_pk] += total
            regions[(target_pk, programme.authority.region_id)].add(programme_id)
            if total > values[target_pk] * programme.coverage_bp // 10_000:
                yield Violation(
                    "coverage", f"{target} {target_pk}: programme {programme_id} pays {total} fen, over its coverage"
                )
        for target_pk, total in per_target.items():
            if total > values[target_pk]:
                yield Violation("coverage", f"{target} {target_pk}: vouchers pay {total} fen of {values[target_pk]}")
        for (target_pk, region), ids in regions.items():
            if len(ids) > 1:
                yield Violation(
                    "second_programme", f"{target} {target_pk}: programmes {sorted(ids)} of region {region} both pay"
                )
    pairs = set(used.values_list("holder", "provider").distinct())
    for holder, provider in _related(pairs):
        yield Violation("related_party", f"holder {holder} and provider {provider} are related parties")


def _related(pairs: set[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """The pairs (in order) that `registry.related_parties` finds related. Only organisations
    with something to relate them by can be in such a pair (a legal representative on file,
    significant shareholders, a significant holding in another, a declared relation: every reason
    needs one on both sides), so pairs of others are not asked; each holder is asked once."""
    significant = Shareholder.objects.filter(share_bp__gte=RELATED_SHARE_BP)
    relatable = set(Organisation.objects.exclude(legal_representative_id_hash="").values_list("pk", flat=True))
    relatable.update(significant.values_list("organisation_id", flat=True))
    relatable.update(
        Organisation.objects.filter(credit_code__in=significant.values("holder_credit_code")).values_list(
            "pk", flat=True
        )
    )
    for pair in DeclaredRelation.objects.values_list("organisation_id", "related_organisation_id"):
        relatable.update(pair)
    asked: dict[int, set[int]] = defaultdict(set)
    for holder, provider in pairs:
        if holder in relatable and provider in relatable:
            asked[holder].add(provider)
    holders = Organisation.objects.in_bulk(asked)
    for holder in sorted(asked):
        found = related_parties(holders[holder])
        for provider in sorted(asked[holder]):
            if provider != holder and provider in found:
                yield holder, provider


def _running_totals() -> Iterator[Violation]:
    """Each running total the redemption's rules read equals the sum it stands for (a pocket never
    posted to and a total never added to count as zero, kept or not)."""
    kept: list[tuple[str, dict[Any, int], dict[Any, int]]] = [
        (
            "voucher balance",
            _sums(VoucherBalance.objects.all(), "voucher", "account"),
            _sums(LedgerEntry.objects.filter(voucher__isnull=False), "voucher", "account"),
        ),
        (
            "redeemed on target",
            _sums(RedeemedOnTarget.objects.all(), "programme", "contract", "order"),
            _sums(Redemption.objects.filter(state__in=USED), "programme", "contract", "order"),
        ),
        (
            "redeemed by holder",
            _sums(RedeemedByHolder.objects.all(), "holder", "programme", "year"),
            _sums(Redemption.objects.filter(state__in=USED), "holder", "programme", "year"),
        ),
    ]
    for name, totals, sums in kept:
        for key in sorted(totals.keys() | sums.keys(), key=str):
            if totals.get(key, 0) != sums.get(key, 0):
                yield Violation(
                    "running_total",
                    f"{name} {key}: kept as {totals.get(key, 0)} fen, the rows sum to {sums.get(key, 0)}",
                )
