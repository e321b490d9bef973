import pytest
from django.core.exceptions import ValidationError

from portal.audit.models import AuditEntry
from portal.errors import Conflict, PermissionDenied
from registry.institutions import services
from registry.institutions.models import InstitutionService, NeedStatus, ServiceNeed, ServiceResponse
from registry.roles import OrganisationKind, Role
from tests.factories import MembershipFactory, OrganisationFactory
from tests.factories.institutions import InstitutionServiceFactory, ServiceNeedFactory, ServiceResponseFactory

pytestmark = pytest.mark.django_db


def _post(actor, organisation, **overrides):
    arguments = {
        "category": "compliance",
        "region_code": "440305",
        "title": "训练数据出境合规评估",
        "description": "评估向境外提供标注数据的合规路径。",
        "budget_fen": 8_000_000,
    }
    return services.need_post(actor=actor, organisation=organisation, **{**arguments, **overrides})


# --- Offers -------------------------------------------------------------------------------------


def test_an_institutions_manager_offers_a_category_once(institution, institution_staff):
    offer = services.institution_service_offer(actor=institution_staff, organisation=institution, category="finance")
    assert AuditEntry.objects.get(action="institution_service.offer", actor=institution_staff).object_id == str(
        offer.pk
    )
    with pytest.raises(ValidationError) as error:
        services.institution_service_offer(actor=institution_staff, organisation=institution, category="finance")
    assert "category" in error.value.message_dict
    assert InstitutionService.objects.filter(organisation=institution, category="finance").count() == 1


def test_only_third_party_institutions_offer_services(vendor_org, vendor_user):
    with pytest.raises(ValidationError) as error:
        services.institution_service_offer(actor=vendor_user, organisation=vendor_org, category="finance")
    assert "organisation" in error.value.message_dict
    assert not InstitutionService.objects.exists()


def test_outsiders_and_non_managing_members_cannot_offer_or_withdraw(institution, other_vendor_user):
    expert = MembershipFactory(organisation=institution, role=Role.EXPERT).user
    offer = institution.institution_services.get()
    for actor in (other_vendor_user, expert):
        with pytest.raises(PermissionDenied):
            services.institution_service_offer(actor=actor, organisation=institution, category="finance")
        with pytest.raises(PermissionDenied):
            services.institution_service_withdraw(actor=actor, service=offer)
    assert list(institution.institution_services.values_list("category", flat=True)) == ["compliance"]


def test_an_unknown_category_is_refused(institution, institution_staff):
    with pytest.raises(ValidationError) as error:
        services.institution_service_offer(actor=institution_staff, organisation=institution, category="catering")
    assert "category" in error.value.message_dict


# --- Needs --------------------------------------------------------------------------------------


def test_a_small_enterprise_posts_a_need_its_members_then_see(need_org, need_owner):
    need = _post(need_owner, need_org)

    assert need.status == NeedStatus.OPEN
    assert need.posted_by == need_owner
    colleague = MembershipFactory(organisation=need_org, role=Role.EXPERT).user
    assert colleague.has_perm("institutions.view_serviceneed", need)
    entry = AuditEntry.objects.get(action="service_need.post", object_id=str(need.pk))
    assert entry.actor == need_owner
    assert entry.after["budget_fen"] == 8_000_000


def test_a_vendor_may_post_a_need_too(vendor_org, vendor_user):
    assert _post(vendor_user, vendor_org).organisation == vendor_org


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"region_code": "999999"}, "region"),
        ({"category": "catering"}, "category"),
        ({"title": "  "}, "title"),
        ({"description": ""}, "description"),
        ({"budget_fen": -1}, "budget_fen"),
    ],
)
def test_bad_need_input_names_the_field_and_writes_nothing(need_org, need_owner, overrides, field):
    with pytest.raises(ValidationError) as error:
        _post(need_owner, need_org, **overrides)
    assert field in error.value.message_dict
    assert not ServiceNeed.objects.exists()
    assert not AuditEntry.objects.filter(action="service_need.post").exists()


def test_institutions_agencies_and_unverified_organisations_do_not_post_needs(institution, agency_user, operator):
    agency = agency_user.memberships.get().organisation
    unverified = OrganisationFactory(kind=OrganisationKind.ENTERPRISE, verified=False)
    for organisation in (institution, agency, unverified):
        with pytest.raises(ValidationError) as error:
            _post(operator, organisation)
        assert "organisation" in error.value.message_dict
    assert not ServiceNeed.objects.exists()


def test_only_the_organisations_managing_staff_post_its_needs(need_org, other_vendor_user):
    expert = MembershipFactory(organisation=need_org, role=Role.EXPERT).user
    for actor in (other_vendor_user, expert):
        with pytest.raises(PermissionDenied):
            _post(actor, need_org)
    assert not ServiceNeed.objects.exists()


# --- Responses ----------------------------------------------------------------------------------


def test_an_institution_responds_once_and_both_sides_see_the_response(need, institution, institution_staff, need_owner):
    response = services.response_submit(
        actor=institution_staff, need=need, institution=institution, message="两周内完成。", quote_fen=3_000_000
    )
    assert institution_staff.has_perm("institutions.view_serviceresponse", response)
    assert need_owner.has_perm("institutions.view_serviceresponse", response)
    assert AuditEntry.objects.get(action="service_response.submit").actor == institution_staff

    with pytest.raises(Conflict) as error:
        services.response_submit(actor=institution_staff, need=need, institution=institution, message="再次报价")
    assert "institution" in error.value.fields
    assert ServiceResponse.objects.count() == 1
    assert AuditEntry.objects.filter(action="service_response.submit").count() == 1


@pytest.mark.parametrize("status", ["matched", "closed"])
def test_a_need_that_is_no_longer_open_takes_no_responses(need, need_owner, institution, institution_staff, status):
    if status == "matched":
        first = ServiceResponseFactory(need=need)
        services.need_choose(actor=need_owner, need=need, response=first)
    else:
        services.need_close(actor=need_owner, need=need)
    with pytest.raises(Conflict) as error:
        services.response_submit(actor=institution_staff, need=need, institution=institution, message="晚到的报价")
    assert "need" in error.value.fields
    assert not ServiceResponse.objects.filter(institution=institution).exists()


def test_an_institution_not_offering_the_category_or_unverified_or_of_another_kind_cannot_respond(
    need, operator, vendor_org
):
    finance_only = InstitutionServiceFactory(category="finance").organisation
    unverified = OrganisationFactory(kind=OrganisationKind.THIRD_PARTY, verified=False)
    for organisation in (finance_only, unverified, vendor_org):
        with pytest.raises(ValidationError) as error:
            services.response_submit(actor=operator, need=need, institution=organisation, message="报价")
        assert "institution" in error.value.message_dict
    assert not ServiceResponse.objects.exists()


def test_nobody_responds_to_a_need_of_their_own_organisation(need, need_org, institution):
    both = MembershipFactory(organisation=institution, role=Role.VENDOR_STAFF).user
    MembershipFactory(organisation=need_org, user=both, role=Role.EXPERT)
    with pytest.raises(PermissionDenied):
        services.response_submit(actor=both, need=need, institution=institution, message="自己人")
    assert not ServiceResponse.objects.exists()


def test_only_the_institutions_managing_staff_respond_for_it(need, institution, other_vendor_user, need_owner):
    for actor in (other_vendor_user, need_owner):
        with pytest.raises(PermissionDenied):
            services.response_submit(actor=actor, need=need, institution=institution, message="冒名")
    assert not ServiceResponse.objects.exists()


# --- Choosing and closing ------------------------------------------------------------------------


def test_the_posting_organisation_chooses_a_response_and_the_need_is_matched(need, need_owner):
    response = ServiceResponseFactory(need=need)
    need = services.need_choose(actor=need_owner, need=need, response=response)

    need.refresh_from_db()
    assert need.status == NeedStatus.MATCHED
    assert need.chosen_response == response
    entry = AuditEntry.objects.get(action="service_need.choose")
    assert (entry.before["status"], entry.after["status"], entry.after["chosen_response"]) == (
        "open",
        "matched",
        response.pk,
    )


def test_choosing_on_a_closed_need_is_a_conflict_and_changes_nothing(need, need_owner):
    response = ServiceResponseFactory(need=need)
    services.need_close(actor=need_owner, need=need)
    with pytest.raises(Conflict) as error:
        services.need_choose(actor=need_owner, need=need, response=response)
    assert "status" in error.value.fields
    need.refresh_from_db()
    assert (need.status, need.chosen_response) == (NeedStatus.CLOSED, None)
    assert not AuditEntry.objects.filter(action="service_need.choose").exists()


def test_choosing_twice_is_a_conflict(need, need_owner):
    first, second = ServiceResponseFactory(need=need), ServiceResponseFactory(need=need)
    services.need_choose(actor=need_owner, need=need, response=first)
    with pytest.raises(Conflict):
        services.need_choose(actor=need_owner, need=need, response=second)
    need.refresh_from_db()
    assert need.chosen_response == first


def test_a_response_to_another_need_cannot_be_chosen(need, need_owner, need_org):
    other = ServiceResponseFactory(need=ServiceNeedFactory(organisation=need_org))
    with pytest.raises(ValidationError) as error:
        services.need_choose(actor=need_owner, need=need, response=other)
    assert "response" in error.value.message_dict
    need.refresh_from_db()
    assert need.status == NeedStatus.OPEN


def test_an_institution_cannot_choose_itself(need, institution, institution_staff):
    response = services.response_submit(actor=institution_staff, need=need, institution=institution, message="选我")
    with pytest.raises(PermissionDenied):
        services.need_choose(actor=institution_staff, need=need, response=response)
    with pytest.raises(PermissionDenied):
        services.need_close(actor=institution_staff, need=need)
    need.refresh_from_db()
    assert need.status == NeedStatus.OPEN


def test_a_matched_need_closes_and_a_closed_one_does_not_close_again(need, need_owner):
    response = ServiceResponseFactory(need=need)
    services.need_choose(actor=need_owner, need=need, response=response)
    closed = services.need_close(actor=need_owner, need=need)
    assert (closed.status, closed.chosen_response) == (NeedStatus.CLOSED, response)
    with pytest.raises(Conflict):
        services.need_close(actor=need_owner, need=need)
    assert AuditEntry.objects.filter(action="service_need.close").count() == 1
