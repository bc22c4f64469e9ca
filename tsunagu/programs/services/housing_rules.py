"""Writes for the 住居確保給付金 rule tables: a new version of a 基準額表 row or of the
求職活動等要件 (nothing is overwritten; ``models.ImmutableRow``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from tsunagu.core.audit import audit_record
from tsunagu.core.locking import bump, check_version, lock
from tsunagu.core.models import AuditAction
from tsunagu.organizations.models import Municipality
from tsunagu.organizations.roles import Permission

from .. import housing_rules as hr
from ..models import (
    ApplicationsPer,
    Cause,
    GradeArea,
    HousingBenefitRuleTable,
    HousingRuleDraft,
    HousingRuleDraftStatus,
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


# --- A whole table, prepared then confirmed (基準額表の確定) ---------------------------------------

ROW_FIELDS = ("household_size", "applies_to_larger", "base_amount", "rent_cap", "asset_limit", "grade_area")


def _check_table_rows(rows: Any) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The rows as clean dicts and the errors, keyed ``rows`` or ``row_<n>_<field>`` (n from 1)."""
    errors: dict[str, str] = {}
    if not isinstance(rows, list) or not rows:
        return [], {"rows": "少なくとも1行（世帯人数1人）を入力してください。"}
    if len(rows) > 20:
        return [], {"rows": "世帯人数は20人までです。"}
    clean: list[dict[str, Any]] = []
    for n, raw in enumerate(rows, start=1):
        raw = raw if isinstance(raw, dict) else {}
        row_errors: dict[str, str] = {}
        size = raw.get("household_size")
        if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= 20:
            row_errors[f"row_{n}_household_size"] = f"{n}行目：世帯人数は1〜20の整数で入力してください。"
        base = _check_yen(
            row_errors,
            f"row_{n}_base_amount",
            raw.get("base_amount"),
            f"{n}行目の基準額",
            maximum=MAX_MONTHLY_YEN,
            positive=True,
        )
        _check_yen(
            row_errors,
            f"row_{n}_rent_cap",
            raw.get("rent_cap"),
            f"{n}行目の家賃上限",
            maximum=MAX_MONTHLY_YEN,
            positive=True,
        )
        asset = raw.get("asset_limit")
        if asset in (None, "") and base is not None:
            asset = hr.asset_limit_for(base)
        limit = _check_yen(
            row_errors,
            f"row_{n}_asset_limit",
            asset,
            f"{n}行目の資産上限",
            maximum=hr.ASSET_LIMIT_CEILING,
            positive=True,
        )
        if base is not None and limit is not None and limit > hr.asset_limit_for(base):
            row_errors[f"row_{n}_asset_limit"] = (
                f"{n}行目：資産上限は基準額の6倍と100万円の小さい方（{hr.asset_limit_for(base):,}円）以下で入力してください。"
            )
        grade = raw.get("grade_area") or ""
        if grade and grade not in GradeArea.values:
            row_errors[f"row_{n}_grade_area"] = f"{n}行目：級地は選択肢から選んでください。"
        errors.update(row_errors)
        clean.append(
            {
                "household_size": size,
                "applies_to_larger": bool(raw.get("applies_to_larger")),
                "base_amount": raw.get("base_amount"),
                "rent_cap": raw.get("rent_cap"),
                "asset_limit": asset,
                "grade_area": grade,
            }
        )
    if not errors:
        sizes = [r["household_size"] for r in clean]
        if sorted(sizes) != list(range(1, len(sizes) + 1)):
            errors["rows"] = "世帯人数は1人から順に、重複なく入力してください。"
        elif any(r["applies_to_larger"] for r in clean if r["household_size"] != len(clean)):
            errors["rows"] = "「○人以上」は最後の世帯人数にだけ付けられます。"
        clean.sort(key=lambda r: r["household_size"])
    return clean, errors


def housing_rule_table_propose(
    *,
    actor: User,
    municipality: Municipality,
    effective_from: Any,
    rows: Any,
    source: str,
    note: str = "",
    origin: str = "entry",
) -> HousingRuleDraft:
    """Prepare a whole 基準額表 from ``effective_from`` (entered on the screen, or parsed from a CSV
    by the import: ``origin="import"``). Nothing is in force until ``housing_rule_table_approve``."""
    _require_officer_of(actor, municipality.pk, Permission.RULES_EDIT)
    clean, errors = _check_table_rows(rows)
    if not isinstance(effective_from, date):
        errors["effective_from"] = "適用開始日を入力してください。"
    elif effective_from < LAW_START:
        errors["effective_from"] = "適用開始日が制度の開始（平成27年4月1日）より前です。"
    source = (source or "").strip()
    if not source:
        errors["source"] = "出典（要綱・告示・通知の名称や日付）を入力してください。"
    _raise(errors)
    with transaction.atomic():
        draft = HousingRuleDraft.objects.create(
            municipality=municipality,
            effective_from=effective_from,
            rows=clean,
            source=source[:500],
            note=(note or "").strip(),
            origin=origin if origin in {"entry", "import"} else "entry",
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=draft,
            municipality_id=municipality.pk,
            details={
                "effective_from": effective_from.isoformat(),
                "rows": len(clean),
                "origin": "ファイルから取込み" if draft.origin == "import" else "画面で入力",
            },
        )
    return draft


@dataclass(frozen=True)
class RuleDiff:
    household_size: int
    applies_to_larger: bool
    proposed: dict[str, Any]
    current: HousingBenefitRuleTable | None
    changed: frozenset[str]


def housing_rule_table_review(draft: HousingRuleDraft) -> list[RuleDiff]:
    """Each proposed row beside the row that would otherwise apply on the effective date; ``changed``
    names the amounts that differ (every one for a household size not yet in the table)."""
    from ..lookups import rule_in_force

    result = []
    for row in draft.rows:
        current = rule_in_force(
            municipality=draft.municipality, household_size=row["household_size"], on=draft.effective_from
        )
        if current is None:
            changed = frozenset({"base_amount", "rent_cap", "asset_limit", "grade_area"})
        else:
            changed = frozenset(
                f for f in ("base_amount", "rent_cap", "asset_limit") if getattr(current, f) != row[f]
            ) | (
                frozenset({"grade_area"})
                if (current.grade_area or "") != (row.get("grade_area") or "")
                else frozenset()
            )
        result.append(RuleDiff(row["household_size"], row["applies_to_larger"], row, current, changed))
    return result


def _draft_for_decision(actor: User, draft: HousingRuleDraft, version: Any) -> HousingRuleDraft:
    _require_officer_of(actor, draft.municipality_id, Permission.RULES_EDIT)
    locked = lock(draft)
    if version is not None:
        check_version(locked, version)
    if locked.status != HousingRuleDraftStatus.DRAFT:
        raise ValidationError("この基準額表は既に確定または取下げ済みです。")
    return locked


def housing_rule_table_approve(
    *, actor: User, draft: HousingRuleDraft, version: Any = None
) -> list[HousingBenefitRuleTable]:
    """Confirm (基準額表の確定): write the rule rows, effective from the draft's date. Earlier rows
    stay as they are; a row for the same size and date gets the next revision."""
    try:
        with transaction.atomic():
            locked = _draft_for_decision(actor, draft, version)
            clean, errors = _check_table_rows(locked.rows)
            _raise(errors)
            written = []
            for row in clean:
                last = (
                    HousingBenefitRuleTable.objects.filter(
                        municipality_id=locked.municipality_id,
                        household_size=row["household_size"],
                        effective_from=locked.effective_from,
                    ).aggregate(m=Max("revision"))["m"]
                    or 0
                )
                rule = HousingBenefitRuleTable(
                    municipality_id=locked.municipality_id,
                    household_size=row["household_size"],
                    applies_to_larger=row["applies_to_larger"],
                    effective_from=locked.effective_from,
                    revision=last + 1,
                    base_amount=row["base_amount"],
                    rent_cap=row["rent_cap"],
                    asset_limit=row["asset_limit"],
                    grade_area=row["grade_area"] or None,
                    source=locked.source,
                    note=locked.note or "基準額表の確定",
                    created_by=actor,
                )
                rule.full_clean()
                rule.save()
                written.append(rule)
            locked.status = HousingRuleDraftStatus.APPROVED
            locked.decided_by = actor
            locked.decided_at = timezone.now()
            bump(locked)
            locked.save()
            audit_record(
                actor=actor,
                action=AuditAction.TRANSITION,
                obj=locked,
                municipality_id=locked.municipality_id,
                details={
                    "status": str(HousingRuleDraftStatus.APPROVED.label),
                    "effective_from": locked.effective_from.isoformat(),
                    "rows": len(written),
                },
            )
    except IntegrityError as exc:
        raise ValidationError(CONCURRENT) from exc
    return written


def housing_rule_table_withdraw(
    *, actor: User, draft: HousingRuleDraft, version: Any = None
) -> HousingRuleDraft:
    """Withdraw a prepared table (nothing was in force; the draft is kept as withdrawn)."""
    with transaction.atomic():
        locked = _draft_for_decision(actor, draft, version)
        locked.status = HousingRuleDraftStatus.WITHDRAWN
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        bump(locked)
        locked.save()
        audit_record(
            actor=actor,
            action=AuditAction.TRANSITION,
            obj=locked,
            municipality_id=locked.municipality_id,
            details={"status": str(HousingRuleDraftStatus.WITHDRAWN.label)},
        )
    return locked
