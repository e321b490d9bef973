"""Rollup hooks: one function per event, called by the service where the event happens, inside its
transaction. Each writes the event's rollup deltas with one INSERT (it may read first), so the
deltas commit or roll back with the event. What each metric means: `Metric`.

`rollups.rebuild` computes the same figures from the source tables; a hook and its rebuild query
change together (the property test in tests/monitoring/rollups checks they agree).
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from monitoring.rollups.models import CERTIFICATE_METRICS, Metric, RollupDelta
from portal import prepared
from registry.models import Organisation
from registry.roles import OrganisationKind

if TYPE_CHECKING:
    from marketplace.models import AcceptanceReport, Award, Contract, PaymentEntry, Tender
    from monitoring.models import StatisticalReport
    from registry.bases.models import BaseOutput
    from registry.models import VerificationPeriod
    from registry.talent.models import Certificate
    from vouchers.models import Programme, Redemption, SettlementClaim, Voucher


def local_day(moment: datetime.datetime) -> datetime.date:
    """The day of `moment` in the site's time zone: the `day` of the facts."""
    return timezone.localtime(moment).date()


def quarter_start(year: int, quarter: int) -> datetime.date:
    return datetime.date(year, 3 * quarter - 2, 1)


def award_days(*, published_at: datetime.datetime | None, awarded_at: datetime.datetime) -> int:
    """Whole local days from the tender's publication to the award (0 for an unpublished tender,
    which only data written straight to the tables has)."""
    if published_at is None:
        return 0
    return (local_day(awarded_at) - local_day(published_at)).days


def quality_bp(*, sample_size: int, defect_count: int) -> int:
    return (sample_size - defect_count) * 10_000 // sample_size if sample_size else 0


def delta(
    metric: str,
    value: int,
    *,
    day: datetime.date,
    region: str,
    sector: str = "",
    modality: str = "",
    programme_id: int | None = None,
    base_id: int | None = None,
) -> RollupDelta:
    return RollupDelta(
        day=day,
        region=region,
        sector=sector,
        modality=modality,
        programme_id=programme_id,
        programme_key=programme_id or 0,
        base_id=base_id,
        base_key=base_id or 0,
        metric=metric,
        value=value,
    )


def _insert(rows: Iterable[RollupDelta]) -> None:
    rows = [row for row in rows if row.value]
    if rows:
        RollupDelta.objects.bulk_create(rows)


# --- Tenders ------------------------------------------------------------------------------------


def tender_published(tender: Tender) -> None:
    day, region, sector = local_day(tender.published_at), tender.region_id, tender.sector  # type: ignore[arg-type]
    rows = [delta(Metric.TENDERS_PUBLISHED, 1, day=day, region=region, sector=sector)]
    for modality, budget_fen in tender.lots.values_list("modality", "budget_fen"):
        rows.append(delta(Metric.LOTS_PUBLISHED, 1, day=day, region=region, sector=sector, modality=modality))
        rows.append(delta(Metric.LOT_BUDGET_FEN, budget_fen, day=day, region=region, sector=sector, modality=modality))
    _insert(rows)


def bids_opened(tender: Tender) -> None:
    """The opening: every lot of the tender, with the bids opened on it."""
    day, region, sector = local_day(tender.opened_at), tender.region_id, tender.sector  # type: ignore[arg-type]
    lots = tender.lots.annotate(opened=Count("bids", filter=Q(bids__opened_at__isnull=False))).values_list(
        "modality", "opened"
    )
    rows = []
    for modality, opened in lots:
        where: dict[str, Any] = {"day": day, "region": region, "sector": sector, "modality": modality}
        rows += [delta(Metric.LOTS_OPENED, 1, **where), delta(Metric.BIDS_OPENED, opened, **where)]
        if opened == 1:
            rows.append(delta(Metric.SINGLE_BID_LOTS, 1, **where))
    _insert(rows)


def tender_awarded(tender: Tender, awards: Iterable[Award]) -> None:
    rows = []
    for award in awards:
        where: dict[str, Any] = {
            "day": local_day(award.awarded_at),
            "region": tender.region_id,
            "sector": tender.sector,
            "modality": award.lot.modality,
        }
        days = award_days(published_at=tender.published_at, awarded_at=award.awarded_at)
        rows += [
            delta(Metric.AWARDS, 1, **where),
            delta(Metric.AWARD_VALUE_FEN, award.value_fen, **where),
            delta(Metric.AWARD_BUDGET_FEN, award.lot.budget_fen, **where),
            delta(Metric.AWARD_DAYS, days, **where),
        ]
    _insert(rows)


def _contract_dimensions(contract_id: int) -> dict[str, Any]:
    from marketplace.models import Contract

    region, sector, modality = Contract.objects.values_list(
        "tender__region_id", "tender__sector", "award__lot__modality"
    ).get(pk=contract_id)
    return {"region": region, "sector": sector, "modality": modality}


def contract_signed(contract: Contract) -> None:
    """Called on each signature; counts the contract when the second one makes it active."""
    if contract.signed_at is None:
        return
    where: dict[str, Any] = {"day": local_day(contract.signed_at), **_contract_dimensions(contract.pk)}
    _insert(
        [
            delta(Metric.CONTRACTS_SIGNED, 1, **where),
            delta(Metric.CONTRACT_VALUE_FEN, contract.value_fen, **where),
        ]
    )


# Payment entries that move money to the supplier (+1) or back (−1); the others (authorised,
# failed, hold cancelled) move none.
PAYMENT_SIGNS = {"captured": 1, "treasury_transfer": 1, "refunded": -1}


def payment_recorded(entry: PaymentEntry) -> None:
    sign = PAYMENT_SIGNS.get(entry.kind)
    if sign is None:
        return
    where: dict[str, Any] = {"day": local_day(entry.recorded_at), **_contract_dimensions(entry.payment.contract_id)}
    _insert([delta(Metric.PAYMENTS_FEN, sign * entry.amount_fen, **where)])


def acceptance_decided(report: AcceptanceReport, *, contract_id: int) -> None:
    where: dict[str, Any] = {"day": local_day(report.decided_at), **_contract_dimensions(contract_id)}  # type: ignore[arg-type]
    quality = quality_bp(sample_size=report.sample_size, defect_count=report.defect_count)
    _insert(
        [
            delta(Metric.ACCEPTANCES_DECIDED, 1, **where),
            delta(Metric.ACCEPTANCES_ACCEPTED, 1 if report.decision == "accepted" else 0, **where),
            delta(Metric.ACCEPTANCE_QUALITY_BP, quality, **where),
        ]
    )


# --- Vouchers -----------------------------------------------------------------------------------


def _region_of(organisation_id: int) -> str:
    return Organisation.objects.values_list("region_id", flat=True).get(pk=organisation_id)


def programme_funded(programme: Programme) -> None:
    """A draft programme opens: its budget is funded (the ledger's `fund` posting, made now)."""
    where: dict[str, Any] = {"day": local_day(timezone.now()), "region": _region_of(programme.authority_id)}
    _insert([delta(Metric.VOUCHER_BUDGET_FEN, programme.budget_fen, programme_id=programme.pk, **where)])


def voucher_issued(voucher: Voucher) -> None:
    where: dict[str, Any] = {"day": local_day(voucher.issued_at), "region": voucher.holder.region_id}
    _insert(
        [
            delta(Metric.VOUCHERS_ISSUED, 1, programme_id=voucher.programme_id, **where),
            delta(Metric.VOUCHER_ISSUED_FEN, voucher.face_fen, programme_id=voucher.programme_id, **where),
        ]
    )


_COLUMNS = "day, region, sector, modality, programme_id, programme_key, base_id, base_key, metric, value"


def _redeemed_sql(vendor: str) -> str:
    # PostgreSQL types the parameters of a prepared UNION from explicit casts (and the NULL of
    # the base, which would be text otherwise); SQLite's CAST to "date" would make a number of the
    # text, so it gets none.
    cast = {"date": "::date", "bigint": "::bigint", "text": "::varchar"} if vendor == "postgresql" else {}
    one_row = (  # table names and casts only: the values are parameters
        f"SELECT %s{cast.get('date', '')}, region_id, '', '', %s{cast.get('bigint', '')},"  # noqa: S608
        f" %s{cast.get('bigint', '')}, NULL{cast.get('bigint', '')}, 0,"
        f" %s{cast.get('text', '')}, %s{cast.get('bigint', '')}"
        f" FROM {Organisation._meta.db_table} WHERE id = %s"
    )
    return f"INSERT INTO {RollupDelta._meta.db_table} ({_COLUMNS}) {one_row} UNION ALL {one_row}"


def voucher_redeemed_statement(redemption: Redemption) -> tuple[str, list[Any]]:
    """`voucher_redeemed`'s INSERT and its parameters, for a caller that sends it within a statement
    of its own (the redemption's writes on PostgreSQL)."""
    day = connection.ops.adapt_datefield_value(local_day(redemption.confirmed_at))  # type: ignore[arg-type]
    programme, holder = redemption.programme_id, redemption.holder_id
    return _redeemed_sql(connection.vendor), [
        *(day, programme, programme, Metric.VOUCHER_REDEMPTIONS.value, 1, holder),
        *(day, programme, programme, Metric.VOUCHER_REDEEMED_FEN.value, redemption.amount_fen, holder),
    ]


def voucher_redeemed(redemption: Redemption) -> None:
    """The hot path (voucher_redeem): one prepared INSERT … SELECT that reads the holder's region
    itself, no round trip of its own before it."""
    prepared.fetchone(*voucher_redeemed_statement(redemption))


def voucher_settled(claim: SettlementClaim, redemption: Redemption) -> None:
    where: dict[str, Any] = {"day": local_day(claim.settled_at), "region": _region_of(redemption.holder_id)}  # type: ignore[arg-type]
    _insert(
        [
            delta(Metric.VOUCHER_SETTLEMENTS, 1, programme_id=redemption.programme_id, **where),
            delta(Metric.VOUCHER_SETTLED_FEN, redemption.amount_fen, programme_id=redemption.programme_id, **where),
        ]
    )


def voucher_expired_or_cancelled(voucher: Voucher, *, returned_fen: int) -> None:
    if not returned_fen:
        return
    where: dict[str, Any] = {"day": local_day(voucher.ended_at), "region": _region_of(voucher.holder_id)}  # type: ignore[arg-type]
    _insert([delta(Metric.VOUCHER_RETURNED_FEN, returned_fen, programme_id=voucher.programme_id, **where)])


# --- Talent and statistical reports -------------------------------------------------------------


def certificate_issued(certificate: Certificate) -> None:
    where: dict[str, Any] = {"day": certificate.issued_on, "region": certificate.person.region_id}
    _insert([delta(CERTIFICATE_METRICS[certificate.level], 1, **where)])


def certificates_imported(records: Iterable[Any]) -> None:
    """A bulk import's certificates (rows with `person_id`, `level`, `issued_on`): one delta per
    day, holder region and level, whatever the number of rows."""
    from registry.talent.models import Person

    records = list(records)
    person_ids = sorted({record.person_id for record in records})
    regions: dict[int, str] = {}
    for start in range(0, len(person_ids), 10_000):
        chunk = person_ids[start : start + 10_000]
        regions.update(Person.objects.filter(pk__in=chunk).values_list("pk", "region_id"))
    counts: Counter[tuple[datetime.date, str, int]] = Counter(
        (record.issued_on, regions[record.person_id], record.level) for record in records
    )
    _insert(
        delta(CERTIFICATE_METRICS[level], count, day=day, region=region)
        for (day, region, level), count in sorted(counts.items())
    )


def statistical_report_filed(report: StatisticalReport, *, previous: Mapping[str, Any] | None) -> None:
    """A report saved (drafts count for nothing) or submitted; `previous` is the submitted
    figures an amendment replaces (`_audit_view` of the report before), None for a first
    submission: the deltas are new − old."""
    if report.state != "submitted":
        return
    old: Mapping[str, Any] = previous or {}
    where: dict[str, Any] = {
        "day": quarter_start(report.year, report.quarter),
        "region": _region_of(report.organisation_id),
    }
    rows = [
        delta(Metric.REPORTS_SUBMITTED, 0 if previous else 1, **where),
        delta(Metric.REPORTED_REVENUE_FEN, report.revenue_fen - old.get("revenue_fen", 0), **where),
        delta(Metric.REPORTED_HEADCOUNT, report.headcount - old.get("headcount", 0), **where),
    ]
    old_volumes: Mapping[str, int] = old.get("volumes", {})
    new_volumes = {volume.modality: volume.items for volume in report.volumes.all()}
    for modality in sorted(set(old_volumes) | set(new_volumes)):
        change = new_volumes.get(modality, 0) - old_volumes.get(modality, 0)
        rows.append(delta(Metric.REPORTED_ITEMS, change, modality=modality, **where))
    _insert(rows)


def base_output_reported(output: BaseOutput, *, previous: Mapping[str, Any] | None) -> None:
    """A base's quarter reported or corrected; `previous` is the figures a correction replaces
    (None for the first report): the deltas are new − old."""
    old: Mapping[str, int] = previous or {}
    where: dict[str, Any] = {
        "day": quarter_start(output.year, output.quarter),
        "region": output.base.city_id,
        "base_id": output.base_id,
    }
    _insert(
        [
            delta(Metric.BASE_OUTPUT_ITEMS, output.annotated_items - old.get("annotated_items", 0), **where),
            delta(Metric.BASE_OUTPUT_REVENUE_FEN, output.revenue_fen - old.get("revenue_fen", 0), **where),
            delta(Metric.BASE_HEADCOUNT, output.headcount - old.get("headcount", 0), **where),
        ]
    )


# --- Registrations ------------------------------------------------------------------------------


def _verification_rows(period: VerificationPeriod, *, kind: str, day: datetime.date, sign: int) -> None:
    where: dict[str, Any] = {"day": day, "region": period.region_id}
    _insert(
        [
            delta(Metric.ORGANISATIONS_VERIFIED, sign, **where),
            delta(Metric.VENDORS_VERIFIED, sign if kind == OrganisationKind.VENDOR else 0, **where),
        ]
    )


def organisation_verified(period: VerificationPeriod, *, kind: str) -> None:
    """An organisation became verified: its period opened."""
    _verification_rows(period, kind=kind, day=local_day(period.verified_at), sign=1)


def organisation_verification_ended(period: VerificationPeriod, *, kind: str) -> None:
    """An organisation left VERIFIED: its period closed."""
    _verification_rows(period, kind=kind, day=local_day(period.ended_at), sign=-1)  # type: ignore[arg-type]
