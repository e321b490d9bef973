"""The reading layer on bare files: encodings, XLSX shape and zip-bomb checks, headers, line numbers."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.conf import settings
from django.utils import translation

from registry.imports.columns import ORGANISATIONS, PEOPLE
from registry.imports.reading import FileRefused, Limits, cell_text, decode, open_table
from tests.registry.imports.conftest import ORGANISATION_HEADER, csv_bytes, organisation_rows, xlsx_bytes

LIMITS = Limits(max_bytes=1024 * 1024, xlsx_max_uncompressed_bytes=16 * 1024 * 1024, xlsx_max_compression_ratio=100)
HEADER_ZH = ["名称", "类型", "统一社会信用代码", "行政区划代码"]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _read(tmp_path, content: bytes, *, name: str = "data.csv", schema=ORGANISATIONS, limits=LIMITS):
    path = tmp_path / name
    path.write_bytes(content)
    with open_table(path, name=name, schema=schema, limits=limits) as table:
        return table, list(table.rows())


def test_the_default_size_limit_is_50_mib():
    assert settings.IMPORT_MAX_BYTES == 50 * 1024 * 1024


@pytest.mark.parametrize(
    ("encoding", "bom", "detected"),
    [("utf-8", False, "UTF-8"), ("utf-8", True, "UTF-8 with BOM"), ("gbk", False, "GBK")],
)
def test_csv_in_utf8_with_or_without_bom_and_in_gbk_reads_the_same_rows(tmp_path, encoding, bom, detected):
    rows = [HEADER_ZH, ["成都星标智能科技有限公司", "数据标注企业", "91510100MA0000001X", "510100"]]

    table, read = _read(tmp_path, csv_bytes(rows, encoding=encoding, bom=bom))

    assert table.encoding == detected
    assert table.header_errors == []
    assert table.headers["credit_code"] == "统一社会信用代码"
    assert [(row.line, row.values) for row in read] == [
        (
            2,
            {
                "name": "成都星标智能科技有限公司",
                "kind": "数据标注企业",
                "credit_code": "91510100MA0000001X",
                "region": "510100",
            },
        )
    ]


@pytest.mark.parametrize(
    "content",
    [
        "名稱,類型\r\n北京\r\n".encode("big5"),  # traditional Chinese in Big5
        "name,kind\r\nCafé Zürich,vendor\r\n".encode("latin-1"),
        "name,kind\r\n数据,vendor\r\n".encode("utf-16"),  # with its byte-order mark
        "name,kind\r\nabc,vendor\r\n".encode("utf-16-le"),  # without: NULs everywhere
    ],
    ids=["big5", "latin-1", "utf-16", "utf-16-without-bom"],
)
def test_a_file_in_another_encoding_is_refused_without_a_guess(tmp_path, content):
    with pytest.raises(FileRefused, match="neither UTF-8 nor GBK"):
        _read(tmp_path, content)


def test_decode_never_guesses_and_prefers_utf8():
    assert decode("统一".encode()) == ("统一", "UTF-8")
    gbk = "数据标注企业,成都".encode("gbk")
    assert decode(gbk) == ("数据标注企业,成都", "GBK")
    with pytest.raises(FileRefused):
        decode(b"\xef\xbb\xbf" + gbk)  # says UTF-8, is not


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * 2000)
    monkeypatch.setattr("pathlib.Path.read_bytes", lambda self: pytest.fail("the file was read"))

    with pytest.raises(FileRefused, match=r"The file is 2\.0 KiB; the largest file that can be imported is 1\.0 KiB"):
        open_table(path, name="big.csv", schema=ORGANISATIONS, limits=Limits(1000, 10**9, 100))


def test_an_empty_file_and_a_file_without_rows_are_refused(tmp_path):
    with pytest.raises(FileRefused, match="empty"):
        _read(tmp_path, b"")
    with pytest.raises(FileRefused, match="no header"):
        _read(tmp_path, b"\xef\xbb\xbf\r\n , \r\n")


def test_unknown_repeated_and_missing_columns_are_reported_on_the_header_line(tmp_path):
    table, _rows = _read(tmp_path, csv_bytes([["名称", "name", "电话", "region"], ["a", "b", "c", "510100"]]))

    messages = {(error.line, error.column): error.message for error in table.header_errors}
    assert messages[(1, "电话")].startswith("Unknown column “电话”")
    assert "appears twice" in messages[(1, "name")]
    assert "kind (类型)" in messages[(1, "kind")]
    assert "credit_code" in messages[(1, "credit_code")]


def test_headers_ignore_case_spaces_stars_full_width_brackets_and_a_row_number_column(tmp_path):
    header = ["序号", " *Name ", "KIND", "credit code", "Region", "注册资本（元）"]
    table, rows = _read(tmp_path, csv_bytes([header, ["1", "甲", "vendor", "X", "510100", "100"]]))

    assert table.header_errors == []
    assert rows[0].values == {
        "name": "甲",
        "kind": "vendor",
        "credit_code": "X",
        "region": "510100",
        "registered_capital_yuan": "100",
    }
    assert rows[0].stray_cells == 0


def test_values_under_no_header_are_counted_and_blank_lines_skipped(tmp_path):
    content = b"name,kind,,credit_code,region\r\n\r\na,b,oops,c,d,extra\r\n,,,,\r\n"
    _table, rows = _read(tmp_path, content)
    assert [(row.line, row.stray_cells) for row in rows] == [(3, 2)]


def test_line_numbers_are_those_of_the_file_even_with_line_breaks_inside_quotes(tmp_path):
    content = 'name,kind,credit_code,region\r\n"多行\r\n名称",vendor,A,510100\r\nb,vendor,B,510100\r\n'.encode()
    _table, rows = _read(tmp_path, content)
    assert [(row.line, row.values["name"]) for row in rows] == [(2, "多行\r\n名称"), (4, "b")]


def test_malformed_csv_is_refused_with_its_line(tmp_path):
    content = b'name,kind,credit_code,region\r\na,b,c,d\r\n"open,b,c,d\r\n'
    with pytest.raises(FileRefused, match="not valid CSV"):
        _read(tmp_path, content)


def test_the_csv_row_count_is_known_before_the_rows_are_read(tmp_path):
    table, rows = _read(tmp_path, csv_bytes([ORGANISATION_HEADER, *organisation_rows(7)]))
    assert table.row_count == len(rows) == 7


def test_xlsx_reads_one_sheet_with_dates_numbers_and_chinese_headers(tmp_path):
    import datetime

    header = [*HEADER_ZH, "成立日期", "注册资本", "标注人员数"]
    row = ["甲公司", "vendor", "91510100MA0000001X", 510100, datetime.datetime(2020, 5, 4), 1234.5, 30.0]

    table, rows = _read(tmp_path, xlsx_bytes([header, row]), name="orgs.XLSX")

    assert table.encoding == "XLSX"
    assert table.header_errors == table.cell_errors == []
    assert rows[0].line == 2
    assert rows[0].values == {
        "name": "甲公司",
        "kind": "vendor",
        "credit_code": "91510100MA0000001X",
        "region": "510100",
        "founded_on": "2020-05-04",
        "registered_capital_yuan": "1234.5",
        "annotator_headcount": "30",
    }


def test_an_xlsx_with_extra_sheets_is_refused_naming_them(tmp_path):
    content = xlsx_bytes([ORGANISATION_HEADER], extra_sheets=["说明", "Sheet3"])
    with pytest.raises(FileRefused, match=r"Extra sheets: the workbook has 3 sheets \(名单, 说明, Sheet3\)"):
        _read(tmp_path, content, name="orgs.xlsx")


def test_an_xlsx_with_a_merged_header_cell_is_refused(tmp_path):
    content = xlsx_bytes([["name", None, "credit_code", "region"], ["a", "vendor", "c", "510100"]], merge="A1:B1")
    with pytest.raises(FileRefused, match=r"merged cells \(A1:B1\)"):
        _read(tmp_path, content, name="orgs.xlsx")


def test_a_title_row_above_the_header_counts_as_the_header_and_so_is_refused_when_merged(tmp_path):
    content = xlsx_bytes([["2024年企业名单"], ORGANISATION_HEADER], merge="A1:D1")
    with pytest.raises(FileRefused, match="merged cells"):
        _read(tmp_path, content, name="orgs.xlsx")


def test_merged_cells_below_the_header_are_row_errors(tmp_path):
    rows = [ORGANISATION_HEADER, ["a", "vendor", "c", "510100"], ["b", None, "d", "510100"]]
    table, read = _read(tmp_path, xlsx_bytes(rows, merge="B2:B3"), name="orgs.xlsx")
    assert [(error.line, error.column) for error in table.cell_errors] == [(2, "kind")]
    assert "B2:B3" in table.cell_errors[0].message
    assert len(read) == 2


def test_an_xlsx_whose_declared_dimension_is_wrong_is_read_to_its_last_row(tmp_path):
    content = xlsx_bytes([ORGANISATION_HEADER, *organisation_rows(5)])
    patched = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(patched, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<dimension ref="A1:D6"/>', b'<dimension ref="A1"/>')
            target.writestr(item, data)
    _table, rows = _read(tmp_path, patched.getvalue(), name="orgs.xlsx")
    assert len(rows) == 5


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_by_its_compression_ratio_before_parsing(tmp_path):
    bomb = _zip({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b" " * (20 * 1024 * 1024)})
    assert len(bomb) < 100 * 1024
    with pytest.raises(FileRefused, match="compressed"):
        _read(tmp_path, bomb, name="bomb.xlsx", limits=Limits(10**6, 10**9, 100))


def test_a_workbook_expanding_beyond_the_total_limit_is_refused(tmp_path):
    content = xlsx_bytes([ORGANISATION_HEADER, *organisation_rows(50)])
    with pytest.raises(FileRefused, match="expands to"):
        _read(tmp_path, content, name="orgs.xlsx", limits=Limits(10**6, 2000, 100))


@pytest.mark.parametrize("member", ["../evil.xml", "/etc/evil.xml", "xl\\..\\..\\evil.xml", "C:/evil.xml"])
def test_a_workbook_with_a_path_traversal_name_is_refused(tmp_path, member):
    content = _zip({"xl/workbook.xml": b"<workbook/>", member: b"x"})
    with pytest.raises(FileRefused, match="suspicious path"):
        _read(tmp_path, content, name="evil.xlsx")


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"not a zip at all", "orgs.xlsx", "not a zip archive"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "orgs.xlsx", "Excel 97"),
        (b"PK\x03\x04garbage", "orgs.xlsx", "damaged"),
        (_zip({"hello.txt": b"hi"}), "orgs.xlsx", "not an XLSX workbook"),
        (_zip({"xl/workbook.xml": b"<workbook/>"}), "orgs.csv", "workbook, not a CSV"),
        (b"name\r\n", "orgs.txt", "Only .csv and .xlsx"),
    ],
    ids=["not-zip", "xls", "damaged-zip", "other-zip", "xlsx-named-csv", "txt"],
)
def test_files_that_are_not_what_their_name_says_are_refused(tmp_path, content, name, message):
    with pytest.raises(FileRefused, match=message):
        _read(tmp_path, content, name=name)


def test_a_damaged_workbook_part_is_refused_not_crashed_on(tmp_path):
    content = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<not-closed"})
    with pytest.raises(FileRefused, match="damaged"):
        _read(tmp_path, content, name="orgs.xlsx")


def test_people_need_their_two_required_columns(tmp_path):
    table, _rows = _read(tmp_path, csv_bytes([["姓名", "技能"], ["张三", "图像"]]), schema=PEOPLE)
    assert [error.column for error in table.header_errors] == ["id_number"]


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), (12, "12"), (12.0, "12"), (0.1, "0.1"), (True, "true"), (" a ", "a")],
)
def test_cell_values_read_as_csv_text(value, text):
    assert cell_text(value) == text
