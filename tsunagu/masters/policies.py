"""Who may edit which municipality's category lists (区分マスタ（自治体ごと））."""

from __future__ import annotations

from typing import Any

from django.db import models

from tsunagu.organizations.models import Municipality
from tsunagu.organizations.roles import Permission
from tsunagu.organizations.scoping import not_found


def municipalities_editable(actor: Any) -> models.QuerySet[Municipality]:
    """The municipalities whose lists the account may edit: a 自治体担当者 its own; the staff of an
    agency (センター長) the municipalities of the agency's area (``Agency.area``). Nothing else."""
    if not getattr(actor, "is_authenticated", False) or not actor.can(Permission.CODES_EDIT):
        return Municipality.objects.none()
    if getattr(actor, "municipality_id", None):
        return Municipality.objects.filter(pk=actor.municipality_id)
    if getattr(actor, "agency_id", None):
        return Municipality.objects.area_of(actor.agency_id).order_by("code")
    return Municipality.objects.none()


def municipality_for_user_or_404(actor: Any, municipality_id: Any) -> Municipality:
    """One municipality the account may edit; 404 for an absent one and for another's."""
    try:
        return municipalities_editable(actor).get(pk=int(municipality_id))
    except (Municipality.DoesNotExist, ValueError, TypeError):
        raise not_found(actor, Municipality, municipality_id) from None
