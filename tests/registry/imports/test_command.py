"""`manage.py import_registry KIND FILE [--dry-run]`: summary, first errors, report path, exit status."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.utils import translation

from portal.audit.models import AuditEntry
from registry.imports.models import ImportJob
from registry.models import Organisation
from registry.talent.models import Person
from tests.factories import UserFactory
from tests.factories.registry import with_wrong_check_character
from tests.registry.imports.conftest import (
    ORGANISATION_HEADER,
    csv_bytes,
    imported_code,
    organisation_rows,
    people_rows,
    resident_id,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def clean_file(tmp_path) -> Path:
    path = tmp_path / "orgs.csv"
    path.write_bytes(csv_bytes([ORGANISATION_HEADER, *organisation_rows(12)], encoding="gbk"))
    return path


@pytest.fixture
def broken_file(tmp_path) -> Path:
    rows = organisation_rows(30)
    for row in rows[5:]:
        row[3] = "000000"
    path = tmp_path / "orgs-broken.csv"
    path.write_bytes(csv_bytes([ORGANISATION_HEADER, *rows]))
    return path


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch):
    """`manage.py` closes every database connection when a command ends, the test's own included."""
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)


def _exit_status(*argv: str) -> int:
    """Run the command as `manage.py` does, and return its exit status."""
    try:
        ManagementUtility(["manage.py", "import_registry", *argv]).execute()
    except SystemExit as exited:
        return int(exited.code or 0)
    return 0


def test_a_clean_file_is_written_and_summarised(clean_file, capsys):
    assert _exit_status("organisations", str(clean_file)) == 0

    out = capsys.readouterr().out
    job = ImportJob.objects.get()
    assert out.strip() == f"orgs.csv: 12 rows checked, 12 written (import job #{job.pk})."
    assert Organisation.objects.count() == 12
    assert job.created_by is None
    audit = AuditEntry.objects.get(action="registry.import")
    assert (audit.actor, audit.actor_label) == (None, "system")


def test_a_file_with_errors_prints_the_first_ones_and_the_report_path_writes_nothing_and_exits_1(broken_file, capsys):
    assert _exit_status("organisations", str(broken_file)) == 1

    err = capsys.readouterr().err
    assert "orgs-broken.csv: 25 errors in 30 rows; nothing was written." in err
    assert "  7\tregion\tUnknown region code “000000”" in err
    assert "… and 5 more." in err
    report = Path(err.strip().splitlines()[-1].split("Full error report: ")[1])
    assert len(list(csv.reader(report.read_text(encoding="utf-8-sig").splitlines()))) == 26
    assert Organisation.objects.count() == 0


def test_a_dry_run_checks_and_writes_nothing(clean_file, capsys):
    assert _exit_status("organisations", str(clean_file), "--dry-run") == 0
    assert "12 rows checked, no errors; nothing was written (dry run)." in capsys.readouterr().out
    assert Organisation.objects.count() == 0
    assert ImportJob.objects.get().dry_run


def test_a_refused_file_says_why_and_exits_1(tmp_path, capsys):
    path = tmp_path / "orgs.csv"
    path.write_bytes("name\r\nCafé\r\n".encode("latin-1"))
    assert _exit_status("organisations", str(path)) == 1
    assert "orgs.csv was refused: The file is neither UTF-8 nor GBK" in capsys.readouterr().err


def test_the_import_is_recorded_for_the_named_operator_only(clean_file):
    with pytest.raises(CommandError, match="not an active platform operator"):
        call_command("import_registry", "organisations", str(clean_file), actor=UserFactory(username="clerk").username)
    operator = UserFactory(username="ops", is_staff=True)

    call_command("import_registry", "organisations", str(clean_file), actor="ops")

    assert ImportJob.objects.get().created_by == operator
    assert AuditEntry.objects.get(action="registry.import").actor == operator


def test_a_missing_file_or_wrong_kind_is_an_error(tmp_path, capsys):
    assert _exit_status("organisations", str(tmp_path / "nothing.csv")) == 1
    assert "There is no file" in capsys.readouterr().err
    assert _exit_status("vendors", str(tmp_path / "nothing.csv")) == 2  # argparse: invalid choice
    assert not ImportJob.objects.exists()


def test_people_errors_on_the_console_never_show_identity_numbers(tmp_path, capsys, caplog):
    rows = people_rows(4)
    rows[1][1] = rows[0][1]  # the same number twice
    rows[2][1] = with_wrong_check_character(rows[2][1])  # wrong check character
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes([["name", "id_number", "region", "skills"], *rows]))

    assert _exit_status("people", str(path)) == 1

    captured = capsys.readouterr()
    shown = captured.out + captured.err + caplog.text
    assert "id_number" in captured.err
    for number in (rows[0][1], rows[2][1], resident_id(4)):
        assert number[:17] not in shown
    assert Person.objects.count() == 0


def test_the_command_and_the_page_share_the_same_checks(tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_bytes(csv_bytes([ORGANISATION_HEADER, ["甲", "vendor", imported_code(1)[:-1] + "Z", "510100"]]))
    with pytest.raises(CommandError) as failed:
        call_command("import_registry", "organisations", str(path))
    assert failed.value.returncode == 1
    assert ImportJob.objects.get().errors[0]["column"] == "credit_code"
