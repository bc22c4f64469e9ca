"""Writing a municipality's category lists (区分マスタ（自治体ごと）).

A municipality never changes the standard rows: its own row overrides a standard code (label,
order, 使用中) or adds an own code. A code some record stores is never deleted, only retired
(使用中止): it disappears from new entries, old records keep its label. Every write is checked
(``codes.edit`` and the municipality is one the account may edit), version-locked, kept in the
history (``core.history``) and audited.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tsunagu.core.audit import audit_record
from tsunagu.core.codes import COUNTED_LISTS, effective_list, forget_cached, usage_count
from tsunagu.core.history import record_change
from tsunagu.core.locking import StaleVersionError, bump, check_version, lock, model_values
from tsunagu.core.models import AuditAction, CodeItem, CodeList
from tsunagu.organizations import guards
from tsunagu.organizations.models import Municipality
from tsunagu.organizations.roles import Permission

from .policies import municipality_for_user_or_404

LABELS = {
    "label": "表示名",
    "sort_order": "並び順",
    "is_active": "使用中",
    "counted_as": "統計上の標準コード",
}
CODE_PATTERN = re.compile(r"^[a-z0-9_]{1,40}$")


def _shown(field: str, value: Any) -> str:
    if value is None:
        return "（なし）"
    if field == "is_active":
        return "使用中" if value else "使用中止"
    return str(value) if value != "" else "（空欄）"


def _check(actor: Any, municipality: Municipality) -> None:
    guards.require(actor, Permission.CODES_EDIT, municipality_id=municipality.pk)
    municipality_for_user_or_404(actor, municipality.pk)


def _effective(list_key: str, municipality: Municipality, code: str) -> Any:
    for c in effective_list(list_key, municipality):
        if c.code == code:
            return c
    raise ValidationError({"code": "この一覧にないコードです。"})


def _audit(actor: Any, action: AuditAction, row: CodeItem, **details: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=row,
        municipality_id=row.municipality_id,
        details={"list_key": str(CodeList(row.list_key).label), "code": row.code, **details},
    )


def code_add(
    *,
    actor: Any,
    municipality: Municipality,
    list_key: str,
    label: str,
    sort_order: Any = None,
    counted_as: str = "",
    code: str = "",
) -> CodeItem:
    """Add the municipality's own code. For a list the statistics count, ``counted_as`` (the
    standard code it is counted as) is required."""
    _check(actor, municipality)
    errors: dict[str, str] = {}
    if list_key not in CodeList.values:
        errors["list_key"] = "一覧を選んでください。"
    label = (label or "").strip()
    if not label:
        errors["label"] = "表示名を入力してください。"
    elif len(label) > 100:
        errors["label"] = "表示名は100文字以内で入力してください。"
    existing = effective_list(list_key, municipality) if not errors.get("list_key") else []
    if any(c.label == label for c in existing):
        errors["label"] = "同じ表示名の項目が既にあります。"
    standard = {c.code for c in effective_list(list_key, None)} if existing else set()
    counted_as = (counted_as or "").strip()
    if list_key in COUNTED_LISTS:
        if counted_as not in standard:
            errors["counted_as"] = (
                "統計で数える標準の項目を選んでください（全国の統計と比べられるようにするため）。"
            )
    elif counted_as and counted_as not in standard:
        errors["counted_as"] = "標準の項目から選んでください。"
    code = (code or "").strip()
    taken = {c.code for c in existing} | standard
    if code:
        if not CODE_PATTERN.match(code):
            errors["code"] = "コードは半角英小文字・数字・下線（_）の40文字以内で入力してください。"
        elif code in taken:
            errors["code"] = "このコードは既に使われています。"
    else:
        n = 1
        while f"m{municipality.code}_{n}" in taken:
            n += 1
        code = f"m{municipality.code}_{n}"
    if sort_order in (None, ""):
        sort_order = max((c.sort_order for c in existing), default=0) + 10
    try:
        sort_order = int(sort_order)
        if sort_order < 0 or sort_order > 100000:
            raise ValueError
    except (TypeError, ValueError):
        errors["sort_order"] = "並び順は0以上の整数で入力してください。"
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            row = CodeItem.objects.create(
                list_key=list_key,
                code=code,
                label=label,
                sort_order=sort_order,
                municipality_id=municipality.pk,
                counted_as=counted_as,
            )
            record_change(
                actor=actor,
                obj=row,
                before={},
                after=model_values(row, LABELS),
                labels=LABELS,
                shown=_shown,
                reason="追加",
            )
            _audit(actor, AuditAction.CREATE, row, label=label, counted_as=counted_as)
    except IntegrityError as exc:
        raise ValidationError({"code": "このコードは既に使われています。"}) from exc
    forget_cached()
    return row


def _own_row_for_update(
    list_key: str, municipality: Municipality, code: str, version: Any
) -> tuple[CodeItem, dict[str, Any]]:
    """The municipality's row of ``code``, locked and version-checked; for a standard code without
    one yet, a new override row copied from the standard (version 0 expected)."""
    current = _effective(list_key, municipality, code)
    row = CodeItem.objects.filter(list_key=list_key, code=code, municipality_id=municipality.pk).first()
    if row is None:
        if int(version or 0) != 0:
            raise StaleVersionError(current)
        row = CodeItem(
            list_key=list_key,
            code=code,
            label=current.label,
            sort_order=current.sort_order,
            is_active=current.is_active,
            municipality_id=municipality.pk,
            version=0,
        )
        return row, model_values(row, LABELS)
    row = lock(row)
    check_version(row, version)
    return row, model_values(row, LABELS)


def _save(actor: Any, row: CodeItem, before: dict[str, Any], reason: str, **details: Any) -> CodeItem:
    created = row.pk is None
    bump(row)
    row.save()
    record_change(
        actor=actor,
        obj=row,
        before=before,
        after=model_values(row, LABELS),
        labels=LABELS,
        shown=_shown,
        reason=reason,
    )
    _audit(actor, AuditAction.CREATE if created else AuditAction.UPDATE, row, reason=reason, **details)
    return row


def code_edit(
    *,
    actor: Any,
    municipality: Municipality,
    list_key: str,
    code: str,
    version: Any,
    label: str,
    sort_order: Any,
) -> CodeItem:
    """Change the label or the order of a code for the municipality (its own row; never the standard)."""
    _check(actor, municipality)
    errors: dict[str, str] = {}
    label = (label or "").strip()
    if not label or len(label) > 100:
        errors["label"] = "表示名を100文字以内で入力してください。"
    try:
        sort_order = int(sort_order)
        if sort_order < 0 or sort_order > 100000:
            raise ValueError
    except (TypeError, ValueError):
        errors["sort_order"] = "並び順は0以上の整数で入力してください。"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row, before = _own_row_for_update(list_key, municipality, code, version)
        row.label = label
        row.sort_order = sort_order
        row = _save(actor, row, before, "表示名・並び順の変更")
    forget_cached()
    return row


def code_set_active(
    *, actor: Any, municipality: Municipality, list_key: str, code: str, version: Any, active: bool
) -> CodeItem:
    """Retire (使用中止) or restore a code for the municipality. A retired code is no longer offered
    for new entries; the records that store it keep it and still show its label."""
    _check(actor, municipality)
    with transaction.atomic():
        row, before = _own_row_for_update(list_key, municipality, code, version)
        row.is_active = bool(active)
        row = _save(actor, row, before, "再開" if active else "使用中止")
    forget_cached()
    return row


def code_delete(*, actor: Any, municipality: Municipality, list_key: str, code: str, version: Any) -> None:
    """Delete the municipality's own code — only when no record stores it (otherwise retire it)."""
    _check(actor, municipality)
    with transaction.atomic():
        row = CodeItem.objects.filter(list_key=list_key, code=code, municipality_id=municipality.pk).first()
        if row is None or code in {c.code for c in effective_list(list_key, None)}:
            raise ValidationError("全国の標準の項目は削除できません。使わない場合は使用中止にしてください。")
        row = lock(row)
        check_version(row, version)
        used = usage_count(list_key, code)
        if used:
            raise ValidationError(
                f"この項目は{used:,}件の記録で使われているため削除できません。使用中止にしてください。"
            )
        record_change(
            actor=actor,
            obj=row,
            before=model_values(row, LABELS),
            after={"label": "（削除）"},
            labels={"label": "表示名"},
            shown=_shown,
            reason="削除",
            version=row.version + 1,
        )
        _audit(actor, AuditAction.DELETE, row, label=row.label)
        row.delete()
    forget_cached()
