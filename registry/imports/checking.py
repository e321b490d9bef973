"""Checking every row of an import file before anything is written.

Each kind has a checker that looks at every row and collects every problem as (line, column,
message) — it never stops at the first. What needs the database (is this credit code registered
already? is this holder in the talent pool?) is asked once per chunk of keys after the last row
(`registry.imports.selectors`), never row by row. Rows become small records, which the writer
(`registry.imports.writing`) turns into model rows when, and only when, the whole file is clean.

The checks cover what `full_clean` would (lengths, choices, validators, the model's constraints)
so the writer can insert in bulk without it.

Privacy: a column marked sensitive (resident identity numbers) is never quoted in a message, and
any value quoted from another column has long digit runs masked, in case a number was typed into
the wrong column.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from portal.money import hundredths
from registry import credit_code as credit_codes
from registry.identity import Identity, identify
from registry.imports import selectors
from registry.imports.columns import SCHEMAS
from registry.imports.models import ImportKind
from registry.imports.reading import Limits, Row, RowError, Schema, Table, open_table
from registry.models import Organisation, SizeClass, VerificationStatus
from registry.roles import OrganisationKind
from registry.talent.models import Certificate, Occupation, Person, SkillLevel

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PROGRESS_EVERY = 500
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INTEGER = re.compile(r"^\d+$")
_DIGIT_RUN = re.compile(r"\d{15,17}[\dXx]?")
_MAX_INT = 2**31 - 1
_MAX_BIGINT = 2**63 - 1
_MAX_SKILL_LENGTH = 100
# The model's text field has no limit; an imported description is kept to a page.
DESCRIPTION_MAX_LENGTH = 5000


class ErrorList:
    """Errors in the order found, at most `cap` kept; `total` counts them all."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.items: list[RowError] = []
        self.total = 0

    def add(self, error: RowError) -> None:
        self.total += 1
        if len(self.items) < self.cap:
            self.items.append(error)

    def sorted(self) -> list[RowError]:
        """By line, the file's own problems first; within a line in the order found."""
        return sorted(self.items, key=lambda error: error.line or 0)


@dataclass
class CheckResult:
    kind: str
    encoding: str
    rows: int
    errors: list[RowError]
    error_count: int
    records: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error_count == 0


def quote(value: str) -> str:
    """A value shown back in a message: shortened, and long digit runs masked like ID numbers."""
    value = _DIGIT_RUN.sub(lambda match: match[0][:3] + "*" * (len(match[0]) - 7) + match[0][-4:], value)
    return value if len(value) <= 40 else value[:40] + "…"


def _key(text: str) -> str:
    return " ".join(text.replace("（", "(").replace("）", ")").casefold().split())


def choice_table(choices: type[models.Choices], aliases: dict[str, str | int] | None = None) -> dict[str, str | int]:
    """Accepted spellings of each choice: its value, its label in English and in Chinese, and the
    aliases given (the usual Chinese terms, which do not depend on the catalogues)."""
    table: dict[str, str | int] = {}
    for value, label in choices.choices:
        table[_key(str(value))] = value
        for language in ("en", "zh-hans"):
            with translation.override(language):
                table[_key(str(label))] = value
    for alias, value in (aliases or {}).items():
        table[_key(alias)] = value
    return table


@functools.cache
def _max_length(model: type[models.Model], name: str) -> int:
    length = getattr(model._meta.get_field(name), "max_length", None)
    if length is None:
        raise TypeError(f"{model.__name__}.{name} has no max_length")
    return int(length)


class Checker:
    """The cell checks every kind shares. Subclasses implement `check` (one row) and `finish`
    (what needs the database, once all rows are seen)."""

    kind: str

    def __init__(self, *, table: Table, errors: ErrorList, today: date) -> None:
        self.table = table
        self.errors = errors
        self.today = today
        self.schema: Schema = SCHEMAS[self.kind]
        self.records: list = []

    # -- reporting

    def add(self, line: int | None, name: str, message: str) -> None:
        self.errors.add(RowError(line, self.table.label(name) if name else "", message))

    def _shown(self, name: str, value: str) -> str:
        return "" if self.schema.column(name).sensitive else quote(value)

    @property
    def clean(self) -> bool:
        """No error anywhere yet: rows are kept as records only while the file may still be written."""
        return self.errors.total == 0

    # -- the row

    def check_row(self, row: Row) -> None:
        if row.stray_cells:
            self.add(
                row.line,
                "",
                ngettext(
                    "This row has %(count)d value in a column without a header.",
                    "This row has %(count)d values in columns without a header.",
                    row.stray_cells,
                )
                % {"count": row.stray_cells},
            )
        self.check(row)

    def check(self, row: Row) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        raise NotImplementedError

    # -- cells

    def required(self, row: Row, name: str) -> str:
        value = row.values.get(name, "")
        if not value:
            self.add(row.line, name, _("This value is required."))
        return value

    def text(self, row: Row, name: str, *, max_length: int | None = None, required: bool = False) -> str:
        value = self.required(row, name) if required else row.values.get(name, "")
        if max_length is not None and len(value) > max_length:
            self.add(
                row.line,
                name,
                _("At most %(limit)d characters; this value has %(length)d.")
                % {"limit": max_length, "length": len(value)},
            )
        return value

    def choice(self, row: Row, name: str, table: dict[str, str | int], *, required: bool = False) -> str | int | None:
        value = self.required(row, name) if required else row.values.get(name, "")
        if not value:
            return None
        found = table.get(_key(value))
        if found is None:
            self.add(
                row.line,
                name,
                _("“%(value)s” is not one of the accepted values: %(values)s.")
                % {"value": self._shown(name, value), "values": ", ".join(sorted({str(v) for v in table.values()}))},
            )
        return found

    def day(self, row: Row, name: str, *, required: bool = False, not_after_today: bool = False) -> date | None:
        value = self.required(row, name) if required else row.values.get(name, "")
        if not value:
            return None
        try:
            if not _DATE.match(value):
                raise ValueError(value)
            parsed = date.fromisoformat(value)
        except ValueError:
            self.add(
                row.line,
                name,
                _("“%(value)s” is not a date written YYYY-MM-DD (e.g. 2024-03-01).") % {"value": quote(value)},
            )
            return None
        if not_after_today and parsed > self.today:
            self.add(row.line, name, _("This date is in the future."))
            return None
        return parsed

    def integer(self, row: Row, name: str, *, maximum: int) -> int | None:
        value = row.values.get(name, "")
        if not value:
            return None
        if not _INTEGER.match(value) or int(value) > maximum:
            self.add(
                row.line,
                name,
                _("“%(value)s” is not a whole number from 0 to %(maximum)d.")
                % {"value": quote(value), "maximum": maximum},
            )
            return None
        return int(value)

    def boolean(self, row: Row, name: str) -> bool:
        value = _key(row.values.get(name, ""))
        if value in _TRUE:
            return True
        if value not in _FALSE:
            self.add(
                row.line, name, _("“%(value)s” is not yes or no (是/否, true/false, 1/0).") % {"value": quote(value)}
            )
        return False

    def yuan(self, row: Row, name: str) -> int | None:
        """An amount of yuan as text (thousands separators and a trailing 元 allowed) -> fen."""
        value = row.values.get(name, "")
        if not value:
            return None
        try:
            return hundredths(value)
        except ValidationError as error:
            if error.code == "too_large":
                self.add(row.line, name, _("This amount is too large."))
            else:
                self.add(
                    row.line,
                    name,
                    _("“%(value)s” is not an amount in yuan such as 5000000 or 5,000,000.00 (at most two decimals).")
                    % {"value": quote(value)},
                )
            return None

    def credit_code(self, row: Row, name: str) -> str:
        value = credit_codes.normalise(self.required(row, name))
        if not value:
            return ""
        try:
            credit_codes.validate_credit_code(value)
        except ValidationError as error:
            for message in error.messages:
                self.add(row.line, name, message)
            return ""
        return value

    def identity(self, row: Row, name: str, *, required: bool = False) -> Identity | None:
        value = self.required(row, name) if required else row.values.get(name, "")
        if not value:
            return None
        try:
            return identify(value, field=name)
        except ValidationError as error:  # its messages never quote the number
            for message in error.messages:
                self.add(row.line, name, message)
            return None

    def region(self, row: Row, name: str, *, codes: set[str], required: bool = False) -> str | None:
        value = self.required(row, name) if required else row.values.get(name, "")
        if not value:
            return None
        if value not in codes:
            self.add(
                row.line,
                name,
                _("Unknown region code “%(code)s”: use a 6-digit administrative division code (GB/T 2260).")
                % {"code": quote(value)},
            )
            return None
        return value

    def first_line(self, seen: dict, key: object, row: Row, name: str, message: StrOrPromise) -> None:
        """Report `key` if an earlier row had it (`message` takes the earlier line); remember the
        first line otherwise. The message is lazy: translated only when needed."""
        first = seen.setdefault(key, row.line)
        if first != row.line:
            self.add(row.line, name, str(message) % {"line": first})


_TRUE = {"true", "yes", "y", "1", "是", "有", "通过", "已通过"}
_FALSE = {"", "false", "no", "n", "0", "否", "无", "未通过"}


# --- Organisations ----------------------------------------------------------------------------


@dataclass(slots=True)
class OrganisationRecord:
    line: int
    name: str
    kind: str
    credit_code: str
    region_id: str
    status: str
    legal_representative: str
    legal_representative_id_hash: str
    legal_representative_id_masked: str
    registered_capital_fen: int | None
    founded_on: date | None
    address: str
    size_class: str
    annotator_headcount: int | None
    iso27001_certified: bool
    mlps_level: int
    description: str


class OrganisationChecker(Checker):
    """Organisations are created "submitted" (awaiting verification) unless the optional `status`
    column says "verified": an operator importing a list they have already checked may verify it in
    the same step, as they could one by one. "rejected" is not accepted: a rejection needs a reason."""

    kind = ImportKind.ORGANISATIONS

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.regions = selectors.region_codes()
        self.kinds = choice_table(
            OrganisationKind,
            {
                "政府部门": "agency",
                "机关": "agency",
                "标注企业": "vendor",
                "数据标注企业": "vendor",
                "第三方机构": "third_party",
                "第三方服务机构": "third_party",
                "发券机构": "voucher_authority",
                "数据局": "voucher_authority",
                "基地运营单位": "base_operator",
                "数据标注基地": "base_operator",
            },
        )
        self.statuses = {
            key: value
            for key, value in choice_table(
                VerificationStatus, {"待核验": "submitted", "待审核": "submitted", "已认证": "verified"}
            ).items()
            if value != VerificationStatus.REJECTED
        }
        self.size_classes = choice_table(
            SizeClass,
            {
                "微型": "micro",
                "微型企业": "micro",
                "小型": "small",
                "小型企业": "small",
                "中型": "medium",
                "中型企业": "medium",
                "大型": "large",
                "大型企业": "large",
            },
        )
        self.lines_by_code: dict[str, int] = {}

    def check(self, row: Row) -> None:
        name = self.text(row, "name", required=True, max_length=_max_length(Organisation, "name"))
        kind = self.choice(row, "kind", self.kinds, required=True)
        code = self.credit_code(row, "credit_code")
        region = self.region(row, "region", codes=self.regions, required=True)
        status = self.choice(row, "status", self.statuses) or VerificationStatus.SUBMITTED
        representative = self.text(
            row, "legal_representative", max_length=_max_length(Organisation, "legal_representative")
        )
        identity = self.identity(row, "legal_representative_id_number")
        if identity is not None and not representative:
            self.add(
                row.line, "legal_representative", _("Give the legal representative's name with the identity number.")
            )
        capital = self.yuan(row, "registered_capital_yuan")
        founded_on = self.day(row, "founded_on", not_after_today=True)
        address = self.text(row, "address", max_length=_max_length(Organisation, "address"))
        size_class = self.choice(row, "size_class", self.size_classes) or ""
        headcount = self.integer(row, "annotator_headcount", maximum=_MAX_INT)
        iso = self.boolean(row, "iso27001_certified")
        mlps = self.integer(row, "mlps_level", maximum=5)
        description = self.text(row, "description", max_length=DESCRIPTION_MAX_LENGTH)
        if code:
            self.first_line(
                self.lines_by_code,
                code,
                row,
                "credit_code",
                gettext_lazy("This credit code is already on line %(line)d."),
            )
        if self.clean:
            self.records.append(
                OrganisationRecord(
                    line=row.line,
                    name=name,
                    kind=str(kind),
                    credit_code=code,
                    region_id=str(region),
                    status=str(status),
                    legal_representative=representative,
                    legal_representative_id_hash=identity.hash if identity else "",
                    legal_representative_id_masked=identity.masked if identity else "",
                    registered_capital_fen=capital,
                    founded_on=founded_on,
                    address=address,
                    size_class=str(size_class),
                    annotator_headcount=headcount,
                    iso27001_certified=iso,
                    mlps_level=mlps or 0,
                    description=description,
                )
            )

    def finish(self) -> None:
        for code in sorted(selectors.credit_codes_taken(self.lines_by_code), key=self.lines_by_code.__getitem__):
            self.add(
                self.lines_by_code[code],
                "credit_code",
                _("An organisation with this unified social credit code is already registered."),
            )


# --- People -----------------------------------------------------------------------------------


@dataclass(slots=True)
class PersonRecord:
    line: int
    name: str
    region_id: str | None
    skills: list[str]
    id_hash: str
    id_masked: str


class PersonChecker(Checker):
    """People of the talent pool, known by the keyed hash of their resident identity number: the
    same number twice in the file, or a number already in the pool, is an error (never quoted)."""

    kind = ImportKind.PEOPLE

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.regions = selectors.region_codes()
        self.lines_by_hash: dict[str, int] = {}

    def check(self, row: Row) -> None:
        name = self.text(row, "name", required=True, max_length=_max_length(Person, "name"))
        identity = self.identity(row, "id_number", required=True)
        region = self.region(row, "region", codes=self.regions)
        skills = self.skills(row, "skills")
        if identity is not None:
            self.first_line(
                self.lines_by_hash,
                identity.hash,
                row,
                "id_number",
                gettext_lazy("The same resident identity number is already on line %(line)d."),
            )
        if self.clean and identity is not None:
            self.records.append(
                PersonRecord(
                    line=row.line,
                    name=name,
                    region_id=region,
                    skills=skills,
                    id_hash=identity.hash,
                    id_masked=identity.masked,
                )
            )

    def skills(self, row: Row, name: str) -> list[str]:
        """Skills separated by ； or ;, each kept once."""
        skills: list[str] = []
        for part in re.split(r"[;；]", row.values.get(name, "")):
            skill = part.strip()
            if len(skill) > _MAX_SKILL_LENGTH:
                self.add(
                    row.line,
                    name,
                    _("A skill has at most %(limit)d characters; separate skills with ；or ;.")
                    % {"limit": _MAX_SKILL_LENGTH},
                )
            elif skill and skill not in skills:
                skills.append(skill)
        return skills

    def finish(self) -> None:
        for id_hash in sorted(selectors.person_hashes_taken(self.lines_by_hash), key=self.lines_by_hash.__getitem__):
            self.add(self.lines_by_hash[id_hash], "id_number", _("This person is already in the talent pool."))


# --- Certificates -----------------------------------------------------------------------------


@dataclass(slots=True)
class CertificateRecord:
    line: int
    holder_hash: str | None
    holder_pk: int | None
    holder_name: str
    occupation: str
    level: int | None
    number: str
    issuer_code: str
    issued_on: date | None
    expires_on: date | None
    person_id: int | None = None
    issuer_id: int | None = None


@dataclass(slots=True)
class CertificateRow:
    """A checked certificate, ready to write."""

    person_id: int
    issuer_id: int
    occupation: str
    level: int
    number: str
    issued_on: date
    expires_on: date | None


_LEVEL_ALIASES: dict[str, str | int] = {
    **{str(level): level for level in range(1, 6)},
    **{f"{level}级": level for level in range(1, 6)},
    **{f"{digit}级": level for digit, level in zip("一二三四五", range(1, 6), strict=True)},
    "高级技师": 1,
    "技师": 2,
    "高级工": 3,
    "中级工": 4,
    "初级工": 5,
}


class CertificateChecker(Checker):
    """Skill certificates. The holder is a person already in the talent pool, named by resident
    identity number (`holder_id_number`) or by talent-pool id (`person_id`); when both are given they
    must name the same person, and an optional `holder_name` must match the pool's record. The
    issuer is a registered organisation named by credit code; a number is unique per issuer."""

    kind = ImportKind.CERTIFICATES

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.occupations = choice_table(
            Occupation, {"人工智能训练师": "ai_trainer", "数据标注员": "data_annotator", "数据标注": "data_annotator"}
        )
        self.levels = choice_table(SkillLevel, _LEVEL_ALIASES)
        self.lines_by_key: dict[tuple[str, str], int] = {}
        # Every row, whatever its own errors: the holder and issuer checks run on all of them.
        self.pending: list[CertificateRecord] = []

    def check(self, row: Row) -> None:
        identity = self.identity(row, "holder_id_number")
        holder_pk = self.integer(row, "person_id", maximum=_MAX_BIGINT)
        if not row.values.get("holder_id_number") and not row.values.get("person_id"):
            self.add(
                row.line,
                "holder_id_number" if "holder_id_number" in self.table.headers else "person_id",
                _("Name the holder: give the resident identity number or the talent-pool person id."),
            )
        holder_name = self.text(row, "holder_name", max_length=_max_length(Person, "name"))
        occupation = self.choice(row, "occupation", self.occupations, required=True)
        level = self.level(row)
        number = self.text(row, "number", required=True, max_length=_max_length(Certificate, "number"))
        issuer_code = self.credit_code(row, "issuer_credit_code")
        issued_on = self.day(row, "issued_on", required=True, not_after_today=True)
        expires_on = self.day(row, "expires_on")
        if issued_on is not None and expires_on is not None and expires_on <= issued_on:
            self.add(row.line, "expires_on", _("The expiry date must be after the issue date."))
        if issuer_code and number:
            self.first_line(
                self.lines_by_key,
                (issuer_code, number),
                row,
                "number",
                gettext_lazy("The same issuer and certificate number are already on line %(line)d."),
            )
        self.pending.append(
            CertificateRecord(
                line=row.line,
                holder_hash=identity.hash if identity else None,
                holder_pk=holder_pk,
                holder_name=holder_name,
                occupation=str(occupation or ""),
                level=level,
                number=number,
                issuer_code=issuer_code,
                issued_on=issued_on,
                expires_on=expires_on,
            )
        )

    def level(self, row: Row) -> int | None:
        """1 to 5, 一级 to 五级, or the level names (高级技师 … 初级工), alone or combined like
        "三级/高级工" as long as the parts agree."""
        value = self.required(row, "level")
        if not value:
            return None
        parts = [part for part in re.split(r"[/／()（）\s]+", value) if part]
        found = {self.levels.get(_key(part)) for part in parts}
        if len(found) != 1 or None in found:
            found = {self.levels.get(_key(value))}
        level = found.pop()
        if level is None:
            self.add(
                row.line,
                "level",
                _(
                    "“%(value)s” is not a skill level: write 1 to 5, 一级 to 五级, "
                    "or 高级技师, 技师, 高级工, 中级工, 初级工."
                )
                % {"value": quote(value)},
            )
            return None
        return int(level)

    def finish(self) -> None:
        by_hash = selectors.people_by_id_hash({r.holder_hash for r in self.pending if r.holder_hash})
        by_pk = selectors.people_by_pk({r.holder_pk for r in self.pending if r.holder_pk is not None})
        issuers = selectors.organisation_ids_by_credit_code({r.issuer_code for r in self.pending if r.issuer_code})
        taken = selectors.certificate_numbers_taken(
            {(issuers[r.issuer_code], r.number) for r in self.pending if r.issuer_code in issuers and r.number}
        )
        for record in self.pending:
            record.person_id = self._holder(record, by_hash, by_pk)
            record.issuer_id = issuers.get(record.issuer_code)
            if record.issuer_code and record.issuer_id is None:
                self.add(
                    record.line,
                    "issuer_credit_code",
                    _("No organisation with this unified social credit code is registered."),
                )
            elif (record.issuer_id, record.number) in taken:
                self.add(record.line, "number", _("This issuer already has a certificate with this number."))
        if self.clean:  # then every row has all its values
            self.records = [
                CertificateRow(r.person_id, r.issuer_id, r.occupation, r.level, r.number, r.issued_on, r.expires_on)
                for r in self.pending
                if r.person_id is not None and r.issuer_id is not None and r.level is not None and r.issued_on
            ]
        self.pending = []

    def _holder(
        self, record: CertificateRecord, by_hash: dict[str, tuple[int, str]], by_pk: dict[int, tuple[str, str]]
    ) -> int | None:
        person: int | None = None
        name = ""
        if record.holder_hash is not None:
            found = by_hash.get(record.holder_hash)
            if found is None:
                self.add(
                    record.line,
                    "holder_id_number",
                    _("No one with this resident identity number is in the talent pool: import the person first."),
                )
                return None
            person, name = found
        if record.holder_pk is not None:
            by_id = by_pk.get(record.holder_pk)
            if by_id is None:
                self.add(
                    record.line,
                    "person_id",
                    _("There is no person %(id)d in the talent pool.") % {"id": record.holder_pk},
                )
                return None
            if person is not None and person != record.holder_pk:
                self.add(
                    record.line,
                    "person_id",
                    _("The resident identity number and the person id name different people."),
                )
                return None
            person, name = record.holder_pk, by_id[1]
        if record.holder_name and name and record.holder_name != name:
            self.add(record.line, "holder_name", _("This name differs from the holder's name in the talent pool."))
            return None
        return person


CHECKERS: dict[str, type[Checker]] = {
    ImportKind.ORGANISATIONS: OrganisationChecker,
    ImportKind.PEOPLE: PersonChecker,
    ImportKind.CERTIFICATES: CertificateChecker,
}


def check_file(
    *,
    kind: str,
    path: Path,
    name: str,
    limits: Limits,
    max_errors: int,
    on_start: Callable[[Table], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> CheckResult:
    """Check every row of the file. Raises `FileRefused` when the file as a whole is unusable.
    `on_start` sees the opened table (its row count); `progress` gets the rows checked so far,
    every few hundred rows."""
    errors = ErrorList(max_errors)
    with open_table(path, name=name, schema=SCHEMAS[kind], limits=limits) as table:
        if on_start is not None:
            on_start(table)
        for error in table.header_errors:
            errors.add(error)
        if table.header_errors:
            return CheckResult(kind, table.encoding, table.row_count or 0, errors.sorted(), errors.total)
        for error in table.cell_errors:
            errors.add(error)
        checker = CHECKERS[kind](table=table, errors=errors, today=timezone.localdate())
        count = 0
        for row in table.rows():
            checker.check_row(row)
            count += 1
            if progress is not None and count % PROGRESS_EVERY == 0:
                progress(count)
        checker.finish()
    if count == 0:
        errors.add(RowError(None, "", _("The file has a header but no rows.")))
    records = checker.records if errors.total == 0 else []
    return CheckResult(kind, table.encoding, count, errors.sorted(), errors.total, records)
