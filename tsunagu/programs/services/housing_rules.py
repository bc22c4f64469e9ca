"""Writes for the 住居確保給付金 rule tables: a new version of a 基準額表 row or of the
求職活動等要件 (nothing is overwritten; ``models.ImmutableRow``).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max

from tsunagu.core.audit import audit_record
from tsunagu.core.models import AuditAction
from tsunagu.organizations.models import Municipality
from tsunagu.organizations.roles import Permission

from .. import housing_rules as hr
from ..models import (
    ApplicationsPer,
    Cause,
    HousingBenefitRuleTable,
    JobSearchRequirement,
)
from ..validation import LAW_START, MAX_MONTHLY_YEN

if TYPE_CHECKING:
    from tsunagu.organizations.models import User

from .common import (
    CONCURRENT,
    _check_count,
    _check_yen,
    _raise,
    _require_officer_of,
)

# --- Rule tables ----------------------------------------------------------------------------------


def housing_rule_add(
    *,
    actor: User,
    municipality: Municipality,
    household_size: Any,
    effective_from: Any,
    base_amount: Any,
    rent_cap: Any,
    asset_limit: Any = None,
    applies_to_larger: bool = False,
    source: str = "",
    note: str = "",
) -> HousingBenefitRuleTable:
    """Add a version of one row of the municipality's table (nothing is overwritten).

    A row for the same household size and date gets the next revision; a row with a new date
    starts to apply on that date. Past decisions keep the row they used.
    """
    _require_officer_of(actor, municipality.pk, Permission.RULES_EDIT)
    errors: dict[str, str] = {}
    if (
        not isinstance(household_size, int)
        or isinstance(household_size, bool)
        or not 1 <= household_size <= 20
    ):
        errors["household_size"] = "世帯人数は1〜20の整数で入力してください。"
    if not isinstance(effective_from, date):
        errors["effective_from"] = "適用開始日を入力してください。"
    elif effective_from < LAW_START:
        errors["effective_from"] = "適用開始日が制度の開始（平成27年4月1日）より前です。"
    base = _check_yen(errors, "base_amount", base_amount, "基準額", maximum=MAX_MONTHLY_YEN, positive=True)
    _check_yen(errors, "rent_cap", rent_cap, "家賃上限", maximum=MAX_MONTHLY_YEN, positive=True)
    if asset_limit in (None, "") and base is not None:
        asset_limit = hr.asset_limit_for(base)
    limit = _check_yen(
        errors, "asset_limit", asset_limit, "資産上限", maximum=hr.ASSET_LIMIT_CEILING, positive=True
    )
    if base is not None and limit is not None and limit > hr.asset_limit_for(base):
        errors["asset_limit"] = (
            f"資産上限は基準額の6倍と100万円の小さい方（{hr.asset_limit_for(base):,}円）以下で入力してください。"
        )
    source = (source or "").strip()
    note = (note or "").strip()
    if not source:
        errors["source"] = "出典（要綱・告示・通知の名称や日付）を入力してください。"
    _raise(errors)
    try:
        with transaction.atomic():
            existing = HousingBenefitRuleTable.objects.filter(
                municipality=municipality, household_size=household_size
            )
            if existing.exists() and not note:
                raise ValidationError({"note": "既に登録のある世帯人数です。変更の理由を入力してください。"})
            last = existing.filter(effective_from=effective_from).aggregate(m=Max("revision"))["m"] or 0
            row = HousingBenefitRuleTable(
                municipality=municipality,
                household_size=household_size,
                applies_to_larger=bool(applies_to_larger),
                effective_from=effective_from,
                revision=last + 1,
                base_amount=base_amount,
                rent_cap=rent_cap,
                asset_limit=asset_limit,
                source=source[:500],
                note=note,
                created_by=actor,
            )
            row.full_clean()
            row.save()
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=row,
                municipality_id=municipality.pk,
                details={
                    "household_size": household_size,
                    "effective_from": effective_from.isoformat(),
                    "revision": row.revision,
                    "base_amount": base_amount,
                    "rent_cap": rent_cap,
                    "asset_limit": asset_limit,
                },
            )
    except IntegrityError as exc:
        raise ValidationError(CONCURRENT) from exc
    return row


def job_search_requirement_add(
    *,
    actor: User,
    municipality: Municipality,
    cause: str,
    effective_from: Any,
    centre_consultations_min: Any,
    counselling_min: Any,
    applications_min: Any,
    applications_per: str,
    source: str = "",
    note: str = "",
) -> JobSearchRequirement:
    """Add the municipality's own 求職活動等要件 from a date (the national standard stays as it is)."""
    _require_officer_of(actor, municipality.pk, Permission.RULES_EDIT)
    errors: dict[str, str] = {}
    if cause not in Cause.values:
        errors["cause"] = "対象を選んでください。"
    if applications_per not in ApplicationsPer.values:
        errors["applications_per"] = "回数の単位を選んでください。"
    if not isinstance(effective_from, date):
        errors["effective_from"] = "適用開始日を入力してください。"
    elif effective_from < LAW_START:
        errors["effective_from"] = "適用開始日が制度の開始（平成27年4月1日）より前です。"
    _check_count(errors, "centre_consultations_min", centre_consultations_min, "面談の回数")
    _check_count(errors, "counselling_min", counselling_min, "相談の回数")
    _check_count(errors, "applications_min", applications_min, "応募等の回数")
    source = (source or "").strip()
    if not source:
        errors["source"] = "出典（要綱・通知の名称や日付）を入力してください。"
    _raise(errors)
    try:
        with transaction.atomic():
            last = (
                JobSearchRequirement.objects.filter(
                    municipality=municipality, cause=cause, effective_from=effective_from
                ).aggregate(m=Max("revision"))["m"]
                or 0
            )
            row = JobSearchRequirement(
                municipality=municipality,
                cause=cause,
                effective_from=effective_from,
                revision=last + 1,
                centre_consultations_min=centre_consultations_min,
                counselling_min=counselling_min,
                applications_min=applications_min,
                applications_per=applications_per,
                source=source[:500],
                note=(note or "").strip(),
                created_by=actor,
            )
            row.full_clean()
            row.save()
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=row,
                municipality_id=municipality.pk,
                details={
                    "cause": cause,
                    "effective_from": effective_from.isoformat(),
                    "revision": row.revision,
                },
            )
    except IntegrityError as exc:
        raise ValidationError(CONCURRENT) from exc
    return row
