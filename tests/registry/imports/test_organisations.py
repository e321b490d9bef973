"""Importing organisations: every row checked, all or nothing, equivalent to registering one by one."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.utils import translation
from guardian.shortcuts import get_perms

from portal.audit.models import AuditEntry
from registry import selectors as registry_selectors
from registry import services as registry_services
from registry.imports.models import ImportJob, ImportStatus
from registry.models import Organisation, VerificationStatus
from registry.roles import Role
from tests.factories import OrganisationFactory, UserFactory, valid_credit_code
from tests.factories.registry import with_wrong_check_character
from tests.factories.talent import valid_resident_id
from tests.registry.imports.conftest import (
    ORGANISATION_HEADER,
    csv_bytes,
    imported_code,
    organisation_rows,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

PROFILE_HEADER = [
    *ORGANISATION_HEADER,
    "status",
    "legal_representative",
    "legal_representative_id_number",
    "registered_capital_yuan",
    "founded_on",
    "address",
    "size_class",
    "annotator_headcount",
    "iso27001_certified",
    "mlps_level",
    "description",
]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _errors(job: ImportJob) -> list[tuple[int | None, str]]:
    return [(error["line"], error["column"]) for error in job.errors]


def test_a_clean_file_writes_every_organisation_with_its_profile_and_one_audit_row(run_import, operator):
    legal_id = valid_resident_id(7)
    rows = [
        PROFILE_HEADER,
        ["成都星标智能科技有限公司", "vendor", valid_credit_code(1), "510100", "verified", "张三", legal_id,
         "5,000,000.50", "2019-03-01", "成都市高新区", "small", "120", "是", "3", "图像与点云标注"],
        ["四川省数据局", "政府机关", valid_credit_code(2, category="11"), "510000", "", "", "", "", "", "", "", "", "",
         "", ""],
    ]  # fmt: skip
    audit_before = AuditEntry.objects.count()

    job = run_import("organisations", csv_bytes(rows))

    assert (job.status, job.written_rows, job.total_rows, job.error_count) == (ImportStatus.DONE, 2, 2, 0)
    vendor = Organisation.objects.get(credit_code=valid_credit_code(1))
    assert vendor.status == VerificationStatus.VERIFIED
    assert vendor.status_changed_at is not None
    assert vendor.registered_capital_fen == 500_000_050
    assert str(vendor.founded_on) == "2019-03-01"
    assert (vendor.size_class, vendor.annotator_headcount, vendor.iso27001_certified, vendor.mlps_level) == (
        "small",
        120,
        True,
        3,
    )
    assert vendor.legal_representative_id_masked == legal_id[:3] + "*" * 11 + legal_id[-4:]
    assert legal_id not in str(Organisation.objects.filter(pk=vendor.pk).values().get())
    agency = Organisation.objects.get(credit_code=valid_credit_code(2, category="11"))
    assert (agency.kind, agency.status, agency.region_id) == ("agency", VerificationStatus.SUBMITTED, "510000")
    audit = AuditEntry.objects.filter(pk__gt=0).order_by("pk")[audit_before:]
    assert [(entry.action, entry.object_type, entry.object_id) for entry in audit] == [
        ("registry.import", "imports.importjob", str(job.pk))
    ]
    assert audit[0].after == {"kind": "organisations", "rows": 2, "sha256": job.sha256, "verified": 1}
    assert audit[0].actor == operator
    assert not job.file  # the upload is not kept


def test_imported_organisations_work_like_registered_ones(run_import, operator):
    registered = OrganisationFactory(verified=False)
    job = run_import("organisations", csv_bytes([ORGANISATION_HEADER, *organisation_rows(1, start=500)]))
    imported = Organisation.objects.get(pk__gt=registered.pk)
    member = UserFactory()

    registry_services.membership_add(
        actor=operator, organisation=imported, username=member.username, role="vendor_staff"
    )

    assert job.status == ImportStatus.DONE
    assert imported.members_group.name == f"organisation:{imported.credit_code}"
    assert get_perms(imported.members_group, imported) == get_perms(registered.members_group, registered)
    assert get_perms(imported.members_group, imported) == ["view_organisation"]
    # The member sees the unverified organisation through its group, and manages it like any other.
    assert imported in registry_selectors.organisations_visible_to(user=member)
    assert member.has_perm("registry.change_organisation", imported)
    assert registry_selectors.has_role(user=member, organisation=imported, role=Role.VENDOR_STAFF)
    assert imported not in registry_selectors.organisations_visible_to(user=UserFactory())


def test_one_bad_row_in_ten_thousand_writes_nothing(run_import):
    rows = organisation_rows(10_000)
    code = rows[4_999][2]
    rows[4_999][2] = with_wrong_check_character(code)  # wrong check character
    groups_before = Group.objects.count()
    audit_before = AuditEntry.objects.count()

    job = run_import("organisations", csv_bytes([ORGANISATION_HEADER, *rows]))

    assert (job.status, job.total_rows, job.processed_rows, job.written_rows) == (
        ImportStatus.FAILED,
        10_000,
        10_000,
        0,
    )
    assert job.error_count == 1
    assert job.errors == [
        {
            "line": 5_001,
            "column": "credit_code",
            "message": "The check character (the 18th) is wrong: this is not a valid unified social credit code.",
        }
    ]
    assert Organisation.objects.count() == 0
    assert Group.objects.count() == groups_before
    assert AuditEntry.objects.count() == audit_before


def test_every_row_and_every_cell_is_checked_and_each_problem_reported(run_import):
    rows = [
        PROFILE_HEADER,
        ["", "vendor", valid_credit_code(1), "510100", *[""] * 11],
        ["乙", "factory", valid_credit_code(2), "999999", "rejected", *[""] * 10],
        ["丙", "vendor", valid_credit_code(3)[:-1], "510100", "", "", valid_resident_id(1), "1.005", "2019/03/01",
         "", "huge", "-1", "maybe", "6", ""],
        ["丁", "vendor", valid_credit_code(4), "510100", "", "王五", valid_resident_id(2)[:-1] + "Y", "", "2999-01-01",
         "", "", "", "", "", "x" * 5001],
    ]  # fmt: skip

    job = run_import("organisations", csv_bytes(rows))

    assert job.status == ImportStatus.FAILED
    assert _errors(job) == [
        (2, "name"),
        (3, "kind"),
        (3, "region"),
        (3, "status"),
        (4, "credit_code"),
        (4, "legal_representative"),
        (4, "registered_capital_yuan"),
        (4, "founded_on"),
        (4, "size_class"),
        (4, "annotator_headcount"),
        (4, "iso27001_certified"),
        (4, "mlps_level"),
        (5, "legal_representative_id_number"),
        (5, "founded_on"),
        (5, "description"),
    ]
    messages = {(error["line"], error["column"]): error["message"] for error in job.errors}
    assert messages[(3, "region")].startswith("Unknown region code “999999”")
    assert "submitted, verified" in messages[(3, "status")]  # "rejected" needs a reason: not importable
    assert "18 characters; this one has 17" in messages[(4, "credit_code")]
    assert "at most two decimals" in messages[(4, "registered_capital_yuan")]
    assert "YYYY-MM-DD" in messages[(4, "founded_on")]
    assert messages[(5, "founded_on")] == "This date is in the future."
    assert Organisation.objects.count() == 0


def test_a_credit_code_twice_in_the_file_or_already_registered_is_an_error(run_import):
    existing = OrganisationFactory(verified=True)
    Group.objects.create(name=f"organisation:{imported_code(77)}")  # a leftover group blocks the code too
    rows = organisation_rows(3)
    rows.append(["重复公司", "vendor", rows[0][2], "510100"])
    rows.append(["已登记公司", "vendor", existing.credit_code, "510100"])
    rows.append(["残留组公司", "vendor", imported_code(77), "510100"])

    job = run_import("organisations", csv_bytes([ORGANISATION_HEADER, *rows]))

    assert job.errors == [
        {"line": 5, "column": "credit_code", "message": "This credit code is already on line 2."},
        {
            "line": 6,
            "column": "credit_code",
            "message": "An organisation with this unified social credit code is already registered.",
        },
        {
            "line": 7,
            "column": "credit_code",
            "message": "An organisation with this unified social credit code is already registered.",
        },
    ]
    assert Organisation.objects.count() == 1


@pytest.mark.parametrize(
    ("encoding", "bom", "expected"),
    [("gbk", False, "GBK"), ("utf-8", True, "UTF-8 with BOM"), ("utf-8", False, "UTF-8")],
)
def test_chinese_files_in_gbk_and_utf8_with_or_without_bom_are_imported(run_import, encoding, bom, expected):
    hefei, hangzhou = imported_code(11, region="340100"), imported_code(12, region="330100")
    rows = [
        ["序号", "名称", "类型", "统一社会信用代码", "行政区划代码", "企业规模", "核验状态"],
        ["1", "合肥慧眼数据标注有限公司", "数据标注企业", hefei, "340100", "小型", "已核验"],
        ["2", "杭州数源合规咨询有限公司", "第三方服务机构", hangzhou, "330100", "微型企业", ""],
    ]

    job = run_import("organisations", csv_bytes(rows, encoding=encoding, bom=bom), name="名单.csv")

    assert (job.status, job.encoding, job.written_rows) == (ImportStatus.DONE, expected, 2)
    assert dict(Organisation.objects.values_list("name", "kind")) == {
        "合肥慧眼数据标注有限公司": "vendor",
        "杭州数源合规咨询有限公司": "third_party",
    }
    assert set(Organisation.objects.values_list("size_class", "status")) == {
        ("small", "verified"),
        ("micro", "submitted"),
    }


def test_an_xlsx_workbook_is_imported(run_import):
    job = run_import("organisations", xlsx_bytes([ORGANISATION_HEADER, *organisation_rows(25)]), name="orgs.xlsx")
    assert (job.status, job.encoding, job.written_rows) == (ImportStatus.DONE, "XLSX", 25)
    assert Organisation.objects.count() == 25


@pytest.mark.parametrize(
    ("content", "name", "reason"),
    [
        ("name,kind\r\nCafé,vendor\r\n".encode("latin-1"), "orgs.csv", "neither UTF-8 nor GBK"),
        (xlsx_bytes([ORGANISATION_HEADER], extra_sheets=["Sheet2"]), "orgs.xlsx", "Extra sheets"),
        (xlsx_bytes([["name", "", "credit_code", "region"]], merge="A1:B1"), "orgs.xlsx", "merged cells (A1:B1)"),
    ],
    ids=["encoding", "extra-sheets", "merged-header"],
)
def test_a_refused_file_fails_its_job_with_the_reason_and_writes_nothing(run_import, content, name, reason):
    job = run_import("organisations", content, name=name)
    assert job.status == ImportStatus.FAILED
    assert reason in job.failure_reason
    assert (job.error_count, job.written_rows) == (0, 0)
    assert Organisation.objects.count() == 0


def test_a_dry_run_checks_everything_and_writes_nothing(run_import):
    audit_before = AuditEntry.objects.count()
    job = run_import("organisations", csv_bytes([ORGANISATION_HEADER, *organisation_rows(30)]), dry_run=True)
    assert (job.status, job.total_rows, job.written_rows, job.error_count) == (ImportStatus.DONE, 30, 0, 0)
    assert Organisation.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_a_number_typed_into_the_wrong_column_is_masked_in_messages(run_import):
    legal_id = valid_resident_id(3)
    job = run_import(
        "organisations", csv_bytes([ORGANISATION_HEADER, ["甲", "vendor", valid_credit_code(1), legal_id]])
    )
    assert _errors(job) == [(2, "region")]
    assert legal_id not in job.errors[0]["message"]
    assert legal_id[:3] + "*" * 11 + legal_id[-4:] in job.errors[0]["message"]
