"""Organisation pages: the public profile, editing, shareholders, relations, resubmission and the
search page. Every page action has its permission matrix."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.audit.models import AuditEntry
from registry import services
from registry.models import DeclaredRelation, HolderKind, Organisation, Shareholder
from registry.roles import OrganisationKind, Role
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, valid_credit_code
from tests.factories.registry import ROLES, user_for_role, with_wrong_check_character
from tests.factories.talent import valid_resident_id

pytestmark = pytest.mark.django_db

PERSON_ID = valid_resident_id(533, region_code="340104", born="19860105")
HOLDER_ID = valid_resident_id(644, region_code="460106", born="19810718")
MANAGERS = {"owner", "operator"}


@pytest.fixture
def as_role(client, request):
    def sign_in(role):
        user = user_for_role(request, role)
        if user is not None:
            client.force_login(user)
        client.cookies["django_language"] = "en"
        return client

    return sign_in


@pytest.fixture
def profiled(vendor_org, operator):
    services.organisation_update_profile(
        actor=operator,
        organisation=vendor_org,
        legal_representative="孙慧敏",
        legal_representative_id_number=PERSON_ID,
        registered_capital_fen=800_000_000,
        address="合肥市蜀山区望江西路 800 号",
        iso27001_certified=True,
        mlps_level=3,
        capabilities={"speech": 50_000, "multimodal": None},
        sectors=["healthcare"],
    )
    services.organisation_set_shareholders(
        actor=operator,
        organisation=vendor_org,
        shareholders=[
            services.ShareholderInput(
                holder_kind=HolderKind.PERSON, name="林业海", id_number=HOLDER_ID, share_bp=6_000
            ),
            services.ShareholderInput(
                holder_kind=HolderKind.ORGANISATION, name="蓉北控股", credit_code=valid_credit_code(901), share_bp=3_050
            ),
        ],
    )
    services.organisation_verify(actor=operator, organisation=vendor_org)
    vendor_org.refresh_from_db()
    return vendor_org


def _profile_form(organisation, **changes):
    data = {
        "name": organisation.name,
        "region": organisation.region_id,
        "legal_representative": organisation.legal_representative,
        "legal_representative_id_number": "",
        "registered_capital": "",
        "founded_on": "",
        "address": organisation.address,
        "size_class": "",
        "annotator_headcount": "",
        "mlps_level": "0",
        "description": "",
    }
    data.update(changes)
    return data


def _profile_row(organisation):
    return Organisation.objects.values().get(pk=organisation.pk)


# The public profile


@pytest.mark.parametrize("role", ROLES)
def test_the_profile_page_shows_what_each_role_may_see(as_role, role, profiled):
    html = as_role(role).get(f"/registry/organisations/{profiled.pk}/").content.decode()

    assert "孙慧敏" in html  # the legal representative's name is on the business licence
    assert "¥8,000,000.00" in html
    assert "ISO/IEC 27001" in html
    assert "Cybersecurity protection level 3" in html
    assert re.search(r"speech</td><td class=\"num\">50,000<", html)
    assert re.search(r"multimodal</td><td class=\"num\">—<", html)
    assert "healthcare" in html
    assert "林**" in html
    assert "林业海" not in html  # person holders are masked on the profile, for everyone
    assert "蓉北控股" in html
    assert valid_credit_code(901) in html
    assert "30.50" in html
    assert PERSON_ID not in html
    assert HOLDER_ID not in html
    masked = PERSON_ID[:3] + "*" * 11 + PERSON_ID[-4:]
    assert (masked in html) is (role in MANAGERS)
    assert ('data-testid="edit-profile"' in html) is (role in MANAGERS)
    assert ('data-testid="related-parties"' in html or 'data-testid="empty-related-parties"' in html) is (
        role == "operator"
    )


def test_operators_see_related_parties_with_their_reasons(client, operator, profiled):
    sister = OrganisationFactory(name="姊妹公司", verified=True)
    declared = OrganisationFactory(name="声明关联公司", verified=True)
    services.organisation_set_shareholders(
        actor=operator,
        organisation=sister,
        shareholders=[
            services.ShareholderInput(
                holder_kind=HolderKind.ORGANISATION, name="蓉北控股", credit_code=valid_credit_code(901), share_bp=600
            )
        ],
    )
    services.relation_declare(actor=operator, organisation=declared, related_organisation=profiled, nature="同一实控人")
    client.force_login(operator)
    client.cookies["django_language"] = "en"

    html = client.get(f"/registry/organisations/{profiled.pk}/").content.decode()

    section = html[html.index('data-testid="related-parties"') :]
    assert "姊妹公司" in section
    assert "a holder of 5 % or more in both" in section
    assert "声明关联公司" in section
    assert "declared relation" in section


def test_members_see_the_rejection_reason_and_a_resubmit_button(client, vendor_user, operator):
    organisation = services.organisation_create(
        actor=vendor_user,
        name="被驳回公司",
        kind="vendor",
        credit_code_value=valid_credit_code(611),
        region_code="510100",
    )
    services.organisation_reject(actor=operator, organisation=organisation, reason="营业执照模糊")
    client.force_login(vendor_user)
    html = client.get(f"/registry/organisations/{organisation.pk}/").content.decode()
    assert "营业执照模糊" in html
    assert 'data-testid="resubmit"' in html


def test_the_profile_page_has_empty_states(client, vendor_org):
    html = client.get(f"/registry/organisations/{vendor_org.pk}/").content.decode()
    for hook in ("empty-capabilities", "empty-sectors", "empty-shareholders"):
        assert f'data-testid="{hook}"' in html


def test_the_profile_page_costs_a_bounded_number_of_queries(client, profiled, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = client.get(f"/registry/organisations/{profiled.pk}/")
    assert response.status_code == 200


# Editing the profile


@pytest.mark.parametrize("role", ROLES)
def test_the_edit_page(as_role, role, vendor_org):
    client = as_role(role)
    url = f"/registry/organisations/{vendor_org.pk}/edit/"
    shown = client.get(url)
    posted = client.post(url, _profile_form(vendor_org, address="新地址 9 号", modalities=["text"], capacity_text="10"))

    if role == "anonymous":
        assert shown.status_code == posted.status_code == 302
        assert "/accounts/login/" in posted["Location"]
    elif role in MANAGERS:
        assert shown.status_code == 200
        assert posted.status_code == 302
    else:
        assert shown.status_code == posted.status_code == 403
    vendor_org.refresh_from_db()
    assert (vendor_org.address == "新地址 9 号") is (role in MANAGERS)
    assert AuditEntry.objects.filter(action="organisation.update_profile").count() == int(role in MANAGERS)
    if role in MANAGERS:
        assert dict(vendor_org.capabilities.values_list("modality", "daily_capacity")) == {"text": 10}
        assert vendor_org.status == "verified"


@pytest.mark.parametrize("role", ROLES)
def test_the_edit_page_of_an_unverified_organisation_is_404_to_outsiders(as_role, role, vendor_user):
    organisation = services.organisation_create(
        actor=vendor_user,
        name="待核验公司",
        kind="vendor",
        credit_code_value=valid_credit_code(612),
        region_code="510100",
    )
    response = as_role(role).get(f"/registry/organisations/{organisation.pk}/edit/")
    expected = {"anonymous": 302, "owner": 200, "operator": 200}.get(role, 404)
    assert response.status_code == expected


def test_a_member_without_the_managing_role_cannot_edit(client, vendor_org):
    expert = MembershipFactory(organisation=vendor_org, role=Role.EXPERT).user
    client.force_login(expert)
    assert client.get(f"/registry/organisations/{vendor_org.pk}/edit/").status_code == 403


def test_editing_the_profile_on_the_page(client, vendor_user, vendor_org):
    client.force_login(vendor_user)
    client.cookies["django_language"] = "en"
    form = _profile_form(
        vendor_org,
        legal_representative="孙慧敏",
        legal_representative_id_number=PERSON_ID,
        registered_capital="8,000,000.50",
        founded_on="2018-05-20",
        size_class="medium",
        annotator_headcount="310",
        iso27001_certified="on",
        mlps_level="3",
        modalities=["speech", "text"],
        capacity_speech="50000",
        sectors=["healthcare", "finance"],
        description="语音与文本",
    )

    response = client.post(f"/registry/organisations/{vendor_org.pk}/edit/", form, follow=True)

    assert response.status_code == 200
    html = response.content.decode()
    assert "an operator must verify the organisation again" in html  # the representative changed
    vendor_org.refresh_from_db()
    assert vendor_org.status == "submitted"
    assert vendor_org.registered_capital_fen == 800_000_050
    assert str(vendor_org.founded_on) == "2018-05-20"
    assert (vendor_org.iso27001_certified, vendor_org.mlps_level, vendor_org.annotator_headcount) == (True, 3, 310)
    assert dict(vendor_org.capabilities.values_list("modality", "daily_capacity")) == {"speech": 50000, "text": None}
    assert sorted(vendor_org.sectors.values_list("sector", flat=True)) == ["finance", "healthcare"]
    assert PERSON_ID not in html

    edit = client.get(f"/registry/organisations/{vendor_org.pk}/edit/").content.decode()
    assert PERSON_ID not in edit
    assert vendor_org.legal_representative_id_masked in edit  # shown as the stored number's mask
    assert 'value="8000000.50"' in edit


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (
            {"legal_representative": "甲", "legal_representative_id_number": with_wrong_check_character(PERSON_ID)},
            "legal_representative_id_number",
        ),
        ({"legal_representative": "甲", "legal_representative_id_number": "12345"}, "legal_representative_id_number"),
        ({"region": "999999"}, "region"),
        ({"founded_on": "2999-01-01"}, "founded_on"),
        ({"registered_capital": "-100"}, "registered_capital"),
        ({"registered_capital": "100.001"}, "registered_capital"),
        ({"registered_capital": "abc"}, "registered_capital"),
        ({"annotator_headcount": "-2"}, "annotator_headcount"),
        ({"mlps_level": "6"}, "mlps_level"),
        ({"modalities": ["smell"]}, "modalities"),
        ({"capacity_image": "10"}, "capacity_image"),  # a capacity for a modality not ticked
        ({"modalities": ["image"], "capacity_image": "-10"}, "modalities"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_profile_input_on_the_page_answers_400_naming_the_field(client, vendor_user, vendor_org, changes, field):
    client.force_login(vendor_user)
    before = _profile_row(vendor_org)

    response = client.post(
        f"/registry/organisations/{vendor_org.pk}/edit/", _profile_form(vendor_org, address="不应写入", **changes)
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert f'data-field="{field}"' in html, html
    assert PERSON_ID[:-1] not in html  # a typed number is never rendered back
    assert _profile_row(vendor_org) == before
    assert not vendor_org.capabilities.exists()
    assert not AuditEntry.objects.filter(action="organisation.update_profile").exists()


# Shareholders


def _holders_form(rows, *, initial=0):
    data = {
        "holders-TOTAL_FORMS": str(len(rows)),
        "holders-INITIAL_FORMS": str(initial),
        "holders-MIN_NUM_FORMS": "0",
        "holders-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"holders-{index}-{key}"] = value
    return data


@pytest.mark.parametrize("role", ROLES)
def test_the_shareholders_page(as_role, role, vendor_org):
    client = as_role(role)
    url = f"/registry/organisations/{vendor_org.pk}/shareholders/"
    shown = client.get(url)
    posted = client.post(
        url,
        _holders_form(
            [
                {"holder_kind": "person", "name": "林业海", "id_number": HOLDER_ID, "share_percent": "60"},
                {
                    "holder_kind": "organisation",
                    "name": "蓉北控股",
                    "credit_code": valid_credit_code(901),
                    "share_percent": "30.5",
                },
                {"holder_kind": "", "name": "", "share_percent": ""},  # a blank extra row is skipped
            ]
        ),
    )
    if role == "anonymous":
        assert shown.status_code == posted.status_code == 302
    elif role in MANAGERS:
        assert shown.status_code == 200
        assert posted.status_code == 302, posted.content.decode()
    else:
        assert shown.status_code == posted.status_code == 403
    holders = dict(Shareholder.objects.filter(organisation=vendor_org).values_list("name", "share_bp"))
    assert holders == ({"林业海": 6_000, "蓉北控股": 3_050} if role in MANAGERS else {})


def test_a_listed_person_keeps_the_stored_number_on_the_page(client, vendor_user, profiled):
    client.force_login(vendor_user)
    person = profiled.shareholders.get(holder_kind=HolderKind.PERSON)
    company = profiled.shareholders.get(holder_kind=HolderKind.ORGANISATION)
    page = client.get(f"/registry/organisations/{profiled.pk}/shareholders/").content.decode()
    assert "林业海" in page  # managing staff see the full name they typed
    assert person.holder_id_masked in page  # and the stored number, masked
    assert HOLDER_ID not in page

    response = client.post(
        f"/registry/organisations/{profiled.pk}/shareholders/",
        _holders_form(
            [
                {"existing": str(person.pk), "holder_kind": "person", "name": "林业海", "share_percent": "55"},
                {
                    "holder_kind": "organisation",
                    "name": "蓉北控股",
                    "credit_code": company.holder_credit_code,
                    "share_percent": "30.5",
                    "DELETE": "on",
                },
            ],
            initial=2,
        ),
    )

    assert response.status_code == 302
    [kept] = Shareholder.objects.filter(organisation=profiled)
    assert (kept.holder_id_hash, kept.share_bp) == (person.holder_id_hash, 5_500)


@pytest.mark.parametrize(
    ("rows", "field"),
    [
        (
            [
                {"holder_kind": "person", "name": "甲", "id_number": PERSON_ID, "share_percent": "70"},
                {"holder_kind": "person", "name": "乙", "id_number": HOLDER_ID, "share_percent": "30.01"},
            ],
            "shareholders",
        ),
        ([{"holder_kind": "person", "name": "甲", "id_number": PERSON_ID, "share_percent": "10.005"}], "share_percent"),
        ([{"holder_kind": "person", "name": "甲", "id_number": PERSON_ID, "share_percent": "-1"}], "share_percent"),
        ([{"holder_kind": "person", "name": "甲", "id_number": PERSON_ID, "share_percent": "0"}], "share_percent"),
        (
            [
                {
                    "holder_kind": "person",
                    "name": "甲",
                    "id_number": with_wrong_check_character(PERSON_ID),
                    "share_percent": "1",
                }
            ],
            "id_number",
        ),
        (
            [
                {
                    "holder_kind": "organisation",
                    "name": "甲",
                    "credit_code": with_wrong_check_character(valid_credit_code(9)),
                    "share_percent": "1",
                }
            ],
            "credit_code",
        ),
        ([{"holder_kind": "person", "name": "", "id_number": PERSON_ID, "share_percent": "1"}], "name"),
    ],
)
def test_bad_shareholders_on_the_page_answer_400_naming_the_field(client, vendor_user, vendor_org, rows, field):
    client.force_login(vendor_user)
    client.cookies["django_language"] = "en"
    response = client.post(f"/registry/organisations/{vendor_org.pk}/shareholders/", _holders_form(rows))
    assert response.status_code == 400
    html = response.content.decode()
    assert f'data-field="{field}"' in html, html
    assert PERSON_ID not in html
    if field == "shareholders":
        assert "100.01" in html
    assert not Shareholder.objects.exists()
    assert not AuditEntry.objects.filter(action="organisation.set_shareholders").exists()


# Declared relations


@pytest.fixture
def relation(vendor_org, other_vendor_user, operator):
    other = other_vendor_user.memberships.get().organisation
    return services.relation_declare(
        actor=operator, organisation=vendor_org, related_organisation=other, nature="同一实控人"
    )


@pytest.mark.parametrize("role", ROLES)
def test_the_relations_page(as_role, role, vendor_org):
    target = OrganisationFactory(name="关联目标公司", verified=True)
    client = as_role(role)
    url = f"/registry/organisations/{vendor_org.pk}/relations/"
    shown = client.get(url)
    posted = client.post(url, {"related_credit_code": target.credit_code, "nature": "母公司"})
    if role == "anonymous":
        assert shown.status_code == posted.status_code == 302
    elif role in MANAGERS:
        assert shown.status_code == 200
        assert 'data-testid="empty-relations"' in shown.content.decode()
        assert posted.status_code == 302
        assert "关联目标公司" in client.get(url).content.decode()
    else:
        assert shown.status_code == posted.status_code == 404
    assert DeclaredRelation.objects.filter(organisation=vendor_org).exists() is (role in MANAGERS)


def test_the_related_side_sees_the_relation_but_cannot_withdraw_it(client, other_vendor_user, relation):
    client.force_login(other_vendor_user)
    page = client.get(f"/registry/organisations/{relation.related_organisation_id}/relations/")
    assert page.status_code == 200
    assert "同一实控人" in page.content.decode()
    assert "/withdraw/" not in page.content.decode()
    response = client.post(
        f"/registry/organisations/{relation.related_organisation_id}/relations/{relation.pk}/withdraw/"
    )
    assert response.status_code == 403
    assert DeclaredRelation.objects.filter(pk=relation.pk).exists()


@pytest.mark.parametrize("role", ROLES)
def test_withdrawing_a_relation_on_the_page(as_role, role, relation):
    response = as_role(role).post(
        f"/registry/organisations/{relation.organisation_id}/relations/{relation.pk}/withdraw/"
    )
    expected = {"anonymous": 302, "owner": 302, "operator": 302}.get(role, 404)
    assert response.status_code == expected
    assert DeclaredRelation.objects.filter(pk=relation.pk).exists() is (role not in MANAGERS)
    assert AuditEntry.objects.filter(action="relation.withdraw").count() == int(role in MANAGERS)


@pytest.mark.parametrize(
    ("code", "words"),
    [("91510100MA00000770", "check character"), ("unregistered", "No registered organisation"), ("self", "itself")],
)
def test_a_bad_relation_on_the_page_answers_400(client, vendor_user, vendor_org, code, words):
    code = {"unregistered": valid_credit_code(4444), "self": vendor_org.credit_code}.get(code, code)
    client.force_login(vendor_user)
    client.cookies["django_language"] = "en"
    response = client.post(
        f"/registry/organisations/{vendor_org.pk}/relations/", {"related_credit_code": code, "nature": "关联"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="related_credit_code"' in html
    assert words in html
    assert not DeclaredRelation.objects.exists()


# Resubmission and rejection


@pytest.mark.parametrize("role", ROLES)
def test_resubmitting_on_the_page(as_role, role, vendor_user, operator):
    organisation = services.organisation_create(
        actor=vendor_user,
        name="被驳回公司",
        kind="vendor",
        credit_code_value=valid_credit_code(613),
        region_code="510100",
    )
    services.organisation_reject(actor=operator, organisation=organisation, reason="缺少材料")
    response = as_role(role).post(f"/registry/organisations/{organisation.pk}/resubmit/")
    expected = {"anonymous": 302, "owner": 302, "operator": 302}.get(role, 404)
    assert response.status_code == expected
    organisation.refresh_from_db()
    assert organisation.status == ("submitted" if role in MANAGERS else "rejected")


@pytest.mark.parametrize("role", ROLES)
def test_rejecting_on_the_page(as_role, role, vendor_user):
    organisation = services.organisation_create(
        actor=vendor_user,
        name="待核验公司",
        kind="vendor",
        credit_code_value=valid_credit_code(614),
        region_code="510100",
    )
    response = as_role(role).post(f"/registry/organisations/{organisation.pk}/reject/", {"reason": "材料不全"})
    expected = {"anonymous": 302, "owner": 403, "operator": 302}.get(role, 404)
    assert response.status_code == expected
    organisation.refresh_from_db()
    assert organisation.status == ("rejected" if role == "operator" else "submitted")


# The search page


def test_the_search_page_filters_by_modality_and_sector(client, operator):
    image = OrganisationFactory(name="图像公司", verified=True)
    speech = OrganisationFactory(name="语音公司", region_code="340100", verified=True)
    services.organisation_update_profile(
        actor=operator, organisation=image, capabilities={"image": 1}, sectors=["transport"]
    )
    services.organisation_update_profile(
        actor=operator, organisation=speech, capabilities={"speech": 1}, sectors=["finance"]
    )

    by_modality = client.get("/registry/", {"modality": "image"}).content.decode()
    by_sector = client.get(
        "/registry/", {"sector": "finance", "region": "340000"}, HTTP_HX_REQUEST="true"
    ).content.decode()

    assert "图像公司" in by_modality
    assert "语音公司" not in by_modality
    assert "语音公司" in by_sector
    assert "图像公司" not in by_sector


@pytest.mark.parametrize("role", ROLES)
def test_include_unverified_on_the_search_page(as_role, role, vendor_user):
    own = services.organisation_create(
        actor=vendor_user,
        name="自家待核验公司",
        kind="vendor",
        credit_code_value=valid_credit_code(615),
        region_code="510100",
    )
    OrganisationFactory(name="别家待核验公司")
    client = as_role(role)
    default = client.get("/registry/").content.decode()
    ticked = client.get("/registry/", {"include_unverified": "on"}).content.decode()

    assert own.name not in default
    assert ('name="include_unverified"' in default) is (role != "anonymous")
    assert (own.name in ticked) is (role in MANAGERS)
    assert ("别家待核验公司" in ticked) is (role == "operator")


def test_a_bad_filter_answers_400_naming_it(client):
    response = client.get("/registry/", {"modality": "smell"})
    assert response.status_code == 400
    assert 'data-field="modality"' in response.content.decode()


def test_the_search_page_costs_the_same_number_of_queries_for_few_or_many_rows(client, operator):
    client.force_login(UserFactory())

    def queries():
        with CaptureQueriesContext(connection) as context:
            response = client.get("/registry/", {"sector": "finance"})
        assert response.status_code == 200
        return len(context.captured_queries), response.content.decode().count("/registry/organisations/")

    def add(count):
        for index in range(count):
            organisation = OrganisationFactory(verified=True, kind=OrganisationKind.VENDOR)
            services.organisation_update_profile(
                actor=operator, organisation=organisation, capabilities={"image": index, "text": 1}, sectors=["finance"]
            )

    add(2)
    few, few_links = queries()
    add(30)
    many, many_links = queries()
    assert many_links > few_links
    assert few == many
    assert many <= 12
