"""The privacy officer's questions about the audit trail, scoped like everything else.

"Who accessed person/case X in period P" and "what did account A touch in period P".
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from tsunagu.core.models import AuditEvent
from tsunagu.organizations.guards import allowed
from tsunagu.organizations.roles import Permission
from tsunagu.organizations.scoping import get_for_user_or_404, scope_for_user
from tsunagu.persons.models import Person

from .models import Consent, NoticeStatus, PrivacyNotice, Purpose
from .policies import consent_in_force

if TYPE_CHECKING:
    from tsunagu.organizations.models import User

__all__ = [
    "audit_events_search",
    "audit_events_visible_to",
    "consent_in_force",
    "consent_missing_purposes",
    "consents_needing_renewal",
    "consents_of_person",
    "notice_get_for_user",
    "notices_visible_to",
    "widened_purposes",
]


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


# --- 規程の版と同意の再取得 ------------------------------------------------------------------------


def sees_notice_drafts(user: User) -> bool:
    return allowed(user, Permission.NOTICE_EDIT) or allowed(user, Permission.NOTICE_PUBLISH)


def notices_visible_to(user: User) -> models.QuerySet[PrivacyNotice]:
    """The versions of the user's own agency: published ones for every centre account that sees
    persons; drafts too for those who write or publish them. Another agency's: none."""
    if not (allowed(user, Permission.PERSON_VIEW) or sees_notice_drafts(user)):
        return PrivacyNotice.objects.none()
    qs = scope_for_user(PrivacyNotice.objects.all(), user, municipality_field="")
    if not sees_notice_drafts(user):
        qs = qs.filter(status=NoticeStatus.PUBLISHED)
    return qs.select_related("created_by", "updated_by", "published_by")


def notice_list_for(user: User) -> models.QuerySet[PrivacyNotice]:
    """Drafts first (newest first), then the published versions from the latest 版 down."""
    return notices_visible_to(user).order_by("-status", "-version", "-id")


def notice_get_for_user(*, user: User, notice_id: Any) -> PrivacyNotice:
    """One version of the user's agency, else 404 (absent and not-yours alike)."""
    return get_for_user_or_404(notices_visible_to(user), user, notice_id, municipality_field="")


def widened_purposes(purposes: list[str], base: PrivacyNotice | None) -> list[str]:
    """The purposes of ``purposes`` the version ``base`` lacked (in the order of ``Purpose``).
    No earlier version: nothing widens (there is no consent to renew)."""
    if base is None:
        return []
    return [p for p in Purpose.values if p in set(purposes) and p not in set(base.purposes)]


def purpose_labels(purposes: list[str]) -> list[str]:
    labels = dict(Purpose.choices)
    return [str(labels.get(p, p)) for p in purposes]


def _published_versions(agency_id: int) -> list[tuple[int, int | None, date | None, list[str]]]:
    """(pk, 版, 適用開始日, purposes) of the agency's published versions: one query, a handful of rows."""
    return [
        (pk, number, effective_from, list(held or []))
        for pk, number, effective_from, held in PrivacyNotice.objects.published()
        .filter(agency_id=agency_id)
        .order_by("-version")
        .values_list("pk", "version", "effective_from", "purposes")
    ]


def consents_needing_renewal(
    agency_id: int, *, purposes: list[str] | None = None, on: date | None = None
) -> models.QuerySet[Consent]:
    """同意の再取得が必要: for every person of the agency, the consent in force (the most recent one,
    ``Consent.objects.in_force_on``) when the version it was given on lacks a purpose of the
    agency's version in force (or of ``purposes``, e.g. a draft under review). A query, not a copy:
    recording a consent on the new version makes it the one in force, and the person leaves the list.
    Not scoped: callers scope (``consents_needing_renewal_for``) or only count for the agency.
    One query for the versions; none more when no version lacks a purpose."""
    on = on or timezone.localdate()
    versions = _published_versions(agency_id)
    if purposes is None:
        in_force = [v for v in versions if v[2] is not None and v[2] <= on]
        if not in_force:
            return Consent.objects.none()
        purposes = in_force[0][3]
    wanted = set(purposes)
    lacking = [pk for pk, _number, _from, held in versions if wanted - set(held)]
    if not lacking:
        return Consent.objects.none()
    latest = Consent.objects.filter(person=OuterRef("person")).in_force_on(on).values("pk")[:1]
    return (
        Consent.objects.filter(agency_id=agency_id, notice_id__in=lacking)
        .in_force_on(on)
        .filter(pk=Subquery(latest))
        .select_related("person", "notice")
        .order_by("person__kana_key", "person_id")
    )


def consents_needing_renewal_for(user: User, on: date | None = None) -> models.QuerySet[Consent]:
    """``consents_needing_renewal`` of the user's agency, for the persons the user may see."""
    if not user.agency_id or not allowed(user, Permission.PERSON_VIEW):
        return Consent.objects.none()
    return scope_for_user(consents_needing_renewal(user.agency_id, on=on), user)


def consent_missing_purposes(consent: Consent | None, on: date | None = None) -> list[str]:
    """The labels of the purposes of the version in force that ``consent``'s version lacked
    (empty: no renewal needed). For the person and case pages (one query)."""
    if consent is None:
        return []
    on = on or timezone.localdate()
    current = (
        PrivacyNotice.objects.published()
        .filter(agency_id=consent.agency_id, effective_from__lte=on)
        .order_by("-version")
        .first()
    )
    if current is None or current.pk == consent.notice_id:
        return []
    return purpose_labels(widened_purposes(list(current.purposes), consent.notice))
