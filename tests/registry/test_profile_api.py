"""The organisation API beyond registration: profile, verification workflow, shareholders,
declared relations, related parties and search. Every endpoint has its permission matrix."""

import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.audit.models import AuditEntry
from registry import services
from registry.models import DeclaredRelation, HolderKind, Organisation, Shareholder
from registry.roles import OrganisationKind
from tests.factories import OrganisationFactory, valid_credit_code
from tests.factories.registry import ROLES, user_for_role, with_wrong_check_character
from tests.factories.talent import valid_resident_id

pytestmark = pytest.mark.django_db

PERSON_ID = valid_resident_id(311, region_code="510107", born="19830412")
HOLDER_ID = valid_resident_id(422, region_code="210102", born="19790923")
MEMBERS = {"owner", "operator"}


@pytest.fixture
def as_role(api_client, request):
    def sign_in(role):
        user = user_for_role(request, role)
        if user is not None:
            api_client.force_authenticate(user)
        return api_client

    return sign_in


@pytest.fixture
def own_unverified(vendor_user):
    return services.organisation_create(
        actor=vendor_user,
        name="待核验标注公司",
        kind=OrganisationKind.VENDOR,
        credit_code_value=valid_credit_code(500),
        region_code="510100",
    )


@pytest.fixture
def own_rejected(own_unverified, operator):
    return services.organisation_reject(actor=operator, organisation=own_unverified, reason="执照模糊")


@pytest.fixture
def profiled(vendor_org, operator):
    """`vendor_org` with a profile and a person and an organisation holder, verified again."""
    services.organisation_update_profile(
        actor=operator,
        organisation=vendor_org,
        legal_representative="李星宇",
        legal_representative_id_number=PERSON_ID,
        registered_capital_fen=123_456,
        capabilities={"image": 1000},
        sectors=["transport"],
    )
    services.organisation_set_shareholders(
        actor=operator,
        organisation=vendor_org,
        shareholders=[
            services.ShareholderInput(
                holder_kind=HolderKind.PERSON, name="赵北辰", id_number=HOLDER_ID, share_bp=6_000
            ),
            services.ShareholderInput(
                holder_kind=HolderKind.ORGANISATION, name="蓉北控股", credit_code=valid_credit_code(901), share_bp=3_000
            ),
        ],
    )
    services.organisation_verify(actor=operator, organisation=vendor_org)
    vendor_org.refresh_from_db()
    return vendor_org


def _profile_row(organisation):
    return Organisation.objects.values().get(pk=organisation.pk)


# Permission matrices


@pytest.mark.parametrize("role", ROLES)
def test_patching_the_profile(as_role, role, vendor_org):
    response = as_role(role).patch(f"/api/v1/organisations/{vendor_org.pk}/", {"address": "新地址 1 号"}, format="json")

    expected = {"anonymous": 401, "owner": 200, "operator": 200}.get(role, 403)
    assert response.status_code == expected, response.content
    vendor_org.refresh_from_db()
    allowed = expected == 200
    assert (vendor_org.address == "新地址 1 号") is allowed
    assert AuditEntry.objects.filter(action="organisation.update_profile").count() == int(allowed)
    if allowed:
        assert response.json()["address"] == "新地址 1 号"
        assert response.json()["status"] == "verified"  # an address is not part of the legal identity


@pytest.mark.parametrize("role", ROLES)
def test_patching_an_unverified_profile_is_404_to_outsiders(as_role, role, own_unverified):
    response = as_role(role).patch(f"/api/v1/organisations/{own_unverified.pk}/", {"address": "x"}, format="json")
    expected = {"anonymous": 401, "owner": 200, "operator": 200}.get(role, 404)
    assert response.status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_only_operators_reject_through_the_api(as_role, role, own_unverified):
    response = as_role(role).post(
        f"/api/v1/organisations/{own_unverified.pk}/reject/", {"reason": "营业执照已过期"}, format="json"
    )
    expected = {"anonymous": 401, "owner": 403, "operator": 200}.get(role, 404)
    assert response.status_code == expected
    own_unverified.refresh_from_db()
    assert own_unverified.status == ("rejected" if role == "operator" else "submitted")
    if role == "operator":
        assert response.json()["rejection_reason"] == "营业执照已过期"
        assert AuditEntry.objects.get(action="organisation.reject").after["rejection_reason"] == "营业执照已过期"


def test_rejecting_without_a_reason_answers_400(api_client, operator, own_unverified):
    api_client.force_authenticate(operator)
    response = api_client.post(f"/api/v1/organisations/{own_unverified.pk}/reject/", {"reason": " "}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["fields"]
    own_unverified.refresh_from_db()
    assert own_unverified.status == "submitted"


@pytest.mark.parametrize("role", ROLES)
def test_resubmitting_a_rejected_registration(as_role, role, own_rejected):
    response = as_role(role).post(f"/api/v1/organisations/{own_rejected.pk}/resubmit/")
    expected = {"anonymous": 401, "owner": 200, "operator": 200}.get(role, 404)
    assert response.status_code == expected
    own_rejected.refresh_from_db()
    assert own_rejected.status == ("submitted" if expected == 200 else "rejected")
    assert AuditEntry.objects.filter(action="organisation.resubmit").count() == int(expected == 200)


def test_resubmitting_a_verified_organisation_is_a_conflict(api_client, vendor_user, vendor_org):
    api_client.force_authenticate(vendor_user)
    response = api_client.post(f"/api/v1/organisations/{vendor_org.pk}/resubmit/")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


@pytest.mark.parametrize("role", ROLES)
def test_reading_shareholders_masks_persons_except_to_members(as_role, role, profiled):
    response = as_role(role).get(f"/api/v1/organisations/{profiled.pk}/shareholders/")

    assert response.status_code == 200
    body = response.json()
    assert body["total_bp"] == 9_000
    person, company = body["shareholders"]
    assert (company["name"], company["credit_code"], company["share_percent"]) == (
        "蓉北控股",
        valid_credit_code(901),
        "30.00",
    )
    if role in MEMBERS:
        assert person["name"] == "赵北辰"
        assert person["id_masked"] == HOLDER_ID[:3] + "*" * 11 + HOLDER_ID[-4:]
    else:
        assert person["name"] == "赵**"
        assert "id_masked" not in person
    assert HOLDER_ID not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_replacing_shareholders(as_role, role, vendor_org):
    body = {
        "shareholders": [
            {"holder_kind": "person", "name": "赵北辰", "id_number": HOLDER_ID, "share_bp": 5_000},
            {
                "holder_kind": "organisation",
                "name": "蓉北控股",
                "credit_code": valid_credit_code(901),
                "share_bp": 3_000,
            },
        ]
    }
    response = as_role(role).put(f"/api/v1/organisations/{vendor_org.pk}/shareholders/", body, format="json")

    expected = {"anonymous": 401, "owner": 200, "operator": 200}.get(role, 403)
    assert response.status_code == expected
    assert Shareholder.objects.filter(organisation=vendor_org).count() == (2 if expected == 200 else 0)
    assert AuditEntry.objects.filter(action="organisation.set_shareholders").count() == int(expected == 200)
    if expected == 200:
        assert [row["share_bp"] for row in response.json()["shareholders"]] == [5_000, 3_000]
        assert HOLDER_ID not in response.content.decode()


@pytest.fixture
def relation(vendor_org, other_vendor_user, operator):
    other = other_vendor_user.memberships.get().organisation
    return services.relation_declare(
        actor=operator, organisation=vendor_org, related_organisation=other, nature="同一实控人"
    )


@pytest.mark.parametrize("role", ROLES)
def test_reading_declared_relations(as_role, role, relation):
    response = as_role(role).get(f"/api/v1/organisations/{relation.organisation_id}/relations/")
    expected = {"anonymous": 401, "owner": 200, "operator": 200}.get(role, 404)
    assert response.status_code == expected
    if expected == 200:
        [row] = response.json()
        assert (row["nature"], row["related_organisation"]["id"]) == ("同一实控人", relation.related_organisation_id)


def test_the_related_side_sees_a_relation_declared_about_it(api_client, other_vendor_user, relation):
    api_client.force_authenticate(other_vendor_user)
    response = api_client.get(f"/api/v1/organisations/{relation.related_organisation_id}/relations/")
    assert response.status_code == 200
    assert [row["organisation"]["id"] for row in response.json()] == [relation.organisation_id]


@pytest.mark.parametrize("role", ROLES)
def test_declaring_a_relation(as_role, role, vendor_org):
    target = OrganisationFactory(verified=True)
    response = as_role(role).post(
        f"/api/v1/organisations/{vendor_org.pk}/relations/",
        {"related_credit_code": target.credit_code.lower(), "nature": "母公司"},
        format="json",
    )
    expected = {"anonymous": 401, "owner": 201, "operator": 201}.get(role, 404)
    assert response.status_code == expected
    assert DeclaredRelation.objects.filter(organisation=vendor_org, related_organisation=target).exists() is (
        expected == 201
    )
    assert AuditEntry.objects.filter(action="relation.declare").count() == int(expected == 201)


@pytest.mark.parametrize("role", ROLES)
def test_withdrawing_a_relation(as_role, role, relation):
    response = as_role(role).delete(f"/api/v1/organisations/{relation.organisation_id}/relations/{relation.pk}/")
    expected = {"anonymous": 401, "owner": 204, "operator": 204}.get(role, 404)
    assert response.status_code == expected
    assert DeclaredRelation.objects.filter(pk=relation.pk).exists() is (expected != 204)
    assert AuditEntry.objects.filter(action="relation.withdraw").count() == int(expected == 204)


def test_the_related_side_cannot_withdraw(api_client, other_vendor_user, relation):
    api_client.force_authenticate(other_vendor_user)
    response = api_client.delete(f"/api/v1/organisations/{relation.related_organisation_id}/relations/{relation.pk}/")
    assert response.status_code == 403
    assert DeclaredRelation.objects.filter(pk=relation.pk).exists()


@pytest.mark.parametrize("role", ROLES)
def test_related_parties_are_for_operators_only(as_role, role, profiled, operator):
    sister = OrganisationFactory(verified=True)
    services.organisation_set_shareholders(
        actor=operator,
        organisation=sister,
        shareholders=[
            services.ShareholderInput(
                holder_kind=HolderKind.ORGANISATION, name="蓉北控股", credit_code=valid_credit_code(901), share_bp=3_000
            )
        ],
    )
    response = as_role(role).get(f"/api/v1/organisations/{profiled.pk}/related-parties/")
    expected = {"anonymous": 401, "operator": 200}.get(role, 403)
    assert response.status_code == expected
    if expected == 200:
        [row] = response.json()
        assert row["organisation"]["id"] == sister.pk
        assert [reason["code"] for reason in row["reasons"]] == ["common_holder"]


# The profile


@pytest.mark.parametrize("role", ROLES)
def test_the_profile_shows_the_masked_number_to_members_only(as_role, role, profiled):
    response = as_role(role).get(f"/api/v1/organisations/{profiled.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert (body["legal_representative"], body["registered_capital_fen"], body["registered_capital_yuan"]) == (
        "李星宇",
        123_456,
        "1234.56",
    )
    assert body["capabilities"] == [{"modality": "image", "daily_capacity": 1000}]
    assert (body["modalities"], body["sectors"]) == (["image"], ["transport"])
    assert ("legal_representative_id_masked" in body) is (role in MEMBERS)
    assert PERSON_ID not in response.content.decode()


def test_patching_a_full_profile_with_yuan(api_client, vendor_user, vendor_org):
    api_client.force_authenticate(vendor_user)
    body = {
        "registered_capital_yuan": "1,000,000.5",
        "founded_on": "2017-03-15",
        "size_class": "medium",
        "annotator_headcount": 420,
        "iso27001_certified": True,
        "mlps_level": 3,
        "capabilities": [{"modality": "image", "daily_capacity": 300000}, {"modality": "video"}],
        "sectors": ["transport", "finance"],
        "description": "图像与视频标注",
    }
    response = api_client.patch(f"/api/v1/organisations/{vendor_org.pk}/", body, format="json")
    assert response.status_code == 200, response.json()
    vendor_org.refresh_from_db()
    assert vendor_org.registered_capital_fen == 100_000_050
    assert str(vendor_org.founded_on) == "2017-03-15"
    assert dict(vendor_org.capabilities.values_list("modality", "daily_capacity")) == {"image": 300000, "video": None}
    assert response.json()["registered_capital_yuan"] == "1000000.50"


def test_a_json_number_of_yuan_is_read_as_a_decimal(api_client, vendor_user, vendor_org):
    api_client.force_authenticate(vendor_user)
    response = api_client.patch(
        f"/api/v1/organisations/{vendor_org.pk}/",
        data='{"registered_capital_yuan": 0.29}',  # 0.29 is 0.28999… as a binary float
        content_type="application/json",
    )
    assert response.status_code == 200
    vendor_org.refresh_from_db()
    assert vendor_org.registered_capital_fen == 29


def test_renaming_a_verified_organisation_sends_it_back_and_hides_it(api_client, vendor_user, vendor_org):
    api_client.force_authenticate(vendor_user)
    response = api_client.patch(f"/api/v1/organisations/{vendor_org.pk}/", {"name": "改名公司"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["verified"]) == ("submitted", False)
    api_client.force_authenticate(None)
    assert api_client.get(f"/api/v1/organisations/{vendor_org.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"legal_representative": "甲", "legal_representative_id_number": with_wrong_check_character(PERSON_ID)},
            "legal_representative_id_number",
        ),
        ({"legal_representative_id_number": "11010519491231"}, "legal_representative_id_number"),
        ({"region": "999999"}, "region"),
        ({"founded_on": "2999-01-01"}, "founded_on"),
        ({"founded_on": "yesterday"}, "founded_on"),
        ({"registered_capital_fen": -1}, "registered_capital_fen"),
        ({"registered_capital_fen": 1.5}, "registered_capital_fen"),
        ({"registered_capital_yuan": "-3"}, "registered_capital_yuan"),
        ({"registered_capital_yuan": "1.234"}, "registered_capital_yuan"),
        ({"registered_capital_yuan": "1e3"}, "registered_capital_yuan"),
        ({"registered_capital_yuan": "1", "registered_capital_fen": 100}, "registered_capital_yuan"),
        ({"mlps_level": 6}, "mlps_level"),
        ({"annotator_headcount": -1}, "annotator_headcount"),
        ({"size_class": "giant"}, "size_class"),
        ({"capabilities": [{"modality": "smell"}]}, "capabilities.0.modality"),
        ({"capabilities": [{"modality": "text"}, {"modality": "text"}]}, "capabilities"),
        ({"capabilities": [{"modality": "text", "daily_capacity": -5}]}, "capabilities"),
        ({"sectors": ["space"]}, "sectors.0"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_profile_input_answers_400_naming_the_field_and_writes_nothing(
    api_client, vendor_user, vendor_org, body, field
):
    api_client.force_authenticate(vendor_user)
    before = _profile_row(vendor_org)

    response = api_client.patch(
        f"/api/v1/organisations/{vendor_org.pk}/", {"address": "不应写入", **body}, format="json"
    )

    assert response.status_code == 400
    payload = response.json()
    assert set(payload) == {"code", "message", "fields"}
    assert field in payload["fields"], payload
    assert _profile_row(vendor_org) == before
    assert not vendor_org.capabilities.exists()
    assert not AuditEntry.objects.filter(action="organisation.update_profile").exists()
    assert PERSON_ID[:-1] not in response.content.decode()


@pytest.mark.parametrize(
    ("rows", "field", "words"),
    [
        (
            [
                {"holder_kind": "person", "name": "甲", "id_number": PERSON_ID, "share_bp": 7_000},
                {"holder_kind": "person", "name": "乙", "id_number": HOLDER_ID, "share_bp": 3_050},
            ],
            "shareholders",
            "100.50",
        ),
        (
            [
                {
                    "holder_kind": "organisation",
                    "name": "甲",
                    "credit_code": with_wrong_check_character(valid_credit_code(9)),
                    "share_bp": 1,
                }
            ],
            "shareholders.0.credit_code",
            "check character",
        ),
        (
            [
                {
                    "holder_kind": "person",
                    "name": "甲",
                    "id_number": with_wrong_check_character(PERSON_ID),
                    "share_bp": 1,
                }
            ],
            "shareholders.0.id_number",
            "check character",
        ),
        (
            [{"holder_kind": "person", "name": "甲", "id_number": PERSON_ID, "share_bp": "ten"}],
            "shareholders.0.share_bp",
            "",
        ),
        (
            [{"holder_kind": "person", "name": "甲", "id_number": PERSON_ID, "share_bp": 10_001}],
            "shareholders.0.share_bp",
            "",
        ),
        ([{"holder_kind": "trust", "name": "甲", "share_bp": 1}], "shareholders.0.holder_kind", ""),
        ([{"holder_kind": "person", "name": "甲", "id": 999_999, "share_bp": 1}], "shareholders.0.id", ""),
        (
            [
                {"holder_kind": "person", "name": "甲", "id_number": PERSON_ID, "share_bp": 1},
                {"holder_kind": "person", "name": "甲", "id_number": PERSON_ID.lower(), "share_bp": 1},
            ],
            "shareholders",
            "twice",
        ),
    ],
)
def test_bad_shareholders_answer_400_naming_the_field_and_write_nothing(
    api_client, vendor_user, vendor_org, rows, field, words
):
    api_client.force_authenticate(vendor_user)
    response = api_client.put(
        f"/api/v1/organisations/{vendor_org.pk}/shareholders/",
        {"shareholders": rows},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert field in fields, fields
    assert words in " ".join(fields[field])
    assert not Shareholder.objects.exists()
    assert not AuditEntry.objects.filter(action="organisation.set_shareholders").exists()
    assert PERSON_ID[:-1] not in response.content.decode()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"related_credit_code": "91510100MA00000770", "nature": "关联"}, "related_credit_code"),
        ({"related_credit_code": valid_credit_code(4321), "nature": "关联"}, "related_credit_code"),  # not registered
        ({"related_credit_code": "self", "nature": "关联"}, "related_credit_code"),
        ({"related_credit_code": "hidden", "nature": "关联"}, "related_credit_code"),
        ({"related_credit_code": "other", "nature": ""}, "nature"),
        ({"nature": "关联"}, "related_credit_code"),
    ],
)
def test_bad_relations_answer_400_naming_the_field(api_client, vendor_user, vendor_org, body, field):
    other, hidden = OrganisationFactory(verified=True), OrganisationFactory(verified=False)
    codes = {"self": vendor_org.credit_code, "hidden": hidden.credit_code, "other": other.credit_code}
    if "related_credit_code" in body:
        body = body | {"related_credit_code": codes.get(body["related_credit_code"], body["related_credit_code"])}
    api_client.force_authenticate(vendor_user)
    response = api_client.post(f"/api/v1/organisations/{vendor_org.pk}/relations/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"], response.json()
    assert not DeclaredRelation.objects.exists()
    assert not AuditEntry.objects.filter(action="relation.declare").exists()


def test_declaring_is_idempotent(api_client, vendor_user, vendor_org):
    target = OrganisationFactory(verified=True)
    api_client.force_authenticate(vendor_user)
    url = f"/api/v1/organisations/{vendor_org.pk}/relations/"
    body = {"related_credit_code": target.credit_code, "nature": "母公司"}
    first = api_client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="declare-1")
    second = api_client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="declare-1")
    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert DeclaredRelation.objects.count() == 1


# Search


def test_the_list_filters_by_modality_sector_region_kind_and_text(api_client, operator):
    chengdu = OrganisationFactory(name="成都图像", region_code="510107", verified=True)
    hefei = OrganisationFactory(name="合肥语音", region_code="340100", verified=True)
    agency = OrganisationFactory(name="成都机关", kind=OrganisationKind.AGENCY, region_code="510100", verified=True)
    services.organisation_update_profile(
        actor=operator, organisation=chengdu, capabilities={"image": 1, "video": 2}, sectors=["transport"]
    )
    services.organisation_update_profile(
        actor=operator, organisation=hefei, capabilities={"speech": None}, sectors=["healthcare", "transport"]
    )

    def ids(**params):
        response = api_client.get("/api/v1/organisations/", params)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids(modality="image") == {chengdu.pk}
    assert ids(sector="transport") == {chengdu.pk, hefei.pk}
    assert ids(sector="transport", region="340000") == {hefei.pk}
    assert ids(region="510000", kind="agency") == {agency.pk}
    assert ids(q="图像", modality="video") == {chengdu.pk}
    assert ids(q=hefei.credit_code) == {hefei.pk}
    assert ids(modality="point_cloud") == set()
    rows = api_client.get("/api/v1/organisations/", {"modality": "image"}).json()["results"]
    assert rows[0]["modalities"] == ["image", "video"]


@pytest.mark.parametrize(("params", "field"), [({"modality": "smell"}, "modality"), ({"kind": "bank"}, "kind")])
def test_an_unknown_filter_value_answers_400(api_client, params, field):
    response = api_client.get("/api/v1/organisations/", params)
    assert response.status_code == 400
    assert field in response.json()["fields"]


@pytest.mark.parametrize("role", ROLES)
def test_include_unverified_shows_ones_own_to_members_and_all_to_operators(as_role, role, own_unverified):
    stranger = OrganisationFactory(verified=False)
    listed = {
        row["id"] for row in as_role(role).get("/api/v1/organisations/", {"include_unverified": "1"}).json()["results"]
    }
    assert (own_unverified.pk in listed) is (role in MEMBERS)
    assert (stranger.pk in listed) is (role == "operator")


def test_the_list_costs_the_same_number_of_queries_whatever_the_page_size(api_client, operator):
    for index in range(30):
        organisation = OrganisationFactory(verified=True)
        services.organisation_update_profile(
            actor=operator, organisation=organisation, capabilities={"image": index}, sectors=["finance", "science"]
        )
    api_client.force_authenticate(operator)

    def queries(page_size):
        with CaptureQueriesContext(connection) as context:
            response = api_client.get("/api/v1/organisations/", {"page_size": page_size, "sector": "finance"})
        assert len(response.json()["results"]) == page_size
        return len(context.captured_queries)

    small, large = queries(3), queries(30)
    assert small == large
    assert large <= 6


# Privacy


def test_no_response_audit_row_or_log_line_holds_a_full_identity_number(
    api_client, operator, vendor_user, vendor_org, caplog
):
    caplog.set_level(logging.DEBUG)
    api_client.force_authenticate(vendor_user)
    url = f"/api/v1/organisations/{vendor_org.pk}/"
    bodies = [
        api_client.patch(
            url, {"legal_representative": "李星宇", "legal_representative_id_number": PERSON_ID}, format="json"
        ),
        api_client.patch(url, {"legal_representative_id_number": PERSON_ID, "region": "000000"}, format="json"),
        api_client.put(
            url + "shareholders/",
            {"shareholders": [{"holder_kind": "person", "name": "赵北辰", "id_number": HOLDER_ID, "share_bp": 100}]},
            format="json",
        ),
        api_client.put(
            url + "shareholders/",
            {"shareholders": [{"holder_kind": "person", "name": "赵北辰", "id_number": HOLDER_ID, "share_bp": 20_000}]},
            format="json",
        ),
        api_client.get(url),
        api_client.get(url + "shareholders/"),
    ]
    api_client.force_authenticate(operator)
    bodies += [api_client.get(url), api_client.get(url + "shareholders/"), api_client.get(url + "related-parties/")]
    api_client.force_authenticate(None)
    bodies += [api_client.get("/api/v1/organisations/", {"include_unverified": "1"})]

    assert [response.status_code for response in bodies[:4]] == [200, 400, 200, 400]
    text = "".join(response.content.decode() for response in bodies)
    audit = str(list(AuditEntry.objects.values_list("before", "after")))
    stored = str(list(Organisation.objects.values())) + str(list(Shareholder.objects.values()))
    for number in (PERSON_ID, HOLDER_ID):
        assert number not in text
        assert number not in audit
        assert number not in stored
        assert number not in caplog.text
