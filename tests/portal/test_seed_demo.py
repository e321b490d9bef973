import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from portal.accounts.models import User
from portal.audit.selectors import audit_chain_report
from portal.management.commands.seed_demo import DEMO_PASSWORD, DEMO_USERS
from registry.models import Membership, Organisation
from registry.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _demo_allowed(settings):
    settings.DEMO_DATA_ALLOWED = True


def test_seed_demo_creates_every_role_and_is_idempotent(capsys):
    call_command("seed_demo")
    first = (Organisation.objects.count(), Membership.objects.count(), User.objects.count())
    call_command("seed_demo")
    output = capsys.readouterr().out

    assert (Organisation.objects.count(), Membership.objects.count(), User.objects.count()) == first
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    assert User.objects.get(username="operator").is_staff
    assert len(set(Organisation.objects.values_list("region__code", flat=True))) >= 8
    assert Organisation.objects.filter(status="submitted").exists()  # a pending one for operators to verify
    for username in DEMO_USERS:
        assert username in output
        assert User.objects.get(username=username).check_password(DEMO_PASSWORD)
    assert DEMO_PASSWORD in output
    assert audit_chain_report().ok


def test_seed_demo_refuses_when_demo_data_is_off(settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="DEMO_DATA_ALLOWED"):
        call_command("seed_demo")
    assert not User.objects.filter(username="operator").exists()
