"""Writes for the 事業計画: create and update, each in one transaction with its audit row.

A plan is saved whole (the three areas, the 就労・増収率 target and every indicator target): the
targets given replace the ones stored. Updates are optimistically locked: a save based on an older
version is refused with ``StaleVersionError`` (``core.locking``) carrying the version saved in the
meantime, and nothing is written; a save without the version it was based on is refused
(``VersionMissingError``).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tsunagu.core.audit import audit_record
from tsunagu.core.locking import StaleVersionError, bump, check_version, lock
from tsunagu.core.models import AuditAction
from tsunagu.organizations import guards
from tsunagu.organizations.models import Agency
from tsunagu.organizations.roles import Permission

if TYPE_CHECKING:
    from tsunagu.organizations.models import User

from . import policies
from .models import AnnualPlan, AnnualTarget
from .targets import indicator_name, rate_base, targetable_codes

__all__ = ["PLAN_FIELDS", "StaleVersionError", "annual_plan_create", "annual_plan_update"]

PLAN_FIELDS: tuple[str, ...] = (
    "structure_items",
    "support_items",
    "community_items",
    "employment_income_rate_target",
    "notes",
)
RATE_MESSAGE = "割合は0〜100（%）の数値で入力してください（小数点以下1桁まで）。"


def _require_editor(actor: User, agency: Agency) -> None:
    """事業計画を編集する, for an agency whose plans the actor may see (refusals audited)."""
    guards.require(actor, Permission.PLAN_ANNUAL_EDIT, message=policies.EDIT_REFUSED_MESSAGE)
    if not policies.may_edit_plan_of(actor, agency):
        guards.deny(
            actor,
            permission=Permission.PLAN_ANNUAL_EDIT,
            reason="other_agency",
            message=policies.OTHER_AGENCY_MESSAGE,
            obj=agency,
        )


def _percent(value: Any) -> Decimal | None:
    """A percentage 0–100 with at most one decimal, or None for blank; ValueError otherwise."""
    if value in (None, ""):
        return None
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(value) from exc
    if not d.is_finite() or d < 0 or d > 100 or d != d.quantize(Decimal("0.1")):
        raise ValueError(value)
    return d.quantize(Decimal("0.1"))


def _clean_values(values: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for f in ("structure_items", "support_items", "community_items", "notes"):
        text = str(values.get(f) or "").replace("\r\n", "\n").strip()
        data[f] = "\n".join(line.rstrip() for line in text.split("\n"))
    try:
        data["employment_income_rate_target"] = _percent(values.get("employment_income_rate_target"))
    except ValueError:
        raise ValidationError({"employment_income_rate_target": [RATE_MESSAGE]}) from None
    return data


def _clean_targets(targets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validated target rows; errors keyed ``target_<code>`` / ``rate_<code>`` (the form's fields)."""
    known = set(targetable_codes())
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    out = []
    for row in targets:
        code = str(row.get("indicator") or "")
        if code not in known:
            errors.setdefault("__all__", []).append(f"指標「{code}」はありません。")
            continue
        if code in seen:
            errors.setdefault(f"target_{code}", []).append("同じ指標の目標が2回指定されています。")
            continue
        seen.add(code)
        count = row.get("annual_count")
        rate_value = row.get("rate_percent")
        if count in (None, ""):
            if rate_value not in (None, ""):
                errors.setdefault(f"target_{code}", []).append(
                    "割合の目標を入れるときは、年間の目標値も入力してください。"
                )
            continue
        try:
            n = int(str(count).strip())
        except ValueError:
            n = -1
        if n < 0 or n > 10_000_000:
            errors.setdefault(f"target_{code}", []).append("年間の目標値は0以上の整数で入力してください。")
            continue
        try:
            pct = _percent(rate_value)
        except ValueError:
            errors.setdefault(f"rate_{code}", []).append(RATE_MESSAGE)
            continue
        if pct is not None and rate_base(code) is None:
            errors.setdefault(f"rate_{code}", []).append(
                f"「{indicator_name(code)}」には割合の目標を設定できません（分母となる指標がありません）。"
            )
            continue
        out.append({"indicator": code, "annual_count": n, "rate_percent": pct})
    if errors:
        raise ValidationError(errors)
    order = {c: i for i, c in enumerate(targetable_codes())}
    return sorted(out, key=lambda r: order[r["indicator"]])


def _save_targets(plan: AnnualPlan, rows: list[dict[str, Any]]) -> None:
    plan.targets.all().delete()
    objs = [AnnualTarget(plan=plan, **r) for r in rows]
    for obj in objs:
        obj.full_clean(exclude=["plan"])
    AnnualTarget.objects.bulk_create(objs)


def _target_snapshot(plan: AnnualPlan) -> dict[str, list[Any]]:
    return {
        t.indicator: [t.annual_count, None if t.rate_percent is None else str(t.rate_percent)]
        for t in plan.targets.all()
    }


def annual_plan_create(
    *,
    actor: User,
    agency: Agency,
    fiscal_year: int,
    values: dict[str, Any],
    targets: list[dict[str, Any]],
) -> AnnualPlan:
    """A new plan for ``agency`` and 年度 ``fiscal_year`` (one per agency and 年度)."""
    _require_editor(actor, agency)
    data = _clean_values(values)
    rows = _clean_targets(targets)
    plan = AnnualPlan(
        agency=agency,
        municipality_id=agency.municipality_id,
        fiscal_year=fiscal_year,
        created_by=actor,
        updated_by=actor,
        **data,
    )
    plan.full_clean()
    try:
        with transaction.atomic():
            plan.save()
            _save_targets(plan, rows)
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=plan,
                details={"fiscal_year": fiscal_year, "targets": sorted(r["indicator"] for r in rows)},
            )
    except IntegrityError:  # two editors created the same plan at once
        raise ValidationError("この機関のこの年度の事業計画はすでにあります。", code="unique") from None
    return plan


def annual_plan_update(
    *,
    actor: User,
    plan: AnnualPlan,
    values: dict[str, Any],
    targets: list[dict[str, Any]],
    expected_version: int | str | None,
) -> AnnualPlan:
    """Replace the plan's contents and targets, if nobody saved it since ``expected_version``."""
    _require_editor(actor, plan.agency)
    data = _clean_values(values)
    rows = _clean_targets(targets)
    with transaction.atomic():
        locked = lock(plan)
        check_version(locked, expected_version)
        before = {k: getattr(locked, k) for k in PLAN_FIELDS}
        targets_before = _target_snapshot(locked)
        for k, v in data.items():
            setattr(locked, k, v)
        bump(locked)
        locked.updated_by = actor
        locked.full_clean()
        locked.save()
        _save_targets(locked, rows)
        targets_after = _target_snapshot(locked)
        changed_targets = sorted(
            c
            for c in set(targets_before) | set(targets_after)
            if targets_before.get(c) != targets_after.get(c)
        )
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            details={
                "fiscal_year": locked.fiscal_year,
                "version": locked.version,
                "fields": sorted(k for k in PLAN_FIELDS if before[k] != data[k]),
                "targets": changed_targets,
            },
        )
    return locked
