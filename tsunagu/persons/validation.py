"""The rules a person's values must satisfy, shared by forms, services and the API."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from . import normalize


def validate_person_values(values: dict[str, Any], *, today: date | None = None) -> None:
    """Field checks shared by the form and the API. Raises ValidationError with Japanese messages."""
    errors: dict[str, str] = {}
    today = today or timezone.localdate()
    if not str(values.get("name") or "").strip():
        errors["name"] = "氏名を入力してください。"
    kana = values.get("kana")
    if not str(kana or "").strip():
        errors["kana"] = "フリガナを入力してください。"
    elif (msg := normalize.kana_error(kana)) is not None:
        errors["kana"] = msg
    bd = values.get("birth_date")
    if bd is not None:
        if bd > today:
            errors["birth_date"] = "生年月日が未来の日付になっています。"
        elif bd.year < today.year - 120:
            errors["birth_date"] = "生年月日が古すぎます。入力を確認してください。"
    for field in ("phone", "phone_alt"):
        if values.get(field) and (msg := normalize.phone_error(values[field])) is not None:
            errors[field] = msg
    if values.get("postal_code") and (msg := normalize.postal_code_error(values["postal_code"])) is not None:
        errors["postal_code"] = msg
    if values.get("is_restricted") and not str(values.get("restriction_reason") or "").strip():
        errors["restriction_reason"] = "閲覧制限の理由を入力してください。"
    if errors:
        raise ValidationError(errors)
