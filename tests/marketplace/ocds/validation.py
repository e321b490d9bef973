"""Validating OCDS packages offline with libcoveocds, for the tests and for checking demo data.

`ocds_problems(package)` runs the checks of the OCDS Data Review Tool (libcoveocds 0.17): JSON
Schema validation against the 1.1.5 release or record package schema, closed codelists, the
format of the ocid prefix and empty fields. It reads the schema and codelists from the standard's
ZIP (`settings.OCDS_STANDARD_ZIP`) and refuses any network access while it runs (the standard's
own schema files, which libcoveocds asks for by URL, are answered from the ZIP): libcoveocds
quietly skips the codelist check when it cannot fetch the codelists, and a check that could not
run must fail, not pass. The portal declares no extension URLs, so nothing else is needed.

Usage (e.g. for the demo data, from `manage.py shell`)::

    from marketplace.ocds.encoding import loads
    from tests.marketplace.ocds.validation import ocds_problems
    problems = ocds_problems(loads(text))   # [] when the package is valid
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import requests
from django.conf import settings
from libcoveocds.common_checks import common_checks_ocds
from libcoveocds.config import LibCoveOCDSConfig
from libcoveocds.schema import SchemaOCDS

STANDARD_SCHEMA_URL = "https://standard.open-contracting.org/schema/1__1__5/"


class NetworkAccessAttempted(RuntimeError):
    """libcoveocds tried to fetch something: the validation would not be offline and complete."""


def standard_zip_or_skip() -> Path:
    """The standard's ZIP, or skip the calling test; under CI=true a missing ZIP fails instead."""
    path = Path(settings.OCDS_STANDARD_ZIP)
    if not path.is_file():
        reason = f"OCDS standard ZIP not found at {path} (set OCDS_STANDARD_ZIP)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return path


def _offline(standard: zipfile.ZipFile) -> Callable[..., requests.Response]:
    """A stand-in for every HTTP request: the standard's own schema files are answered from the
    ZIP (libcoveocds resolves the record package's `$ref` to the versioned release schema by
    URL); anything else raises."""

    def send(adapter: object, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        url = request.url or ""
        if not url.startswith(STANDARD_SCHEMA_URL):
            raise NetworkAccessAttempted(f"libcoveocds tried to fetch {url}")
        wanted = f"/schema/{url.removeprefix(STANDARD_SCHEMA_URL)}"
        name = next((name for name in standard.namelist() if name.endswith(wanted)), None)
        if name is None:
            raise NetworkAccessAttempted(f"{url} is not in the standard's ZIP")
        response = requests.Response()
        response.status_code = 200
        response.url = url
        response.request = request
        response.headers["Content-Type"] = "application/json"
        response._content = standard.read(name)
        return response

    return send


def _float(value: Any) -> float:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def _plain(package: Any) -> Any:
    """The package as `json.loads` gives it: libcove formats some errors with `json.dumps`, which
    refuses the Decimal amounts `marketplace.ocds.encoding.loads` returns (a float is exact
    enough to check a schema)."""
    return json.loads(json.dumps(package, default=_float))


def ocds_problems(package: dict[str, Any], *, standard_zip: Path | str | None = None) -> list[str]:
    """Every problem libcoveocds finds in a release or record package, one line each; [] if none.

    Additional fields (the bids and lots extensions' fields, undeclared) are not problems."""
    zip_path = Path(standard_zip or settings.OCDS_STANDARD_ZIP).resolve()
    data = _plain(package)
    config = LibCoveOCDSConfig({"standard_zip": zip_path.as_uri(), "context": "api"})
    with (
        zipfile.ZipFile(zip_path) as standard,
        mock.patch("requests.adapters.HTTPAdapter.send", _offline(standard)),
        tempfile.TemporaryDirectory() as upload_dir,
    ):
        schema = SchemaOCDS(data.get("version"), data, config, record_pkg="records" in data)
        context = common_checks_ocds({"file_type": "json"}, upload_dir, data, schema, cache=False)
        if not getattr(schema, "extended_codelists", None):
            raise NetworkAccessAttempted("the codelists of the standard could not be read from the ZIP")
    problems: list[str] = []
    if schema.json_deref_error:
        problems.append(f"schema: {schema.json_deref_error}")
    for error_json, places in context.get("validation_errors", []):
        error = json.loads(error_json)
        for place in places:
            problems.append(f"invalid: {place.get('path', error['path_no_number'])}: {error['message']}")
    for path, details in context.get("additional_closed_codelist_values", {}).items():
        problems.append(f"closed codelist {details['codelist']}: {path} = {sorted(details['values'])}")
    for prefix_error in context.get("conformance_errors", {}).get("ocds_prefixes_bad_format", []):
        problems.append(f"ocid prefix: {prefix_error}")
    for check, findings in context.get("additional_checks", {}).items():
        problems.extend(f"{check}: {finding['json_location']}" for finding in findings)
    return problems
