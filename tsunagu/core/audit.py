"""Writing audit events. The only way rows get into ``AuditEvent``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models

from .models import AuditAction, AuditEvent
from .request_context import current_ip


def audit_record(
    *,
    actor: Any,
    action: AuditAction,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: Any = "",
    person_id: int | None = None,
    agency_id: int | None = None,
    municipality_id: int | None = None,
    details: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one audit row. Call it inside the transaction of the write it describes.

    Scoping ids default to the object's own ``agency_id`` / ``municipality_id`` / ``person_id``
    attributes when it has them.
    """
    if obj is not None:
        object_type = object_type or obj._meta.model_name or ""
        object_id = object_id or obj.pk
        agency_id = agency_id if agency_id is not None else getattr(obj, "agency_id", None)
        municipality_id = (
            municipality_id if municipality_id is not None else getattr(obj, "municipality_id", None)
        )
        person_id = person_id if person_id is not None else getattr(obj, "person_id", None)
    user = actor if getattr(actor, "is_authenticated", False) else None
    if user is not None:
        agency_id = agency_id if agency_id is not None else getattr(user, "agency_id", None)
        municipality_id = (
            municipality_id if municipality_id is not None else getattr(user, "municipality_id", None)
        )
    return AuditEvent.objects.create(
        actor=user,
        actor_label=getattr(user, "username", "")
        if user
        else str(details.get("login", "") if details else ""),
        action=action,
        object_type=object_type,
        object_id="" if object_id is None else str(object_id),
        person_id=person_id,
        agency_id=agency_id,
        municipality_id=municipality_id,
        ip=ip or current_ip.get(),
        details=details or {},
    )


def _person_id_of(obj: models.Model) -> int | None:
    """The person a row is about: its own ``person_id``, the person itself, or — for a row that
    belongs to a case (a plan, a record) — the case's person when the case is already loaded
    (``select_related("case")``; never a query per row)."""
    if obj._meta.model_name == "person":
        return obj.pk  # type: ignore[no-any-return]
    own = getattr(obj, "person_id", None)
    if own is not None:
        return own  # type: ignore[no-any-return]
    case = obj._state.fields_cache.get("case")
    return getattr(case, "person_id", None)


def audit_record_many(
    *, actor: Any, action: AuditAction, objects: Sequence[models.Model], details: dict[str, Any]
) -> int:
    """One audit row per object in a single INSERT (e.g. every restricted person shown on a list page)."""
    if not objects:
        return 0
    rows = []
    for obj in objects:
        template = AuditEvent(
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            actor_label=getattr(actor, "username", ""),
            action=action,
            object_type=obj._meta.model_name or "",
            object_id=str(obj.pk),
            person_id=_person_id_of(obj),
            agency_id=getattr(obj, "agency_id", None),
            municipality_id=getattr(obj, "municipality_id", None),
            ip=current_ip.get(),
            details=details,
        )
        rows.append(template)
    AuditEvent.objects.bulk_create(rows)
    return len(rows)


# Audit rows name what they concern by the model's ``model_name`` ("supportplan"); a few name a
# piece of work that is no model. The screens show the Japanese name.
OTHER_OBJECT_TYPES = {
    "deidentified_export": "匿名化データ出力",
    "statistics_survey": "統計調査",
}


def object_type_label(object_type: str) -> str:
    """The Japanese name of an audit row's ``object_type``: the model's verbose_name."""
    if not object_type:
        return ""
    if object_type in OTHER_OBJECT_TYPES:
        return OTHER_OBJECT_TYPES[object_type]
    from django.apps import apps

    for model in apps.get_models():
        if model._meta.model_name == object_type:
            return str(model._meta.verbose_name)
    return "その他"


def object_type_choices() -> list[tuple[str, str]]:
    """(object_type, Japanese name) for the audit search, in Japanese order of the names."""
    from django.apps import apps

    types = {m._meta.model_name or "" for m in apps.get_models() if m.__module__.startswith("tsunagu.")}
    types |= set(OTHER_OBJECT_TYPES)
    return sorted(((t, object_type_label(t)) for t in types if t), key=lambda c: c[1])

