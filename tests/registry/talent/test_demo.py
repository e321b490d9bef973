import pytest
from django.utils import timezone

from portal.audit.selectors import audit_chain_report
from portal.management.commands.seed_demo import DEMO_USERS
from registry.demo import seed_registry
from registry.talent import demo
from registry.talent.models import Certificate, CertificateStatus, Expert, ExpertStatus, Occupation, SkillLevel
from registry.talent.selectors import certificates_verify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_world(db):
    users = {username: UserFactory(username=username, is_staff=username == "operator") for username in DEMO_USERS}
    seed_registry(operator=users["operator"], users=users)
    return users


def test_the_demo_talent_pool_is_varied_and_idempotent(demo_world):
    created = demo.seed(operator=demo_world["operator"])
    again = demo.seed(operator=demo_world["operator"])

    today = timezone.localdate()
    certificates = list(Certificate.objects.select_related("issuer"))
    assert created == len(certificates) + Expert.objects.count()
    assert again == 0
    assert len(certificates) == 30
    assert {c.issuer.name for c in certificates} == {demo.ISSUER_NAME}
    assert {c.occupation for c in certificates} == set(Occupation.values)
    assert {c.level for c in certificates} == set(SkillLevel.values)
    statuses = [c.status_on(today) for c in certificates]
    assert statuses.count(CertificateStatus.REVOKED) == 1
    assert statuses.count(CertificateStatus.EXPIRED) >= 3
    assert statuses.count(CertificateStatus.VALID) >= 20
    assert audit_chain_report().ok


def test_the_demo_experts_are_approved_with_histories(demo_world):
    demo.seed(operator=demo_world["operator"])

    experts = list(Expert.objects.select_related("person__user").prefetch_related("employments"))
    assert len(experts) == len(demo.EXPERTS) == 14
    assert all(e.status == ExpertStatus.APPROVED for e in experts)
    assert all(e.employments.all() for e in experts)
    signed_in = next(e for e in experts if e.person.user.username == "expert")
    assert signed_in.person.name == "郑专家"
    assert {e.person.user.username for e in experts} >= set(demo.SIGN_IN_EXPERTS)
    assert set(demo.SIGN_IN_EXPERTS) <= set(DEMO_USERS)  # seed_demo makes them, with the password
    others = [e.person.user for e in experts if e.person.user.username not in demo.SIGN_IN_EXPERTS]
    assert not any(user.has_usable_password() for user in others)


def test_a_demo_certificate_verifies(demo_world):
    demo.seed(operator=demo_world["operator"])
    number = Certificate.objects.order_by("pk").first().number
    (check,) = certificates_verify(number=number)
    assert check.issuer_name == demo.ISSUER_NAME
    assert "*" in check.holder


def test_without_the_demo_issuer_nothing_is_seeded(db):
    assert demo.seed(operator=UserFactory(is_staff=True)) == 0
