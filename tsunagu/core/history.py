"""Version history (変更履歴): the one record of who corrected what, when, and what it was before.

Every correctable record (a VersionedModel edited through a service) keeps its history the same way:

1. the service locks the row and checks the version (``core.locking``), takes ``before`` (the
   values as saved) and ``after`` (the values it is about to save);
2. in the same transaction it calls ``record_change(actor=…, obj=…, before=…, after=…,
   labels=…, shown=…)`` after ``bump``: one append-only ``ChangeRecord`` with a row
   ``{field, label, before, after}`` per changed field, the values turned into display text by
   ``shown`` (和暦 dates, category labels) so the earlier values stay readable even after a
   category list changes;
3. the page that already fetched the record through the scoping layer
   (``organizations/scoping.py``) reads ``history_of(obj)`` and renders it with
   ``{% include "includes/history.html" with history=history what="申込票" %}``.

The history is never changed, and deleted only when the record it describes is past its 保存期間:
``purge_history`` first writes a ``ChangeRecordPurge`` row per record (append-only, the trace of
the deletion), and the database trigger lets a DELETE of ``core_changerecord`` through only for a
record named there (``AppendOnlyModel`` plus the trigger, migration 0012).
``history_of`` reads by the record's own identity, so it must only be called for a record the
view has already scoped — it does not check the account itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db import connection, models

from .locking import changes
from .models import ChangeRecord, ChangeRecordPurge


def _identity(obj: models.Model) -> dict[str, str]:
    meta = obj._meta
    return {"app_label": meta.app_label, "model": meta.model_name or "", "object_id": str(obj.pk)}


def record_change(
    *,
    actor: Any,
    obj: models.Model,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    labels: Mapping[str, str],
    shown: Callable[[str, Any], str],
    reason: str = "",
    version: int | None = None,
) -> ChangeRecord | None:
    """Append the change of ``obj`` from ``before`` to ``after``; None when nothing differs.

    ``labels`` names the fields shown (field → 項目名, in display order); fields outside it are
    not recorded. ``version`` defaults to ``obj.version`` (the version after the change). Call it
    inside the transaction of the write.
    """
    changed = changes({k: before.get(k) for k in labels}, {k: after.get(k) for k in labels})
    if not changed:
        return None
    rows = [
        {
            "field": name,
            "label": str(label),
            "before": shown(name, before.get(name)),
            "after": shown(name, after.get(name)),
        }
        for name, label in labels.items()
        if name in changed
    ]
    return ChangeRecord.objects.create(
        **_identity(obj),
        version=version if version is not None else int(getattr(obj, "version", 0) or 0),
        actor=actor,
        actor_label=str(actor),
        rows=rows,
        reason=(reason or "").strip(),
    )


def history_of(obj: models.Model) -> list[ChangeRecord]:
    """Every saved change of ``obj``, newest first (one query). Only for a record already scoped."""
    return list(
        ChangeRecord.objects.filter(**_identity(obj)).select_related("actor").order_by("-version", "-id")
    )


def purge_history(model: type[models.Model], object_ids: list[Any], *, basis: str) -> int:
    """Delete the history of these records of ``model`` (保存期間の経過: the record itself is being
    anonymised or deleted), leaving one ``ChangeRecordPurge`` row each. Returns the rows deleted.
    Call it inside the transaction that anonymises the record."""
    meta = model._meta
    ids = [str(i) for i in object_ids]
    if not ids:
        return 0
    label, name = meta.app_label, meta.model_name or ""
    having = set(
        ChangeRecord.objects.filter(app_label=label, model=name, object_id__in=ids).values_list(
            "object_id", flat=True
        )
    )
    if not having:
        return 0
    ChangeRecordPurge.objects.bulk_create(
        [
            ChangeRecordPurge(app_label=label, model=name, object_id=i, basis=basis[:200])
            for i in sorted(having)
        ]
    )
    placeholders = ", ".join(["%s"] * len(having))
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM core_changerecord WHERE app_label = %s AND model = %s "  # noqa: S608 - placeholders only
            f"AND object_id IN ({placeholders})",
            [label, name, *sorted(having)],
        )
        return int(cursor.rowcount)
