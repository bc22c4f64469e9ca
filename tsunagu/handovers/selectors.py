"""Reads of hand-overs: always scoped to the 自治体担当者's municipality (404 for another's)."""

from __future__ import annotations

from typing import Any

from django.db import models

from tsunagu.cases.models import Case
from tsunagu.organizations import guards
from tsunagu.organizations.models import Agency, Municipality, User
from tsunagu.organizations.roles import Permission
from tsunagu.organizations.scoping import get_for_user_or_404, scope_for_user

from .models import Handover


def handovers_visible_to(user: Any) -> models.QuerySet[Handover]:
    """The hand-overs of the user's municipality (agency staff see none: no agency field)."""
    qs = Handover.objects.select_related(
        "municipality", "from_agency", "to_agency", "created_by", "executed_by"
    )
    if getattr(user, "agency_id", None):
        return qs.none()
    return scope_for_user(qs, user, agency_field="from_agency")


def handover_list(user: Any) -> models.QuerySet[Handover]:
    guards.require(user, Permission.HANDOVER_MANAGE)
    return handovers_visible_to(user).order_by("-handover_date", "-id")


def handover_get_for_user(*, user: Any, handover_id: Any) -> Handover:
    guards.require(user, Permission.HANDOVER_MANAGE)
    return get_for_user_or_404(handovers_visible_to(user), user, handover_id, agency_field="from_agency")


def officer_municipality(user: Any) -> Municipality:
    """The municipality a 自治体担当者 acts for (the permission was checked by the caller)."""
    return Municipality.objects.get(pk=user.municipality_id)


def agencies_serving(municipality: Municipality) -> models.QuerySet[Agency]:
    """The agencies that serve the municipality (担当区域): the choices for 移行元 and 移行先."""
    return Agency.objects.serving(municipality).filter(is_active=True).order_by("name")


def receiving_staff(handover: Handover) -> list[tuple[int, str]]:
    """The choices for 引継ぎ先の担当者: the new agency's active staff who may hold cases (the same
    staff as the case page's 担当者の割当て)."""
    return [(u.pk, str(u)) for u in User.objects.case_staff_of(handover.to_agency_id)]


def workers_named(ids: list[int]) -> dict[int, User]:
    """Staff named by a hand-over's result (old and receiving workers), by id."""
    return User.objects.in_bulk([i for i in ids if i])


def unassigned_cases_now(handover: Handover) -> int:
    """How many of the municipality's cases at the new agency have no worker now (a count only)."""
    return Case.objects.filter(
        municipality_id=handover.municipality_id,
        agency_id=handover.to_agency_id,
        assigned_worker__isnull=True,
    ).count()
