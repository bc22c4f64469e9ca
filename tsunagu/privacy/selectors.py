"""The privacy officer's questions about the audit trail, scoped like everything else.

"Who accessed person/case X in period P" and "what did account A touch in period P".
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.db import models
from django.utils import timezone

from tsunagu.core.models import AuditEvent
from tsunagu.organizations.guards import allowed
from tsunagu.organizations.roles import Permission
from tsunagu.organizations.scoping import scope_for_user
from tsunagu.persons.models import Person

from .models import Consent
from .policies import consent_in_force

if TYPE_CHECKING:
    from tsunagu.organizations.models import User

__all__ = ["audit_events_search", "audit_events_visible_to", "consent_in_force", "consents_of_person"]


def _period(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    tz = timezone.get_current_timezone()
    lo = datetime.combine(start, time.min, tzinfo=tz) if start else None
    hi = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz) if end else None
    return lo, hi


def audit_events_visible_to(user: User) -> models.QuerySet[AuditEvent]:
    if not allowed(user, Permission.AUDIT_VIEW):
        return AuditEvent.objects.none()
    return scope_for_user(
        AuditEvent.objects.all(), user, agency_field="agency", municipality_field="municipality"
    ).select_related("actor")


def audit_events_search(
    *,
    user: User,
    person_id: int | None = None,
    object_type: str = "",
    object_id: str = "",
    actor_id: int | None = None,
    start: date | None = None,
    end: date | None = None,
    action: str = "",
) -> models.QuerySet[AuditEvent]:
    qs = audit_events_visible_to(user)
    if person_id is not None:
        qs = qs.filter(person_id=person_id)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if actor_id is not None:
        qs = qs.filter(actor_id=actor_id)
    if action:
        qs = qs.filter(action=action)
    lo, hi = _period(start, end)
    if lo:
        qs = qs.filter(occurred_at__gte=lo)
    if hi:
        qs = qs.filter(occurred_at__lt=hi)
    return qs.order_by("-occurred_at", "-id")


def consents_of_person(person: Person) -> models.QuerySet[Consent]:
    return Consent.objects.filter(person=person).select_related("notice").prefetch_related("named_recipients")


# ``consent_in_force`` (the most recent consent in force on a day) is ``privacy.policies``'s,
# re-exported for the screens that read it through the selectors.
