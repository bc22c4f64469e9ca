"""Who may do what with meetings, 支援会議 and decisions (shared by selectors and services).

- 支援会議 (法第9条): only its current members — staff who signed the confidentiality pledge and have
  not left — see its meetings and records.
- 支援決定・確認: only a 自治体担当者 (``DECISION_RECORD``) of the case's own municipality.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from .models import SupportCouncil, SupportCouncilMember

DECISION_ONLY_MESSAGE = "支援決定・確認は、ケースの実施主体の自治体担当者のみが記録できます。"
OTHER_MUNICIPALITY_MESSAGE = (
    "他の自治体のケースです。支援決定・確認はケースの実施主体の自治体担当者が行います。"
)
COUNCIL_MEMBERS_ONLY_MESSAGE = "支援会議の記録は、守秘義務を誓約した構成員のみが扱えます。"


def council_memberships_current(user: Any, on: date | None = None) -> models.QuerySet[SupportCouncilMember]:
    """The user's memberships in force on ``on`` (joined, pledge signed, not left)."""
    on = on or timezone.localdate()
    if not getattr(user, "pk", None):
        return SupportCouncilMember.objects.none()
    return SupportCouncilMember.objects.filter(
        staff_id=user.pk, joined_on__lte=on, pledge_signed_on__lte=on
    ).filter(Q(left_on__isnull=True) | Q(left_on__gt=on))


def is_council_member(user: Any, council: SupportCouncil | int, on: date | None = None) -> bool:
    council_id = council if isinstance(council, int) else council.pk
    return council_memberships_current(user, on).filter(council_id=council_id).exists()


def may_record_decision_for(user: Any, municipality_id: int) -> bool:
    from tsunagu.organizations.roles import Permission

    return bool(user.can(Permission.DECISION_RECORD) and user.municipality_id == municipality_id)
