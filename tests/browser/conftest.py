"""Every test in this folder is a real-browser test (fixtures: tests/browser/plugin.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def demo(transactional_db: Any) -> dict[str, int]:
    """The demo data set for a live server, with the category lists put back first (an earlier
    live-server test empties every table when it ends, the lists seeded by the data migration
    included)."""
    from tsunagu.cases.tests.helpers import ensure_default_codes
    from tsunagu.demo.data import load_demo_data

    ensure_default_codes()
    return load_demo_data()
