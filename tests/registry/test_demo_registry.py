"""The registry's demo data: realistic profiles, a related pair and a declared relation, idempotent."""

import pytest

from portal.audit.selectors import audit_chain_report
from registry.demo import PROFILES, seed_registry
from registry.models import DeclaredRelation, Organisation, Shareholder
from registry.related_parties import RelationReason, related_parties
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

USERNAMES = ("agency", "vendor", "vendor2", "buyer", "officer", "regulator", "national", "expert")


def _seed():
    operator = UserFactory(username="operator", is_staff=True)
    return seed_registry(operator=operator, users={name: UserFactory(username=name) for name in USERNAMES})


def test_the_demo_shows_related_party_detection_and_is_idempotent():
    created = _seed()
    counts = (Organisation.objects.count(), Shareholder.objects.count(), DeclaredRelation.objects.count())
    again = _seed()

    assert (created, again) == (13, 0)
    assert (Organisation.objects.count(), Shareholder.objects.count(), DeclaredRelation.objects.count()) == counts
    by_name = {o.name: o for o in Organisation.objects.all()}
    chengdu, shenyang = by_name["成都星标智能科技有限公司"], by_name["沈阳北方智标信息技术有限公司"]
    assert related_parties(chengdu) == {shenyang.pk: {RelationReason.COMMON_HOLDER}}
    assert related_parties(by_name["合肥慧眼数据标注有限公司"]) == {
        by_name["海口椰林数据服务有限公司"].pk: {RelationReason.DECLARED}
    }
    assert audit_chain_report().ok


def test_demo_profiles_are_complete_and_keep_the_verification_plan():
    _seed()
    for name, profile in PROFILES.items():
        organisation = Organisation.objects.get(name=name)
        assert organisation.legal_representative == profile.representative.name
        assert organisation.legal_representative_id_masked.endswith(profile.representative.id_number[-4:])
        assert organisation.registered_capital_fen == profile.capital_yuan * 100
        assert set(organisation.capabilities.values_list("modality", flat=True)) == set(profile.capabilities)
        stored = str(list(Organisation.objects.values())) + str(list(Shareholder.objects.values()))
        assert profile.representative.id_number not in stored
    assert list(Organisation.objects.filter(status="submitted").values_list("name", flat=True)) == [
        "长沙麓谷新标数据有限公司"
    ]
    assert not Organisation.objects.filter(status="rejected").exists()
