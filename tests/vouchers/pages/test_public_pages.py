"""The public voucher pages: the list of programmes (never drafts; filters, paging, the signed-in
user's links, query counts) and a programme's rules (drafts 404 but to their officers; "Apply" for
the staff of an organisation it is open to)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from registry.roles import OrganisationKind, Role
from tests.factories.registry import MembershipFactory, OrganisationFactory
from tests.factories.vouchers import (
    YUAN,
    authority_of,
    holder_staff,
    issued_voucher,
    officer,
    open_programme,
    programme_spec,
)
from vouchers import services
from vouchers.models import ProgrammeKind, ProviderRule

pytestmark = pytest.mark.django_db

INDEX = reverse("vouchers:index")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def en(client):
    client.cookies["django_language"] = "en"
    return client


def _names(html: str) -> list[str]:
    """The programme names in the list, in order."""
    return re.findall(r'<a href="/vouchers/programmes/\d+/">([^<]+)</a>', html)


def _draft(actor=None, **overrides):
    actor = actor or officer()
    return services.programme_create(actor=actor, authority=authority_of(actor), spec=programme_spec(**overrides))


def _detail(programme) -> str:
    return reverse("vouchers:programme-detail", args=[programme.pk])


def test_the_list_shows_open_paused_and_closed_programmes_but_never_drafts(en):
    open_one = open_programme(name="深圳市数据券")
    paused = open_programme(name="廊坊市算力券")
    services.programme_pause(actor=paused.authority.memberships.get().user, programme=paused)
    closed = open_programme(name="扬州市算法券")
    services.programme_close(actor=closed.authority.memberships.get().user, programme=closed)
    draft = _draft(name="草稿：北京市数据券")

    response = en.get(INDEX)

    assert response.status_code == 200
    html = response.content.decode()
    assert sorted(_names(html)) == sorted([open_one.name, paused.name, closed.name])
    assert draft.name not in html
    assert ">paused</span>" in html
    assert ">closed</span>" in html
    assert "1,000,000.00" in html  # the budget, in yuan


def test_the_list_shows_an_empty_state(en):
    response = en.get(INDEX)
    assert response.status_code == 200
    assert 'data-testid="empty-vouchers"' in response.content.decode()
    assert 'data-testid="your-vouchers"' not in response.content.decode()


def test_filters_narrow_the_list_by_kind_region_and_state(en):
    shenzhen = open_programme(name="深圳数据券", kind=ProgrammeKind.DATA)
    sichuan_officer = officer("510100")
    chengdu = open_programme(
        sichuan_officer, name="成都算力券", kind=ProgrammeKind.COMPUTE, holder_region_code="510100"
    )
    services.programme_pause(actor=sichuan_officer, programme=chengdu)
    cases = {
        "kind=data": [shenzhen.name],
        "kind=compute": [chengdu.name],
        "kind=algorithm": [],
        "region=510000": [chengdu.name],  # the province holds its cities
        "region=440300": [shenzhen.name],
        "state=open": [shenzhen.name],
        "state=paused": [chengdu.name],
        "state=closed": [],
        "kind=data&region=510000": [],
    }
    for query, expected in cases.items():
        response = en.get(f"{INDEX}?{query}")
        assert response.status_code == 200, query
        assert sorted(_names(response.content.decode())) == sorted(expected), query


def test_a_filter_that_does_not_parse_answers_400_with_no_results(en):
    open_programme()
    response = en.get(f"{INDEX}?state=draft")
    assert response.status_code == 400
    html = response.content.decode()
    assert _names(html) == []
    assert 'class="error"' in html


def test_the_list_is_paginated(en):
    actor = officer()
    for number in range(22):
        open_programme(actor, name=f"数据券 {number:02d}")
    first = en.get(INDEX).content.decode()
    second = en.get(f"{INDEX}?page=2").content.decode()
    assert len(_names(first)) == 20
    assert len(_names(second)) == 2
    assert set(_names(first)).isdisjoint(_names(second))
    assert "Page 1 of 2" in first


def test_the_list_costs_a_fixed_number_of_queries(en, django_assert_max_num_queries):
    for _ in range(3):
        actor = officer()
        open_programme(actor)
    en.force_login(holder_staff())
    with django_assert_max_num_queries(7):
        response = en.get(INDEX)
    assert len(_names(response.content.decode())) == 3
    for _ in range(10):
        open_programme(officer("510100"), holder_region_code="510100")
    with django_assert_max_num_queries(7):
        response = en.get(f"{INDEX}?kind=data")
    assert len(_names(response.content.decode())) == 13


@pytest.mark.parametrize(
    ("who", "shown", "hidden"),
    [
        ("anonymous", [], ["links-officer", "links-holder", "links-provider"]),
        ("officer", ["links-officer"], ["links-holder", "links-provider"]),
        ("holder", ["links-holder"], ["links-officer", "links-provider"]),
        ("provider", ["links-holder", "links-provider"], ["links-officer"]),
    ],
)
def test_a_signed_in_user_sees_the_links_that_apply_to_them(en, who, shown, hidden):
    users = {
        "officer": officer,
        "holder": holder_staff,
        "provider": lambda: (
            MembershipFactory(
                organisation=OrganisationFactory(kind=OrganisationKind.VENDOR, region_code="510100", verified=True),
                role=Role.VENDOR_STAFF,
            ).user
        ),
    }
    if who != "anonymous":
        en.force_login(users[who]())
    html = en.get(INDEX).content.decode()
    for testid in shown:
        assert f'data-testid="{testid}"' in html
    for testid in hidden:
        assert f'data-testid="{testid}"' not in html
    if "links-holder" in shown:
        assert reverse("vouchers:vouchers-mine") in html
        assert reverse("vouchers:redeem") in html
    if "links-officer" in shown:
        assert reverse("vouchers:application-queue") in html


def test_a_programme_shows_its_rules_and_budget_figures(en):
    programme = open_programme(coverage_bp=3_333, holder_cap_fen=250_000 * YUAN, rules="申领须提交标注服务合同。")
    issued_voucher(programme, holder_staff(), 40_000 * YUAN)

    response = en.get(_detail(programme))

    assert response.status_code == 200
    html = response.content.decode()
    assert programme.name in html
    assert "Data voucher" in html or "data voucher" in html
    assert programme.authority.name in html
    assert "33.33%" in html
    assert "¥250,000.00" in html
    assert "Shenzhen" in html  # who may hold: the holders' region
    assert "enterprise" in html
    assert "Sichuan" in html  # which providers: verified vendors in the providers' region
    assert "申领须提交标注服务合同。" in html
    budget = re.search(r'data-testid="programme-budget">(.*?)</dl>', html, re.S).group(1)
    assert "1,000,000.00" in budget  # the budget
    assert "960,000.00" in budget  # not yet issued
    assert "40,000.00" in budget  # issued, unused
    assert 'data-testid="apply"' not in html  # anonymous


def test_a_programme_with_a_list_of_providers_names_them(en):
    vendor = OrganisationFactory(kind=OrganisationKind.VENDOR, region_code="510100", verified=True, name="成都标注科技")
    programme = open_programme(
        provider_rule=ProviderRule.LIST, provider_region_code="", provider_credit_codes=[vendor.credit_code]
    )
    html = en.get(_detail(programme)).content.decode()
    providers = re.search(r'data-testid="programme-providers">(.*?)</dd>', html, re.S).group(1)
    assert "成都标注科技" in providers


def test_a_drafts_detail_is_404_to_the_public_and_shown_to_its_officers(en):
    actor = officer()
    draft = _draft(actor, name="草稿：数据券")
    assert en.get(_detail(draft)).status_code == 404
    en.force_login(holder_staff())
    assert en.get(_detail(draft)).status_code == 404
    en.force_login(officer())  # an officer of another authority
    assert en.get(_detail(draft)).status_code == 404
    en.force_login(actor)
    response = en.get(_detail(draft))
    assert response.status_code == 200
    assert 'data-testid="manage"' in response.content.decode()


def test_apply_is_offered_to_the_staff_of_an_organisation_the_programme_is_open_to(en):
    programme = open_programme()  # enterprises of Shenzhen (440300)
    en.force_login(holder_staff(region_code="440300"))
    html = en.get(_detail(programme)).content.decode()
    assert 'data-testid="apply"' in html
    assert reverse("vouchers:application-create", args=[programme.pk]) in html


@pytest.mark.parametrize("case", ["other_region", "vendor", "paused"])
def test_apply_is_not_offered_when_the_programme_is_not_open_to_the_user(en, case):
    programme = open_programme()
    user = holder_staff(region_code="440300")
    if case == "other_region":
        user = holder_staff(region_code="510100")
    elif case == "vendor":
        vendor = OrganisationFactory(kind=OrganisationKind.VENDOR, region_code="440300", verified=True)
        user = MembershipFactory(organisation=vendor, role=Role.VENDOR_STAFF).user
    else:
        services.programme_pause(actor=programme.authority.memberships.get().user, programme=programme)
    en.force_login(user)
    response = en.get(_detail(programme))
    assert response.status_code == 200
    assert 'data-testid="apply"' not in response.content.decode()
