"""Fixtures for the import tests: files in every encoding and shape, and a way to run a job."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import pytest
from django.core.files.base import ContentFile
from openpyxl import Workbook

from registry.imports.models import ImportJob
from registry.imports.services import import_job_create, import_job_run
from tests.factories import valid_credit_code
from tests.factories.talent import valid_resident_id

ORGANISATION_HEADER = ["name", "kind", "credit_code", "region"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploads and reports go to a directory of this test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"


def csv_bytes(rows: Sequence[Sequence[object]], *, encoding: str = "utf-8", bom: bool = False) -> bytes:
    text = "".join(",".join(_csv_cell(cell) for cell in row) + "\r\n" for row in rows)
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def _csv_cell(cell: object) -> str:
    text = str(cell)
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n') else text


def xlsx_bytes(rows: Sequence[Sequence[object]], *, extra_sheets: Sequence[str] = (), merge: str = "") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "名单"
    for row in rows:
        sheet.append(list(row))
    if merge:
        sheet.merge_cells(merge)
    for title in extra_sheets:
        workbook.create_sheet(title)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def imported_code(serial: int, *, region: str = "510100") -> str:
    """Category 92 here, so that codes never meet those of OrganisationFactory (category 91)."""
    return valid_credit_code(serial, region_code=region, category="92")


def organisation_rows(count: int, *, start: int = 1, region: str = "510100") -> list[list[object]]:
    return [
        [f"导入测试数据标注有限公司{n}", "vendor", imported_code(n, region=region), region]
        for n in range(start, start + count)
    ]


def people_rows(count: int, *, start: int = 1) -> list[list[object]]:
    return [[f"测试{n}", resident_id(n), "510100", "图像标注；语音标注"] for n in range(start, start + count)]


def resident_id(n: int) -> str:
    """Distinct valid numbers for n up to 30,000 (birth year and serial vary)."""
    return valid_resident_id(n % 1000, born=f"19{60 + n // 1000:02d}0101")


@pytest.fixture
def run_import(operator) -> Callable[..., ImportJob]:
    """Upload `content` as `name` through the service and run the job in this process."""

    def create(kind: str, content: bytes, *, name: str = "data.csv", dry_run: bool = False, actor=operator):
        upload = ContentFile(content, name=name)
        return import_job_create(actor=actor, kind=kind, upload=upload, dry_run=dry_run, enqueue=False)

    def run(kind: str, content: bytes, **kwargs) -> ImportJob:
        return import_job_run(job_id=create(kind, content, **kwargs).pk)

    run.create = create
    run.run = lambda job: import_job_run(job_id=job.pk)
    return run
