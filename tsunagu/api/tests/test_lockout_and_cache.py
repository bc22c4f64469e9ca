"""A locked-out account's API token stops working; API answers are never cached."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.organizations.services import staff_unlock

from .conftest import ME_URL


def _lock(username: str, limit: int) -> None:
    for _ in range(limit):
        Client().post("/accounts/login/", {"login": username, "password": "wrong-password"})


def test_a_token_is_refused_while_its_account_is_locked_out(
    issue_token: Callable[..., str],
    bearer: Callable[[str], Client],
    staff: Callable[[str], Any],
    settings: Any,
) -> None:
    token = issue_token("shinjuku-soudan")
    assert bearer(token).get(ME_URL).status_code == 200
    _lock("shinjuku-soudan", settings.AXES_FAILURE_LIMIT)

    refused = bearer(token).get(ME_URL)
    assert refused.status_code == 403
    assert "ロックされています" in refused.json()["detail"]
    row = AuditEvent.objects.get(action=AuditAction.ACCESS_DENIED)
    assert row.details["reason"] == "locked_out"
    assert row.actor == staff("shinjuku-soudan")

    staff_unlock(actor=staff("shinjuku-center"), user=staff("shinjuku-soudan"))
    assert bearer(token).get(ME_URL).status_code == 200


def test_api_answers_carry_no_store(
    issue_token: Callable[..., str], bearer: Callable[[str], Client], login: Callable[[str], Client]
) -> None:
    by_token = bearer(issue_token("shinjuku-soudan")).get(ME_URL)
    assert by_token.status_code == 200
    assert by_token["Cache-Control"] == "no-store"
    by_session = login("shinjuku-soudan").get(ME_URL)
    assert by_session.status_code == 200
    assert by_session["Cache-Control"] == "no-store"
