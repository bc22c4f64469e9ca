"""Who may see a case's 家計改善支援 records (one rule, used by selectors and services)."""

from __future__ import annotations

from datetime import date
from typing import Any

from tsunagu.cases.models import Case
from tsunagu.organizations.roles import Permission, Role
from tsunagu.privacy.models import DataCategory, Purpose
from tsunagu.privacy.selectors import consent_in_force


def budget_visible_to(user: Any, case: Case, *, on: date | None = None) -> bool:
    """The agency's 家計改善支援員 always; the case's assigned worker only with consent (support + finances)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if not user.agency_id or user.agency_id != case.agency_id:
        return False
    if user.has_role(Role.HOUSEHOLD_BUDGET_SUPPORTER):
        return True
    if case.assigned_worker_id != user.pk or not user.can(Permission.PERSON_VIEW):
        return False
    consent = consent_in_force(case.person, on)
    return bool(
        consent is not None
        and Purpose.SUPPORT.value in (consent.purposes or [])
        and DataCategory.FINANCES.value in (consent.data_categories or [])
    )
