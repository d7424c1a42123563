"""Fixtures of the report tests: generated files go to a folder of each test."""

import pytest


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.KASANE_PRIVATE_ROOT = tmp_path / "private"
    return settings.KASANE_PRIVATE_ROOT
