"""Rules a consent record must satisfy, shared by forms, services and the API."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from tsunagu.network.models import PartnerAgencyType

from .models import ConsentMethod, DataCategory, Purpose


def validate_consent_values(values: dict[str, Any], *, today: date | None = None) -> None:
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    if not values.get("purposes"):
        errors["purposes"] = "同意を得た利用目的を1つ以上選んでください。"
    elif set(values["purposes"]) - set(Purpose.values):
        errors["purposes"] = "利用目的の値が正しくありません。"
    if set(values.get("data_categories") or []) - set(DataCategory.values):
        errors["data_categories"] = "個人情報の種類の値が正しくありません。"
    if set(values.get("recipient_types") or []) - set(PartnerAgencyType.values):
        errors["recipient_types"] = "提供先の種別の値が正しくありません。"
    given = values.get("given_on")
    if given is None:
        errors["given_on"] = "同意日を入力してください。"
    elif given > today:
        errors["given_on"] = "同意日が未来の日付になっています。"
    if values.get("method") not in ConsentMethod.values:
        errors["method"] = "取得方法を選んでください。"
    exp = values.get("expires_on")
    if exp is not None and given is not None and exp < given:
        errors["expires_on"] = "有効期限は同意日以降の日付にしてください。"
    if errors:
        raise ValidationError(errors)
