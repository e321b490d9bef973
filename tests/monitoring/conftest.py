"""Shared by the monitoring tests."""

import pytest


@pytest.fixture(autouse=True)
def _english_pages(client, settings):
    """Pages answer in English here (the portal's default is Chinese), so that the assertions on
    their text hold whatever the catalogue translates."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
