"""Rules of the 相談受付・申込票, shared by the form, the service and the API."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from tsunagu.core.codes import valid_codes
from tsunagu.core.models import CodeList
from tsunagu.network.models import PartnerAgency

from .models import ScreeningOutcome


def partners_for_agency(agency: Any) -> Any:
    """Partner agencies an agency may name: those of the municipalities it serves."""
    return PartnerAgency.objects.filter(
        municipality__in=agency.served_municipalities.all(), is_active=True
    ).order_by("agency_type", "name")


def validate_intake_values(values: dict[str, Any], *, partner_queryset: Any) -> None:
    """``partner_queryset``: the partner agencies of the municipalities the agency serves."""
    errors: dict[str, str] = {}
    received = values.get("received_at")
    if not isinstance(received, datetime):
        errors["received_at"] = "受付日時を入力してください。"
    elif received > timezone.now() + timedelta(minutes=5):
        errors["received_at"] = "受付日時が未来になっています。"
    checks = {
        "method": CodeList.CONSULTATION_METHOD,
        "consulter_type": CodeList.CONSULTER_TYPE,
        "route": CodeList.REFERRAL_ROUTE,
    }
    for field, lst in checks.items():
        if values.get(field) not in valid_codes(lst):
            errors[field] = "選択肢から選んでください。"
    topics = list(values.get("topics") or [])
    if set(topics) - valid_codes(CodeList.CONSULTATION_TOPIC):
        errors["topics"] = "相談したいことの値が正しくありません。"
    if values.get("main_topic") and values["main_topic"] not in topics:
        errors["main_topic"] = "最も困っていること（◎）は、チェックした項目から選んでください。"
    if set(values.get("urgency_flags") or []) - valid_codes(CodeList.URGENCY_FLAG):
        errors["urgency_flags"] = "緊急性の値が正しくありません。"
    if (
        values.get("consulter_type") not in (None, "", "self")
        and not str(values.get("consulter_name") or "").strip()
    ):
        errors["consulter_name"] = "本人以外が相談した場合は、来談者の氏名を入力してください。"
    outcome = values.get("screening_outcome") or ""
    if outcome and outcome not in ScreeningOutcome.values:
        errors["screening_outcome"] = "スクリーニング結果を選択肢から選んでください。"
    if outcome == ScreeningOutcome.REFERRED and values.get("screening_referral_to") not in valid_codes(
        CodeList.SCREENING_REFERRAL
    ):
        errors["screening_referral_to"] = "つなぎ先を選んでください。"
    partner = values.get("referring_partner")
    if partner is not None:
        if not isinstance(partner, PartnerAgency) or not partner_queryset.filter(pk=partner.pk).exists():
            errors["referring_partner"] = "担当地域の関係機関から選んでください。"
    applied = values.get("applied_on")
    if (
        applied is not None
        and isinstance(received, datetime)
        and applied < timezone.localtime(received).date()
    ):
        errors["applied_on"] = "利用申込日は受付日以降にしてください。"
    if applied is not None and applied > timezone.localdate():
        errors["applied_on"] = "利用申込日が未来の日付になっています。"
    if errors:
        raise ValidationError(errors)
