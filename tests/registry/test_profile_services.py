"""Organisation profiles, resubmission, shareholders and declared relations, at the service level."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from portal.audit.models import AuditEntry
from portal.errors import Conflict, PermissionDenied
from registry import services
from registry.models import (
    DeclaredRelation,
    HolderKind,
    Organisation,
    OrganisationCapability,
    OrganisationSector,
    Shareholder,
)
from registry.related_parties import RelationReason, related_parties
from registry.resident_id import keyed_hash
from registry.roles import Role
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, valid_credit_code
from tests.factories.registry import with_wrong_check_character
from tests.factories.talent import valid_resident_id

pytestmark = pytest.mark.django_db

REPRESENTATIVE_ID = valid_resident_id(101, region_code="510107", born="19830412")
OTHER_ID = valid_resident_id(202, region_code="110105", born="19750101")


def _profile_row(organisation):
    return Organisation.objects.values().get(pk=organisation.pk)


def test_managing_staff_update_the_profile_and_it_is_audited(vendor_org, vendor_user):
    updated = services.organisation_update_profile(
        actor=vendor_user,
        organisation=vendor_org,
        legal_representative="李星宇",
        legal_representative_id_number=REPRESENTATIVE_ID.lower(),
        registered_capital_fen=1_000_000_00,
        founded_on=datetime.date(2017, 3, 15),
        address="成都市青羊区光华北三路 98 号",
        size_class="medium",
        annotator_headcount=420,
        iso27001_certified=True,
        mlps_level=3,
        description="自动驾驶标注",
        capabilities={"image": 300_000, "point_cloud": None},
        sectors=["transport", "urban_governance", "transport"],
    )

    updated.refresh_from_db()
    assert updated.legal_representative == "李星宇"
    assert updated.legal_representative_id_hash == keyed_hash(REPRESENTATIVE_ID, key=settings.PERSON_ID_HASH_KEY)
    assert updated.legal_representative_id_masked == REPRESENTATIVE_ID[:3] + "*" * 11 + REPRESENTATIVE_ID[-4:]
    assert (updated.registered_capital_fen, updated.mlps_level, updated.size_class) == (100_000_000, 3, "medium")
    assert dict(updated.capabilities.values_list("modality", "daily_capacity")) == {
        "image": 300_000,
        "point_cloud": None,
    }
    assert sorted(updated.sectors.values_list("sector", flat=True)) == ["transport", "urban_governance"]
    assert updated.status == "submitted"  # the legal representative changed: operators verify again
    entry = AuditEntry.objects.get(action="organisation.update_profile")
    assert entry.actor == vendor_user
    assert entry.before["legal_representative"] == ""
    assert entry.after["legal_representative_id_masked"] == updated.legal_representative_id_masked
    assert entry.after["capabilities"] == {"image": 300_000, "point_cloud": None}
    assert entry.after["sectors"] == ["transport", "urban_governance"]
    assert REPRESENTATIVE_ID not in str(entry.before) + str(entry.after)


def test_setting_the_first_legal_representative_of_a_verified_organisation_sends_it_back(vendor_org, vendor_user):
    """The representative is part of the legal identity operators verify, even the first time."""
    services.organisation_update_profile(
        actor=vendor_user,
        organisation=vendor_org,
        legal_representative="李星宇",
        legal_representative_id_number=REPRESENTATIVE_ID,
    )
    vendor_org.refresh_from_db()
    assert vendor_org.status == "submitted"
    entry = AuditEntry.objects.get(action="organisation.update_profile")
    assert (entry.before["status"], entry.after["status"]) == ("verified", "submitted")


@pytest.mark.parametrize(
    ("change", "resubmitted"),
    [
        ({"name": "新名字数据标注有限公司"}, True),
        ({"region_code": "510107"}, True),
        ({"legal_representative": "王五"}, True),
        ({"legal_representative_id_number": OTHER_ID}, True),
        ({"legal_representative_id_number": ""}, False),  # an empty number keeps the stored one
        ({"address": "新地址"}, False),
        ({"registered_capital_fen": 5}, False),
        ({"capabilities": {"text": 10}}, False),
        ({"sectors": ["finance"]}, False),
        ({"mlps_level": 2, "iso27001_certified": True}, False),
    ],
)
def test_changing_the_legal_identity_of_a_verified_organisation_resubmits_it(
    operator, vendor_org, vendor_user, change, resubmitted
):
    services.organisation_update_profile(
        actor=operator,
        organisation=vendor_org,
        legal_representative="张三",
        legal_representative_id_number=REPRESENTATIVE_ID,
    )
    services.organisation_verify(actor=operator, organisation=vendor_org)
    before = _profile_row(vendor_org)

    services.organisation_update_profile(actor=vendor_user, organisation=vendor_org, **change)

    vendor_org.refresh_from_db()
    assert vendor_org.status == ("submitted" if resubmitted else "verified")
    last = AuditEntry.objects.filter(action="organisation.update_profile").order_by("-pk").first()
    assert last.after["status"] == vendor_org.status
    if change == {"legal_representative_id_number": ""}:
        assert vendor_org.legal_representative_id_hash == before["legal_representative_id_hash"]


def test_a_rejected_organisation_keeps_its_status_when_edited_and_is_resubmitted_by_hand(operator, vendor_user):
    organisation = services.organisation_create(
        actor=vendor_user,
        name="被驳回公司",
        kind="vendor",
        credit_code_value=valid_credit_code(601),
        region_code="510100",
    )
    services.organisation_reject(actor=operator, organisation=organisation, reason="营业执照模糊")

    services.organisation_update_profile(actor=vendor_user, organisation=organisation, name="被驳回公司（更正）")
    organisation.refresh_from_db()
    assert organisation.status == "rejected"

    services.organisation_resubmit(actor=vendor_user, organisation=organisation)
    organisation.refresh_from_db()
    assert (organisation.status, organisation.rejection_reason) == ("submitted", "")
    entry = AuditEntry.objects.get(action="organisation.resubmit")
    assert (entry.before["status"], entry.before["rejection_reason"], entry.after["status"]) == (
        "rejected",
        "营业执照模糊",
        "submitted",
    )
    with pytest.raises(Conflict):
        services.organisation_resubmit(actor=vendor_user, organisation=organisation)


def test_a_verified_organisation_is_not_resubmitted_by_hand(vendor_org, vendor_user):
    with pytest.raises(Conflict):
        services.organisation_resubmit(actor=vendor_user, organisation=vendor_org)
    vendor_org.refresh_from_db()
    assert vendor_org.status == "verified"
    assert not AuditEntry.objects.filter(action="organisation.resubmit").exists()


@pytest.mark.parametrize("who", ["other_vendor", "expert_member", "agency"])
def test_only_managing_staff_and_operators_edit_a_profile(request, vendor_org, who):
    actor = {
        "other_vendor": lambda: request.getfixturevalue("other_vendor_user"),
        "expert_member": lambda: MembershipFactory(organisation=vendor_org, role=Role.EXPERT).user,
        "agency": lambda: request.getfixturevalue("agency_user"),
    }[who]()
    with pytest.raises(PermissionDenied):
        services.organisation_update_profile(actor=actor, organisation=vendor_org, address="改地址")
    with pytest.raises(PermissionDenied):
        services.organisation_set_shareholders(actor=actor, organisation=vendor_org, shareholders=[])
    vendor_org.refresh_from_db()
    assert vendor_org.address == ""
    assert not AuditEntry.objects.filter(action__startswith="organisation.update").exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {"legal_representative_id_number": with_wrong_check_character(REPRESENTATIVE_ID)},
            "legal_representative_id_number",
        ),
        ({"legal_representative_id_number": "12345"}, "legal_representative_id_number"),
        ({"region_code": "999999"}, "region"),
        ({"founded_on": timezone.localdate() + datetime.timedelta(days=1)}, "founded_on"),
        ({"registered_capital_fen": -1}, "registered_capital_fen"),
        ({"annotator_headcount": -3}, "annotator_headcount"),
        ({"mlps_level": 6}, "mlps_level"),
        ({"size_class": "huge"}, "size_class"),
        ({"name": "  "}, "name"),
        ({"capabilities": {"smell": 1}}, "capabilities"),
        ({"capabilities": {"text": -1}}, "capabilities"),
        ({"sectors": ["space"]}, "sectors"),
        ({"legal_representative": "", "legal_representative_id_number": REPRESENTATIVE_ID}, "legal_representative"),
    ],
)
def test_bad_profile_input_names_the_field_and_writes_nothing(vendor_org, vendor_user, change, field):
    before = _profile_row(vendor_org)
    with pytest.raises(ValidationError) as error:
        services.organisation_update_profile(
            actor=vendor_user,
            organisation=vendor_org,
            **({"address": "不会写入", "capabilities": {"image": 1}} | change),
        )
    assert field in error.value.message_dict
    assert REPRESENTATIVE_ID[:-1] not in " ".join(error.value.messages)
    assert _profile_row(vendor_org) == before
    assert not OrganisationCapability.objects.exists()
    assert not AuditEntry.objects.filter(action="organisation.update_profile").exists()


def test_every_problem_is_reported_at_once(vendor_org, vendor_user):
    with pytest.raises(ValidationError) as error:
        services.organisation_update_profile(
            actor=vendor_user,
            organisation=vendor_org,
            region_code="000000",
            registered_capital_fen=-5,
            founded_on=datetime.date(2999, 1, 1),
        )
    assert {"region", "registered_capital_fen", "founded_on"} <= set(error.value.message_dict)


def test_clearing_the_representative_clears_the_number(operator, vendor_org):
    services.organisation_update_profile(
        actor=operator,
        organisation=vendor_org,
        legal_representative="张三",
        legal_representative_id_number=REPRESENTATIVE_ID,
    )
    services.organisation_update_profile(actor=operator, organisation=vendor_org, legal_representative="")
    vendor_org.refresh_from_db()
    assert (vendor_org.legal_representative_id_hash, vendor_org.legal_representative_id_masked) == ("", "")


def test_capabilities_and_sectors_are_replaced_and_left_alone_when_omitted(operator, vendor_org):
    services.organisation_update_profile(
        actor=operator, organisation=vendor_org, capabilities={"image": 5, "text": None}, sectors=["finance"]
    )
    services.organisation_update_profile(actor=operator, organisation=vendor_org, capabilities={"video": 7})
    assert dict(vendor_org.capabilities.values_list("modality", "daily_capacity")) == {"video": 7}
    assert list(vendor_org.sectors.values_list("sector", flat=True)) == ["finance"]
    services.organisation_update_profile(actor=operator, organisation=vendor_org, capabilities={}, sectors=[])
    assert not OrganisationCapability.objects.filter(organisation=vendor_org).exists()
    assert not OrganisationSector.objects.filter(organisation=vendor_org).exists()


# Shareholders


def _person(name, number, share_bp, **extra):
    return services.ShareholderInput(
        holder_kind=HolderKind.PERSON, name=name, id_number=number, share_bp=share_bp, **extra
    )


def _company(name, code, share_bp):
    return services.ShareholderInput(
        holder_kind=HolderKind.ORGANISATION, name=name, credit_code=code, share_bp=share_bp
    )


def test_shareholders_are_replaced_hashed_and_audited(vendor_org, vendor_user):
    holding_code = valid_credit_code(901)
    services.organisation_set_shareholders(
        actor=vendor_user,
        organisation=vendor_org,
        shareholders=[_person("李星宇", REPRESENTATIVE_ID, 5_500), _company("蓉北控股", holding_code.lower(), 3_000)],
    )
    rows = list(vendor_org.shareholders.order_by("-share_bp"))
    assert [(r.holder_kind, r.name, r.share_bp) for r in rows] == [
        ("person", "李星宇", 5_500),
        ("organisation", "蓉北控股", 3_000),
    ]
    assert rows[0].holder_id_hash == keyed_hash(REPRESENTATIVE_ID, key=settings.PERSON_ID_HASH_KEY)
    assert rows[0].holder_id_masked == REPRESENTATIVE_ID[:3] + "*" * 11 + REPRESENTATIVE_ID[-4:]
    assert rows[1].holder_credit_code == holding_code

    services.organisation_set_shareholders(
        actor=vendor_user, organisation=vendor_org, shareholders=[_company("蓉北控股", holding_code, 10_000)]
    )
    assert list(vendor_org.shareholders.values_list("name", "share_bp")) == [("蓉北控股", 10_000)]
    entries = list(AuditEntry.objects.filter(action="organisation.set_shareholders").order_by("pk"))
    assert len(entries) == 2
    assert entries[1].before["shareholders"][0]["holder_id_masked"] == rows[0].holder_id_masked
    assert entries[1].after["shareholders"] == [
        {
            "holder_kind": "organisation",
            "name": "蓉北控股",
            "holder_credit_code": holding_code,
            "holder_id_masked": "",
            "share_bp": 10_000,
        }
    ]
    assert REPRESENTATIVE_ID not in str([e.before for e in entries] + [e.after for e in entries])


def test_a_listed_person_keeps_the_stored_number_when_none_is_typed(vendor_org, vendor_user):
    [holder] = services.organisation_set_shareholders(
        actor=vendor_user, organisation=vendor_org, shareholders=[_person("李星宇", REPRESENTATIVE_ID, 4_000)]
    )
    holder = Shareholder.objects.get(organisation=vendor_org)
    services.organisation_set_shareholders(
        actor=vendor_user, organisation=vendor_org, shareholders=[_person("李星宇", "", 4_500, existing=holder.pk)]
    )
    again = Shareholder.objects.get(organisation=vendor_org)
    assert (again.holder_id_hash, again.share_bp) == (holder.holder_id_hash, 4_500)


def test_another_organisations_holder_cannot_lend_its_number(vendor_org, vendor_user, operator):
    other = OrganisationFactory(verified=True)
    services.organisation_set_shareholders(
        actor=operator, organisation=other, shareholders=[_person("外人", OTHER_ID, 100)]
    )
    foreign = Shareholder.objects.get(organisation=other)
    with pytest.raises(ValidationError) as error:
        services.organisation_set_shareholders(
            actor=vendor_user, organisation=vendor_org, shareholders=[_person("外人", "", 100, existing=foreign.pk)]
        )
    assert "shareholders.0.existing" in error.value.message_dict
    assert not vendor_org.shareholders.exists()


@pytest.mark.parametrize(
    ("rows", "field", "words"),
    [
        ([_person("甲", REPRESENTATIVE_ID, 6_000), _person("乙", OTHER_ID, 4_001)], "shareholders", "100.01"),
        (
            [_company("甲公司", with_wrong_check_character(valid_credit_code(1)), 100)],
            "shareholders.0.credit_code",
            "check character",
        ),
        (
            [_person("甲", with_wrong_check_character(REPRESENTATIVE_ID), 100)],
            "shareholders.0.id_number",
            "check character",
        ),
        ([_person("甲", "", 100)], "shareholders.0.id_number", "identity number"),
        ([_person("甲", REPRESENTATIVE_ID, 0)], "shareholders.0.share_bp", ""),
        ([_person("甲", REPRESENTATIVE_ID, 10_001)], "shareholders.0.share_bp", ""),
        ([_person("", REPRESENTATIVE_ID, 100)], "shareholders.0.name", ""),
        ([_company("甲公司", "", 100)], "shareholders.0.credit_code", "credit code"),
        ([services.ShareholderInput(holder_kind="trust", name="信托", share_bp=100)], "shareholders.0.holder_kind", ""),
        ([_person("甲", REPRESENTATIVE_ID, 100), _person("甲二", REPRESENTATIVE_ID, 100)], "shareholders", "twice"),
        (
            [_company("甲", valid_credit_code(3), 100), _company("甲", valid_credit_code(3), 100)],
            "shareholders",
            "twice",
        ),
    ],
)
def test_bad_shareholders_name_the_field_and_write_nothing(vendor_org, vendor_user, rows, field, words):
    services.organisation_set_shareholders(
        actor=vendor_user, organisation=vendor_org, shareholders=[_company("原股东", valid_credit_code(900), 100)]
    )
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.organisation_set_shareholders(actor=vendor_user, organisation=vendor_org, shareholders=rows)
    assert field in error.value.message_dict, error.value.message_dict
    assert words in " ".join(error.value.message_dict[field])
    assert list(vendor_org.shareholders.values_list("name", flat=True)) == ["原股东"]
    assert AuditEntry.objects.filter(action="organisation.set_shareholders").count() == 1


def test_an_organisation_cannot_hold_itself(vendor_org, vendor_user):
    with pytest.raises(ValidationError) as error:
        services.organisation_set_shareholders(
            actor=vendor_user, organisation=vendor_org, shareholders=[_company("自己", vendor_org.credit_code, 100)]
        )
    assert "shareholders" in error.value.message_dict


def test_shares_may_add_up_to_exactly_one_hundred_percent(vendor_org, vendor_user):
    services.organisation_set_shareholders(
        actor=vendor_user,
        organisation=vendor_org,
        shareholders=[_person("甲", REPRESENTATIVE_ID, 6_000), _person("乙", OTHER_ID, 4_000)],
    )
    assert sum(vendor_org.shareholders.values_list("share_bp", flat=True)) == 10_000


def test_a_common_thirty_percent_holder_makes_two_vendors_related(operator):
    first, second, third = OrganisationFactory(verified=True), OrganisationFactory(verified=True), OrganisationFactory()
    holding = _company("蓉北控股", valid_credit_code(901), 3_000)
    services.organisation_set_shareholders(actor=operator, organisation=first, shareholders=[holding])
    services.organisation_set_shareholders(actor=operator, organisation=second, shareholders=[holding])
    services.organisation_set_shareholders(
        actor=operator, organisation=third, shareholders=[_company("蓉北控股", valid_credit_code(901), 499)]
    )
    assert related_parties(first) == {second.pk: {RelationReason.COMMON_HOLDER}}


def test_the_same_legal_representative_entered_through_the_service_relates_organisations(operator):
    first, second = OrganisationFactory(), OrganisationFactory()
    for organisation in (first, second):
        services.organisation_update_profile(
            actor=operator,
            organisation=organisation,
            legal_representative="张三",
            legal_representative_id_number=REPRESENTATIVE_ID,
        )
    first.refresh_from_db()
    assert related_parties(first) == {second.pk: {RelationReason.SAME_LEGAL_REPRESENTATIVE}}


# Declared relations


def test_managing_staff_declare_and_withdraw_a_relation(vendor_org, vendor_user):
    other = OrganisationFactory(verified=True)
    relation = services.relation_declare(
        actor=vendor_user, organisation=vendor_org, related_organisation=other, nature=" 同一实际控制人 "
    )
    assert (relation.nature, relation.declared_by) == ("同一实际控制人", vendor_user)
    assert related_parties(other) == {vendor_org.pk: {RelationReason.DECLARED}}
    declared = AuditEntry.objects.get(action="relation.declare")
    assert declared.after["related_organisation"] == other.pk

    services.relation_withdraw(actor=vendor_user, relation=relation)
    assert not DeclaredRelation.objects.exists()
    withdrawn = AuditEntry.objects.get(action="relation.withdraw")
    assert (withdrawn.before["nature"], withdrawn.after) == ("同一实际控制人", {})
    assert related_parties(other) == {}


def test_a_relation_is_declared_once_whichever_side_declares(operator, vendor_org):
    other = OrganisationFactory(verified=True)
    services.relation_declare(actor=operator, organisation=vendor_org, related_organisation=other, nature="母公司")
    with pytest.raises(ValidationError) as error:
        services.relation_declare(actor=operator, organisation=other, related_organisation=vendor_org, nature="子公司")
    assert "related_organisation" in error.value.message_dict
    assert DeclaredRelation.objects.count() == 1


@pytest.mark.parametrize(("nature", "field"), [("", "nature"), ("x" * 201, "nature")])
def test_a_relation_needs_its_nature(vendor_org, vendor_user, nature, field):
    with pytest.raises(ValidationError) as error:
        services.relation_declare(
            actor=vendor_user, organisation=vendor_org, related_organisation=OrganisationFactory(), nature=nature
        )
    assert field in error.value.message_dict
    assert not DeclaredRelation.objects.exists()
    assert not AuditEntry.objects.filter(action="relation.declare").exists()


def test_no_relation_with_oneself(vendor_org, vendor_user):
    with pytest.raises(ValidationError):
        services.relation_declare(
            actor=vendor_user, organisation=vendor_org, related_organisation=vendor_org, nature="自己"
        )
    assert not DeclaredRelation.objects.exists()


def test_the_other_side_cannot_withdraw_a_relation_declared_about_it(vendor_org, operator, other_vendor_user):
    other = other_vendor_user.memberships.get().organisation
    relation = services.relation_declare(
        actor=operator, organisation=vendor_org, related_organisation=other, nature="关联"
    )
    with pytest.raises(PermissionDenied):
        services.relation_withdraw(actor=other_vendor_user, relation=relation)
    with pytest.raises(PermissionDenied):
        services.relation_declare(actor=UserFactory(), organisation=vendor_org, related_organisation=other, nature="x")
    assert DeclaredRelation.objects.count() == 1
