"""GET /api/v1/me — the user, agency, municipality and roles, by session or by bearer token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

from .conftest import ME_URL


def test_me_with_session_agency_staff(login: Callable[[str], Client], staff: Callable[[str], Any]) -> None:
    user = staff("shinjuku-soudan")

    response = login("shinjuku-soudan").get(ME_URL)

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == user.pk
    assert body["username"] == "shinjuku-soudan"
    assert body["display_name"] == user.display_name
    assert body["agency"] == {"id": user.agency_id, "name": user.agency.name}
    assert body["municipality"] is None
    assert body["roles"] == [{"code": "consultant", "name_ja": "相談支援員"}]


def test_me_with_bearer_token_from_the_command(
    issue_token: Callable[..., str], bearer: Callable[[str], Client], staff: Callable[[str], Any]
) -> None:
    token = issue_token("hasuda-center", name="連携テスト")

    response = bearer(token).get(ME_URL)

    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "hasuda-center"
    assert body["agency"]["id"] == staff("hasuda-center").agency_id
    assert body["municipality"] is None
    assert body["roles"] == [{"code": "center_director", "name_ja": "センター長"}]


def test_me_municipal_officer_has_municipality_and_no_agency(
    issue_token: Callable[..., str], bearer: Callable[[str], Client], staff: Callable[[str], Any]
) -> None:
    officer = staff("shinjuku-jichitai")

    body = bearer(issue_token("shinjuku-jichitai")).get(ME_URL).json()

    assert body["agency"] is None
    assert body["municipality"] == {
        "id": officer.municipality_id,
        "code": "131041",
        "name": "新宿区",
    }
    assert body["roles"] == [{"code": "municipal_officer", "name_ja": "自治体担当者"}]


def test_me_auditor_session(login: Callable[[str], Client]) -> None:
    body = login("shinjuku-kansa").get(ME_URL).json()

    assert body["roles"] == [{"code": "auditor", "name_ja": "監査"}]
