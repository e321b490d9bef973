"""The tender search's text condition (marketplace/search.py): two-character Chinese words find
titles, references and buyers; on PostgreSQL through the bigram index, never with a title that
only holds the words' bigrams apart."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from marketplace.models import Tender
from marketplace.search import tender_text_q
from marketplace.selectors import TenderFilters, tender_search
from tests.factories.marketplace import TenderFactory, buyer_of

pytestmark = pytest.mark.django_db


def _found(text: str) -> set[str]:
    return set(tender_search(user=AnonymousUser(), filters=TenderFilters(text=text)).values_list("title", flat=True))


@pytest.fixture
def tenders():
    return [
        TenderFactory(publish=True, title="川西平原农田遥感影像语义分割"),
        TenderFactory(publish=True, title="城市路口监控视频目标跟踪与遥测"),
        TenderFactory(publish=True, title="甲乙丙乙甲测试项目"),
    ]


def test_a_two_character_word_finds_the_titles_holding_it(tenders):
    assert _found("遥感") == {"川西平原农田遥感影像语义分割"}
    assert _found("目标") == {"城市路口监控视频目标跟踪与遥测"}


def test_a_title_holding_the_bigrams_apart_is_not_found(tenders):
    # 乙甲乙 has the bigrams 乙甲 and 甲乙, both in 甲乙丙乙甲, which does not contain it.
    assert _found("乙甲乙") == set()
    assert _found("丙乙甲") == {"甲乙丙乙甲测试项目"}


def test_the_reference_in_any_case_and_the_buyer_name_find_a_tender(tenders):
    first = tenders[0]

    assert _found(first.reference.lower()) == {first.title}
    assert first.title in _found(buyer_of(first.created_by).name)


@pytest.mark.postgres
def test_on_postgresql_the_title_is_searched_through_the_bigram_index(tenders):
    query = Tender.objects.filter(tender_text_q("遥感"))
    with connection.cursor() as cursor:  # a handful of rows would be read in full otherwise
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = query.explain()

    assert "Bitmap Index Scan on marketplace_tender_title_bigrams" in plan
