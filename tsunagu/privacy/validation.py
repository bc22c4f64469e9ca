"""Rules a consent record must satisfy, shared by forms, services and the API.

A consent can only cover what the person was told: the purposes (利用目的) it names must be among
those of the published version of the notice explained (``PrivacyNotice.purposes``): the 手引き
VII-1(2)① asks for consent to the purposes shown in the 規程, and a consent to a purpose never
explained is no consent to it. ``notice_scope_errors`` is that one rule; ``validate_consent_values(...,
notice=...)`` and ``validate_consent_scope`` apply it for the service, the forms and the API. The notice does not list 提供先 types (its 第三者提供 section is free text), so
``recipient_types`` are checked against the known codes only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from tsunagu.network.models import PartnerAgencyType

from .models import ConsentMethod, DataCategory, PrivacyNotice, Purpose

if TYPE_CHECKING:
    from tsunagu.organizations.models import Agency


def notice_in_force(agency: Agency | None, on: date | None = None) -> PrivacyNotice | None:
    """The published version explained on ``on`` (today): the highest 版 whose 適用開始日 has come.
    ``services.current_notice`` is this; the forms read it here to check a consent against it."""
    if agency is None:
        return None
    on = on or timezone.localdate()
    return (
        PrivacyNotice.objects.published()
        .filter(agency=agency, effective_from__lte=on)
        .order_by("-version")
        .first()
    )


def purposes_outside_notice(purposes: Iterable[str], notice: PrivacyNotice) -> list[str]:
    """The purposes of ``purposes`` that ``notice`` does not name, in the order of ``Purpose``."""
    wanted, named = set(purposes), set(notice.purposes or [])
    return [p for p in Purpose.values if p in wanted and p not in named]


def notice_scope_errors(values: dict[str, Any], notice: PrivacyNotice) -> dict[str, str]:
    """The field errors of a consent whose purposes go beyond the notice explained (empty: none)."""
    outside = purposes_outside_notice(values.get("purposes") or [], notice)
    if not outside:
        return {}
    labels = dict(Purpose.choices)
    named = "、".join(str(labels[p]) for p in outside)
    return {
        "purposes": (
            f"説明した規程（第{notice.version}版）に記載のない利用目的には同意を記録できません：{named}"
        )
    }


def validate_consent_scope(values: dict[str, Any], notice: PrivacyNotice) -> None:
    """Refuse (beside ``purposes``) a consent naming a purpose ``notice`` does not name."""
    errors = notice_scope_errors(values, notice)
    if errors:
        raise ValidationError(errors)


def validate_consent_values(
    values: dict[str, Any], *, today: date | None = None, notice: PrivacyNotice | None = None
) -> None:
    """Every field error of a consent's ``values``; with ``notice`` (the version explained), also
    the purposes it does not name (``notice_scope_errors``)."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    if not values.get("purposes"):
        errors["purposes"] = "同意を得た利用目的を1つ以上選んでください。"
    elif set(values["purposes"]) - set(Purpose.values):
        errors["purposes"] = "利用目的の値が正しくありません。"
    elif notice is not None:
        errors.update(notice_scope_errors(values, notice))
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
