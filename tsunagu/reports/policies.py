"""Who may output the 支援ケース一覧 and choose its columns, for which municipalities.

The list itself is read through ``scope_for_user`` (its agency's cases for the staff of a centre,
its municipality's cases for a 自治体担当者); these functions only name the municipalities an
account may pick: a 自治体担当者 its own, a centre the municipalities of its area (``Agency.area``,
共同実施 included). Deny by default.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from tsunagu.organizations.models import Municipality
from tsunagu.organizations.roles import Permission, Role
from tsunagu.organizations.scoping import not_found


def may_use(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.can(Permission.REPORT_CASE_LIST))


def municipalities_for(actor: Any) -> models.QuerySet[Municipality]:
    """The municipalities whose 支援ケース一覧 (and layout) the account may open."""
    if not may_use(actor):
        return Municipality.objects.none()
    if getattr(actor, "agency_id", None):
        return Municipality.objects.area_of(actor.agency_id).order_by("code")
    if getattr(actor, "municipality_id", None) and actor.has_role(Role.MUNICIPAL_OFFICER):
        return Municipality.objects.filter(pk=actor.municipality_id)
    return Municipality.objects.none()


def municipality_for_user_or_404(actor: Any, code: Any) -> Municipality:
    """One municipality (by its 全国地方公共団体コード) the account may use; 404 for an absent one and
    for another's (the second audited as a refused access)."""
    found = municipalities_for(actor).filter(code=str(code or "").strip()).first()
    if found is not None:
        return found
    other = Municipality.objects.filter(code=str(code or "").strip()).values_list("pk", flat=True).first()
    raise not_found(actor, Municipality, other if other is not None else 0)
