"""Settings in both modes, read by a fresh interpreter with a controlled environment."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from portal.env import env_bool

PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], 'eager': s.CELERY_TASK_ALWAYS_EAGER, "
    "'broker': s.CELERY_BROKER_URL, 'email': s.EMAIL_BACKEND, 'debug': s.DEBUG, 'ssl': s.SECURE_SSL_REDIRECT, "
    "'hosts': s.ALLOWED_HOSTS, 'ocid': s.OCID_PREFIX, 'demo': s.DEMO_DATA_ALLOWED}))"
)
PRODUCTION = {
    "DATABASE_URL": "postgres://portal:secret@db.internal:5432/portal",
    "CELERY_BROKER_URL": "redis://broker.internal:6379/0",
    "SECRET_KEY": "p" * 64 + "-production-secret-key-that-is-long-and-random-enough-!@#$%",
    "BID_SEALING_KEY": "s" * 64,
    "PERSON_ID_HASH_KEY": "h" * 64,
    "ALLOWED_HOSTS": "portal.example.gov.cn",
    "HTTPS": "1",
    "DEBUG": "0",
    "OCID_PREFIX": "ocds-abc123",
    "EMAIL_HOST": "smtp.example.gov.cn",
}


def _run(args, extra_env, tmp_path):
    inherited = set(PRODUCTION) | {"DJANGO_ALLOW_ASYNC_UNSAFE", "DEMO_DATA_ALLOWED"}  # the e2e tests set the first
    env = {k: v for k, v in os.environ.items() if k not in inherited}
    env |= {"DJANGO_SETTINGS_MODULE": "portal.settings", "PORTAL_VAR_DIR": str(tmp_path)} | extra_env
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, cwd=settings.BASE_DIR, check=False
    )


def test_embedded_mode_needs_nothing(tmp_path):
    result = _run(["-c", PROBE], {}, tmp_path)
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["eager"] is True
    assert values["broker"] == "memory://"
    assert values["email"] == "django.core.mail.backends.console.EmailBackend"
    assert (values["debug"], values["ssl"], values["demo"]) == (False, False, True)
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "bid_sealing_key").exists()


def test_production_mode_reads_the_environment(tmp_path):
    values = json.loads(_run(["-c", PROBE], PRODUCTION, tmp_path).stdout)
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["eager"] is False
    assert values["broker"] == PRODUCTION["CELERY_BROKER_URL"]
    assert values["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["hosts"] == ["portal.example.gov.cn"]
    assert (values["ssl"], values["ocid"], values["demo"]) == (True, "ocds-abc123", False)
    assert not (tmp_path / "secret_key").exists()


def test_check_deploy_reports_nothing_with_production_values(tmp_path):
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_warns_about_machine_generated_secrets(tmp_path):
    secrets = {"SECRET_KEY", "BID_SEALING_KEY", "PERSON_ID_HASH_KEY"}
    production_without_secrets = {k: v for k, v in PRODUCTION.items() if k not in secrets}
    result = _run(["manage.py", "check", "--deploy"], production_without_secrets, tmp_path)
    assert "portal.W001" in result.stderr
    assert "SECRET_KEY was generated" in result.stderr
    assert "BID_SEALING_KEY was generated" in result.stderr
    assert "PERSON_ID_HASH_KEY was generated" in result.stderr


def test_a_malformed_boolean_is_refused(monkeypatch):
    monkeypatch.setenv("HTTPS", "maybe")
    with pytest.raises(ImproperlyConfigured, match="HTTPS"):
        env_bool("HTTPS")
