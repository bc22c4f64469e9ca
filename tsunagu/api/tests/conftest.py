"""API test helpers: tokens issued the way operators issue them (the management command)."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

ME_URL = "/api/v1/me"


@pytest.fixture
def issue_token(demo: dict[str, int]) -> Callable[..., str]:
    """issue_token("shinjuku-soudan") → the raw token printed by ``issue_api_token``."""

    def issue(username: str, name: str = "") -> str:
        out = StringIO()
        args: list[Any] = [username]
        if name:
            args += ["--name", name]
        call_command("issue_api_token", *args, stdout=out)
        return out.getvalue().strip()

    return issue


@pytest.fixture
def bearer() -> Callable[[str], Client]:
    """bearer(token) → a client (no session) that sends ``Authorization: Bearer <token>``."""

    def make(token: str) -> Client:
        return Client(headers={"Authorization": f"Bearer {token}"})

    return make
