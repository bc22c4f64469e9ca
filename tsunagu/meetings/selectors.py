"""Reads on meetings, 支援会議 and decisions — always scoped, and 支援会議 records for members only.

Visibility (docs/meetings.md):
- 支援調整会議: agency staff see their agency's meetings, a 自治体担当者 those of their municipality
  (``scope_for_user``);
- 支援会議 (法第9条): the same scope **and** the user is a current member of that council. For
  everyone else its meetings do not exist (404), whatever their role.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import models
from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from tsunagu.cases.models import Case, CaseState, PlanStatus, SupportPlan
from tsunagu.core.audit import audit_record, audit_record_many
from tsunagu.core.models import AuditAction
from tsunagu.network.models import PartnerAgency
from tsunagu.organizations import guards
from tsunagu.organizations.models import Municipality, User
from tsunagu.organizations.roles import Permission, Role
from tsunagu.organizations.scoping import NOT_FOUND_MESSAGE, get_for_user_or_404, scope_for_user

from .models import AgendaItem, Decision, Meeting, MeetingKind, SupportCouncil, SupportCouncilMember
from .policies import (  # noqa: F401 — re-exported for the views
    DECISION_ONLY_MESSAGE,
    council_memberships_current,
    is_council_member,
)


def _may_see_meetings(user: Any) -> bool:
    return bool(user.can(Permission.PERSON_VIEW) or user.can(Permission.DECISION_RECORD))


# --- 支援会議 ------------------------------------------------------------------------------------


def councils_visible_to(user: Any) -> models.QuerySet[SupportCouncil]:
    """Councils whose roster the user may see: members, and the agency's 主任/センター長 who keep it."""
    if not _may_see_meetings(user):
        return SupportCouncil.objects.none()
    qs = scope_for_user(SupportCouncil.objects.all(), user)
    member_of = council_memberships_current(user).values("council_id")
    if user.can(Permission.MEETING_MANAGE):
        return qs
    return qs.filter(pk__in=member_of)


def council_get_for_user(*, user: Any, council_id: Any) -> SupportCouncil:
    return get_for_user_or_404(
        councils_visible_to(user).select_related("agency", "municipality"), user, council_id
    )


def council_rows(user: Any) -> models.QuerySet[SupportCouncil]:
    """Councils for the list, with the number of current members (one query)."""
    return (
        councils_visible_to(user)
        .select_related("municipality")
        .annotate(member_count=Count("members", filter=Q(members__left_on__isnull=True)))
        .order_by("name", "id")
    )


def served_municipalities(user: Any) -> models.QuerySet[Municipality]:
    """The municipalities whose cases the user's agency handles (共同実施 included)."""
    agency = getattr(user, "agency", None)
    if agency is None:
        return Municipality.objects.none()
    return agency.area().order_by("code")


def meeting_staff_candidates(user: Any, council: SupportCouncil | None = None) -> models.QuerySet[User]:
    """Who may be named as attending: the agency's staff and the officers of the municipalities it
    serves; for a 支援会議, its current staff members only."""
    if council is not None:
        members = council.members.filter(left_on__isnull=True, staff__isnull=False).values("staff_id")
        return User.objects.filter(pk__in=members, is_active=True).order_by("agency_id", "username")
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(agency_id=user.agency_id)
            | Q(municipality__in=served_municipalities(user), roles__role=Role.MUNICIPAL_OFFICER)
        )
        .distinct()
        .order_by("agency_id", "username")
    )


def meeting_partner_candidates(
    user: Any, council: SupportCouncil | None = None
) -> models.QuerySet[PartnerAgency]:
    partners = PartnerAgency.objects.in_area_of(user.agency)
    if council is not None:
        members = council.members.filter(left_on__isnull=True, partner__isnull=False).values("partner_id")
        return partners.filter(pk__in=members)
    return partners


def council_staff_candidates(council: SupportCouncil) -> models.QuerySet[User]:
    """Accounts that may join a council: the agency's staff and the municipality's officers."""
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(agency_id=council.agency_id)
            | Q(municipality_id=council.municipality_id, roles__role=Role.MUNICIPAL_OFFICER)
        )
        .distinct()
        .order_by("username")
    )


def council_members(council: SupportCouncil) -> models.QuerySet[SupportCouncilMember]:
    return council.members.select_related("staff", "partner").order_by("left_on", "joined_on", "id")


# --- Meetings -----------------------------------------------------------------------------------


def meetings_visible_to(user: Any) -> models.QuerySet[Meeting]:
    if not _may_see_meetings(user):
        return Meeting.objects.none()
    qs = scope_for_user(Meeting.objects.all(), user)
    member_of = council_memberships_current(user).values("council_id")
    return qs.filter(Q(kind=MeetingKind.COORDINATION) | Q(council_id__in=member_of))


def meeting_get_for_user(*, user: Any, meeting_id: Any, audit: bool = True) -> Meeting:
    """Fetch-and-check one meeting (404 when absent, not yours, or a 支援会議 you are not a member of).

    Viewing is audited once per person on the agenda, so "who saw person X" finds it.
    """
    meeting = get_for_user_or_404(
        meetings_visible_to(user).select_related("agency", "municipality", "council", "chair", "created_by"),
        user,
        meeting_id,
    )
    if audit:
        person_ids = sorted(
            set(AgendaItem.objects.filter(meeting=meeting).values_list("case__person_id", flat=True))
        )
        audit_record(actor=user, action=AuditAction.VIEW, obj=meeting, details={"persons": len(person_ids)})
        for pid in person_ids:
            audit_record(
                actor=user,
                action=AuditAction.VIEW,
                object_type="meeting",
                object_id=meeting.pk,
                person_id=pid,
                agency_id=meeting.agency_id,
                municipality_id=meeting.municipality_id,
            )
    return meeting


def meeting_rows(user: Any) -> models.QuerySet[Meeting]:
    """Meetings for lists: with the council and the number of cases on the agenda (one query)."""
    return meetings_visible_to(user).select_related("council").annotate(agenda_count=Count("agenda"))


def meetings_upcoming(user: Any, *, on: date | None = None) -> models.QuerySet[Meeting]:
    on = on or timezone.localdate()
    return meeting_rows(user).filter(held_on__gte=on).order_by("held_on", "id")


def meetings_past(user: Any, *, on: date | None = None) -> models.QuerySet[Meeting]:
    on = on or timezone.localdate()
    return meeting_rows(user).filter(held_on__lt=on).order_by("-held_on", "-id")


def meeting_attendees(meeting: Meeting) -> list[Any]:
    return list(meeting.attendees.select_related("staff", "partner").order_by("id"))


def meeting_agenda(meeting: Meeting) -> list[AgendaItem]:
    return list(
        meeting.agenda.select_related(
            "case",
            "case__person",
            "case__assigned_worker",
            "plan",
            "evaluation",
            "consent",
            "emergency_recorded_by",
        ).order_by("id")
    )


def agenda_item_get(*, meeting: Meeting, item_id: Any) -> AgendaItem:
    """An item of a meeting the caller has already fetched-and-checked; 404 otherwise."""
    from django.http import Http404

    item = meeting.agenda.select_related("case", "case__person", "plan").filter(pk=item_id).first()
    if item is None:
        raise Http404(NOT_FOUND_MESSAGE)
    return item


def agenda_items_for_case(*, user: Any, case: Case) -> models.QuerySet[AgendaItem]:
    """The meetings a case was discussed at, as the user may see them (支援会議 items for members only)."""
    return (
        AgendaItem.objects.filter(case=case, meeting__in=meetings_visible_to(user))
        .select_related("meeting", "plan")
        .order_by("-meeting__held_on", "-id")
    )


def cases_awaiting_meeting(*, user: Any, meeting: Meeting, limit: int = 50) -> list[Case]:
    """Cases whose plan (案) waits for the 支援調整会議 and are not yet on this meeting's agenda."""
    if meeting.kind != MeetingKind.COORDINATION or not user.can(Permission.MEETING_MANAGE):
        return []
    on_agenda = AgendaItem.objects.filter(meeting=meeting).values("case_id")
    return list(
        scope_for_user(Case.objects.all(), user)
        .filter(
            agency_id=meeting.agency_id,
            municipality_id=meeting.municipality_id,
            state=CaseState.COORDINATION_MEETING,
            plans__status=PlanStatus.SUBMITTED,
        )
        .exclude(pk__in=on_agenda)
        .select_related("person", "assigned_worker")
        .order_by("opened_on", "id")[:limit]
    )


def case_for_agenda(*, user: Any, meeting: Meeting, case_number: str) -> Case | None:
    """A case of the meeting's agency and municipality, by its number (R8-0004)."""
    number = (case_number or "").strip().upper()
    if not number:
        return None
    return (
        scope_for_user(Case.objects.select_related("person"), user)
        .filter(agency_id=meeting.agency_id, case_number=number)
        .first()
    )


# --- Decisions ----------------------------------------------------------------------------------


def decisions_visible_to(user: Any) -> models.QuerySet[Decision]:
    if not _may_see_meetings(user):
        return Decision.objects.none()
    return scope_for_user(Decision.objects.all(), user).select_related(
        "case", "case__person", "plan", "decided_by"
    )


def decision_get_for_user(*, user: Any, decision_id: Any, audit: bool = True) -> Decision:
    """Fetch-and-check one decision (404 when absent or not yours); the read is audited."""
    decision = get_for_user_or_404(decisions_visible_to(user), user, decision_id)
    if audit:
        audit_record(actor=user, action=AuditAction.VIEW, obj=decision, person_id=decision.case.person_id)
    return decision


def cases_shown_audit(*, user: Any, cases: list[Case], shown: str) -> None:
    """One batched VIEW row per case shown on a list (``shown`` names the list)."""
    audit_record_many(actor=user, action=AuditAction.VIEW, objects=cases, details={"list": shown})


def decisions_pending_for(user: Any) -> models.QuerySet[Case]:
    """Cases of the officer's municipality whose plan the 支援調整会議 approved, awaiting 支援決定/確認."""
    if not user.can(Permission.DECISION_RECORD) or not getattr(user, "municipality_id", None):
        return Case.objects.none()
    return (
        scope_for_user(Case.objects.all(), user)
        .filter(state=CaseState.COORDINATION_MEETING, plans__status=PlanStatus.APPROVED)
        .select_related("person", "agency", "assigned_worker")
        .prefetch_related(
            Prefetch(
                "plans",
                queryset=SupportPlan.objects.filter(status=PlanStatus.APPROVED),
                to_attr="approved_plans",
            )
        )
        .order_by("opened_on", "id")
    )


def case_for_decision(*, user: Any, case_id: Any) -> Case:
    """Fetch-and-check a case for the decision screen.

    Centre staff (no ``DECISION_RECORD``) are refused with the reason; an officer of another
    municipality gets 404 (the case does not exist for them). Viewing is audited.
    """
    if not guards.allowed(user, Permission.DECISION_RECORD):
        guards.deny(
            user, permission=Permission.DECISION_RECORD, message=DECISION_ONLY_MESSAGE, case_id=str(case_id)
        )
    case = get_for_user_or_404(
        Case.objects.select_related("person", "agency", "municipality", "assigned_worker"), user, case_id
    )
    audit_record(actor=user, action=AuditAction.VIEW, obj=case, person_id=case.person_id)
    return case


def approving_agenda_item(plan: Any) -> AgendaItem | None:
    """The 支援調整会議 item that approved ``plan`` (the latest one)."""
    return (
        AgendaItem.objects.filter(plan=plan, outcome="approved", meeting__kind=MeetingKind.COORDINATION)
        .select_related("meeting")
        .order_by("-meeting__held_on", "-id")
        .first()
    )
