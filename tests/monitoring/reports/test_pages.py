"""The statistical report pages: filing, the organisation's list and detail, the regulators'
list and its CSV, and who sees what (a regulator of another province never sees a figure)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from monitoring.models import ReportState, StatisticalReport
from monitoring.reports import services
from registry.taxonomy import Modality
from tests.factories.monitoring_reports import QUARTER, YEAR, figures, reporting_organisation, staff_of, submit
from tests.factories.registry import ROLES, user_for_role

pytestmark = pytest.mark.django_db

ALL_ROLES = (*ROLES, "regulator_in_scope")
PERIOD = {"year": YEAR, "quarter": QUARTER}


def _client_for(client, request, role):
    user = (
        request.getfixturevalue("regulator_in_scope") if role == "regulator_in_scope" else user_for_role(request, role)
    )
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def owner_report(owner_org, vendor_user):
    # Filed now, long after 2025 Q2's deadline: late; 12,345,678.90 yuan.
    return submit(vendor_user, owner_org, revenue_fen=1_234_567_890)


def _form_data(**overrides):
    data = {
        "organisation": "",
        "year": YEAR,
        "quarter": QUARTER,
        "revenue": "12345.67",
        "headcount": 40,
        "total_items": 600,
        "public_data_share": "12.5",
        "action": "submit",
        **{f"volume_{modality}": 100 for modality in Modality.values},
    }
    data.update(overrides)
    return data


def test_staff_file_a_report_through_the_form(client, owner_org, vendor_user):
    client.force_login(vendor_user)
    form = client.get(reverse("monitoring:report-file"), PERIOD)
    assert form.status_code == 200
    assert 'name="volume_point_cloud"' in form.content.decode()

    response = client.post(reverse("monitoring:report-file"), _form_data(organisation=owner_org.pk))

    report = StatisticalReport.objects.get(organisation=owner_org, year=YEAR, quarter=QUARTER)
    assert response.status_code == 302
    assert response["Location"] == reverse("monitoring:report-detail", args=[report.pk])
    assert report.state == ReportState.SUBMITTED
    assert (report.revenue_fen, report.public_data_share_bp, report.total_items) == (1_234_567, 1_250, 600)
    assert report.volumes.count() == len(Modality.values)
    detail = client.get(response["Location"]).content.decode()
    assert "12,345.67" in detail


def test_the_form_saves_a_draft(client, owner_org, vendor_user):
    client.force_login(vendor_user)
    client.post(reverse("monitoring:report-file"), _form_data(organisation=owner_org.pk, action="draft"))
    assert StatisticalReport.objects.get().state == ReportState.DRAFT


def test_the_form_shows_the_services_errors_on_their_fields_and_writes_nothing(client, owner_org, vendor_user):
    client.force_login(vendor_user)
    response = client.post(
        reverse("monitoring:report-file"),
        _form_data(organisation=owner_org.pk, total_items=601, volume_image=-5, public_data_share="101"),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="total_items"' in html or 'data-field="volume_image"' in html
    assert 'data-field="volume_image"' in html
    assert 'data-field="public_data_share"' in html
    assert not StatisticalReport.objects.exists()


def test_the_form_refuses_an_organisation_the_user_does_not_file_for(client, owner_org, vendor_user):
    other = reporting_organisation()
    client.force_login(vendor_user)
    response = client.post(reverse("monitoring:report-file"), _form_data(organisation=other.pk))
    assert response.status_code == 400
    assert not StatisticalReport.objects.exists()


def test_the_form_is_prefilled_with_the_saved_figures(client, owner_report, vendor_user):
    client.force_login(vendor_user)
    html = client.get(reverse("monitoring:report-file"), PERIOD).content.decode()
    assert 'value="12345678.90"' in html
    assert 'data-testid="amendment-notice"' in html


@pytest.mark.parametrize("role", ALL_ROLES)
def test_who_may_see_the_report_list_and_the_form(client, request, owner_report, role):
    client = _client_for(client, request, role)
    for name in ("monitoring:report-list", "monitoring:report-file"):
        response = client.get(reverse(name))
        if role == "anonymous":
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("accounts:login"))
        elif role in ("owner", "other_vendor"):
            assert response.status_code == 200
        else:
            assert response.status_code == 403
    if role == "owner":
        assert "12,345,678.90" in client.get(reverse("monitoring:report-list")).content.decode()
    if role == "other_vendor":
        html = client.get(reverse("monitoring:report-list")).content.decode()
        assert "12,345,678.90" not in html
        assert 'data-testid="empty-reports"' in html


@pytest.mark.parametrize("role", ALL_ROLES)
def test_who_may_see_a_report(client, request, owner_report, role):
    client = _client_for(client, request, role)
    response = client.get(reverse("monitoring:report-detail", args=[owner_report.pk]))
    if role == "anonymous":
        assert response.status_code == 302
    elif role in ("owner", "regulator_in_scope", "operator"):
        assert response.status_code == 200
        assert "12,345,678.90" in response.content.decode()
    else:
        assert response.status_code == 404


def test_a_draft_is_seen_only_by_its_organisation(client, owner_org, vendor_user, regulator_in_scope, operator):
    draft = services.statistical_report_save_draft(
        actor=vendor_user, organisation=owner_org, year=YEAR, quarter=QUARTER, **figures()
    )
    url = reverse("monitoring:report-detail", args=[draft.pk])
    for user, status in ((vendor_user, 200), (regulator_in_scope, 404), (operator, 404)):
        client.force_login(user)
        assert client.get(url).status_code == status


def test_the_detail_shows_the_flags_with_their_evidence(client, owner_org, vendor_user):
    submit(vendor_user, owner_org, year=2025, quarter=1)
    report = submit(vendor_user, owner_org, revenue_fen=10**12)
    client.force_login(vendor_user)
    html = client.get(reverse("monitoring:report-detail", args=[report.pk])).content.decode()
    assert 'data-kind="revenue_jump"' in html
    assert "2025Q1: 1,000,000.00 yuan; this quarter: 10,000,000,000.00 yuan" in html


# --- The regulators' list and CSV -------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES)
def test_who_may_see_the_regulators_list_and_what_they_see(client, request, owner_report, role):
    client = _client_for(client, request, role)
    page = client.get(reverse("monitoring:report-oversight"), PERIOD)
    export = client.get(reverse("monitoring:report-oversight-csv"), PERIOD)
    if role == "anonymous":
        assert page.status_code == export.status_code == 302
        return
    if role in ("owner", "other_vendor", "agency"):
        assert page.status_code == export.status_code == 403
        return
    assert page.status_code == export.status_code == 200
    html = page.content.decode()
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    name = owner_report.organisation.name
    if role == "regulator_other_region":
        assert name not in html
        assert 'data-testid="empty-oversight"' in html
        assert len(rows) == 1  # the header only
        assert "12345678.90" not in export.content.decode("utf-8-sig")
    else:
        assert name in html
        assert [row[2] for row in rows[1:]] == [name]
        assert rows[1][7] == "submitted late"
        assert rows[1][9] == "12345678.90"


def test_the_regulators_list_filters_and_pages(client, owner_report, regulator_in_scope, django_assert_max_num_queries):
    for _ in range(21):
        reporting_organisation(region_code="510107")  # Wuhou, in Chengdu: missing, so late
    client.force_login(regulator_in_scope)
    url = reverse("monitoring:report-oversight")
    with django_assert_max_num_queries(15):
        first = client.get(url, PERIOD)
    assert first.content.decode().count('data-testid="oversight-row"') == 20
    second = client.get(url, {**PERIOD, "page": 2}).content.decode()
    assert second.count('data-testid="oversight-row"') == 2
    wuhou = client.get(url, {**PERIOD, "region": "510107"}).content.decode()
    assert owner_report.organisation.name not in wuhou  # registered in Chengdu proper
    assert owner_report.organisation.name in first.content.decode()
    flagged = client.get(url, {**PERIOD, "problem": "flagged"}).content.decode()
    assert 'data-testid="empty-oversight"' in flagged


def test_the_csv_export_keeps_the_filters_and_the_scope(client, owner_report, regulator_in_scope):
    elsewhere = reporting_organisation(region_code="440300")
    submit(staff_of(elsewhere), elsewhere)
    client.force_login(regulator_in_scope)
    export = client.get(reverse("monitoring:report-oversight-csv"), {**PERIOD, "problem": "all"})
    body = export.content.decode("utf-8-sig")
    assert export["Content-Disposition"] == 'attachment; filename="statistical-reports-2025Q2.csv"'
    assert elsewhere.name not in body
    assert owner_report.organisation.name in body


@pytest.mark.parametrize(
    ("role", "links"),
    [
        ("anonymous", set()),
        ("owner", {"report-list"}),
        ("agency", set()),
        ("regulator_in_scope", {"report-oversight"}),
        ("operator", {"report-oversight"}),
    ],
)
def test_the_monitoring_page_links_to_the_report_pages_each_user_may_use(client, request, owner_org, role, links):
    client = _client_for(client, request, role)
    response = client.get(reverse("monitoring:index"))
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("report-list", "report-oversight"):
        assert (f'href="{reverse("monitoring:" + name)}"' in html) is (name in links)
