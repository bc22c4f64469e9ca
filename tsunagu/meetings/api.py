"""API for meetings (支援調整会議 / 支援会議) and decisions (支援決定・確認) — the same services, scoping and
rules as the screens. Mounted under /api/v1/ by ``tsunagu/api/api.py``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest
from ninja import Router, Status

from tsunagu.cases import selectors as case_selectors
from tsunagu.core.bounds import PageNo
from tsunagu.organizations import guards
from tsunagu.organizations.roles import Permission

from . import selectors, services
from .models import AgendaItem, Decision, Meeting, SupportCouncil
from .schemas import (
    AgendaItemIn,
    AgendaItemOut,
    AgendaOutcomeIn,
    AttendeeIn,
    MeetingCreateIn,
    MeetingListOut,
    MeetingOut,
    MeetingPatchIn,
    PendingDecisionOut,
    RecordId,
    SupportDecisionIn,
    SupportDecisionOut,
)

router = Router()
PAGE_SIZE = 25


ERRORS = {403: dict[str, Any], 404: dict[str, Any], 422: dict[str, Any]}


# --- Output ---------------------------------------------------------------------------------------


def agenda_item_out(item: AgendaItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "meeting_id": item.meeting_id,
        "case_id": item.case_id,
        "case_number": item.case.case_number,
        "person_name": item.case.person.name,
        "purpose": item.purpose,
        "purpose_ja": item.get_purpose_display(),
        "plan_id": item.plan_id,
        "plan_status": item.plan.status if item.plan_id else None,  # type: ignore[union-attr]
        "evaluation_id": item.evaluation_id,
        "outcome": item.outcome,
        "outcome_ja": item.get_outcome_display() if item.outcome else "",
        "minutes": item.minutes,
        "consent_id": item.consent_id,
        "emergency_basis": item.emergency_basis,
        "emergency_basis_ja": item.get_emergency_basis_display() if item.emergency_basis else "",
    }


def meeting_out(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.pk,
        "kind": meeting.kind,
        "kind_ja": meeting.get_kind_display(),
        "council_id": meeting.council_id,
        "council_name": meeting.council.name if meeting.council_id else None,  # type: ignore[union-attr]
        "agency_id": meeting.agency_id,
        "municipality_id": meeting.municipality_id,
        "held_on": meeting.held_on,
        "place": meeting.place,
        "chair_id": meeting.chair_id,
        "chair_name": str(meeting.chair) if meeting.chair_id else None,
        "minutes": meeting.minutes,
        "version": meeting.version,
        "attendees": [
            {"staff_id": a.staff_id, "partner_id": a.partner_id, "name": a.name, "label": str(a)}
            for a in selectors.meeting_attendees(meeting)
        ],
        "agenda": [agenda_item_out(i) for i in selectors.meeting_agenda(meeting)],
    }


def decision_out(decision: Decision) -> dict[str, Any]:
    return {
        "id": decision.pk,
        "case_id": decision.case_id,
        "case_number": decision.case.case_number,
        "plan_id": decision.plan_id,
        "agenda_item_id": decision.agenda_item_id,
        "municipality_id": decision.municipality_id,
        "kind": decision.kind,
        "kind_ja": decision.get_kind_display(),
        "decided_on": decision.decided_on,
        "programs": list(decision.programs),
        "note": decision.note,
        "decided_by": str(decision.decided_by),
    }


# --- Input resolution (only among the choices the screen offers) ---------------------------------


def _attendees(
    request: HttpRequest, rows: list[AttendeeIn], council: SupportCouncil | None
) -> list[dict[str, Any]]:
    staff = {u.pk: u for u in selectors.meeting_staff_candidates(request.user, council)}
    partners = {p.pk: p for p in selectors.meeting_partner_candidates(request.user, council)}
    out: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    for i, row in enumerate(rows):
        if row.staff_id is not None:
            if row.staff_id not in staff:
                errors[f"attendees.{i}.staff_id"] = "出席者として選べる職員・自治体担当者ではありません。"
                continue
            out.append({"staff": staff[row.staff_id]})
        elif row.partner_id is not None:
            if row.partner_id not in partners:
                errors[f"attendees.{i}.partner_id"] = "出席者として選べる関係機関ではありません。"
                continue
            out.append({"partner": partners[row.partner_id], "name": row.name})
        elif row.name.strip():
            out.append({"name": row.name})
        else:
            errors[f"attendees.{i}"] = "職員・関係機関・氏名のいずれかを指定してください。"
    if errors:
        raise ValidationError(errors)
    return out


def _chair(request: HttpRequest, chair_id: int | None, council: SupportCouncil | None) -> Any:
    if chair_id is None:
        return None
    chair = selectors.meeting_staff_candidates(request.user, council).filter(pk=chair_id).first()
    if chair is None:
        raise ValidationError({"chair_id": "議長はこの機関の職員から選んでください。"})
    return chair


# --- Meetings -------------------------------------------------------------------------------------


@router.get(
    "/meetings", response={200: MeetingListOut, **ERRORS}, tags=["会議"], summary="会議の一覧（予定・過去）"
)
def meeting_list(request: HttpRequest, when: str = "all", page: PageNo = 1) -> dict[str, Any]:
    guards.require(request.user, Permission.API_USE, via="api")
    if when == "upcoming":
        qs = selectors.meetings_upcoming(request.user)
    elif when == "past":
        qs = selectors.meetings_past(request.user)
    else:
        qs = selectors.meeting_rows(request.user).order_by("-held_on", "-id")
    p = Paginator(qs, PAGE_SIZE).get_page(page)
    items = [
        {
            "id": m.pk,
            "kind": m.kind,
            "kind_ja": m.get_kind_display(),
            "council_id": m.council_id,
            "held_on": m.held_on,
            "place": m.place,
            "agenda_count": m.agenda_count,  # type: ignore[attr-defined]
            "version": m.version,
        }
        for m in p.object_list
    ]
    return {"items": items, "count": p.paginator.count, "page": p.number, "pages": p.paginator.num_pages}


@router.post(
    "/meetings", response={201: MeetingOut, **ERRORS}, tags=["会議"], summary="会議を登録（主任・センター長）"
)
def meeting_create(request: HttpRequest, payload: MeetingCreateIn) -> Status[dict[str, Any]]:
    guards.require(request.user, Permission.API_USE, via="api")
    guards.require(request.user, Permission.MEETING_MANAGE, via="api")
    user: Any = request.user
    council = None
    if payload.kind == "council":
        if payload.council_id is None:
            raise ValidationError({"council_id": "支援会議を指定してください。"})
        council = selectors.council_get_for_user(user=user, council_id=payload.council_id)
    municipality = None
    if payload.municipality_id is not None:
        municipality = selectors.served_municipalities(user).filter(pk=payload.municipality_id).first()
        if municipality is None:
            raise ValidationError(
                {"municipality_id": "この機関が担当する自治体（実施主体）から選んでください。"}
            )
    meeting = services.meeting_create(
        actor=user,
        kind=payload.kind,
        council=council,
        values={
            "held_on": payload.held_on,
            "municipality": municipality,
            "place": payload.place,
            "chair": _chair(request, payload.chair_id, council),
            "minutes": payload.minutes,
        },
        attendees=_attendees(request, payload.attendees, council),
        idempotency_key=payload.idempotency_key,
    )
    return Status(
        201, meeting_out(selectors.meeting_get_for_user(user=user, meeting_id=meeting.pk, audit=False))
    )


@router.get(
    "/meetings/{meeting_id}",
    response={200: MeetingOut, **ERRORS},
    tags=["会議"],
    summary="会議（出席者・議題・結果・議事録）",
)
def meeting_get(request: HttpRequest, meeting_id: RecordId) -> dict[str, Any]:
    guards.require(request.user, Permission.API_USE, via="api")
    return meeting_out(selectors.meeting_get_for_user(user=request.user, meeting_id=meeting_id))


@router.patch(
    "/meetings/{meeting_id}",
    response={200: MeetingOut, **ERRORS},
    tags=["会議"],
    summary="会議を更新（楽観的ロック）",
)
def meeting_patch(request: HttpRequest, meeting_id: RecordId, payload: MeetingPatchIn) -> dict[str, Any]:
    guards.require(request.user, Permission.API_USE, via="api")
    user: Any = request.user
    meeting = selectors.meeting_get_for_user(user=user, meeting_id=meeting_id, audit=False)
    guards.require(request.user, Permission.MEETING_MANAGE, via="api")
    data = payload.dict(exclude_unset=True)
    values: dict[str, Any] = {k: data[k] for k in ("held_on", "place", "minutes") if k in data}
    for text in ("place", "minutes"):
        if text in values and values[text] is None:
            values[text] = ""
    if "held_on" in values and values["held_on"] is None:
        raise ValidationError({"held_on": "開催日を入力してください。"})
    if "chair_id" in data:
        values["chair"] = _chair(request, data["chair_id"], meeting.council)
    attendees = (
        _attendees(request, payload.attendees, meeting.council) if payload.attendees is not None else None
    )
    try:
        meeting = services.meeting_update(
            actor=user, meeting=meeting, values=values, attendees=attendees, expected_version=payload.version
        )
    except ValidationError as exc:
        if getattr(exc, "code", None) == "stale":
            raise ValidationError({"version": exc.messages[0]}) from exc
        raise
    return meeting_out(selectors.meeting_get_for_user(user=user, meeting_id=meeting.pk, audit=False))


@router.post(
    "/meetings/{meeting_id}/agenda",
    response={201: AgendaItemOut, **ERRORS},
    tags=["会議"],
    summary="ケースを議題に追加",
)
def agenda_add(request: HttpRequest, meeting_id: RecordId, payload: AgendaItemIn) -> Status[dict[str, Any]]:
    guards.require(request.user, Permission.API_USE, via="api")
    user: Any = request.user
    meeting = selectors.meeting_get_for_user(user=user, meeting_id=meeting_id, audit=False)
    guards.require(request.user, Permission.MEETING_MANAGE, via="api")
    case = case_selectors.case_get_for_user(user=user, case_id=payload.case_id, audit=False)
    item = services.agenda_item_add(
        actor=user,
        meeting=meeting,
        case=case,
        purpose=payload.purpose,
        emergency_basis=payload.emergency_basis,
        emergency_note=payload.emergency_note,
        idempotency_key=payload.idempotency_key,
    )
    return Status(201, agenda_item_out(selectors.agenda_item_get(meeting=meeting, item_id=item.pk)))


@router.post(
    "/meetings/{meeting_id}/agenda/{item_id}/outcome",
    response={200: AgendaItemOut, **ERRORS},
    tags=["会議"],
    summary="議題の結果（承認・修正・差戻し）と議事録を記録",
)
def agenda_outcome(
    request: HttpRequest, meeting_id: RecordId, item_id: RecordId, payload: AgendaOutcomeIn
) -> dict[str, Any]:
    guards.require(request.user, Permission.API_USE, via="api")
    user: Any = request.user
    meeting = selectors.meeting_get_for_user(user=user, meeting_id=meeting_id, audit=False)
    item = selectors.agenda_item_get(meeting=meeting, item_id=item_id)
    guards.require(request.user, Permission.MEETING_MANAGE, via="api")
    services.agenda_outcome_record(actor=user, item=item, outcome=payload.outcome, minutes=payload.minutes)
    return agenda_item_out(selectors.agenda_item_get(meeting=meeting, item_id=item.pk))


# --- Decisions ------------------------------------------------------------------------------------


@router.get(
    "/decisions",
    response={200: list[SupportDecisionOut], **ERRORS},
    tags=["支援決定"],
    summary="支援決定・確認の一覧（新しい順、100件まで）",
)
def decision_list(request: HttpRequest) -> list[dict[str, Any]]:
    guards.require(request.user, Permission.API_USE, via="api")
    decisions = list(selectors.decisions_visible_to(request.user)[:100])
    selectors.cases_shown_audit(user=request.user, cases=[d.case for d in decisions], shown="decisions")
    return [decision_out(d) for d in decisions]


@router.get(
    "/decisions/pending",
    response={200: list[PendingDecisionOut], **ERRORS},
    tags=["支援決定"],
    summary="支援決定・確認の待ち（自治体担当者）",
)
def decision_pending(request: HttpRequest) -> list[dict[str, Any]]:
    guards.require(request.user, Permission.API_USE, via="api")
    user: Any = request.user
    if not guards.allowed(user, Permission.DECISION_RECORD):
        guards.deny(user, permission=Permission.DECISION_RECORD, message=selectors.DECISION_ONLY_MESSAGE)
    rows = []
    cases = list(selectors.decisions_pending_for(user)[:100])
    selectors.cases_shown_audit(user=user, cases=cases, shown="decisions_pending")
    for case in cases:
        plan = case.approved_plans[0]  # type: ignore[attr-defined]
        rows.append(
            {
                "case_id": case.pk,
                "case_number": case.case_number,
                "person_name": case.person.name,
                "agency_name": case.agency.name,
                "plan_id": plan.pk,
                "expected_kind": services.decision_kind_for(plan).value,
                "programs": list(plan.programs),
            }
        )
    return rows


@router.post(
    "/decisions",
    response={201: SupportDecisionOut, **ERRORS},
    tags=["支援決定"],
    summary="支援決定・確認を記録（自治体担当者）",
)
def decision_create(request: HttpRequest, payload: SupportDecisionIn) -> Status[dict[str, Any]]:
    guards.require(request.user, Permission.API_USE, via="api")
    user: Any = request.user
    case = selectors.case_for_decision(user=user, case_id=payload.case_id)
    decision = services.decision_record(
        actor=user,
        case=case,
        kind=payload.kind,
        decided_on=payload.decided_on,
        programs=payload.programs,
        note=payload.note,
        idempotency_key=payload.idempotency_key,
    )
    return Status(
        201, decision_out(selectors.decision_get_for_user(user=user, decision_id=decision.pk, audit=False))
    )


@router.get(
    "/decisions/{decision_id}",
    response={200: SupportDecisionOut, **ERRORS},
    tags=["支援決定"],
    summary="支援決定・確認を取得",
)
def decision_get(request: HttpRequest, decision_id: RecordId) -> dict[str, Any]:
    guards.require(request.user, Permission.API_USE, via="api")
    return decision_out(selectors.decision_get_for_user(user=request.user, decision_id=decision_id))
