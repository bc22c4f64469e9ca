"""Who may see what within a case, beyond the agency scope (scoping.py).

家計改善支援員: the インテーク・アセスメントシート holds the whole life of the person. A
家計改善支援員 who is not the case's worker sees a sheet only when it was written with them
(共同アセスメント) or shared with them under a consent that still covers it (手引き IV:
"share the assessment with consent"). docs/process.md explains the rule.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils import timezone

from tsunagu.organizations.guards import allowed, deny
from tsunagu.organizations.roles import Permission, Role
from tsunagu.persons.models import Person
from tsunagu.privacy.models import Consent, DataCategory, Purpose
from tsunagu.privacy.policies import consent_covering

from .models import CaseState

if TYPE_CHECKING:
    from tsunagu.organizations.models import User

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


def is_budget_supporter_only(user: User) -> bool:
    roles = set(user.role_set)
    return Role.HOUSEHOLD_BUDGET_SUPPORTER.value in roles and not roles & _FULL_CASEWORK_ROLES


def consent_covers_budget_sharing(person: Person, on: date | None = None) -> Consent | None:
    """The consent that covers sharing the sheet with a 家計改善支援員 on ``on`` (default today):
    purpose 「本人の支援のため」 and the category 「収入・資産・債務等の経済状況」 (privacy.policies)."""
    consent, _why = consent_covering(
        person,
        on=on or timezone.localdate(),
        purposes=[Purpose.SUPPORT],
        categories=[DataCategory.FINANCES],
    )
    return consent


def assessment_visibility_q(user: User, case: Any) -> Q | None:
    """A filter on the case's assessments for ``user``; None means all of them."""
    if not is_budget_supporter_only(user) or case.assigned_worker_id == user.pk:
        return None
    mine = Q(author=user) | Q(joint_with=user)
    if consent_covers_budget_sharing(case.person) is None:
        return mine
    return mine | Q(shared_with_budget_support=True, shared_with=user)


def may_correct_intake(user: User, case: Any) -> bool:
    """The 申込票 and its スクリーニング are corrected by the case's worker, or by a
    主任相談支援員・センター長 (``case.assign``) of the case's agency; never on a 取消 case."""
    if user.agency_id != case.agency_id or not allowed(user, Permission.CASE_EDIT):
        return False
    if case.state == CaseState.CANCELLED:
        return False
    return bool(case.assigned_worker_id == user.pk or allowed(user, Permission.CASE_ASSIGN))


def require_intake_corrector(user: User, case: Any, **details: Any) -> None:
    """``may_correct_intake`` or the audited 403 (the screen and the service refuse alike)."""
    if not may_correct_intake(user, case):
        deny(
            user,
            permission=Permission.CASE_ASSIGN,
            reason="not_worker",
            message="申込票を訂正できるのは、このケースの担当者と主任相談支援員・センター長です。",
            obj=case,
            **details,
        )
