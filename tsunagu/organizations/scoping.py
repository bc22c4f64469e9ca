"""Tenancy: the one mechanism that decides which records a user may see (テナント分離).

Every selector of personal data starts from ``scope_for_user``; no view writes its own
filter. ``get_for_user_or_404`` is the only way to fetch one record by id: it answers 404
both when the record does not exist and when it belongs to someone else, and audits the
second case as a refused access.

Rules (deny by default):
- an inactive or anonymous account sees nothing;
- agency staff see the records of their own agency;
- a 自治体担当者 sees the records whose municipality (実施主体) is their own;
- an account with neither sees nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.http import Http404

from tsunagu.core.audit import audit_record
from tsunagu.core.models import AuditAction

from .roles import Role

NOT_FOUND_MESSAGE = "お探しの情報は見つかりませんでした。"


def scope_for_user[M: models.Model](
    queryset: models.QuerySet[M],
    user: Any,
    *,
    agency_field: str = "agency",
    municipality_field: str = "municipality",
) -> models.QuerySet[M]:
    """Narrow ``queryset`` to what ``user`` may see. Models name their tenancy fields."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    if user.agency_id:
        return queryset.filter(**{f"{agency_field}_id": user.agency_id})
    if user.municipality_id and user.has_role(Role.MUNICIPAL_OFFICER) and municipality_field:
        return queryset.filter(**{f"{municipality_field}_id": user.municipality_id})
    return queryset.none()


def get_for_user_or_404[M: models.Model](
    queryset: models.QuerySet[M],
    user: Any,
    pk: Any,
    *,
    agency_field: str = "agency",
    municipality_field: str = "municipality",
) -> M:
    """Fetch-and-check: the record if ``user`` may see it, else 404 (absent and not-yours alike)."""
    try:
        return scope_for_user(
            queryset, user, agency_field=agency_field, municipality_field=municipality_field
        ).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        pass
    raise not_found(user, queryset.model, pk)


def not_found(
    user: Any,
    model: type[models.Model],
    pk: Any,
    *,
    reason: str = "out_of_scope",
    message: str = NOT_FOUND_MESSAGE,
    person_id: int | None = None,
    **details: Any,
) -> Http404:
    """The 404 for a record the user may not see: audited as a refused access when the record
    exists (an absent one is not). ``raise not_found(...)``; the one place that writes that row."""
    try:
        exists = model._default_manager.filter(pk=pk).exists()
    except (ValueError, TypeError, OverflowError):
        exists = False
    if exists:
        audit_record(
            actor=user,
            action=AuditAction.ACCESS_DENIED,
            object_type=model._meta.model_name or "",
            object_id=pk,
            person_id=person_id,
            details={"reason": reason, **details},
        )
    return Http404(message)
