import pytest

from registry.institutions import selectors, services
from registry.institutions.models import ServiceCategory
from registry.roles import OrganisationKind, Role
from tests.factories import MembershipFactory, OrganisationFactory
from tests.factories.institutions import InstitutionServiceFactory, ServiceNeedFactory, ServiceResponseFactory

pytestmark = pytest.mark.django_db


def _institution(name, region_code, *, category="compliance", verified=True):
    organisation = OrganisationFactory(
        name=name, kind=OrganisationKind.THIRD_PARTY, region_code=region_code, verified=verified
    )
    InstitutionServiceFactory(organisation=organisation, category=category)
    return organisation


def test_matching_ranks_same_city_then_same_province_then_elsewhere(need_org):
    # Neither creation order nor names follow the ranking (names only order within a rank).
    elsewhere = _institution("A 杭州合规", "330100")
    province = _institution("B 广州合规", "440100")
    same_city_district = _institution("C 南山合规", "440305")
    same_city = _institution("D 深圳合规", "440300")
    _institution("未核验合规", "440300", verified=False)
    _institution("深圳财税", "440300", category="finance")
    need = ServiceNeedFactory(organisation=need_org, category="compliance", region_code="440305")

    matches = list(selectors.institutions_matching(need=need))

    assert [m.pk for m in matches] == [same_city_district.pk, same_city.pk, province.pk, elsewhere.pk]
    assert [m.proximity for m in matches] == [
        selectors.SAME_CITY,
        selectors.SAME_CITY,
        selectors.SAME_PROVINCE,
        selectors.ELSEWHERE,
    ]


def test_a_need_for_a_whole_province_has_no_same_city_rank(need_org):
    in_province = _institution("广州合规", "440100")
    elsewhere = _institution("杭州合规", "330100")
    need = ServiceNeedFactory(organisation=need_org, category="compliance", region_code="440000")
    matches = list(selectors.institutions_matching(need=need))
    assert [(m.pk, m.proximity) for m in matches] == [
        (in_province.pk, selectors.SAME_PROVINCE),
        (elsewhere.pk, selectors.ELSEWHERE),
    ]


def test_an_open_need_is_visible_to_its_organisation_and_to_institutions_offering_its_category(
    need, need_owner, institution_staff, other_vendor_user, agency_user, regulator_other_region, operator
):
    finance_staff = MembershipFactory(
        organisation=_institution("财税咨询", "440300", category=ServiceCategory.FINANCE), role=Role.VENDOR_STAFF
    ).user
    unverified_staff = MembershipFactory(
        organisation=_institution("未核验", "440300", verified=False), role=Role.VENDOR_STAFF
    ).user

    def sees(user):
        return selectors.needs_visible_to(user=user).filter(pk=need.pk).exists()

    assert sees(need_owner)
    assert sees(institution_staff)
    assert sees(operator)
    for outsider in (other_vendor_user, agency_user, regulator_other_region, finance_staff, unverified_staff):
        assert not sees(outsider)


def test_once_matched_only_the_organisation_and_the_institutions_that_responded_still_see_the_need(
    need, need_owner, institution, institution_staff
):
    silent = MembershipFactory(organisation=_institution("没有回应的机构", "440100"), role=Role.VENDOR_STAFF).user
    services.response_submit(actor=institution_staff, need=need, institution=institution, message="报价")
    chosen = ServiceResponseFactory(need=need)
    services.need_choose(actor=need_owner, need=need, response=chosen)

    visible = {
        user: selectors.needs_visible_to(user=user).filter(pk=need.pk).exists()
        for user in (need_owner, institution_staff, silent)
    }
    assert visible == {need_owner: True, institution_staff: True, silent: False}


def test_responses_are_visible_to_the_need_and_the_responder_only(need, need_owner, institution, institution_staff):
    mine = services.response_submit(actor=institution_staff, need=need, institution=institution, message="我们的报价")
    competitor = ServiceResponseFactory(need=need)

    assert set(selectors.responses_visible_to(user=need_owner, need=need)) == {mine, competitor}
    assert set(selectors.responses_visible_to(user=institution_staff)) == {mine}
