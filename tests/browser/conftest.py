"""The browser tests (their fixtures, ``browser`` and ``page``, are in tests/fixtures/browser.py)."""

from pathlib import Path

import pytest


def pytest_collection_modifyitems(config, items):
    """Every test in this directory drives a real browser."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
