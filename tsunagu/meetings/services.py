"""Writes on meetings: 支援調整会議 (agenda, outcomes, minutes), 支援決定・確認, 支援会議 (法第9条).

Every write takes a keyword-only ``actor``, checks who may do it, validates with Japanese messages,
saves in one transaction together with its audit row. Rules (docs/meetings.md):

- meetings and their agendas are kept by the centre's 主任/センター長 (``MEETING_MANAGE``);
- a 支援調整会議 discusses a case only with the person's consent in force, or on the case's
  緊急的な支援 path; a 支援会議 may discuss people who have not consented, and only its current
  members (pledge signed) may create or read its meetings;
- the outcome for a plan (承認/修正/差戻し) goes through cases' ``plan_meeting_outcome_record``;
- 支援決定 (the plan applies for statutory programmes) or 確認 (it does not) is recorded only by a
  自治体担当者 of the case's municipality, together with the case's ``decide`` transition.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from tsunagu.cases import selectors as case_selectors
from tsunagu.cases import services as case_services
from tsunagu.cases.models import OPEN_STATES, Case, CaseState, Direction, PlanStatus, StatutoryProgram
from tsunagu.core.audit import audit_record
from tsunagu.core.idempotency import create_once
from tsunagu.core.locking import StaleVersionError, parse_version
from tsunagu.core.models import AuditAction
from tsunagu.network.models import PartnerAgency
from tsunagu.organizations import guards
from tsunagu.organizations.models import Municipality, User
from tsunagu.organizations.roles import Permission, Role
from tsunagu.privacy.models import Purpose
from tsunagu.privacy.policies import consent_covering

from .models import (
    AgendaItem,
    AgendaOutcome,
    AgendaPurpose,
    Decision,
    DecisionKind,
    EmergencyBasis,
    Meeting,
    MeetingAttendee,
    MeetingKind,
    SupportCouncil,
    SupportCouncilMember,
)
from .policies import (
    COUNCIL_MEMBERS_ONLY_MESSAGE,
    DECISION_ONLY_MESSAGE,
    OTHER_MUNICIPALITY_MESSAGE,
    is_council_member,
)
from .signals import agenda_item_discussed

if TYPE_CHECKING:
    from tsunagu.privacy.models import Consent

OTHER_AGENCY_MEETING = "他機関の会議です。"
STALE = (
    "この会議は、あなたが画面を開いた後に更新されました。最新の内容を確認してから、もう一度保存してください。"
)

COORDINATION_PURPOSES = frozenset(
    {AgendaPurpose.PLAN, AgendaPurpose.EVALUATION, AgendaPurpose.CLOSURE, AgendaPurpose.SUSPENSION}
)
COUNCIL_PURPOSES = frozenset({AgendaPurpose.CONSULTATION})


# --- Guards (tsunagu.organizations.guards) ---------------------------------------------------------


def _require_manager_of(actor: User, agency_id: int) -> None:
    """主任/センター長 of the agency that holds the meeting or council."""
    guards.require_agency_of(actor, agency_id, Permission.MEETING_MANAGE, message=OTHER_AGENCY_MEETING)


def _require_council_member(actor: User, council: SupportCouncil) -> None:
    if not is_council_member(actor, council):
        guards.deny(
            actor,
            permission=Permission.MEETING_MANAGE,
            reason="not_council_member",
            message=COUNCIL_MEMBERS_ONLY_MESSAGE,
            council=council.pk,
        )


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)


def _today() -> date:
    return timezone.localdate()


def _text(values: dict[str, Any], key: str) -> str:
    return str(values.get(key) or "").strip()


# --- Meetings -------------------------------------------------------------------------------------


def _normalise_attendees(attendees: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    seen: set[tuple[Any, Any, Any]] = set()
    for a in attendees:
        row = {
            "staff": a.get("staff"),
            "partner": a.get("partner"),
            "name": str(a.get("name") or "").strip(),
        }
        if row["staff"] is None and row["partner"] is None and not row["name"]:
            continue
        key = (getattr(row["staff"], "pk", None), getattr(row["partner"], "pk", None), row["name"])
        if key in seen:
            continue
        seen.add(key)
        rows.append(row)
    return rows


def _validate_meeting(
    actor: User,
    *,
    kind: str,
    council: SupportCouncil | None,
    values: dict[str, Any],
    attendees: list[dict[str, Any]],
) -> dict[str, Any]:
    """Check the values of a meeting; returns the fields to save."""
    errors: dict[str, str] = {}
    agency = actor.agency
    assert agency is not None  # MEETING_MANAGE is a centre role
    held_on = values.get("held_on")
    if not isinstance(held_on, date):
        errors["held_on"] = "開催日を入力してください。"
    municipality: Municipality | None = values.get("municipality")
    if council is not None:
        municipality = council.municipality
    elif municipality is None:
        municipality = agency.municipality
    if municipality is None or not agency.serves(municipality):
        errors["municipality"] = "この機関が担当する自治体（実施主体）から選んでください。"
    chair: User | None = values.get("chair")
    if chair is not None:
        if chair.agency_id != agency.pk or not chair.is_active:
            errors["chair"] = "議長はこの機関の職員から選んでください。"
        elif council is not None and not is_council_member(chair, council):
            errors["chair"] = "支援会議の議長は構成員から選んでください。"
    member_staff: set[int] = set()
    member_partners: set[int] = set()
    if council is not None:
        current = SupportCouncilMember.objects.filter(council=council, left_on__isnull=True)
        member_staff = {m for m in current.values_list("staff_id", flat=True) if m}
        member_partners = {p for p in current.values_list("partner_id", flat=True) if p}
    partner_ids = set(PartnerAgency.objects.in_area_of(agency).values_list("pk", flat=True))
    attendee_errors: list[str] = []
    for a in attendees:
        staff, partner, name = a["staff"], a["partner"], a["name"]
        if staff is not None:
            own_staff = staff.agency_id == agency.pk
            officer = (
                municipality is not None
                and staff.municipality_id == municipality.pk
                and staff.has_role(Role.MUNICIPAL_OFFICER)
            )
            if not (own_staff or officer) or not staff.is_active:
                attendee_errors.append(
                    f"{staff}：出席者は、この機関の職員か、実施主体の自治体担当者から選んでください。"
                )
            elif council is not None and staff.pk not in member_staff:
                attendee_errors.append(
                    f"{staff}：支援会議に出席できるのは構成員（守秘義務の誓約済み）のみです。"
                )
        elif partner is not None:
            if partner.pk not in partner_ids:
                attendee_errors.append(f"{partner}：担当地域の関係機関から選んでください。")
            elif council is not None and partner.pk not in member_partners:
                attendee_errors.append(
                    f"{partner}：支援会議に出席できるのは構成員（守秘義務の誓約済み）のみです。"
                )
        elif council is not None:
            attendee_errors.append(
                f"{name}：支援会議に出席できるのは名簿の構成員のみです（氏名だけの出席者は登録できません）。"
            )
    if attendee_errors:
        errors["attendees"] = " ".join(attendee_errors)
    _raise(errors)
    return {
        "held_on": held_on,
        "municipality": municipality,
        "place": _text(values, "place"),
        "chair": chair,
        "minutes": str(values.get("minutes") or "").strip(),
    }


def _save_attendees(meeting: Meeting, attendees: list[dict[str, Any]]) -> None:
    MeetingAttendee.objects.filter(meeting=meeting).delete()
    for a in attendees:
        row = MeetingAttendee(meeting=meeting, staff=a["staff"], partner=a["partner"], name=a["name"][:60])
        row.full_clean(exclude=["meeting"])
        row.save()


def meeting_create(
    *,
    actor: User,
    kind: str,
    values: dict[str, Any],
    attendees: Iterable[dict[str, Any]] = (),
    council: SupportCouncil | None = None,
    idempotency_key: str | None = None,
) -> Meeting:
    """Hold a meeting: 支援調整会議 (``coordination``) or a 支援会議 of ``council`` (``council``).

    ``values``: held_on (required), municipality (default: the agency's), place, chair, minutes.
    ``attendees``: dicts with one of ``staff`` (an account), ``partner`` (a 関係機関, with an
    optional representative ``name``) or only ``name``.
    """
    guards.require(actor, Permission.MEETING_MANAGE)
    if kind not in MeetingKind.values:
        raise ValidationError({"kind": "会議の種類を選んでください。"})
    if kind == MeetingKind.COUNCIL:
        if council is None:
            raise ValidationError({"council": "支援会議を選んでください。"})
        _require_manager_of(actor, council.agency_id)
        _require_council_member(actor, council)
    else:
        council = None
    rows = _normalise_attendees(attendees)
    fields = _validate_meeting(actor, kind=kind, council=council, values=values, attendees=rows)

    def create() -> Meeting:
        meeting = Meeting(agency=actor.agency, kind=kind, council=council, created_by=actor, **fields)
        meeting.full_clean()
        meeting.save()
        _save_attendees(meeting, rows)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=meeting,
            details={"kind": kind, "held_on": meeting.held_on.isoformat(), "attendees": len(rows)},
        )
        return meeting

    with transaction.atomic():
        meeting, _ = create_once(
            actor=actor, scope="meeting", key=idempotency_key, model=Meeting, create=create
        )
    return meeting


def meeting_update(
    *,
    actor: User,
    meeting: Meeting,
    values: dict[str, Any],
    attendees: Iterable[dict[str, Any]] | None = None,
    expected_version: int | str | None,
) -> Meeting:
    """Edit date, place, chair, overall minutes and attendees (optimistic: ``expected_version``).

    The kind and the council of a meeting never change. Once an outcome is recorded, the meeting
    cannot be moved into the future.
    """
    _require_manager_of(actor, meeting.agency_id)
    council = meeting.council
    if council is not None:
        _require_council_member(actor, council)
    with transaction.atomic():
        locked = (
            Meeting.objects.select_for_update(of=("self",))
            .select_related("council", "municipality")
            .get(pk=meeting.pk)
        )
        if parse_version(expected_version) != locked.version:
            raise StaleVersionError(locked, STALE)
        current_rows = [
            {"staff": a.staff, "partner": a.partner, "name": a.name}
            for a in locked.attendees.select_related("staff", "partner")
        ]
        rows = _normalise_attendees(current_rows if attendees is None else attendees)
        merged = {
            "held_on": locked.held_on,
            "municipality": locked.municipality,
            "place": locked.place,
            "chair": locked.chair,
            "minutes": locked.minutes,
        } | dict(values)
        if council is None and locked.agenda.exists():
            merged["municipality"] = locked.municipality  # its cases belong to that municipality
        fields = _validate_meeting(actor, kind=locked.kind, council=council, values=merged, attendees=rows)
        if fields["held_on"] > _today() and locked.agenda.exclude(outcome="").exists():
            raise ValidationError({"held_on": "結果を記録済みの会議は、開催日を未来の日付にできません。"})
        changed = sorted(k for k, v in fields.items() if getattr(locked, k) != v)
        for k, v in fields.items():
            setattr(locked, k, v)
        locked.version = F("version") + 1
        locked.full_clean(exclude=["version"])
        locked.save()
        locked.refresh_from_db(fields=["version"])
        if attendees is not None:
            _save_attendees(locked, rows)
            changed.append("attendees")
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=locked, details={"fields": changed})
    return locked


# --- Agenda ---------------------------------------------------------------------------------------


def attending_partners(meeting: Meeting) -> list[PartnerAgency]:
    """The partner agencies (関係機関) attending ``meeting``: who receives what is said about a case."""
    ids = {a.partner_id for a in meeting.attendees.all() if a.partner_id}
    return list(PartnerAgency.objects.filter(pk__in=ids).order_by("pk"))


NO_CONSENT_SUFFIX = (
    "同意のない方について関係機関と検討する場合は、支援会議（法第9条）を使ってください。"
    "緊急的な支援の対象の方は、同意によらない検討の根拠を記録して議題にできます。"
)


def coordination_basis(meeting: Meeting, case: Case, *, on: date | None = None) -> tuple[Consent | None, str]:
    """The consent that lets ``meeting`` discuss ``case`` (its purpose 本人の支援 and every attending
    partner agency, 手引き VII-1(2)), or ``(None, reason)`` in Japanese."""
    return consent_covering(
        case.person,
        on=on or _today(),
        purposes=[Purpose.SUPPORT],
        recipients=attending_partners(meeting),
    )


def agenda_item_add(
    *,
    actor: User,
    meeting: Meeting,
    case: Case,
    purpose: str,
    emergency_basis: str = "",
    emergency_note: str = "",
    idempotency_key: str | None = None,
) -> AgendaItem:
    """Put a case on a meeting's agenda.

    - 支援調整会議: purposes プラン（案）の検討 / 評価 / 終結の報告 / 中断の確認. The person's consent in force
      must cover the purpose 本人の支援 and every partner agency attending (``coordination_basis``);
      the item keeps that consent. Without it, a case on the 緊急的な支援 path may still be discussed:
      the item records the emergency basis (``EmergencyBasis``, default 第27条第1項第2号), the
      circumstances, who recorded it and when. For ``plan`` the case must wait for the meeting (state
      支援調整会議) with its plan submitted; the item names that plan.
    - 支援会議: purpose 支援方針の相談, no consent check (法第9条), members only.
    """
    _require_manager_of(actor, meeting.agency_id)
    if meeting.council_id is not None:
        _require_council_member(actor, meeting.council)  # type: ignore[arg-type]
    if case.agency_id != meeting.agency_id:
        guards.deny(
            actor,
            permission=Permission.MEETING_MANAGE,
            reason="other_agency",
            message="他機関のケースです。",
            obj=case,
        )
    errors: dict[str, str] = {}
    if case.municipality_id != meeting.municipality_id:
        errors["case"] = "会議の自治体（実施主体）と異なる自治体のケースは議題にできません。"
    allowed = COUNCIL_PURPOSES if meeting.kind == MeetingKind.COUNCIL else COORDINATION_PURPOSES
    if purpose not in allowed:
        errors["purpose"] = "この会議の議題として選べない項目です。" + (
            "支援会議では「支援方針の相談」を選んでください。"
            if meeting.kind == MeetingKind.COUNCIL
            else "「支援方針の相談」は支援会議（法第9条）で行います。"
        )
    emergency_note = (emergency_note or "").strip()
    if emergency_basis and emergency_basis not in EmergencyBasis.values:
        errors["emergency_basis"] = "同意によらない検討の根拠の値が正しくありません。"
    if len(emergency_note) > 400:
        errors["emergency_note"] = "緊急の事情は400文字以内で入力してください。"
    _raise(errors)
    plan = None
    evaluation = None
    consent: Consent | None = None
    emergency = ""
    if meeting.kind == MeetingKind.COORDINATION:
        consent, why = coordination_basis(meeting, case)
        if consent is None:
            if not case.is_emergency:
                raise ValidationError({"case": f"支援調整会議の議題にできません：{why}" + NO_CONSENT_SUFFIX})
            emergency = emergency_basis or EmergencyBasis.LIFE
        if purpose == AgendaPurpose.PLAN:
            if case.state != CaseState.COORDINATION_MEETING:
                raise ValidationError(
                    {
                        "case": "プラン（案）を検討できるのは、状態が「支援調整会議」のケースです"
                        f"（現在の状態：{CaseState(case.state).label}）。先にケースの画面でプラン（案）を会議に提出してください。"
                    }
                )
            plan = case_selectors.plan_current(case)
            if plan is None or plan.status != PlanStatus.SUBMITTED:
                raise ValidationError({"case": "支援調整会議に提出されたプラン（案）がありません。"})
        elif purpose in (AgendaPurpose.EVALUATION, AgendaPurpose.CLOSURE):
            evaluation = case.evaluations.order_by("-evaluated_on", "-id").first()
            if evaluation is None:
                raise ValidationError({"case": "評価シートがありません。先に評価を記録してください。"})
            if purpose == AgendaPurpose.CLOSURE and evaluation.direction != Direction.CLOSE:
                raise ValidationError({"case": "最新の評価の方向性が「終結」ではありません。"})
            plan = evaluation.plan
        elif purpose == AgendaPurpose.SUSPENSION and case.state not in OPEN_STATES:
            raise ValidationError({"case": "支援を終えたケースの中断は確認できません。"})

    def create() -> AgendaItem:
        item = AgendaItem(
            meeting=meeting,
            case=case,
            purpose=purpose,
            plan=plan,
            evaluation=evaluation,
            consent=consent,
            emergency_basis=emergency,
            emergency_note=emergency_note if emergency else "",
            emergency_recorded_by=actor if emergency else None,
            emergency_recorded_at=timezone.now() if emergency else None,
        )
        item.full_clean(exclude=["meeting", "case", "plan", "evaluation", "consent", "emergency_recorded_by"])
        item.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=item,
            person_id=case.person_id,
            agency_id=meeting.agency_id,
            municipality_id=meeting.municipality_id,
            details={
                "meeting": meeting.pk,
                "case": case.pk,
                "purpose": purpose,
                "consent": getattr(consent, "pk", None),
                "emergency_basis": emergency or None,
            },
        )
        return item

    try:
        with transaction.atomic():
            item, _ = create_once(
                actor=actor, scope="agenda_item", key=idempotency_key, model=AgendaItem, create=create
            )
    except IntegrityError as exc:
        raise ValidationError({"case": "このケースは既に同じ議題で登録されています。"}) from exc
    return item


def agenda_outcome_record(*, actor: User, item: AgendaItem, outcome: str, minutes: str = "") -> AgendaItem:
    """Record the outcome (承認 / 修正 / 差戻し) and the minutes of one agenda item.

    For a plan it runs cases' ``plan_meeting_outcome_record`` in the same transaction (承認 → the
    plan awaits the municipality's decision; 修正/差戻し → the case goes back to planning). Once
    recorded, the outcome stays; only the minutes may be completed afterwards.
    """
    meeting = item.meeting
    _require_manager_of(actor, meeting.agency_id)
    if meeting.council_id is not None:
        _require_council_member(actor, meeting.council)  # type: ignore[arg-type]
    minutes = (minutes or "").strip()
    outcome = (outcome or "").strip()
    if outcome and outcome not in AgendaOutcome.values:
        raise ValidationError({"outcome": "結果は「承認」「修正」「差戻し」から選んでください。"})
    if not outcome and item.purpose != AgendaPurpose.CONSULTATION:
        raise ValidationError({"outcome": "結果（承認・修正・差戻し）を選んでください。"})
    if meeting.held_on > _today():
        raise ValidationError({"outcome": "開催日より前に結果は記録できません。"})
    if item.purpose == AgendaPurpose.PLAN and item.plan_id is None:
        raise ValidationError({"outcome": "この議題にはプランがないため、結果を記録できません。"})
    with transaction.atomic():
        locked = (
            AgendaItem.objects.select_for_update(of=("self",))
            .select_related("plan", "case__person", "meeting")
            .get(pk=item.pk)
        )
        if locked.outcome and outcome and locked.outcome != outcome:
            raise ValidationError(
                {
                    "outcome": f"結果は既に「{AgendaOutcome(locked.outcome).label}」と記録されています。"
                    "変更する場合は、改めて会議の議題にしてください。"
                }
            )
        first_time = bool(outcome) and not locked.outcome
        if first_time and locked.purpose == AgendaPurpose.PLAN:
            plan = locked.plan
            if plan is None or plan.status != PlanStatus.SUBMITTED:
                raise ValidationError({"outcome": "このプランは会議に提出された状態ではありません。"})
            locked.plan = case_services.plan_meeting_outcome_record(
                actor=actor, plan=plan, outcome=outcome, note=minutes
            )
        partners: list[PartnerAgency] = []
        if first_time and meeting.kind == MeetingKind.COORDINATION:
            partners = attending_partners(meeting)
            consent, why = coordination_basis(meeting, locked.case)
            if consent is not None:
                locked.consent = consent
            elif not locked.emergency_basis:
                raise ValidationError(
                    {"outcome": f"この会議でこのケースを検討した記録にできません：{why}" + NO_CONSENT_SUFFIX}
                )
            else:
                locked.consent = None
        locked.outcome = outcome or locked.outcome
        locked.minutes = minutes
        locked.save(update_fields=["outcome", "minutes", "consent"])
        if partners:
            agenda_item_discussed.send(sender=AgendaItem, actor=actor, item=locked, partners=partners)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            person_id=locked.case.person_id,
            agency_id=meeting.agency_id,
            municipality_id=meeting.municipality_id,
            details={"outcome": locked.outcome, "purpose": locked.purpose, "minutes_length": len(minutes)},
        )
    return locked


# --- 支援決定・確認 (the municipality) ----------------------------------------------------------------


def decision_kind_for(plan: Any) -> DecisionKind:
    """支援決定 when the plan applies for statutory programmes, else 確認."""
    return DecisionKind.DECISION if plan.programs else DecisionKind.CONFIRMATION


def decision_record(
    *,
    actor: User,
    case: Case,
    kind: str,
    decided_on: date | None,
    programs: Iterable[str] | None = None,
    note: str = "",
    idempotency_key: str | None = None,
) -> Decision:
    """支援決定 / 確認 of the case's approved plan, and the case's ``decide`` transition, together.

    Only a 自治体担当者 (``DECISION_RECORD``) of the case's own municipality; never centre staff.
    ``kind`` must be ``decision`` exactly when the plan applies for statutory programmes; the
    programmes decided are those of the plan (all of them when ``programs`` is not given).
    """
    if not guards.allowed(actor, Permission.DECISION_RECORD):
        guards.deny(actor, permission=Permission.DECISION_RECORD, message=DECISION_ONLY_MESSAGE, case=case.pk)
    guards.require_municipality_of(
        actor, case, Permission.DECISION_RECORD, message=OTHER_MUNICIPALITY_MESSAGE, case=case.pk
    )
    with transaction.atomic():
        decision, _ = create_once(
            actor=actor,
            scope="decision",
            key=idempotency_key,
            model=Decision,
            create=lambda: _decision_create(
                actor=actor, case=case, kind=kind, decided_on=decided_on, programs=programs, note=note
            ),
        )
    return decision


def _decision_create(
    *,
    actor: User,
    case: Case,
    kind: str,
    decided_on: date | None,
    programs: Iterable[str] | None,
    note: str,
) -> Decision:
    locked = Case.objects.select_for_update(of=("self",)).select_related("person").get(pk=case.pk)
    plan = case_selectors.plan_current(locked)
    if locked.state != CaseState.COORDINATION_MEETING or plan is None or plan.status != PlanStatus.APPROVED:
        raise ValidationError(
            "支援調整会議で承認されたプランがないため、支援決定・確認を記録できません。",
            code="no_approved_plan",
        )
    errors: dict[str, str] = {}
    expected = decision_kind_for(plan)
    if kind not in DecisionKind.values:
        errors["kind"] = "種別（支援決定・確認）を選んでください。"
    elif kind != expected:
        errors["kind"] = (
            "このプランは法定事業の利用を申し込んでいるため「支援決定」です。"
            if expected == DecisionKind.DECISION
            else "このプランは法定事業の利用を含まないため「確認」です。"
        )
    item = _approving_item(plan)
    if not isinstance(decided_on, date):
        errors["decided_on"] = "決定日を入力してください。"
    elif decided_on > _today():
        errors["decided_on"] = "決定日に未来の日付は入力できません。"
    elif item is not None and decided_on < item.meeting.held_on:
        errors["decided_on"] = "決定日は、プランを承認した支援調整会議の開催日以降にしてください。"
    chosen = list(dict.fromkeys(programs if programs is not None else plan.programs))
    if expected == DecisionKind.DECISION:
        unknown = [p for p in chosen if p not in plan.programs or p not in StatutoryProgram.values]
        if unknown:
            errors["programs"] = "プランで利用を申し込んだ事業から選んでください。"
        elif not chosen and "kind" not in errors:
            errors["programs"] = "決定する事業を選んでください。"
    elif chosen:
        errors["programs"] = "確認の場合、決定する事業はありません。"
    _raise(errors)
    assert isinstance(decided_on, date)
    decision = Decision(
        case=locked,
        plan=plan,
        agenda_item=item,
        municipality_id=locked.municipality_id,
        agency_id=locked.agency_id,
        kind=kind,
        decided_on=decided_on,
        programs=chosen if expected == DecisionKind.DECISION else [],
        note=(note or "").strip(),
        decided_by=actor,
    )
    try:
        with transaction.atomic():
            decision.full_clean(
                exclude=["case", "plan", "agenda_item", "municipality", "agency", "decided_by"]
            )
            decision.save()
    except IntegrityError as exc:
        raise ValidationError("このプランには既に支援決定・確認が記録されています。") from exc
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=decision,
        person_id=locked.person_id,
        details={"kind": kind, "plan": plan.pk, "programs": decision.programs},
    )
    case_services.case_transition(actor=actor, case=locked, name="decide")
    return decision


def _approving_item(plan: Any) -> AgendaItem | None:
    return (
        AgendaItem.objects.filter(
            plan=plan, outcome=AgendaOutcome.APPROVED, meeting__kind=MeetingKind.COORDINATION
        )
        .select_related("meeting")
        .order_by("-meeting__held_on", "-id")
        .first()
    )


# --- 支援会議 (法第9条) ------------------------------------------------------------------------------


def council_create(*, actor: User, values: dict[str, Any]) -> SupportCouncil:
    """Set up a 支援会議 for a municipality the agency serves. Its roster starts empty: add members
    (each with the confidentiality pledge) before holding meetings."""
    guards.require(actor, Permission.MEETING_MANAGE)
    if not actor.agency_id:
        guards.deny(actor, permission=Permission.MEETING_MANAGE, reason="no_agency")
    errors: dict[str, str] = {}
    name = _text(values, "name")
    if not name:
        errors["name"] = "名称を入力してください。"
    established_on = values.get("established_on")
    if not isinstance(established_on, date):
        errors["established_on"] = "設置日を入力してください。"
    agency = actor.agency
    assert agency is not None
    municipality = values.get("municipality") or agency.municipality
    if not agency.serves(municipality):
        errors["municipality"] = "この機関が担当する自治体（実施主体）から選んでください。"
    _raise(errors)
    assert isinstance(established_on, date)
    with transaction.atomic():
        council = SupportCouncil(
            agency=actor.agency, municipality=municipality, name=name, established_on=established_on
        )
        council.full_clean()
        council.save()
        audit_record(actor=actor, action=AuditAction.CREATE, obj=council, details={"name": name})
    return council


def council_member_add(
    *,
    actor: User,
    council: SupportCouncil,
    staff: User | None = None,
    partner: PartnerAgency | None = None,
    representative: str = "",
    pledge_signed_on: date | None,
    joined_on: date | None = None,
) -> SupportCouncilMember:
    """Add a member to the roster. The confidentiality pledge (守秘義務の誓約) is required, on or before
    the day the member joins (法第9条: members and former members keep the council's secrets)."""
    _require_manager_of(actor, council.agency_id)
    errors: dict[str, str] = {}
    representative = (representative or "").strip()
    if (staff is None) == (partner is None):
        errors["member"] = "職員か関係機関のどちらか一方を選んでください。"
    elif staff is not None:
        own = staff.agency_id == council.agency_id
        officer = staff.municipality_id == council.municipality_id and staff.has_role(Role.MUNICIPAL_OFFICER)
        if not (own or officer) or not staff.is_active:
            errors["staff"] = "この機関の職員か、実施主体の自治体担当者から選んでください。"
    elif partner is not None:
        if partner.municipality_id != council.municipality_id or not partner.is_active:
            errors["partner"] = "支援会議の自治体の関係機関から選んでください。"
        if not representative:
            errors["representative"] = "関係機関の代表者・担当者名を入力してください。"
    if not isinstance(pledge_signed_on, date):
        errors["pledge_signed_on"] = "守秘義務の誓約日を入力してください。誓約のない方は構成員にできません。"
    elif pledge_signed_on > _today():
        errors["pledge_signed_on"] = "誓約日に未来の日付は入力できません。"
    joined = joined_on if isinstance(joined_on, date) else pledge_signed_on
    if isinstance(pledge_signed_on, date) and isinstance(joined, date) and pledge_signed_on > joined:
        errors["joined_on"] = "守秘義務の誓約日は、構成員となった日以前にしてください。"
    _raise(errors)
    assert isinstance(pledge_signed_on, date) and isinstance(joined, date)
    member = SupportCouncilMember(
        council=council,
        staff=staff,
        partner=partner,
        representative=representative,
        pledge_signed_on=pledge_signed_on,
        joined_on=joined,
    )
    try:
        with transaction.atomic():
            member.full_clean(exclude=["council", "staff", "partner"])
            member.save()
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=member,
                agency_id=council.agency_id,
                municipality_id=council.municipality_id,
                details={
                    "council": council.pk,
                    "staff": getattr(staff, "pk", None),
                    "partner": getattr(partner, "pk", None),
                    "pledge_signed_on": pledge_signed_on.isoformat(),
                },
            )
    except IntegrityError as exc:
        raise ValidationError({"member": "既に構成員として登録されています。"}) from exc
    return member


def council_member_leave(
    *, actor: User, member: SupportCouncilMember, left_on: date | None
) -> SupportCouncilMember:
    """End a membership: from ``left_on`` the member no longer sees the council's records (the duty of
    confidentiality continues)."""
    council = member.council
    _require_manager_of(actor, council.agency_id)
    if member.left_on is not None:
        raise ValidationError({"left_on": "既に構成員ではありません。"})
    if not isinstance(left_on, date):
        raise ValidationError({"left_on": "構成員でなくなった日を入力してください。"})
    if left_on < member.joined_on:
        raise ValidationError({"left_on": "構成員でなくなった日は、構成員となった日以降にしてください。"})
    with transaction.atomic():
        SupportCouncilMember.objects.filter(pk=member.pk).update(left_on=left_on)
        member.left_on = left_on
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=member,
            agency_id=council.agency_id,
            municipality_id=council.municipality_id,
            details={"council": council.pk, "left_on": left_on.isoformat()},
        )
    return member
