import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from portal.audit.models import AuditEntry
from portal.errors import PermissionDenied
from registry.showcase import selectors, services
from registry.showcase.models import Competition, CompetitionEntry, ExcellentCase
from tests.factories import OrganisationFactory
from tests.factories.showcase import CompetitionEntryFactory, CompetitionFactory, ExcellentCaseFactory

pytestmark = pytest.mark.django_db

FIGURES = [{"label": "标注数据量", "value": "1.2 亿条"}, {"label": "准确率", "value": "99.2%"}]


def _case(actor, organisation, **overrides):
    arguments = {
        "title": "医疗影像标注平台",
        "sector": "healthcare",
        "modality": "image",
        "year": 2024,
        "summary": "面向三甲医院的影像标注。",
        "figures": FIGURES,
    }
    return services.case_create(actor=actor, organisation=organisation, **{**arguments, **overrides})


def test_an_operator_records_a_case_unpublished_then_publishes_it(operator, vendor_org):
    case = _case(operator, vendor_org)
    assert (case.published, case.figures) == (False, FIGURES)

    published = services.case_publish(actor=operator, case=case, published=True)
    assert published.published
    assert published.published_at is not None
    withdrawn = services.case_publish(actor=operator, case=case, published=False)
    assert (withdrawn.published, withdrawn.published_at) == (False, None)
    actions = list(
        AuditEntry.objects.filter(object_id=str(case.pk), object_type="showcase.excellentcase")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["case.create", "case.publish", "case.unpublish"]


def test_only_operators_curate(vendor_user, vendor_org):
    with pytest.raises(PermissionDenied):
        _case(vendor_user, vendor_org)
    case = ExcellentCaseFactory(organisation=vendor_org, published=False)
    with pytest.raises(PermissionDenied):
        services.case_publish(actor=vendor_user, case=case, published=True)
    with pytest.raises(PermissionDenied):
        services.competition_create(
            actor=vendor_user,
            name="X",
            year=2025,
            starts_on=datetime.date(2025, 1, 1),
            ends_on=datetime.date(2025, 2, 1),
        )
    assert ExcellentCase.objects.get().published is False
    assert not Competition.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"sector": "mining"}, "sector"),
        ({"modality": "smell"}, "modality"),
        ({"year": 1999}, "year"),
        ({"title": ""}, "title"),
        ({"figures": [{"label": "only a label"}]}, "figures"),
        ({"figures": [{"label": "", "value": "1"}]}, "figures"),
        ({"figures": [{"label": "x", "value": "1", "extra": "y"}]}, "figures"),
        ({"figures": [{"label": "x", "value": "1"}] * 13}, "figures"),
        ({"figures": [{"label": "x" * 101, "value": "1"}]}, "figures"),
        ({"figures": "not a list"}, "figures"),
    ],
)
def test_bad_case_input_names_the_field_and_writes_nothing(operator, vendor_org, overrides, field):
    with pytest.raises(ValidationError) as error:
        _case(operator, vendor_org, **overrides)
    assert field in error.value.message_dict
    assert not ExcellentCase.objects.exists()
    assert not AuditEntry.objects.filter(action="case.create").exists()


def test_a_case_from_a_future_year_or_an_unverified_organisation_is_refused(operator, vendor_org):
    with pytest.raises(ValidationError) as error:
        _case(operator, vendor_org, year=timezone.localdate().year + 1)
    assert "year" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _case(operator, OrganisationFactory(verified=False))
    assert "organisation" in error.value.message_dict
    assert not ExcellentCase.objects.exists()


def test_numeric_figure_values_are_kept_as_text(operator, vendor_org):
    case = _case(operator, vendor_org, figures=[{"label": "项目数", "value": 12}])
    assert case.figures == [{"label": "项目数", "value": "12"}]


def test_updating_a_case_changes_what_is_given_and_audits_before_and_after(operator, vendor_org):
    case = ExcellentCaseFactory(organisation=vendor_org, title="旧标题")
    services.case_update(actor=operator, case=case, title="新标题", figures=[])
    case.refresh_from_db()
    assert (case.title, case.figures, case.sector) == ("新标题", [], "transport")
    entry = AuditEntry.objects.get(action="case.update")
    assert (entry.before["title"], entry.after["title"]) == ("旧标题", "新标题")


def test_a_competition_cannot_end_before_it_starts_nor_repeat_its_name_in_a_year(operator):
    with pytest.raises(ValidationError) as error:
        services.competition_create(
            actor=operator,
            name="大赛",
            year=2025,
            starts_on=datetime.date(2025, 5, 1),
            ends_on=datetime.date(2025, 4, 1),
        )
    assert "ends_on" in error.value.message_dict
    CompetitionFactory(name="大赛", year=2025)
    with pytest.raises(ValidationError) as error:
        services.competition_create(
            actor=operator,
            name="大赛",
            year=2025,
            starts_on=datetime.date(2025, 5, 1),
            ends_on=datetime.date(2025, 6, 1),
        )
    assert "name" in error.value.message_dict
    assert Competition.objects.count() == 1


def test_a_competition_update_can_remove_the_organiser_and_keeps_dates_consistent(operator, agency_user):
    organiser = agency_user.memberships.get().organisation
    competition = CompetitionFactory(organiser=organiser)
    with pytest.raises(ValidationError):
        services.competition_update(actor=operator, competition=competition, ends_on=datetime.date(2025, 1, 1))
    services.competition_update(actor=operator, competition=competition, organiser=None)
    competition.refresh_from_db()
    assert competition.organiser is None
    assert competition.ends_on == datetime.date(2025, 9, 30)


def test_entries_are_listed_winners_first(operator):
    competition = CompetitionFactory()
    third = CompetitionEntryFactory(competition=competition, title="A 作品", award="third")
    none = CompetitionEntryFactory(competition=competition, title="B 作品", award="none")
    winner = CompetitionEntryFactory(competition=competition, title="C 作品", award="winner")
    mention = CompetitionEntryFactory(competition=competition, title="D 作品", award="honourable_mention")
    second = CompetitionEntryFactory(competition=competition, title="E 作品", award="second")

    assert list(selectors.competition_entries(competition=competition)) == [winner, second, third, mention, none]

    services.entry_award(actor=operator, entry=none, award="winner")
    assert list(selectors.competition_entries(competition=competition))[:2] == [none, winner]  # winners by title
    assert AuditEntry.objects.get(action="competition_entry.award").after["award"] == "winner"


def test_an_entry_is_unique_per_competition_organisation_and_title_and_needs_a_verified_entrant(operator, vendor_org):
    competition = CompetitionFactory()
    CompetitionEntryFactory(competition=competition, organisation=vendor_org, title="作品")
    with pytest.raises(ValidationError) as error:
        services.entry_add(actor=operator, competition=competition, organisation=vendor_org, title="作品")
    assert "title" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.entry_add(
            actor=operator, competition=competition, organisation=OrganisationFactory(verified=False), title="别的"
        )
    assert "organisation" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.entry_award(actor=operator, entry=CompetitionEntry.objects.get(), award="gold")
    assert "award" in error.value.message_dict
    assert CompetitionEntry.objects.get().award == "none"


def test_removing_an_entry_is_audited(operator):
    entry = CompetitionEntryFactory()
    services.entry_remove(actor=operator, entry=entry)
    assert not CompetitionEntry.objects.exists()
    assert AuditEntry.objects.get(action="competition_entry.remove").before["title"] == entry.title
