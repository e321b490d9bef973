"""Who reads what: a permission matrix of the list and detail endpoints over the roles (anonymous,
the holder's staff, the provider's staff, the programme's officer, an officer of another authority,
an operator), who sees a voucher's code, the programmes' filters and drafts, and the cost of the
lists in queries."""

from __future__ import annotations

import pytest

from registry.models import Region
from tests.factories.vouchers import (
    YUAN,
    authority_of,
    evidence_file,
    holder_staff,
    issued_voucher,
    officer,
    open_programme,
    programme_spec,
)
from vouchers import services
from vouchers.codes import display_code
from vouchers.models import ProgrammeKind, ProgrammeState, ProviderRule

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "holder", "provider", "officer", "other_officer", "operator"]


def _as(api_client, world, role: str):
    user = world.users[role]
    if user is not None:
        api_client.force_authenticate(user)
    return api_client


def _ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


# Which roles see the world's objects in each list (anonymous always gets 401).
SEES = {
    "vouchers": {"holder", "officer", "operator"},
    "voucher-redemptions": {"holder", "provider", "officer", "operator"},
    "voucher-applications": {"holder", "officer", "operator"},
    "voucher-claims": {"holder", "provider", "officer", "operator"},
}


def _objects(world, resource: str) -> set[int]:
    return {
        "vouchers": {world.setup.voucher.pk},
        "voucher-redemptions": {world.redemption.pk},
        "voucher-applications": {world.setup.voucher.application_id},
        "voucher-claims": {world.claim.pk},
    }[resource]


@pytest.mark.parametrize("role", ROLES)
def test_each_list_shows_each_role_what_it_may_see(api_client, world, role):
    client = _as(api_client, world, role)

    for resource, readers in SEES.items():
        listed = client.get(f"/api/v1/{resource}/")
        (pk,) = _objects(world, resource)
        detail = client.get(f"/api/v1/{resource}/{pk}/")

        if role == "anonymous":
            assert (listed.status_code, detail.status_code) == (401, 401), resource
            assert listed.json()["code"] == "not_authenticated"
            continue
        assert listed.status_code == 200, resource
        assert _ids(listed) == ({pk} if role in readers else set()), resource
        assert detail.status_code == (200 if role in readers else 404), resource


@pytest.mark.parametrize("role", ROLES)
def test_open_programmes_are_public_to_every_role(api_client, world, role):
    client = _as(api_client, world, role)
    programme = world.setup.programme

    listed = client.get("/api/v1/voucher-programmes/")
    detail = client.get(f"/api/v1/voucher-programmes/{programme.pk}/")

    assert listed.status_code == 200
    assert programme.pk in _ids(listed)
    assert detail.status_code == 200
    body = detail.json()
    assert body["state"] == ProgrammeState.OPEN
    assert (body["budget_fen"], body["coverage_bp"], body["holder_cap_fen"]) == (
        programme.budget_fen,
        programme.coverage_bp,
        programme.holder_cap_fen,
    )
    assert all(isinstance(body[name], int) for name in ("budget_fen", "coverage_bp", "holder_cap_fen"))


@pytest.mark.parametrize(("role", "status"), [("anonymous", 404), ("holder", 404), ("officer", 200), ("operator", 200)])
def test_a_draft_programme_is_seen_only_by_its_officers_and_operators(api_client, world, role, status):
    officer = world.setup.officer
    draft = services.programme_create(
        actor=officer, authority=authority_of(officer), spec=programme_spec(name="草案：算力券")
    )
    client = _as(api_client, world, role)

    assert client.get(f"/api/v1/voucher-programmes/{draft.pk}/").status_code == status
    assert draft.pk not in _ids(client.get("/api/v1/voucher-programmes/"))


@pytest.mark.parametrize(("role", "sees_code"), [("holder", True), ("officer", True), ("operator", False)])
def test_a_vouchers_code_is_shown_only_to_its_holders_staff_and_the_programmes_officers(
    api_client, world, role, sees_code
):
    voucher = world.setup.voucher
    client = _as(api_client, world, role)

    listed = client.get("/api/v1/vouchers/").json()["results"]
    detail = client.get(f"/api/v1/vouchers/{voucher.pk}/").json()

    expected = display_code(voucher.code) if sees_code else None
    assert [row["code"] for row in listed] == [expected]
    assert detail["code"] == expected
    if not sees_code:
        assert voucher.code not in str(listed) + str(detail)


def test_the_voucher_detail_has_its_balance_and_history(api_client, world):
    voucher = world.setup.voucher
    api_client.force_authenticate(world.setup.holder_user)

    body = api_client.get(f"/api/v1/vouchers/{voucher.pk}/").json()

    assert body["face_fen"] == 50_000 * YUAN
    assert body["balance_fen"] == 40_000 * YUAN
    assert body["redeemed_fen"] == 10_000 * YUAN
    assert [(row["kind"], row["amount_fen"], row["redemption"]) for row in body["history"]] == [
        ("issue", 50_000 * YUAN, None),
        ("redeem", -10_000 * YUAN, world.redemption.pk),
    ]


def test_nothing_of_the_redemptions_shows_a_voucher_code_to_the_provider(api_client, world):
    api_client.force_authenticate(world.setup.provider_user)
    for url in ("/api/v1/voucher-redemptions/", "/api/v1/voucher-claims/"):
        response = api_client.get(url)
        assert response.status_code == 200
        assert world.setup.voucher.code not in response.content.decode()
        assert display_code(world.setup.voucher.code) not in response.content.decode()


@pytest.mark.parametrize(
    ("role", "side", "sees"),
    [
        ("provider", "", True),
        ("provider", "provider", True),
        ("provider", "holder", False),
        ("provider", "officer", False),
        ("holder", "holder", True),
        ("holder", "provider", False),
        ("officer", "officer", True),
        ("officer", "holder", False),
    ],
)
def test_the_redemptions_list_filters_by_the_side_read_from(api_client, world, role, side, sees):
    client = _as(api_client, world, role)

    listed = client.get("/api/v1/voucher-redemptions/", {"role": side})

    assert listed.status_code == 200
    assert _ids(listed) == ({world.redemption.pk} if sees else set())


def test_the_redemptions_list_filters_by_state(api_client, world):
    client = _as(api_client, world, "holder")
    url = "/api/v1/voucher-redemptions/"
    assert _ids(client.get(url, {"state": "confirmed"})) == {world.redemption.pk}
    assert _ids(client.get(url, {"state": "pending"})) == set()
    for bad in ({"state": "lost"}, {"role": "nobody"}):
        response = client.get(url, bad)
        assert response.status_code == 400
        assert set(response.json()["fields"]) == set(bad)


@pytest.mark.parametrize(("side", "sees"), [("", True), ("holder", False), ("officer", True)])
def test_the_vouchers_list_filters_by_the_side_read_from(api_client, world, side, sees):
    client = _as(api_client, world, "officer")
    listed = client.get("/api/v1/vouchers/", {"role": side})
    assert _ids(listed) == ({world.setup.voucher.pk} if sees else set())


def test_the_programmes_list_filters_by_kind_region_and_state(api_client, world):
    # Langfang (131000) and Hengshui (131100) share the prefix "131": a region is its subtree.
    Region.objects.get_or_create(
        code="131100", defaults={"name": "衡水市", "name_en": "Hengshui", "level": "prefecture", "parent_id": "130000"}
    )
    langfang = open_programme(
        actor=officer(region_code="131000"),
        name="廊坊市算力券",
        kind=ProgrammeKind.COMPUTE,
        holder_region_code="131000",
    )
    hengshui = open_programme(actor=officer(region_code="131100"), name="衡水市数据券", holder_region_code="131100")
    shenzhen = world.setup.programme

    def listed(**params: str) -> set[int]:
        response = api_client.get("/api/v1/voucher-programmes/", params)
        assert response.status_code == 200, response.json()
        return _ids(response)

    assert listed() >= {langfang.pk, hengshui.pk, shenzhen.pk}
    assert listed(kind="compute") == {langfang.pk}
    assert listed(region="131000") == {langfang.pk}
    assert listed(region="130000") == {langfang.pk, hengshui.pk}
    assert listed(region="440000") == {shenzhen.pk}
    assert listed(state="open", region="131100") == {hengshui.pk}
    assert listed(state="closed") == set()
    for bad in ({"kind": "coupon"}, {"region": "999999"}, {"state": "draft"}):
        response = api_client.get("/api/v1/voucher-programmes/", bad)
        assert response.status_code == 400
        assert set(response.json()["fields"]) == set(bad)


def test_an_unknown_filter_value_answers_400(api_client, world):
    api_client.force_authenticate(world.setup.holder_user)
    for url, params in (
        ("/api/v1/vouchers/", {"state": "lost"}),
        ("/api/v1/vouchers/", {"programme": "x"}),
        ("/api/v1/voucher-applications/", {"state": "lost"}),
        ("/api/v1/voucher-claims/", {"state": "lost"}),
    ):
        response = api_client.get(url, params)
        assert response.status_code == 400
        assert set(response.json()["fields"]) == set(params)


def _more_rows(world) -> None:
    """A second voucher of the holder, three more holders with a voucher each, two more
    redemptions, one more claim, and a second programme paying listed providers."""
    setup = world.setup
    issued_voucher(setup.programme, setup.holder_user, 20_000 * YUAN)
    for _ in range(3):
        issued_voucher(setup.programme, holder_staff(), 1_000 * YUAN)
    for target in ({"contract_id": setup.contract.pk}, {"order_id": world.order.pk}):
        redemption = services.voucher_redeem(
            actor=setup.holder_user, code=setup.voucher.code, amount_fen=1_000 * YUAN, **target
        ).redemption
    services.claim_submit(actor=setup.holder_user, redemption=redemption, evidence=evidence_file())
    open_programme(
        name="深圳市算力券",
        provider_rule=ProviderRule.LIST,
        provider_region_code="",
        provider_credit_codes=[setup.contract.supplier.credit_code],
    )


# The most queries each list may cost, whoever reads it and however many rows it has.
BOUNDS = {
    "/api/v1/voucher-programmes/": 3,  # count, page, providers
    "/api/v1/vouchers/": 4,  # who may read codes (2), count, page with balances
    "/api/v1/voucher-redemptions/": 2,  # count, page
    "/api/v1/voucher-applications/": 2,
    "/api/v1/voucher-claims/": 2,
}


@pytest.mark.parametrize("role", ["holder", "officer", "operator"])
def test_each_list_costs_a_fixed_number_of_queries(api_client, world, role, django_assert_max_num_queries):
    _more_rows(world)
    client = _as(api_client, world, role)

    for url, bound in BOUNDS.items():
        with django_assert_max_num_queries(bound):
            response = client.get(url)
        assert response.status_code == 200
        assert response.json()["count"] >= 2, url
