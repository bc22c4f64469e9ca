"""Saving a municipality's layout of the 支援ケース一覧 (the columns and their order).

Checked (``report.case_list`` and a municipality the account may use), version-locked
(``core.locking``: a layout saved by someone else since the form was opened is refused, never
overwritten; a form for a municipality without a layout carries version 0), kept in the history
(``core.history``) and audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tsunagu.core.audit import audit_record
from tsunagu.core.history import record_change
from tsunagu.core.locking import StaleVersionError, bump, check_version, lock, parse_version
from tsunagu.core.models import AuditAction
from tsunagu.organizations import guards
from tsunagu.organizations.models import Municipality
from tsunagu.organizations.roles import Permission

from .case_list import COLUMNS_BY_KEY, STANDARD_KEYS
from .models import CaseListLayout
from .policies import municipality_for_user_or_404

LABELS = {"columns": "列（並び順）"}


def shown_columns(field: str, value: Any) -> str:
    """The headers of the columns, in order (``value``: the keys, or them joined by commas)."""
    keys = value.split(",") if isinstance(value, str) else list(value or [])
    return "、".join(COLUMNS_BY_KEY[k].header for k in keys if k in COLUMNS_BY_KEY) or "（なし）"


def layout_save(
    *, actor: Any, municipality: Municipality, columns: Sequence[str], version: Any
) -> CaseListLayout:
    """Save the columns (keys of ``case_list.COLUMNS``, in order) of ``municipality``'s list."""
    guards.require(actor, Permission.REPORT_CASE_LIST, municipality_id=municipality.pk)
    municipality_for_user_or_404(actor, municipality.code)
    expected = parse_version(version)
    keys = [str(k) for k in columns]
    unknown = [k for k in keys if k not in COLUMNS_BY_KEY]
    if unknown:
        raise ValidationError({"columns": "選べない列が含まれています。"})
    if len(set(keys)) != len(keys):
        raise ValidationError({"columns": "同じ列が2回選ばれています。"})
    if not keys:
        raise ValidationError({"columns": "列を1つ以上選んでください。"})
    try:
        with transaction.atomic():
            existing = CaseListLayout.objects.filter(municipality=municipality).first()
            if existing is None:
                if expected != 0:
                    raise StaleVersionError(None)
                layout = CaseListLayout(municipality=municipality, columns=[], version=0)
                before: list[str] = list(STANDARD_KEYS)
                action = AuditAction.CREATE
            else:
                layout = lock(existing)
                check_version(layout, expected)
                before = list(layout.columns)
                action = AuditAction.UPDATE
            layout.columns = keys
            layout.updated_by = actor
            bump(layout)
            layout.save()
            record_change(
                actor=actor,
                obj=layout,
                # joined, so that a new order alone is a change (lists compare as sets)
                before={"columns": ",".join(before)},
                after={"columns": ",".join(keys)},
                labels=LABELS,
                shown=shown_columns,
            )
            audit_record(
                actor=actor,
                action=action,
                obj=layout,
                details={"columns": keys, "before": before, "municipality": municipality.code},
            )
    except IntegrityError:  # another account created the layout at the same moment
        raise StaleVersionError(CaseListLayout.objects.filter(municipality=municipality).first()) from None
    return layout
