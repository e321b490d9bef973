"""Reading an import file into rows of values keyed by column name, with their line numbers.

Pure: no models, no settings (the limits come in as arguments), so the rules can be tested on bare
files. Whatever makes the whole file unusable raises `FileRefused` with a message for the operator;
problems of single cells are left to the per-kind checks (`registry.imports.checking`).

- Size: refused before anything is read when the file is larger than `Limits.max_bytes`.
- CSV (comma-separated, the first non-blank line is the header): decoded strictly as UTF-8 (with or
  without a byte-order mark), otherwise strictly as GBK, otherwise refused. Nothing is guessed: a
  file that is neither (UTF-16, Big5, Latin-1 with accents…) gets "neither UTF-8 nor GBK". Strict
  decoding cannot tell everything apart: a GBK text of a few characters may also be valid UTF-8 (and
  is then read as UTF-8), and EUC-KR or EUC-JP text is often valid GBK; in a real file the odd
  characters then fail the checks of kinds, codes and dates, and the page shows the encoding read.
- XLSX: a zip archive, checked before any XML is parsed (number of members, total uncompressed
  size, compression ratio of each member, no absolute or `..` names); then opened with openpyxl in
  read-only mode. Exactly one sheet; merged cells in the header row are refused (their columns
  would have no name), merged cells below it are row errors. The header is the first non-blank row.
- Headers: the canonical English snake_case names, or the Chinese labels listed for each column;
  unknown, repeated and missing required columns are reported as errors on line 1 (or wherever the
  header is). A leading row-number column (序号) is ignored.
"""

from __future__ import annotations

import codecs
import csv
import io
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Any
from xml.parsers import expat

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

CSV = "csv"
XLSX = "xlsx"
FORMATS = {".csv": CSV, ".xlsx": XLSX}
# Headers that carry no data and are skipped: the row-number column spreadsheets often start with.
IGNORED_HEADERS = frozenset({"序号", "#", "no", "no."})
# An XLSX workbook has a dozen members; thousands mean something else.
XLSX_MAX_MEMBERS = 1000
# Compression-ratio checks apply to members at least this large: tiny XML parts compress wildly.
XLSX_RATIO_FLOOR_BYTES = 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 .xls (and encrypted .xlsx)
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class FileRefused(Exception):
    """The file as a whole cannot be imported; the message (translated) says why."""


@dataclass(frozen=True)
class RowError:
    """One problem: `line` is the line (CSV) or row (XLSX) number, counted from 1, or None for the
    file as a whole; `column` is the column's header as written in the file (its canonical name when
    the column is missing)."""

    line: int | None
    column: str
    message: str


@dataclass(frozen=True)
class Column:
    name: str
    labels: tuple[str, ...] = ()
    required: bool = False
    # Never quoted in a message (resident identity numbers).
    sensitive: bool = False


@dataclass(frozen=True)
class Schema:
    columns: tuple[Column, ...]
    # Groups of columns of which at least one must be present (e.g. a holder by ID number or by id).
    one_of: tuple[tuple[str, ...], ...] = ()

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)

    def aliases(self) -> dict[str, str]:
        table: dict[str, str] = {}
        for column in self.columns:
            for header in (column.name, *column.labels):
                table[normalise_header(header)] = column.name
        return table


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    xlsx_max_uncompressed_bytes: int
    xlsx_max_compression_ratio: int


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]
    # Non-empty cells in columns that have no header.
    stray_cells: int = 0


def normalise_header(text: str) -> str:
    """Case, surrounding spaces, required-field stars and full-width brackets do not matter."""
    text = text.replace("\ufeff", "").strip().strip("*＊").strip()
    text = text.replace("（", "(").replace("）", ")").casefold()
    return "_".join(text.replace("-", " ").split())


def format_of(name: str) -> str | None:
    """ "csv" or "xlsx" from the file name's extension; None for anything else."""
    return FORMATS.get(Path(name).suffix.lower())


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MiB"
    return f"{size / 1024:.1f} KiB"


class Table:
    """An opened file: its header and, once, its rows. Use as a context manager (XLSX holds the
    archive open while rows are read)."""

    def __init__(
        self,
        *,
        encoding: str,
        headers: dict[str, str],
        header_errors: list[RowError],
        row_count: int | None,
        rows: Iterator[Row],
        cell_errors: list[RowError] | None = None,
        closer: Any = None,
    ) -> None:
        self.encoding = encoding  # "UTF-8", "UTF-8 with BOM", "GBK" or "XLSX"
        self.headers = headers  # canonical name -> header as written in the file
        # Unknown, repeated or missing columns: the rows cannot be checked.
        self.header_errors = header_errors
        # Problems the reader sees in the rows (merged cells); the rows are still checked.
        self.cell_errors = cell_errors or []
        self.row_count = row_count  # exact for CSV, from the sheet's declared dimension for XLSX
        self._rows = rows
        self._closer = closer

    def rows(self) -> Iterator[Row]:
        return self._rows

    def label(self, name: str) -> str:
        return self.headers.get(name, name)

    def close(self) -> None:
        if self._closer is not None:
            self._closer.close()
            self._closer = None

    def __enter__(self) -> Table:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


def open_table(path: Path, *, name: str, schema: Schema, limits: Limits) -> Table:
    """Open `path` (uploaded as `name`, whose extension says the format) for reading."""
    kind = format_of(name)
    if kind is None:
        raise FileRefused(_("Only .csv and .xlsx files can be imported."))
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise FileRefused(
            _("The file is %(size)s; the largest file that can be imported is %(limit)s. Split it into smaller files.")
            % {"size": size_text(size), "limit": size_text(limits.max_bytes)}
        )
    if size == 0:
        raise FileRefused(_("The file is empty."))
    with path.open("rb") as handle:
        magic = handle.read(8)
    if kind == XLSX:
        if magic.startswith(_OLE_MAGIC):
            raise FileRefused(
                _("This is an Excel 97–2003 workbook or a password-protected one: save it unprotected as .xlsx.")
            )
        if not magic.startswith(_ZIP_MAGIC):
            raise FileRefused(_("This is not an XLSX workbook: the file is not a zip archive."))
        return _open_xlsx(path, schema=schema, limits=limits)
    if magic.startswith(_ZIP_MAGIC) or magic.startswith(_OLE_MAGIC):
        raise FileRefused(_("This is a workbook, not a CSV file: upload it as .xlsx or save it as CSV."))
    return _open_csv(path, schema=schema)


# --- Headers ----------------------------------------------------------------------------------


def _resolve_header(
    cells: Sequence[str], *, line: int, schema: Schema
) -> tuple[dict[int, str], dict[str, str], list[RowError]]:
    """Map cell positions to canonical names; report unknown, repeated and missing columns."""
    aliases = schema.aliases()
    positions: dict[int, str] = {}
    headers: dict[str, str] = {}
    errors: list[RowError] = []
    for position, cell in enumerate(cells):
        written = cell.replace("\ufeff", "").strip()
        if normalise_header(written) in IGNORED_HEADERS:
            positions[position] = ""  # values below it are neither read nor stray
            continue
        if not written:
            continue
        name = aliases.get(normalise_header(written))
        if name is None:
            errors.append(
                RowError(
                    line,
                    written,
                    _("Unknown column “%(header)s”. The columns are: %(names)s.")
                    % {"header": written, "names": ", ".join(column.name for column in schema.columns)},
                )
            )
        elif name in headers:
            errors.append(
                RowError(
                    line,
                    written,
                    _("Column %(name)s appears twice (“%(first)s” and “%(second)s”).")
                    % {"name": name, "first": headers[name], "second": written},
                )
            )
        else:
            positions[position] = name
            headers[name] = written
    for column in schema.columns:
        if column.required and column.name not in headers:
            errors.append(
                RowError(
                    line,
                    column.name,
                    _("The required column %(name)s is missing.")
                    % {"name": f"{column.name} ({column.labels[0]})" if column.labels else column.name},
                )
            )
    for group in schema.one_of:
        if not any(name in headers for name in group):
            message = _("One of the columns %(names)s is needed.") % {"names": ", ".join(group)}
            errors.append(RowError(line, " / ".join(group), message))
    return positions, headers, errors


def _row(line: int, cells: Sequence[str], positions: dict[int, str]) -> Row:
    values: dict[str, str] = {}
    stray = 0
    for position, cell in enumerate(cells):
        name = positions.get(position)
        if name:
            values[name] = cell
        elif name is None and cell:
            stray += 1
    return Row(line=line, values=values, stray_cells=stray)


# --- CSV --------------------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name) for UTF-8 with or without BOM, else GBK; strict, never a guess."""
    refused = FileRefused(
        _("The file is neither UTF-8 nor GBK. Save it as “CSV UTF-8” (or as CSV from a Chinese-language Excel).")
    )
    if data.startswith(_UTF16_BOMS):
        raise refused
    try:
        if data.startswith(codecs.BOM_UTF8):
            text, encoding = data[len(codecs.BOM_UTF8) :].decode("utf-8"), "UTF-8 with BOM"
        else:
            try:
                text, encoding = data.decode("utf-8"), "UTF-8"
            except UnicodeDecodeError:
                text, encoding = data.decode("gbk"), "GBK"
    except UnicodeDecodeError:
        raise refused from None
    if "\x00" in text:  # UTF-16 without a byte-order mark decodes as "UTF-8" full of NULs
        raise refused
    return text, encoding


def _csv_records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first line of the record, stripped cells) for every non-blank record."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            stripped = [cell.strip() for cell in cells]
            if any(stripped):
                yield line, stripped
    except csv.Error:
        raise FileRefused(
            _("Line %(line)d is not valid CSV: a quoted value is not closed, or text follows its closing quote.")
            % {"line": reader.line_num}
        ) from None


def _open_csv(path: Path, *, schema: Schema) -> Table:
    text, encoding = decode(path.read_bytes())
    # A first pass finds malformed CSV before any row is checked and counts rows for the progress bar.
    count = sum(1 for _record in _csv_records(text))
    records = _csv_records(text)
    first = next(records, None)
    if first is None:
        raise FileRefused(_("The file has no header row."))
    header_line, header = first
    positions, headers, errors = _resolve_header(header, line=header_line, schema=schema)
    rows = (_row(line, cells, positions) for line, cells in records)
    return Table(encoding=encoding, headers=headers, header_errors=errors, row_count=count - 1, rows=rows)


# --- XLSX -------------------------------------------------------------------------------------


def check_zip(path: Path, *, limits: Limits) -> None:
    """Refuse zip bombs and odd member names before any XML is parsed."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise FileRefused(_("This XLSX workbook is damaged: its zip archive cannot be read.")) from None
    with archive:
        members = archive.infolist()
        if len(members) > XLSX_MAX_MEMBERS:
            raise FileRefused(
                _("This XLSX file holds %(count)d parts; a workbook has far fewer. It was refused.")
                % {"count": len(members)}
            )
        total = 0
        for member in members:
            parts = PurePosixPath(member.filename.replace("\\", "/")).parts
            if member.filename.startswith(("/", "\\")) or ".." in parts or ":" in member.filename:
                raise FileRefused(_("This XLSX file contains a part with a suspicious path. It was refused."))
            total += member.file_size
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size >= XLSX_RATIO_FLOOR_BYTES and ratio > limits.xlsx_max_compression_ratio:
                raise FileRefused(
                    _("A part of this XLSX file is compressed %(ratio)d times (at most %(limit)d is accepted).")
                    % {"ratio": ratio, "limit": limits.xlsx_max_compression_ratio}
                )
        if total > limits.xlsx_max_uncompressed_bytes:
            raise FileRefused(
                _("This XLSX file expands to %(size)s; at most %(limit)s is accepted.")
                % {"size": size_text(total), "limit": size_text(limits.xlsx_max_uncompressed_bytes)}
            )
        if "xl/workbook.xml" not in {member.filename for member in members}:
            raise FileRefused(_("This zip archive is not an XLSX workbook."))


def merged_ranges(source: Any) -> list[str]:
    """The `ref` of every <mergeCell> in a worksheet's XML, read with a bare expat parser (flat
    memory, no tree). A document type declaration is refused: worksheets never have one."""
    refs: list[str] = []

    def start(tag: str, attributes: dict[str, str]) -> None:
        if tag.rsplit(" ", 1)[-1] == "mergeCell" and attributes.get("ref"):
            refs.append(attributes["ref"])

    def doctype(*_args: object) -> None:
        raise FileRefused(_("This XLSX workbook is damaged: its sheet cannot be read."))

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = doctype
    try:
        parser.ParseFile(source)
    except expat.ExpatError:
        raise FileRefused(_("This XLSX workbook is damaged: its sheet cannot be read.")) from None
    return refs


def cell_text(value: object) -> str:
    """What a cell holds, as the text a CSV would have: dates as YYYY-MM-DD, whole numbers without
    a decimal point (an 18-digit number typed into Excel has already lost its last digits)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(Decimal(repr(value)))
    return str(value).strip()


def _open_xlsx(path: Path, *, schema: Schema, limits: Limits) -> Table:
    check_zip(path, limits=limits)
    from openpyxl import load_workbook
    from openpyxl.utils.cell import range_boundaries
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it skips
            workbook = load_workbook(path, read_only=True, data_only=True)
    except FileRefused:
        raise
    except Exception:  # openpyxl raises many kinds of errors on damaged files
        raise FileRefused(_("This XLSX workbook is damaged or not a workbook: it cannot be opened.")) from None
    try:
        names = workbook.sheetnames
        if len(names) != 1:
            raise FileRefused(
                ngettext(
                    "Extra sheets: the workbook has %(count)d sheet (%(names)s); keep only the one with the rows.",
                    "Extra sheets: the workbook has %(count)d sheets (%(names)s); keep only the one with the rows.",
                    len(names),
                )
                % {"count": len(names), "names": ", ".join(names)}
            )
        sheet = workbook.worksheets[0]
        if not isinstance(sheet, ReadOnlyWorksheet):
            raise FileRefused(_("The workbook's only sheet is a chart, not a table."))
        # openpyxl's read-only sheets do not expose merged cells: read them from the sheet's XML part.
        with sheet._get_source() as source:
            merges = [range_boundaries(ref) for ref in merged_ranges(source)]
        declared_rows = sheet.max_row
        # Some programs write a wrong dimension; read every row whatever it says.
        sheet.reset_dimensions()
        records = (
            (number, [cell_text(value) for value in values])
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        )
        records = ((number, cells) for number, cells in records if any(cells))
        first = next(records, None)
        if first is None:
            raise FileRefused(_("The sheet has no header row."))
        header_line, header = first
        for min_col, min_row, max_col, max_row in merges:
            if min_row <= header_line <= max_row:
                raise FileRefused(
                    _("The header row has merged cells (%(range)s): give every column its own header cell.")
                    % {"range": _range_text(min_col, min_row, max_col, max_row)}
                )
        positions, headers, errors = _resolve_header(header, line=header_line, schema=schema)
        cell_errors: list[RowError] = []
        for min_col, min_row, max_col, max_row in sorted(merges, key=lambda merge: (merge[1], merge[0])):
            if min_row > header_line:
                column = positions.get(min_col - 1)
                cell_errors.append(
                    RowError(
                        min_row,
                        headers.get(column, "") if column else "",
                        _("Merged cells (%(range)s) cannot be imported: unmerge them and fill in every cell.")
                        % {"range": _range_text(min_col, min_row, max_col, max_row)},
                    )
                )
        rows = _guarded(_row(line, cells, positions) for line, cells in records)
        row_count = max(declared_rows - header_line, 0) if declared_rows else None
    except BaseException:
        workbook.close()
        raise
    return Table(
        encoding="XLSX",
        headers=headers,
        header_errors=errors,
        cell_errors=cell_errors,
        row_count=row_count,
        rows=rows,
        closer=workbook,
    )


def _guarded(rows: Iterator[Row]) -> Iterator[Row]:
    """openpyxl parses the sheet while rows are read: a damaged part surfaces here."""
    try:
        yield from rows
    except FileRefused:
        raise
    except Exception:
        raise FileRefused(_("This XLSX workbook is damaged: its sheet cannot be read.")) from None


def _range_text(min_col: int, min_row: int, max_col: int, max_row: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"


def write_csv(rows: Iterable[Sequence[object]]) -> bytes:
    """A CSV file in UTF-8 with a byte-order mark (so that Excel shows Chinese correctly)."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
