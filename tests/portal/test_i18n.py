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
