"""Who may see what within a case, beyond the agency scope (scoping.py).

家計改善支援員: the インテーク・アセスメントシート holds the whole life of the person. A
家計改善支援員 who is not the case's worker sees a sheet only when it was written with them
(共同アセスメント) or shared with them under a consent that still covers it (手引き IV:
"share the assessment with consent"). docs/process.md explains the rule.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from tsunagu.organizations.roles import Role
from tsunagu.privacy.models import DataCategory, Purpose
from tsunagu.privacy.selectors import consent_in_force

# Holding one of these roles as well, the user is a caseworker like any other.
_FULL_CASEWORK_ROLES = frozenset(
    {
        Role.CHIEF_CONSULTANT.value,
        Role.CONSULTANT.value,
        Role.EMPLOYMENT_SUPPORTER.value,
        Role.CENTER_DIRECTOR.value,
        Role.PRIVACY_OFFICER.value,
        Role.AUDITOR.value,
    }
)


def is_budget_supporter_only(user: Any) -> bool:
    roles = set(user.role_set)
    return Role.HOUSEHOLD_BUDGET_SUPPORTER.value in roles and not roles & _FULL_CASEWORK_ROLES


def consent_covers_budget_sharing(person: Any) -> Any | None:
    """The consent in force that covers sharing with a 家計改善支援員, or None."""
    consent = consent_in_force(person)
    if consent is None:
        return None
    if Purpose.SUPPORT not in (consent.purposes or []) or DataCategory.FINANCES not in (
        consent.data_categories or []
    ):
        return None
    return consent


def assessment_visibility_q(user: Any, case: Any) -> Q | None:
    """A filter on the case's assessments for ``user``; None means all of them."""
    if not is_budget_supporter_only(user) or case.assigned_worker_id == user.pk:
        return None
    mine = Q(author=user) | Q(joint_with=user)
    if consent_covers_budget_sharing(case.person) is None:
        return mine
    return mine | Q(shared_with_budget_support=True, shared_with=user)
