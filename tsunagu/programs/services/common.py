"""Shared by the programme services: the guards (``organizations.guards``), field checks with
Japanese messages, and the database-refusal helpers.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import F
from django.utils import timezone

from tsunagu.cases.models import Case
from tsunagu.core.dates import wareki
from tsunagu.organizations import guards
from tsunagu.organizations.roles import Permission

from ..models import (
    HousingBenefitApplication,
)

if TYPE_CHECKING:
    from tsunagu.organizations.models import User


CONCURRENT = (
    "同時に別の操作が行われたため保存できませんでした。画面を開き直してから、もう一度お試しください。"
)
MAX_COUNT = 99

# The inputs of an application (the API's field names, ``type`` → ``benefit_type``).

# --- Guards (``tsunagu.organizations.guards``: every refusal audited once) ----------------------------

OTHER_MUNICIPALITY = "この自治体の担当者だけが行えます。"


def _require_officer_of(
    actor: User, municipality_id: int, permission: Permission = Permission.DECISION_RECORD
) -> None:
    """Decisions: ``permission`` *and* an officer of the record's own municipality."""
    guards.require_municipality_of(actor, municipality_id, permission, message=OTHER_MUNICIPALITY)


def _require_centre_of(actor: User, application: HousingBenefitApplication) -> None:
    guards.require_agency_of(actor, application, Permission.CASE_EDIT, message="他機関の申請です。")


def _today() -> date:
    return timezone.localdate()


def _check_date(
    errors: dict[str, str],
    name: str,
    value: Any,
    label: str,
    *,
    not_before: date | None = None,
    before_label: str = "",
) -> date | None:
    if not isinstance(value, date):
        errors[name] = f"{label}を入力してください。"
        return None
    if value > _today():
        errors[name] = f"{label}に未来の日付は入力できません。"
        return None
    if not_before is not None and value < not_before:
        errors[name] = f"{label}は{before_label}（{wareki(not_before)}）以降の日付を入力してください。"
        return None
    return value


def _check_yen(
    errors: dict[str, str], name: str, value: Any, label: str, *, maximum: int, positive: bool = False
) -> int | None:
    if value is None or value == "":
        errors[name] = f"{label}を入力してください（円、整数）。"
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        errors[name] = f"{label}は円単位の整数で入力してください。"
        return None
    if value < 0 or (positive and value == 0):
        errors[name] = f"{label}は{'1円以上' if positive else '0円以上'}で入力してください。"
        return None
    if value > maximum:
        errors[name] = f"{label}が大きすぎます（{maximum:,}円まで）。桁を確認してください。"
        return None
    return value


def _check_count(errors: dict[str, str], name: str, value: Any, label: str) -> int | None:
    if not isinstance(value, int) or isinstance(value, bool) or not (0 <= value <= MAX_COUNT):
        errors[name] = f"{label}は0〜{MAX_COUNT}の回数（整数）で入力してください。"
        return None
    return value


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)


MAX_DEBT_YEN = 999_999_999
MAX_TEXT = 2000


def _require_case_staff(actor: User, case: Case, permission: Permission = Permission.CASE_EDIT) -> None:
    guards.require_agency_of(actor, case, permission, message="他機関のケースです。")


def _text(errors: dict[str, str], name: str, value: Any, label: str, *, required: bool, max_len: int) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        errors[name] = f"{label}は文字で入力してください。"
        return ""
    if required and not text:
        errors[name] = f"{label}を入力してください。"
    elif len(text) > max_len:
        errors[name] = f"{label}は{max_len}文字以内で入力してください。"
    return text


def _a_date(errors: dict[str, str], name: str, value: Any, label: str) -> date | None:
    if not isinstance(value, date):
        errors[name] = f"{label}を入力してください。"
        return None
    return value


def _db_refusal(exc: IntegrityError) -> ValidationError:
    return ValidationError(f"保存できませんでした。入力内容を確認してください。（{exc.__class__.__name__}）")


def _save_checked(obj: Any, *, exclude: list[str]) -> None:
    """Model validation (CheckConstraints with their Japanese messages) before the INSERT/UPDATE."""
    obj.full_clean(exclude=exclude)
    obj.save()


def _locked(application: HousingBenefitApplication) -> HousingBenefitApplication:
    return (
        HousingBenefitApplication.objects.select_for_update()
        .select_related("municipality")
        .get(pk=application.pk)
    )


def _bump(application: HousingBenefitApplication, **fields: Any) -> None:
    """Save the lifecycle fields of an application (and its version) in one UPDATE."""
    for k, v in fields.items():
        setattr(application, k, v)
    HousingBenefitApplication.objects.filter(pk=application.pk).update(
        **fields, version=F("version") + 1, updated_at=timezone.now()
    )
    application.version += 1
