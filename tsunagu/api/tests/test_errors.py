"""Bad input answers 422 with a Japanese message per field; ninja's own errors are Japanese too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tsunagu.api.errors import error_message_ja, validation_errors_ja
from tsunagu.api.models import ApiToken
from tsunagu.api.schemas import ValidationErrorOut
from tsunagu.core.models import AuditAction, AuditEvent

ECHO_URL = "/api/testing/echo"
pytestmark = pytest.mark.urls("tsunagu.api.tests.urls_testing")


@pytest.fixture
def client(issue_token: Callable[..., str]) -> Client:
    return Client(headers={"Authorization": f"Bearer {issue_token('shinjuku-soudan')}"})


def test_missing_fields(client: Client) -> None:
    response = client.post(ECHO_URL, {}, content_type="application/json")

    assert response.status_code == 422
    assert response.json() == {
        "detail": "入力内容に誤りがあります。",
        "errors": {
            "name": ["必須項目です。"],
            "count": ["必須項目です。"],
            "first_contact_on": ["必須項目です。"],
        },
    }
    ValidationErrorOut.model_validate(response.json())  # the documented 422 shape


def test_wrong_types_and_limits(client: Client) -> None:
    body = {
        "name": "あ" * 11,
        "count": -1,
        "first_contact_on": "2025-13-01",
        "address": {"postal_code": "1600022"},
    }

    response = client.post(f"{ECHO_URL}?dry_run=maybe", body, content_type="application/json")

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "dry_run": ["true または false で指定してください。"],
        "name": ["10文字以内で入力してください。"],
        "count": ["0以上の値を入力してください。"],
        "first_contact_on": ["日付の形式が正しくありません（例：2025-04-01）。"],
        "address.postal_code": ["形式が正しくありません。"],
    }


def test_no_body(client: Client) -> None:
    response = client.post(ECHO_URL, "", content_type="application/json")

    assert response.status_code == 422
    assert response.json()["errors"] == {"payload": ["必須項目です。"]}


def test_unparseable_json_is_400_in_japanese(client: Client) -> None:
    response = client.post(ECHO_URL, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"detail": "リクエスト本文を読み取れません。JSONの形式を確認してください。"}


def test_valid_input_passes(client: Client) -> None:
    response = client.post(
        ECHO_URL,
        {"name": "佐藤", "count": 0, "first_contact_on": "2025-04-01"},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.json() == {"username": "shinjuku-soudan", "name": "佐藤"}


def test_out_of_scope_is_the_same_404_as_absent_and_is_audited(
    client: Client, issue_token: Callable[..., str], staff: Callable[[str], Any]
) -> None:
    issue_token("hasuda-soudan")
    other_agency_token = ApiToken.objects.get(user=staff("hasuda-soudan"))
    own_token = ApiToken.objects.get(user=staff("shinjuku-soudan"))

    assert client.get(f"/api/testing/tokens/{own_token.pk}").json() == {"prefix": own_token.prefix}
    out_of_scope = client.get(f"/api/testing/tokens/{other_agency_token.pk}")
    absent = client.get("/api/testing/tokens/999999")

    for response in (out_of_scope, absent):
        assert response.status_code == 404
        assert response.json() == {"detail": "お探しの情報は見つかりませんでした。"}
    denied = AuditEvent.objects.get(action=AuditAction.ACCESS_DENIED)
    assert denied.actor == staff("shinjuku-soudan")
    assert denied.object_id == str(other_agency_token.pk)


def test_missing_permission_is_403_and_audited(client: Client, staff: Callable[[str], Any]) -> None:
    response = client.get("/api/testing/staff-only")

    assert response.status_code == 403
    assert response.json() == {"detail": "この操作を行う権限がありません。"}
    denied = AuditEvent.objects.get(action=AuditAction.ACCESS_DENIED)
    assert denied.actor == staff("shinjuku-soudan")
    assert denied.details == {"permission": "staff.manage", "reason": "no_permission", "via": "api"}


@pytest.mark.parametrize(
    ("error", "message"),
    [
        ({"type": "missing"}, "必須項目です。"),
        ({"type": "string_type"}, "形式が正しくありません。"),
        ({"type": "int_parsing"}, "整数で入力してください。"),
        ({"type": "int_from_float"}, "整数で入力してください。"),
        (
            {"type": "datetime_from_date_parsing"},
            "日時の形式が正しくありません（例：2025-04-01T09:00:00+09:00）。",
        ),
        ({"type": "uuid_parsing"}, "形式が正しくありません。"),
        ({"type": "string_too_short", "ctx": {"min_length": 2}}, "2文字以上で入力してください。"),
        ({"type": "too_long", "ctx": {"max_length": 3, "actual_length": 4}}, "3件以内で指定してください。"),
        ({"type": "less_than", "ctx": {"lt": 100}}, "100より小さい値を入力してください。"),
        ({"type": "enum", "ctx": {"expected": "'a' or 'b'"}}, "選択肢にない値です。"),
        ({"type": "extra_forbidden"}, "この項目は指定できません。"),
        (
            {"type": "value_error", "ctx": {"error": "終了日は開始日以降にしてください。"}},
            "終了日は開始日以降にしてください。",
        ),
        (
            {"type": "value_error", "ctx": {"error": "value is not a valid email address"}},
            "形式が正しくありません。",
        ),
        ({"type": "string_too_long", "ctx": {}}, "入力内容が正しくありません。"),
        ({"type": "something_new"}, "入力内容が正しくありません。"),
    ],
)
def test_error_message_ja(error: dict[str, Any], message: str) -> None:
    assert error_message_ja(error) == message


def test_validation_errors_ja_field_names() -> None:
    errors: list[dict[str, Any]] = [
        {"type": "missing", "loc": ("body", "payload", "name")},
        {"type": "string_type", "loc": ("body", "payload", "tags", 0)},
        {"type": "int_parsing", "loc": ("path", "case_id")},
        {"type": "missing", "loc": ("query", "q")},
        {"type": "missing", "loc": ("query", "q")},
        {"type": "json_invalid", "loc": ("body",)},
    ]

    assert validation_errors_ja(errors) == {
        "name": ["必須項目です。"],
        "tags.0": ["形式が正しくありません。"],
        "case_id": ["整数で入力してください。"],
        "q": ["必須項目です。"],
        "__all__": ["JSONの形式が正しくありません。"],
    }
