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

The history is never changed or deleted (``AppendOnlyModel`` plus a database trigger).
``history_of`` reads by the record's own identity, so it must only be called for a record the
view has already scoped — it does not check the account itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db import models

from .locking import changes
from .models import ChangeRecord


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
