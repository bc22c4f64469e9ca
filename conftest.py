"""Shared fixtures. The deterministic demo data set is the base of most tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

# Browser fixtures (one Playwright instance and one chromium for the whole session).
pytest_plugins = ["tests.browser.plugin"]


@pytest.fixture
def demo(db: Any) -> dict[str, int]:
    """Load the demo data set (新宿区 委託 centre, 蓮田市 直営 centre, every role in each)."""
    from tsunagu.demo.data import load_demo_data

    return load_demo_data()


@pytest.fixture
def staff(demo: dict[str, int]) -> Callable[[str], Any]:
    """staff("shinjuku-soudan") → the demo User."""
    from tsunagu.organizations.models import User

    def get(username: str) -> Any:
        return User.objects.get(username=username)

    return get


@pytest.fixture
def login(staff: Callable[[str], Any]) -> Callable[[str], Client]:
    """login("shinjuku-soudan") → a test Client with a logged-in session (MFA already set up)."""

    def make(username: str) -> Client:
        client = Client()
        client.force_login(staff(username))
        return client

    return make


@pytest.fixture
def api_as(demo: dict[str, int]) -> Callable[[str], Client]:
    """api_as("shinjuku-soudan") → a client without a session, sending an API token issued for that
    demo account the way operators issue one (``manage.py issue_api_token``)."""
    from io import StringIO

    from django.core.management import call_command

    def make(username: str) -> Client:
        out = StringIO()
        call_command("issue_api_token", username, stdout=out)
        return Client(headers={"Authorization": f"Bearer {out.getvalue().strip()}"})

    return make
