import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from portal.audit.models import AuditEntry
from portal.errors import PermissionDenied
from registry.bases import services
from registry.bases.models import AnnotationBase, BaseMembership, BaseOutput
from registry.roles import OrganisationKind, Role
from tests.factories import MembershipFactory, OrganisationFactory
from tests.factories.bases import BaseMembershipFactory, BaseOutputFactory

pytestmark = pytest.mark.django_db


def _create(actor, operator_org, **overrides):
    arguments = {
        "name": "国家数据标注基地（合肥）",
        "city_code": "340100",
        "designation": "national",
        "operator": operator_org,
        "designated_on": datetime.date(2024, 12, 20),
        "description": "",
    }
    return services.base_create(actor=actor, **{**arguments, **overrides})


def test_an_operator_records_a_base_and_the_audit_log_says_so(operator, base_operator_org):
    base = _create(operator, base_operator_org)

    assert AnnotationBase.objects.get() == base
    assert base.city_id == "340100"
    entry = AuditEntry.objects.get(action="base.create", object_id=str(base.pk))
    assert entry.actor == operator
    assert entry.after["operator"] == base_operator_org.pk


def test_only_operators_record_bases(base_manager, base_operator_org):
    with pytest.raises(PermissionDenied):
        _create(base_manager, base_operator_org)
    assert not AnnotationBase.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"city_code": "999999"}, "city"),
        ({"designation": "municipal"}, "designation"),
        ({"name": "  "}, "name"),
        ({"designated_on": datetime.date(2999, 1, 1)}, "designated_on"),
    ],
)
def test_bad_base_input_names_the_field_and_writes_nothing(operator, base_operator_org, overrides, field):
    with pytest.raises(ValidationError) as error:
        _create(operator, base_operator_org, **overrides)
    assert field in error.value.message_dict
    assert not AnnotationBase.objects.exists()
    assert not AuditEntry.objects.filter(action="base.create").exists()


def test_the_operator_organisation_must_be_a_verified_base_operator(operator, vendor_org):
    unverified = OrganisationFactory(kind=OrganisationKind.BASE_OPERATOR, verified=False)
    for organisation in (vendor_org, unverified):
        with pytest.raises(ValidationError) as error:
            _create(operator, organisation)
        assert "operator" in error.value.message_dict
    assert not AnnotationBase.objects.exists()


def test_a_duplicate_base_name_is_refused(operator, base_operator_org, base):
    with pytest.raises(ValidationError) as error:
        _create(operator, base_operator_org, name=base.name)
    assert "name" in error.value.message_dict
    assert AnnotationBase.objects.count() == 1


def test_the_operator_organisations_manager_adds_and_removes_a_verified_member(base, base_manager, vendor_org):
    membership = services.base_member_add(actor=base_manager, base=base, organisation=vendor_org)

    assert membership.joined_on == timezone.localdate()
    assert (
        AuditEntry.objects.get(action="base_membership.add", actor=base_manager).after["organisation"] == vendor_org.pk
    )

    services.base_member_remove(actor=base_manager, membership=membership)
    assert not BaseMembership.objects.exists()
    assert AuditEntry.objects.get(action="base_membership.remove", actor=base_manager).before["base"] == base.pk


def test_an_unverified_organisation_cannot_join(base, base_manager):
    pending = OrganisationFactory(verified=False)
    with pytest.raises(ValidationError) as error:
        services.base_member_add(actor=base_manager, base=base, organisation=pending)
    assert "organisation" in error.value.message_dict
    assert not BaseMembership.objects.exists()


def test_an_organisation_joins_a_base_once(base, base_manager, vendor_org):
    BaseMembershipFactory(base=base, organisation=vendor_org)
    with pytest.raises(ValidationError) as error:
        services.base_member_add(actor=base_manager, base=base, organisation=vendor_org)
    assert "organisation" in error.value.message_dict
    assert BaseMembership.objects.count() == 1


def test_a_future_joining_date_is_refused(base, base_manager, vendor_org):
    with pytest.raises(ValidationError) as error:
        services.base_member_add(
            actor=base_manager, base=base, organisation=vendor_org, joined_on=datetime.date(2999, 1, 1)
        )
    assert "joined_on" in error.value.message_dict


def test_members_without_the_managing_role_and_outsiders_cannot_manage_the_base(base, vendor_user, vendor_org):
    expert = MembershipFactory(organisation=base.operator, role=Role.EXPERT).user
    for actor in (expert, vendor_user):
        with pytest.raises(PermissionDenied):
            services.base_member_add(actor=actor, base=base, organisation=vendor_org)
        with pytest.raises(PermissionDenied):
            services.base_output_report(
                actor=actor, base=base, year=2025, quarter=1, annotated_items=1, revenue_fen=1, headcount=1
            )
    assert not BaseMembership.objects.exists()
    assert not BaseOutput.objects.exists()


def test_reporting_a_quarter_again_corrects_it_and_keeps_the_old_figures_in_the_audit_log(base, base_manager):
    first, created = services.base_output_report(
        actor=base_manager, base=base, year=2025, quarter=2, annotated_items=100, revenue_fen=10_000, headcount=5
    )
    second, created_again = services.base_output_report(
        actor=base_manager, base=base, year=2025, quarter=2, annotated_items=150, revenue_fen=12_000, headcount=6
    )

    assert (created, created_again) == (True, False)
    assert first.pk == second.pk
    assert BaseOutput.objects.get().annotated_items == 150
    correction = AuditEntry.objects.get(action="base_output.correct")
    assert correction.before["annotated_items"] == 100
    assert correction.after["annotated_items"] == 150


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"revenue_fen": -1}, "revenue_fen"),
        ({"annotated_items": -5}, "annotated_items"),
        ({"headcount": -1}, "headcount"),
        ({"quarter": 5}, "quarter"),
        ({"quarter": 0}, "quarter"),
        ({"year": 1999}, "year"),
        ({"year": 2099}, "quarter"),  # a quarter that has not begun
    ],
)
def test_bad_output_names_the_field_and_writes_nothing(base, base_manager, overrides, field):
    arguments = {"year": 2025, "quarter": 1, "annotated_items": 10, "revenue_fen": 100, "headcount": 1}
    with pytest.raises(ValidationError) as error:
        services.base_output_report(actor=base_manager, base=base, **{**arguments, **overrides})
    assert field in error.value.message_dict
    assert not BaseOutput.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="base_output").exists()


def test_the_current_quarter_may_be_reported_but_not_the_next(base, base_manager):
    today = timezone.localdate()
    quarter = (today.month - 1) // 3 + 1
    services.base_output_report(
        actor=base_manager, base=base, year=today.year, quarter=quarter, annotated_items=1, revenue_fen=1, headcount=1
    )
    next_year, next_quarter = (today.year + 1, 1) if quarter == 4 else (today.year, quarter + 1)
    with pytest.raises(ValidationError) as error:
        services.base_output_report(
            actor=base_manager,
            base=base,
            year=next_year,
            quarter=next_quarter,
            annotated_items=1,
            revenue_fen=1,
            headcount=1,
        )
    assert "quarter" in error.value.message_dict
    assert BaseOutput.objects.count() == 1


def test_the_output_table_groups_quarters_by_year_with_totals(base):
    from registry.bases.selectors import base_output_table

    BaseOutputFactory(base=base, year=2024, quarter=4, annotated_items=10, revenue_fen=1_00, headcount=7)
    BaseOutputFactory(base=base, year=2025, quarter=2, annotated_items=30, revenue_fen=3_00, headcount=9)
    BaseOutputFactory(base=base, year=2025, quarter=1, annotated_items=20, revenue_fen=2_00, headcount=8)

    table = base_output_table(base=base)

    assert [year.year for year in table.years] == [2024, 2025]
    assert [q.quarter for q in table.years[1].quarters] == [1, 2]
    assert (table.years[1].annotated_items, table.years[1].revenue_fen, table.years[1].headcount) == (50, 500, 9)
    assert (table.annotated_items, table.revenue_fen) == (60, 600)
