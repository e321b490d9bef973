"""Evidence files go to a temporary media folder; `stripe` points the payment gateway at
localstripe for the tests that pay a contract's milestones by card."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def stripe(settings, localstripe):
    settings.STRIPE_SECRET_KEY = "sk_test_portal"
    settings.STRIPE_API_BASE = localstripe
    settings.STRIPE_WEBHOOK_SECRET = "whsec_portal_tests"
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
