"""Who may see and edit an agency's 事業計画 (one rule, used by selectors and services).

- Seeing: staff with 統計を見る or 事業計画を編集する. Agency staff see their own agency's plans; a
  自治体担当者 sees the plans of every agency serving their municipality (主たる実施主体 or
  共同実施で担当する実施主体): the municipality runs or contracts the centre and evaluates it.
- Editing (事業計画を編集する: センター長, 自治体担当者): the same agencies.
- Anyone else: nothing (404 for plans, refusal for writes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

from tsunagu.organizations.models import Agency
from tsunagu.organizations.roles import Permission, Role

if TYPE_CHECKING:
    from tsunagu.organizations.models import User

EDIT_REFUSED_MESSAGE = "事業計画を編集する権限がありません（センター長または自治体担当者が編集します）。"
OTHER_AGENCY_MESSAGE = "この機関の事業計画は編集できません。"


def _active(user: User) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def may_view_plans(user: User) -> bool:
    return _active(user) and bool(
        user.can(Permission.STATISTICS_VIEW) or user.can(Permission.PLAN_ANNUAL_EDIT)
    )


def may_edit_plans(user: User) -> bool:
    return _active(user) and bool(user.can(Permission.PLAN_ANNUAL_EDIT))


def agencies_of_user(user: User) -> models.QuerySet[Agency]:
    """The agencies whose plans the user may see (and, with the permission, edit)."""
    if not may_view_plans(user):
        return Agency.objects.none()
    if user.agency_id:
        return Agency.objects.filter(pk=user.agency_id)
    if user.municipality_id and user.has_role(Role.MUNICIPAL_OFFICER):
        return Agency.objects.filter(pk__in=Agency.objects.serving(user.municipality_id).values("pk"))
    return Agency.objects.none()


def may_edit_plan_of(user: User, agency: Agency | int) -> bool:
    agency_id = agency if isinstance(agency, int) else agency.pk
    return may_edit_plans(user) and agencies_of_user(user).filter(pk=agency_id).exists()
