"""Uploads as plain files or zips (marketplace.quality.formats.archives): a zip is judged before any
member byte is decompressed, and the bytes really decompressed are counted."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest

from marketplace.quality import QualityInputError
from marketplace.quality.formats import parse
from marketplace.quality.formats.archives import open_upload

LIMITS = {"max_uncompressed_bytes": 300 * 2**20, "max_ratio": 100}
CSV = b"item_id,label\na,cat\nb,dog\n"


def make_zip(path: Path, members: dict[str, bytes], *, level: int | None = None) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return path


def read_upload(path: Path, **limits: int) -> bytes:
    with open_upload(path, **{**LIMITS, **limits}) as stream:
        return stream.read()


def refusal(path: Path, **limits: int) -> QualityInputError:
    with pytest.raises(QualityInputError) as caught:
        read_upload(path, **limits)
    return caught.value


def test_a_plain_file_is_opened_as_it_is_whatever_its_name(tmp_path: Path) -> None:
    path = tmp_path / "delivery.zip"
    path.write_bytes(CSV)
    assert read_upload(path) == CSV


def test_a_zip_is_recognised_by_its_bytes_not_its_name(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "labels.csv", {"labels.csv": CSV})
    with open_upload(path, **LIMITS) as stream:
        result = parse(stream, kind="classification", fmt="csv")
    assert result.labels == {"a": "cat", "b": "dog"}


def test_directories_macos_metadata_and_dot_files_are_not_data(tmp_path: Path) -> None:
    members = {
        "delivery/": b"",
        "delivery/labels.csv": CSV,
        "__MACOSX/delivery/._labels.csv": b"\x00\x05\x16\x07",
        ".DS_Store": b"junk",
        "delivery/.hidden/notes.txt": b"notes",
    }
    assert read_upload(make_zip(tmp_path / "d.zip", members)) == CSV


def test_a_damaged_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "d.zip"
    path.write_bytes(b"PK\x03\x04" + b"\x14\x00" * 40)
    error = refusal(path)
    assert (error.code, error.line, error.field) == ("zip_damaged", None, None)
    assert error.params["detail"]


def test_a_zip_cut_short_is_refused_as_damaged(tmp_path: Path) -> None:
    whole = make_zip(tmp_path / "whole.zip", {"labels.csv": CSV * 100}).read_bytes()
    path = tmp_path / "cut.zip"
    path.write_bytes(whole[: len(whole) // 2])
    assert refusal(path).code == "zip_damaged"


@pytest.mark.parametrize(
    "name", ["../evil.csv", "data/../../evil.csv", "/etc/evil.csv", "C:/evil.csv", "c:evil.csv", "data\\evil.csv"]
)
def test_an_unsafe_member_path_is_refused(tmp_path: Path, name: str) -> None:
    path = make_zip(tmp_path / "d.zip", {"labels.csv": CSV, name: b"x"})
    error = refusal(path)
    assert (error.code, error.field, error.params) == ("zip_unsafe_path", name, {"name": name})


def test_too_many_members_are_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "d.zip", {"a/": b"", "a/labels.csv": CSV, ".x": b"", ".y": b""})
    error = refusal(path, max_members=3)
    assert (error.code, error.params) == ("zip_too_many_members", {"count": 4, "limit": 3})


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200 MB of zeros in a zip under 1 MB, written in 1 MiB pieces (never held whole)."""
    path = tmp_path_factory.mktemp("bomb") / "labels.zip"
    zeros = bytes(2**20)
    with (
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open("labels.csv", "w") as member,
    ):
        for _ in range(200):
            member.write(zeros)
    return path


def test_a_zip_bomb_is_refused_by_its_ratio_before_decompressing(zip_bomb: Path) -> None:
    (info,) = zipfile.ZipFile(zip_bomb).infolist()
    assert info.file_size == 200 * 2**20
    assert zip_bomb.stat().st_size < 2**20
    error = refusal(zip_bomb)
    assert (error.code, error.field) == ("zip_bomb", "labels.csv")
    assert error.params == {"name": "labels.csv", "ratio": info.file_size // info.compress_size, "limit": 100}
    assert error.params["ratio"] > 100


def test_a_zip_bomb_is_refused_by_its_total_size(zip_bomb: Path) -> None:
    error = refusal(zip_bomb, max_uncompressed_bytes=100 * 2**20, max_ratio=10_000)
    assert (error.code, error.params) == ("zip_bomb", {"size": 200 * 2**20, "limit": 100 * 2**20})


def test_a_small_member_may_compress_well(tmp_path: Path) -> None:
    zeros = bytes(2**20 - 1)  # just under 1 MiB: the ratio is not checked
    assert read_upload(make_zip(tmp_path / "d.zip", {"zeros.bin": zeros}), max_ratio=2) == zeros


def patch_declared_size(data: bytes, size: int) -> bytes:
    """Rewrite the uncompressed size in the (only) local header and central directory entry, as a
    forger would, leaving the compressed data as it is."""
    patched = bytearray(data)
    struct.pack_into("<I", patched, patched.index(b"PK\x03\x04") + 22, size)
    struct.pack_into("<I", patched, patched.index(b"PK\x01\x02") + 24, size)
    return bytes(patched)


def test_a_header_that_understates_the_size_is_caught_while_reading(tmp_path: Path) -> None:
    content = b"item_id,label\n" + b"".join(b"item-%d,cat\n" % i for i in range(200_000))  # 2.7 MB
    real = make_zip(tmp_path / "real.zip", {"labels.csv": content})
    path = tmp_path / "lying.zip"
    path.write_bytes(patch_declared_size(real.read_bytes(), 1_000))
    (info,) = zipfile.ZipFile(path).infolist()
    assert info.file_size == 1_000  # under 1 MiB: the ratio check lets it through
    with open_upload(path, **LIMITS) as stream, pytest.raises(QualityInputError) as caught:
        parse(stream, kind="classification", fmt="csv")
    error = caught.value
    assert (error.code, error.field, error.params) == ("zip_bomb", "labels.csv", {"name": "labels.csv", "size": 1_000})


def test_a_header_that_overstates_the_size_is_damaged(tmp_path: Path) -> None:
    real = make_zip(tmp_path / "real.zip", {"labels.csv": CSV})
    path = tmp_path / "long.zip"
    path.write_bytes(patch_declared_size(real.read_bytes(), len(CSV) + 50))
    error = refusal(path)
    assert error.code == "zip_damaged"
    assert error.params == {"detail": f"labels.csv ends after {len(CSV)} of {len(CSV) + 50} bytes"}


def test_an_encrypted_member_is_refused(tmp_path: Path) -> None:
    data = bytearray(make_zip(tmp_path / "real.zip", {"labels.csv": CSV}).read_bytes())
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<H", data, central + 8, struct.unpack_from("<H", data, central + 8)[0] | 1)
    path = tmp_path / "locked.zip"
    path.write_bytes(bytes(data))
    error = refusal(path)
    assert (error.code, error.field, error.params) == ("zip_encrypted", "labels.csv", {"name": "labels.csv"})


@pytest.mark.parametrize(
    ("members", "code", "params"),
    [
        ({"folder/": b"", ".DS_Store": b"x"}, "zip_no_data_file", {}),
        ({}, "zip_no_data_file", {}),
        ({"a.csv": CSV, "b/c.csv": CSV}, "zip_several_data_files", {"count": 2, "names": "a.csv, b/c.csv"}),
    ],
)
def test_a_zip_must_hold_exactly_one_data_file(
    tmp_path: Path, members: dict[str, bytes], code: str, params: dict[str, object]
) -> None:
    error = refusal(make_zip(tmp_path / "d.zip", members))
    assert (error.code, error.params) == (code, params)
