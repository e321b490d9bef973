import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Gold sets and deliveries are files: each test keeps its own."""
    settings.MEDIA_ROOT = tmp_path / "media"
