"""Who may see and write a case's 家計改善支援 records (one rule, used by selectors and services)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.utils import timezone

from tsunagu.cases.models import Case
from tsunagu.organizations.roles import Permission
from tsunagu.privacy.models import DataCategory, Purpose
from tsunagu.privacy.policies import consent_covering

if TYPE_CHECKING:
    from tsunagu.organizations.models import User


def budget_writer(user: User | None, case: Case) -> bool:
    """A holder of ``budget.edit`` (家計改善支援員・主任) of the case's own agency."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.agency_id) and user.agency_id == case.agency_id and user.can(Permission.BUDGET_SUPPORT)


def budget_visible_to(user: User | None, case: Case, *, on: date | None = None) -> bool:
    """The agency's ``budget.edit`` holders always; the case's assigned worker only with consent
    covering 本人の支援 and the 経済状況 category (``privacy.policies``)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if not user.agency_id or user.agency_id != case.agency_id:
        return False
    if user.can(Permission.BUDGET_SUPPORT):
        return True
    if case.assigned_worker_id != user.pk or not user.can(Permission.PERSON_VIEW):
        return False
    consent, _reason = consent_covering(
        case.person,
        on=on or timezone.localdate(),
        purposes=[Purpose.SUPPORT.value],
        categories=[DataCategory.FINANCES.value],
    )
    return consent is not None
