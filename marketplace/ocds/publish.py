"""Recording releases: the one place a Release row is written."""

from __future__ import annotations

from django.utils import timezone

from marketplace.models import Release, Tender
from marketplace.ocds import encoding
from marketplace.ocds.build import ocid_of, release_data


def release_record(*, tender: Tender, tags: list[str]) -> Release:
    """Write the release of the state `tender` has just reached. Call it with the tender's row
    locked (every tender service does), which keeps the per-tender numbering gap-free."""
    ocid = ocid_of(tender.pk)
    sequence = Release.objects.filter(tender=tender).count() + 1
    release_id = f"{ocid}-{sequence:04d}"
    now = timezone.now()
    data = release_data(tender=tender, tags=tags, release_id=release_id, date=now)
    return Release.objects.create(
        tender=tender, ocid=ocid, release_id=release_id, date=now, tags=tags, data=encoding.dumps(data)
    )
