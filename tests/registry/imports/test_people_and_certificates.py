"""Importing people and certificates: identity numbers only hashed, never echoed; holders and issuers
must exist; certificate numbers unique per issuer; all or nothing."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import translation

from portal.audit.models import AuditEntry
from registry.identity import identify
from registry.imports.models import ImportStatus
from registry.talent.models import Certificate, Person
from tests.factories import OrganisationFactory
from tests.factories.registry import with_wrong_check_character
from tests.factories.talent import CertificateFactory, PersonFactory
from tests.registry.imports.conftest import (
    ORGANISATION_HEADER,
    csv_bytes,
    imported_code,
    people_rows,
    resident_id,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

PEOPLE_HEADER = ["name", "id_number", "region", "skills"]
CERTIFICATE_HEADER = [
    "holder_id_number",
    "person_id",
    "holder_name",
    "occupation",
    "level",
    "number",
    "issuer_credit_code",
    "issued_on",
    "expires_on",
]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def issuer(db):
    return OrganisationFactory(kind="third_party", verified=True)


def _errors(job):
    return [(error["line"], error["column"]) for error in job.errors]


def test_people_are_kept_with_a_hash_and_a_mask_only(run_import, operator):
    number = resident_id(1)
    job = run_import(
        "people",
        csv_bytes(
            [
                ["姓名", "身份证号", "地区代码", "技能"],
                ["李四", number.lower(), "510100", "图像标注；语音标注; 图像标注"],
            ]
        ),
    )

    assert (job.status, job.written_rows) == (ImportStatus.DONE, 1)
    person = Person.objects.get()
    assert (person.name, person.region_id, person.skills) == ("李四", "510100", ["图像标注", "语音标注"])
    assert person.id_hash == identify(number, field="id_number").hash
    assert person.id_masked == number[:3] + "*" * 11 + number[-4:]
    assert number[:17] not in str(Person.objects.values().get())
    audit = AuditEntry.objects.get(action="registry.import")
    assert audit.after == {"kind": "people", "rows": 1, "sha256": job.sha256}
    assert number[:17] not in str(audit.after)


def test_a_person_twice_in_the_file_or_already_in_the_pool_is_an_error(run_import):
    PersonFactory(id_number=resident_id(3))
    rows = [PEOPLE_HEADER, *people_rows(3), ["重复", resident_id(1), "", ""]]

    job = run_import("people", csv_bytes(rows))

    assert job.errors == [
        {"line": 4, "column": "id_number", "message": "This person is already in the talent pool."},
        {"line": 5, "column": "id_number", "message": "The same resident identity number is already on line 2."},
    ]
    assert Person.objects.count() == 1


def test_no_message_report_or_page_of_a_people_import_shows_an_identity_number(run_import, client, operator):
    existing = resident_id(9)
    PersonFactory(id_number=existing)
    wrong_check = with_wrong_check_character(resident_id(1))
    numbers = [wrong_check, resident_id(2) + "7", resident_id(3), resident_id(3), existing, "X" + resident_id(4)[1:]]
    rows = [PEOPLE_HEADER, *[[f"人{index}", number, number, ""] for index, number in enumerate(numbers)]]

    job = run_import("people", csv_bytes(rows))
    client.force_login(operator)
    page = client.get(f"/registry/imports/{job.pk}/").content.decode()
    report = b"".join(client.get(f"/registry/imports/{job.pk}/report.csv").streaming_content).decode("utf-8-sig")

    assert job.status == ImportStatus.FAILED
    assert {column for _line, column in _errors(job)} == {"id_number", "region"}
    assert len([1 for _line, column in _errors(job) if column == "id_number"]) == 5
    for number in numbers:
        for shown in (str(job.errors), page, report):
            assert number[:17] not in shown
            assert number[-10:] not in shown
    assert Person.objects.count() == 1


def test_people_from_an_xlsx_workbook(run_import):
    job = run_import("people", xlsx_bytes([PEOPLE_HEADER, *people_rows(12)]), name="people.xlsx")
    assert (job.status, job.written_rows) == (ImportStatus.DONE, 12)
    assert Person.objects.filter(skills=["图像标注", "语音标注"]).count() == 12


def test_certificates_are_written_for_holders_named_by_number_or_id(run_import, issuer):
    by_number = PersonFactory(name="王五", id_number=resident_id(5))
    by_id = PersonFactory(name="赵六")
    rows = [
        CERTIFICATE_HEADER,
        [resident_id(5), "", "王五", "人工智能训练师", "高级工", "Y1", issuer.credit_code, "2025-06-01", "2029-06-01"],
        ["", by_id.pk, "", "data_annotator", "三级/高级工", "Y2", issuer.credit_code.lower(), "2024-01-31", ""],
        [resident_id(5), by_number.pk, "", "ai_trainer", "一级", "Y3", issuer.credit_code, "2025-01-01", ""],
    ]  # fmt: skip

    job = run_import("certificates", csv_bytes(rows))

    assert (job.status, job.written_rows) == (ImportStatus.DONE, 3), job.errors
    assert list(
        Certificate.objects.order_by("number").values_list(
            "person_id", "occupation", "level", "issuer_id", "expires_on"
        )
    ) == [
        (by_number.pk, "ai_trainer", 3, issuer.pk, __import__("datetime").date(2029, 6, 1)),
        (by_id.pk, "data_annotator", 3, issuer.pk, None),
        (by_number.pk, "ai_trainer", 1, issuer.pk, None),
    ]


def test_every_certificate_problem_is_reported(run_import, issuer):
    holder = PersonFactory(name="王五", id_number=resident_id(5))
    other = PersonFactory(name="赵六")
    CertificateFactory(person=holder, issuer=issuer, number="TAKEN-1")
    unknown_issuer = imported_code(999)
    rows = [
        CERTIFICATE_HEADER,
        [resident_id(6), "", "", "ai_trainer", "5", "A1", issuer.credit_code, "2025-01-01", ""],  # not in the pool
        ["", 999999, "", "ai_trainer", "5", "A2", issuer.credit_code, "2025-01-01", ""],  # no such person
        [resident_id(5), other.pk, "", "ai_trainer", "5", "A3", issuer.credit_code, "2025-01-01", ""],  # disagree
        [resident_id(5), "", "王六", "ai_trainer", "5", "A4", issuer.credit_code, "2025-01-01", ""],  # wrong name
        [resident_id(5), "", "", "ai_trainer", "5", "A5", unknown_issuer, "2025-01-01", ""],  # issuer unknown
        [resident_id(5), "", "", "ai_trainer", "5", "TAKEN-1", issuer.credit_code, "2025-01-01", ""],  # taken
        [resident_id(5), "", "", "ai_trainer", "5", "A7", issuer.credit_code, "2025-01-01", "2025-01-01"],  # expiry
        [resident_id(5), "", "", "chef", "六级", "A8", issuer.credit_code, "2999-01-01", ""],  # several
        [resident_id(5), "", "", "ai_trainer", "5", "A7", issuer.credit_code, "2025-01-01", ""],  # twice in file
        ["", "", "", "ai_trainer", "5", "A10", issuer.credit_code, "2025-01-01", ""],  # no holder
    ]  # fmt: skip

    job = run_import("certificates", csv_bytes(rows))

    assert _errors(job) == [
        (2, "holder_id_number"),
        (3, "person_id"),
        (4, "person_id"),
        (5, "holder_name"),
        (6, "issuer_credit_code"),
        (7, "number"),
        (8, "expires_on"),
        (9, "occupation"),
        (9, "level"),
        (9, "issued_on"),
        (10, "number"),
        (11, "holder_id_number"),
    ]
    messages = dict(zip(_errors(job), [error["message"] for error in job.errors], strict=True))
    assert messages[(8, "expires_on")] == "The expiry date must be after the issue date."
    assert messages[(10, "number")] == "The same issuer and certificate number are already on line 8."
    assert messages[(7, "number")] == "This issuer already has a certificate with this number."
    assert Certificate.objects.count() == 1


def test_one_bad_certificate_in_ten_thousand_writes_nothing(run_import, issuer):
    people = run_import("people", csv_bytes([PEOPLE_HEADER, *people_rows(10_000)]))
    assert (people.status, people.written_rows) == (ImportStatus.DONE, 10_000)
    rows = [
        [resident_id(n), "", "", "ai_trainer", "4", f"C{n:06d}", issuer.credit_code, "2025-06-01", "2029-06-01"]
        for n in range(1, 10_001)
    ]
    rows[7_776][8] = "2025-05-31"  # expires before it was issued

    job = run_import("certificates", csv_bytes([CERTIFICATE_HEADER, *rows]))

    assert (job.status, job.total_rows, job.error_count) == (ImportStatus.FAILED, 10_000, 1)
    assert _errors(job) == [(7_778, "expires_on")]
    assert Certificate.objects.count() == 0


def test_the_full_report_lists_every_error_beyond_those_on_the_page(run_import, client, operator):
    rows = [[f"人{n}", "", "", ""] for n in range(250)]
    job = run_import("people", csv_bytes([PEOPLE_HEADER, *rows]))
    client.force_login(operator)

    response = client.get(f"/registry/imports/{job.pk}/report.csv")
    body = b"".join(response.streaming_content)
    page = client.get(f"/registry/imports/{job.pk}/").content.decode()

    assert (job.error_count, len(job.errors)) == (250, 200)
    assert body.startswith(b"\xef\xbb\xbf")
    report = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert report[0] == ["line", "column", "problem"]
    assert len(report) == 251
    assert report[-1] == ["251", "id_number", "This value is required."]
    assert page.count('<tr><td class="num">') == 200
    assert 'data-testid="errors-truncated"' in page


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("zh-hans", "校验码（第 18 位）有误，这不是有效的统一社会信用代码。"),
        ("en", "The check character (the 18th) is wrong: this is not a valid unified social credit code."),
    ],
)
def test_messages_come_in_the_language_of_the_uploader_whatever_the_workers(run_import, language, message):
    code = imported_code(1)
    wrong = with_wrong_check_character(code)
    with translation.override(language):
        job = run_import.create("organisations", csv_bytes([ORGANISATION_HEADER, ["甲", "vendor", wrong, "510100"]]))
    with translation.override("en" if language == "zh-hans" else "zh-hans"):
        job = run_import.run(job)
    assert job.language == language
    assert job.errors[0]["message"] == message
