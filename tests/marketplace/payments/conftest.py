"""Every payment test talks to localstripe (tests/localstripe.py) through the real `stripe` library:
the settings point at it."""

from __future__ import annotations

import pytest

WEBHOOK_SECRET = "whsec_portal_tests"


@pytest.fixture(autouse=True)
def _stripe_settings(settings, localstripe, tmp_path):
    settings.STRIPE_SECRET_KEY = "sk_test_portal"
    settings.STRIPE_API_BASE = localstripe
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    settings.MEDIA_ROOT = tmp_path / "media"  # gold sets and deliveries are files
