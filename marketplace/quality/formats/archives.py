"""An uploaded delivery file, or the one data file inside a zip, opened without trusting the zip.

A zip is recognised by its first bytes, never by its name, and judged from its central directory
before a single member byte is decompressed: member count, member names (no absolute paths, `..`,
drive letters or backslashes), declared sizes and compression ratios, exactly one data file. The
member is then read through a guard that counts the bytes really decompressed, so a header that
understates the size cannot smuggle more data through.
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, BinaryIO

from marketplace.quality.errors import QualityInputError

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
UNLIMITED = 1 << 62
RATIO_MINIMUM_SIZE = 1 << 20  # 1 MiB: a small member may compress as well as it likes
DRIVE = re.compile(r"[A-Za-z]:")
READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError)


@contextmanager
def open_upload(
    path: str | Path,
    *,
    max_uncompressed_bytes: int,
    max_ratio: int,
    max_members: int = 1000,
) -> Iterator[BinaryIO]:
    """The upload at `path` as a binary stream: the file itself, or the single data file of a zip
    (directories, `__MACOSX/` and dot-files do not count)."""
    with open(path, "rb") as file:
        if file.read(4) not in ZIP_MAGIC:
            file.seek(0)
            yield file
            return
        file.seek(0)
        try:
            archive = zipfile.ZipFile(file)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
            raise QualityInputError("zip_damaged", "the zip archive is damaged ({detail})", detail=str(error)) from None
        with archive:
            member = _data_member(
                archive, max_uncompressed_bytes=max_uncompressed_bytes, max_ratio=max_ratio, max_members=max_members
            )
            # zipfile stops at the declared size (and then fails on the CRC): open the member with
            # no size limit of its own, so that the guard sees the bytes past the declared size and
            # refuses them by name.
            widened = copy.copy(member)
            widened.file_size = UNLIMITED
            try:
                raw = archive.open(widened)
            except READ_ERRORS as error:
                raise QualityInputError(
                    "zip_damaged", "the zip archive is damaged ({detail})", detail=str(error)
                ) from None
            with raw:
                yield io.BufferedReader(
                    _SizeGuard(raw, name=member.filename, declared=member.file_size), buffer_size=1 << 16
                )


def _data_member(
    archive: zipfile.ZipFile, *, max_uncompressed_bytes: int, max_ratio: int, max_members: int
) -> zipfile.ZipInfo:
    members = archive.infolist()
    if len(members) > max_members:
        raise QualityInputError(
            "zip_too_many_members",
            "the zip archive has {count} members, more than {limit}",
            count=len(members),
            limit=max_members,
        )
    for member in members:
        name = member.orig_filename
        parts = name.split("/")
        if name.startswith("/") or "\\" in name or "\x00" in name or DRIVE.match(name) or ".." in parts:
            raise QualityInputError(
                "zip_unsafe_path", "the zip archive holds an unsafe path {name!r}", field=name, name=name
            )
        if member.flag_bits & 0x1:
            raise QualityInputError("zip_encrypted", "the zip member {name!r} is encrypted", field=name, name=name)
    total = sum(member.file_size for member in members)
    if total > max_uncompressed_bytes:
        raise QualityInputError(
            "zip_bomb",
            "the zip archive would expand to {size} bytes, more than the {limit} allowed",
            size=total,
            limit=max_uncompressed_bytes,
        )
    for member in members:
        if member.file_size >= RATIO_MINIMUM_SIZE and member.file_size > max_ratio * max(member.compress_size, 1):
            raise QualityInputError(
                "zip_bomb",
                "the zip member {name!r} expands {ratio} times, more than the {limit} allowed",
                field=member.filename,
                name=member.filename,
                ratio=member.file_size // max(member.compress_size, 1),
                limit=max_ratio,
            )
    data = [member for member in members if _is_data_file(member)]
    if not data:
        raise QualityInputError("zip_no_data_file", "the zip archive holds no data file")
    if len(data) > 1:
        raise QualityInputError(
            "zip_several_data_files",
            "the zip archive holds {count} data files ({names}); upload one",
            count=len(data),
            names=", ".join(member.filename for member in data[:5]) + (", …" if len(data) > 5 else ""),
        )
    return data[0]


def _is_data_file(member: zipfile.ZipInfo) -> bool:
    if member.is_dir() or member.filename.startswith("__MACOSX/"):
        return False
    return not any(part.startswith(".") for part in member.filename.split("/"))


class _SizeGuard(io.RawIOBase):
    """Reads a zip member and refuses more bytes than its header declared (a zip bomb with a lying
    header) or fewer (a damaged archive)."""

    def __init__(self, member: IO[bytes], *, name: str, declared: int) -> None:
        self._member = member
        self._name = name
        self._declared = declared
        self._read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            data = self._member.read(len(buffer))
        except READ_ERRORS as error:
            raise QualityInputError("zip_damaged", "the zip archive is damaged ({detail})", detail=str(error)) from None
        self._read += len(data)
        if self._read > self._declared:
            raise QualityInputError(
                "zip_bomb",
                "the zip member {name!r} holds more data than the {size} bytes its header declares",
                field=self._name,
                name=self._name,
                size=self._declared,
            )
        if not data and self._read < self._declared:
            raise QualityInputError(
                "zip_damaged",
                "the zip archive is damaged ({detail})",
                detail=f"{self._name} ends after {self._read} of {self._declared} bytes",
            )
        buffer[: len(data)] = data
        return len(data)
