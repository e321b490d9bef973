import re

import pytest

from portal.audit.models import AuditEntry
from registry.bases.models import AnnotationBase, BaseMembership, BaseOutput
from tests.factories import OrganisationFactory
from tests.factories.bases import AnnotationBaseFactory, BaseMembershipFactory, BaseOutputFactory
from tests.registry.bases.conftest import ROLES

pytestmark = pytest.mark.django_db

MANAGERS = {"owner", "operator"}


def _login(client, user):
    if user is not None:
        client.force_login(user)


@pytest.mark.parametrize("role", ROLES)
def test_everyone_sees_the_list_and_the_detail_page_but_only_managers_get_the_forms(client, user_for, role, base):
    member = BaseMembershipFactory(base=base, organisation=OrganisationFactory(name="成员公司甲", verified=True))
    BaseOutputFactory(base=base, year=2025, quarter=1)
    _login(client, user_for(role))

    listing = client.get("/registry/bases/")
    detail = client.get(f"/registry/bases/{base.pk}/")

    assert listing.status_code == detail.status_code == 200
    assert base.name in listing.content.decode()
    html = detail.content.decode()
    assert f'href="/registry/organisations/{member.organisation.pk}/"' in html
    assert 'data-testid="base-output-table"' in html
    assert ('data-testid="base-member-form"' in html) is (role in MANAGERS)
    assert ('data-testid="base-output-form"' in html) is (role in MANAGERS)


@pytest.mark.parametrize("role", ROLES)
def test_recording_a_base_on_the_page_is_for_operators(client, user_for, role, base_operator_org):
    _login(client, user_for(role))
    form = client.get("/registry/bases/new/")
    response = client.post(
        "/registry/bases/new/",
        {
            "name": "国家数据标注基地（长沙）",
            "city": "430100",
            "designation": "national",
            "operator": base_operator_org.pk,
            "designated_on": "2024-12-20",
        },
    )

    if role == "anonymous":
        assert form.status_code == response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    elif role == "operator":
        assert form.status_code == 200
        assert response.status_code == 302
        base = AnnotationBase.objects.get(name="国家数据标注基地（长沙）")
        assert response["Location"] == f"/registry/bases/{base.pk}/"
        assert AuditEntry.objects.filter(action="base.create", actor=user_for(role)).exists()
    else:
        assert form.status_code == response.status_code == 403
    assert AnnotationBase.objects.filter(name="国家数据标注基地（长沙）").exists() is (role == "operator")


def test_the_base_form_names_an_unknown_city_and_a_non_operator_organisation(client, operator, vendor_org):
    client.force_login(operator)
    response = client.post(
        "/registry/bases/new/",
        {"name": "X", "city": "999999", "designation": "national", "operator": vendor_org.pk, "designated_on": "x"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    for field in ("city", "operator", "designated_on"):
        assert f'data-field="{field}"' in html
    assert not AnnotationBase.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_adding_and_removing_members_on_the_page_is_for_the_operator_organisations_managers(
    client, user_for, role, base
):
    joiner = OrganisationFactory(verified=True)
    existing = BaseMembershipFactory(base=base)
    user = user_for(role)
    _login(client, user)

    added = client.post(f"/registry/bases/{base.pk}/members/", {"organisation": joiner.credit_code})
    removed = client.post(f"/registry/bases/{base.pk}/members/{existing.pk}/remove/")

    allowed = role in MANAGERS
    if role == "anonymous":
        assert added.status_code == removed.status_code == 302
        assert "/accounts/login/" in added["Location"]
    else:
        assert added.status_code == removed.status_code == (302 if allowed else 403)
    assert BaseMembership.objects.filter(organisation=joiner).exists() is allowed
    assert BaseMembership.objects.filter(pk=existing.pk).exists() is not allowed
    assert AuditEntry.objects.filter(action="base_membership.add", actor=user).exists() is (
        allowed and user is not None
    )


def test_adding_an_unknown_or_unverified_organisation_answers_400_naming_the_field(client, base, base_manager):
    pending = OrganisationFactory(verified=False)
    client.force_login(base_manager)
    for code in ("91510100MA0000000X", pending.credit_code, ""):
        response = client.post(f"/registry/bases/{base.pk}/members/", {"organisation": code})
        assert response.status_code == 400
        assert 'data-field="organisation"' in response.content.decode()
    assert not BaseMembership.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_reporting_output_on_the_page_is_for_the_operator_organisations_managers(client, user_for, role, base):
    _login(client, user_for(role))
    response = client.post(
        f"/registry/bases/{base.pk}/outputs/",
        {"year": 2025, "quarter": 2, "annotated_items": 5000, "revenue_fen": "12,345.67", "headcount": 80},
    )
    allowed = role in MANAGERS
    if role == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == (302 if allowed else 403)
    output = BaseOutput.objects.filter(base=base).first()
    assert (output is not None) is allowed
    if output is not None:
        assert output.revenue_fen == 1_234_567
        page = client.get(f"/registry/bases/{base.pk}/").content.decode()
        assert "12,345.67" in page


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"revenue_fen": "-1"}, "revenue_fen"),
        ({"revenue_fen": "1.234"}, "revenue_fen"),
        ({"annotated_items": "-3"}, "annotated_items"),
        ({"year": "2099"}, "quarter"),
        ({"quarter": "5"}, "quarter"),
    ],
)
def test_bad_output_on_the_page_answers_400_naming_the_field_and_writes_nothing(
    client, base, base_manager, fields, field
):
    client.force_login(base_manager)
    data = {"year": 2025, "quarter": 1, "annotated_items": 10, "revenue_fen": "100", "headcount": 3, **fields}
    response = client.post(f"/registry/bases/{base.pk}/outputs/", data)
    assert response.status_code == 400
    assert f'data-field="{field}"' in response.content.decode()
    assert not BaseOutput.objects.exists()


def test_the_public_does_not_see_members_whose_verification_is_pending_again(client, base, base_manager, operator):
    from registry.services import organisation_reject

    member = BaseMembershipFactory(base=base, organisation=OrganisationFactory(name="重新核验公司", verified=True))
    member.organisation.status = "submitted"
    member.organisation.save(update_fields=["status"])
    organisation_reject(actor=operator, organisation=member.organisation, reason="营业执照过期")

    assert "重新核验公司" not in client.get(f"/registry/bases/{base.pk}/").content.decode()
    client.force_login(base_manager)
    assert "重新核验公司" in client.get(f"/registry/bases/{base.pk}/").content.decode()


def test_the_detail_page_shows_yearly_and_grand_totals(client, base):
    BaseOutputFactory(base=base, year=2024, quarter=4, annotated_items=1000, revenue_fen=100_00, headcount=10)
    BaseOutputFactory(base=base, year=2025, quarter=1, annotated_items=2000, revenue_fen=250_50, headcount=12)
    html = client.get(f"/registry/bases/{base.pk}/").content.decode()
    total = re.search(r'data-testid="base-output-total">(.*?)</tr>', html, re.S).group(1)
    assert "3,000" in total
    assert "350.50" in total
    assert 'data-testid="base-output-year-2024"' in html


def test_the_list_filters_by_designation_and_province_and_answers_htmx_with_results_only(client, base_operator_org):
    AnnotationBaseFactory(name="成都基地", city_code="510100", designation="national", operator=base_operator_org)
    AnnotationBaseFactory(name="武侯基地", city_code="510107", designation="provincial", operator=base_operator_org)
    AnnotationBaseFactory(name="合肥基地", city_code="340100", designation="national", operator=base_operator_org)

    sichuan = client.get("/registry/bases/", {"province": "510000"}).content.decode()
    national = client.get("/registry/bases/", {"designation": "national"}).content.decode()
    fragment = client.get("/registry/bases/", {"province": "340000"}, HTTP_HX_REQUEST="true").content.decode()

    assert "成都基地" in sichuan
    assert "武侯基地" in sichuan
    assert "合肥基地" not in sichuan
    assert "成都基地" in national
    assert "合肥基地" in national
    assert "武侯基地" not in national
    assert "<html" not in fragment
    assert "合肥基地" in fragment
    assert "成都基地" not in fragment


def test_empty_states(client, base):
    assert 'data-testid="empty-bases"' in client.get("/registry/bases/", {"designation": "provincial"}).content.decode()
    html = client.get(f"/registry/bases/{base.pk}/").content.decode()
    assert 'data-testid="empty-base-members"' in html
    assert 'data-testid="empty-base-output"' in html


def test_a_missing_base_answers_404(client):
    assert client.get("/registry/bases/999999/").status_code == 404


def test_the_list_and_detail_pages_use_a_bounded_number_of_queries(
    client, base_operator_org, base_manager, django_assert_max_num_queries
):
    bases = [AnnotationBaseFactory(operator=base_operator_org) for _ in range(25)]
    for base in bases[:5]:
        BaseMembershipFactory(base=base)
        BaseMembershipFactory(base=base)
    for quarter in (1, 2, 3, 4):
        BaseOutputFactory(base=bases[0], year=2024, quarter=quarter)
    client.force_login(base_manager)
    with django_assert_max_num_queries(10):
        assert client.get("/registry/bases/").status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(f"/registry/bases/{bases[0].pk}/").status_code == 200
