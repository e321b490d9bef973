import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db
LOCALE = Path(settings.BASE_DIR) / "locale"


def test_pages_are_chinese_by_default_even_for_an_english_browser(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "全国数据标注公共服务平台" in html
    assert response["Content-Language"] == "zh-hans"


def test_the_language_switch_turns_the_site_english_and_back(client):
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/registry/"})
    assert switched.status_code == 302
    assert switched["Location"] == "/registry/"
    english = client.get("/").content.decode()
    assert '<html lang="en">' in english
    assert "National data-annotation public-service portal" in english

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "全国数据标注公共服务平台" in client.get("/").content.decode()


def test_an_unsupported_language_cookie_falls_back_to_chinese(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert '<html lang="zh-hans">' in client.get("/").content.decode()


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_each_catalogue_is_complete_and_its_compiled_form_is_current(language):
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    mo = polib.mofile(str(LOCALE / language / "LC_MESSAGES" / "django.mo"))

    assert len(po) > 0
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    compiled = {(entry.msgctxt, entry.msgid): (entry.msgstr, entry.msgstr_plural) for entry in mo}
    for entry in po.translated_entries():
        assert compiled.get((entry.msgctxt, entry.msgid)) == (entry.msgstr, entry.msgstr_plural), entry.msgid


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (xgettext) to extract strings")
def test_the_catalogues_hold_every_translatable_string_of_the_code(tmp_path):
    """Extract afresh from a copy of the sources; a string missing from the catalogue fails here."""
    base = Path(settings.BASE_DIR)
    copy = tmp_path / "src"
    shutil.copytree(
        base, copy, ignore=shutil.ignore_patterns(".venv", "node_modules", "var", ".git", "tests", "bench", "static")
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "zh_Hans", "--no-obsolete", "--no-location"],
        cwd=copy,
        check=True,
        capture_output=True,
        env=os.environ | {"PORTAL_VAR_DIR": str(tmp_path / "var")},
    )
    fresh = {entry.msgid for entry in polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))}
    committed = {entry.msgid for entry in polib.pofile(str(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"))}
    assert fresh - committed == set(), "run `make messages` and translate the new strings"
