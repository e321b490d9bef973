"""Backfill `Organisation.verified_at` and the verification periods of the organisations that exist.

The audit log's rows of each organisation (its verification, and the profile changes that sent it
back to the operators) give every period with its day and region. An organisation verified now
whose rows do not show it (written straight to the table) gets a period from its `created_at`; one
left open by the rows although the organisation is no longer verified ends at `status_changed_at`.
The rollups count these periods from the next rebuild (`rebuild_rollups`, nightly).
"""

from django.db import migrations
from django.db.models import OuterRef, Subquery

VERIFIED = "verified"
CROSSING_ACTIONS = ("organisation.verify", "organisation.resubmit", "organisation.update_profile")


def backfill(apps, schema_editor):
    Organisation = apps.get_model("registry", "Organisation")
    VerificationPeriod = apps.get_model("registry", "VerificationPeriod")
    AuditEntry = apps.get_model("audit", "AuditEntry")
    closed = []
    open_periods = {}  # organisation id -> (verified_at, region id)
    rows = (
        AuditEntry.objects.filter(object_type="registry.organisation", action__in=CROSSING_ACTIONS)
        .order_by("created_at", "pk")
        .values_list("object_id", "created_at", "before", "after")
    )
    for object_id, created_at, before, after in rows.iterator(chunk_size=5_000):
        organisation_id = int(object_id)
        was, now = (before or {}).get("status"), (after or {}).get("status")
        if now == VERIFIED and was != VERIFIED:
            open_periods[organisation_id] = (created_at, after.get("region"))
        elif was == VERIFIED and now != VERIFIED and organisation_id in open_periods:
            verified_at, region = open_periods.pop(organisation_id)
            closed.append((organisation_id, verified_at, created_at, region))
    current = {}  # organisation id -> (verified_at, region id), of the organisations verified now
    existing = set()
    organisations = Organisation.objects.values_list("pk", "status", "region_id", "created_at", "status_changed_at")
    for pk, status, region_id, created_at, status_changed_at in organisations.iterator(chunk_size=5_000):
        existing.add(pk)
        period = open_periods.pop(pk, None)
        if status == VERIFIED:
            verified_at, region = period or (created_at, region_id)
            current[pk] = (verified_at, region or region_id)
        elif period is not None:
            verified_at, region = period
            closed.append((pk, verified_at, max(verified_at, status_changed_at or verified_at), region or region_id))
    periods = [
        VerificationPeriod(organisation_id=pk, verified_at=start, ended_at=end, region_id=region)
        for pk, start, end, region in closed
        if pk in existing
    ]
    periods += [
        VerificationPeriod(organisation_id=pk, verified_at=start, region_id=region)
        for pk, (start, region) in current.items()
    ]
    VerificationPeriod.objects.bulk_create(periods, batch_size=2_000)
    started = VerificationPeriod.objects.filter(organisation=OuterRef("pk"), ended_at__isnull=True).values(
        "verified_at"
    )
    Organisation.objects.filter(status=VERIFIED).update(verified_at=Subquery(started[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("registry", "0004_organisation_verified_at_and_periods"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
