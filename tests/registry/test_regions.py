import pytest

from registry.models import Organisation, Region, RegionLevel
from registry.selectors import region_subtree_q
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_all_34_provincial_level_units_are_loaded():
    provinces = Region.objects.filter(level=RegionLevel.PROVINCE)
    assert provinces.count() == 34
    assert set(provinces.values_list("code", flat=True)) >= {"110000", "650000", "710000", "810000", "820000"}
    assert not provinces.filter(parent__isnull=False).exists()


def test_every_city_has_a_parent_whose_code_it_extends():
    for region in Region.objects.exclude(level=RegionLevel.PROVINCE).select_related("parent"):
        assert region.parent is not None
        assert region.code.startswith(region.parent.subtree_prefix)


def _descendants(region):
    found, frontier = {region.code}, [region]
    while frontier:
        children = list(Region.objects.filter(parent__in=frontier))
        found.update(child.code for child in children)
        frontier = children
    return found


@pytest.mark.parametrize("code", ["510000", "510100", "110000", "440300", "510107"])
def test_the_code_prefix_subtree_equals_the_parent_link_subtree(code):
    region = Region.objects.get(pk=code)
    by_prefix = set(Region.objects.filter(code__startswith=region.subtree_prefix).values_list("code", flat=True))
    assert by_prefix == _descendants(region)


def test_region_subtree_filter_selects_rows_in_the_region_and_below():
    sichuan, chengdu = Region.objects.get(pk="510000"), Region.objects.get(pk="510100")
    in_sichuan = OrganisationFactory(region_code="510000")
    in_chengdu = OrganisationFactory(region_code="510107")
    in_guangdong = OrganisationFactory(region_code="440300")
    assert set(Organisation.objects.filter(region_subtree_q(sichuan))) == {in_sichuan, in_chengdu}
    assert set(Organisation.objects.filter(region_subtree_q(chengdu))) == {in_chengdu}
    assert in_guangdong not in Organisation.objects.filter(region_subtree_q(chengdu))


def test_regions_api_lists_provinces_and_children(api_client):
    response = api_client.get("/api/v1/regions/", {"parent": "510000", "page_size": 100})
    assert response.status_code == 200
    codes = {row["code"] for row in response.json()["results"]}
    assert codes == {"510100"}
    assert api_client.get("/api/v1/regions/999999/").status_code == 404
