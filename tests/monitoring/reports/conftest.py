import pytest

from registry.models import Organisation
from tests.factories.monitoring_reports import REGISTERED_AT, regulator


@pytest.fixture
def owner_org(vendor_org):
    """The shared `vendor_org` (Chengdu), registered long enough ago to be expected to report."""
    Organisation.objects.filter(pk=vendor_org.pk).update(created_at=REGISTERED_AT)
    vendor_org.refresh_from_db()
    return vendor_org


@pytest.fixture
def regulator_in_scope(db):
    return regulator("510000")  # Sichuan, which holds Chengdu
