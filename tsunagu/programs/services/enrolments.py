"""Writes for 就労準備支援・認定就労訓練・一時生活支援（居住支援）・子どもの学習・生活支援 enrolments
and the 認定就労訓練事業所 register.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction

from tsunagu.cases.models import Case, PlanStatus, StatutoryProgram, SupportPlan
from tsunagu.core.audit import audit_record
from tsunagu.core.dates import add_months, wareki
from tsunagu.core.idempotency import create_once
from tsunagu.core.models import AuditAction
from tsunagu.organizations import guards
from tsunagu.organizations.roles import Permission, Role

from ..models import (
    CertifiedTrainingProvider,
    EnrolmentProgram,
    EnrolmentStatus,
    HandBackKind,
    ProgramEnrolment,
    ProgressReport,
    TrainingType,
    TrainingTypeDecision,
)

if TYPE_CHECKING:
    from tsunagu.organizations.models import User

from .common import (
    MAX_TEXT,
    _a_date,
    _db_refusal,
    _raise,
    _require_case_staff,
    _require_officer_of,
    _save_checked,
    _text,
    _today,
)

EP_STANDARD_MONTHS = 12  # 就労準備支援事業: 1年以内（自治体が認めれば延長可）
SHELTER_STANDARD_MONTHS = 3  # 一時生活支援事業: 原則3か月
SHELTER_MAXIMUM_MONTHS = 6  # 延長しても6か月まで

# The plan's 利用申込する事業 that each programme needs.
PLAN_PROGRAM_FOR = {
    EnrolmentProgram.EMPLOYMENT_PREPARATION: StatutoryProgram.EMPLOYMENT_PREPARATION,
    EnrolmentProgram.CERTIFIED_TRAINING: StatutoryProgram.CERTIFIED_TRAINING,
    EnrolmentProgram.TEMPORARY_LIVING: StatutoryProgram.TEMPORARY_LIVING,
    EnrolmentProgram.HOUSING_SUPPORT: StatutoryProgram.TEMPORARY_LIVING,
    EnrolmentProgram.CHILD_LEARNING: StatutoryProgram.CHILD_LEARNING,
}


def period_last_day(start: date, months: int) -> date:
    """Last day of an inclusive period of ``months`` from ``start`` (4/1 + 12 → 翌3/31)."""
    return add_months(start, months) - timedelta(days=1)


def enrolment_limits(program: str, start: date) -> tuple[date, date | None]:
    """(標準の期間の最終日, 上限の最終日 or None when there is no absolute maximum)."""
    if program == EnrolmentProgram.EMPLOYMENT_PREPARATION:
        return period_last_day(start, EP_STANDARD_MONTHS), None
    if program == EnrolmentProgram.TEMPORARY_LIVING:
        return period_last_day(start, SHELTER_STANDARD_MONTHS), period_last_day(start, SHELTER_MAXIMUM_MONTHS)
    # 居住支援・子どもの学習・生活支援・認定就労訓練: no statutory limit; the plan's period bounds them.
    return period_last_day(start, 120), None


# --- 認定就労訓練事業所 ------------------------------------------------------------------------------


def certified_provider_add(*, actor: User, values: dict[str, Any]) -> CertifiedTrainingProvider:
    """Register a certified provider (自治体担当者 of their own municipality)."""
    guards.require(actor, Permission.DECISION_RECORD)
    if actor.municipality_id is None:
        guards.deny(actor, permission=Permission.DECISION_RECORD, reason="no_municipality")
    errors: dict[str, str] = {}
    name = _text(errors, "name", values.get("name"), "事業所名", required=True, max_len=200)
    number = _text(
        errors,
        "certification_number",
        values.get("certification_number"),
        "認定番号",
        required=True,
        max_len=50,
    )
    authority = _text(
        errors,
        "certifying_authority",
        values.get("certifying_authority"),
        "認定した自治体",
        required=True,
        max_len=100,
    )
    valid_from = _a_date(errors, "valid_from", values.get("valid_from"), "認定の有効期間（開始）")
    valid_to = _a_date(errors, "valid_to", values.get("valid_to"), "認定の有効期間（終了）")
    if valid_from and valid_to and valid_to < valid_from:
        errors["valid_to"] = "認定の有効期間の終了日は開始日以降にしてください。"
    _raise(errors)
    assert valid_from is not None and valid_to is not None
    if CertifiedTrainingProvider.objects.filter(
        certifying_authority=authority, certification_number=number, valid_from=valid_from
    ).exists():
        raise ValidationError({"certification_number": "この認定番号・有効期間の事業所は登録済みです。"})
    with transaction.atomic():
        provider = CertifiedTrainingProvider(
            municipality_id=actor.municipality_id,
            name=name,
            certification_number=number,
            certifying_authority=authority,
            valid_from=valid_from,
            valid_to=valid_to,
        )
        _save_checked(provider, exclude=["municipality"])
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=provider,
            municipality_id=actor.municipality_id,
            details={"certification_number": number, "certifying_authority": authority},
        )
    return provider


def training_type_decide(
    *,
    actor: User,
    case: Case,
    provider: CertifiedTrainingProvider,
    training_type: Any,
    decided_on: Any,
    note: str = "",
) -> TrainingTypeDecision:
    """雇用型／非雇用型の決定: only a 自治体担当者 of the case's municipality."""
    _require_officer_of(actor, case.municipality_id)
    errors: dict[str, str] = {}
    if training_type not in TrainingType.values:
        errors["training_type"] = "雇用型か非雇用型かを選んでください。"
    day = _a_date(errors, "decided_on", decided_on, "決定日")
    if day and day > _today():
        errors["decided_on"] = "決定日に未来の日付は入力できません。"
    note = _text(errors, "note", note, "備考", required=False, max_len=MAX_TEXT)
    _raise(errors)
    assert day is not None
    with transaction.atomic():
        decision = TrainingTypeDecision(
            agency_id=case.agency_id,
            municipality_id=case.municipality_id,
            case=case,
            provider=provider,
            training_type=training_type,
            decided_on=day,
            decided_by=actor,
            note=note,
        )
        _save_checked(decision, exclude=["agency", "municipality", "case", "provider", "decided_by"])
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=decision,
            person_id=case.person_id,
            details={"case_id": case.pk, "training_type": training_type, "provider_id": provider.pk},
        )
    return decision


# --- Enrolments ----------------------------------------------------------------------------------------


# Relations set by the service itself; full_clean() checks the rest of an enrolment.
_ENROLMENT_RELATIONS = [
    "agency",
    "municipality",
    "person",
    "case",
    "plan",
    "certified_provider",
    "training_decision",
    "created_by",
    "municipality_extension_decided_by",
]


def enrolment_create(
    *, actor: User, case: Case, values: dict[str, Any], idempotency_key: str | None = None
) -> ProgramEnrolment:
    """利用開始: linked to a plan of the case that applied for the programme; limits checked here and in the DB.

    ``values``: plan (SupportPlan or id), program, start_on, end_on, provider_name, certified_provider
    (for 認定就労訓練, with ``training_decision``).
    """
    record, _created = create_once(
        actor=actor,
        scope="enrolment",
        key=idempotency_key,
        model=ProgramEnrolment,
        create=lambda: _enrolment_create(actor=actor, case=case, values=values),
    )
    return record


def _enrolment_create(*, actor: User, case: Case, values: dict[str, Any]) -> ProgramEnrolment:
    _require_case_staff(actor, case)
    errors: dict[str, str] = {}
    program = values.get("program")
    if program not in EnrolmentProgram.values:
        errors["program"] = "事業を選んでください。"
    plan_value = values.get("plan")
    plan_id = plan_value.pk if isinstance(plan_value, SupportPlan) else plan_value
    plan = SupportPlan.objects.filter(pk=plan_id, case=case).first() if plan_id else None
    if plan is None:
        errors["plan"] = "このケースのプランを選んでください。"
    elif plan.status != PlanStatus.DECIDED:
        errors["plan"] = (
            "自治体による支援決定が記録されたプランが必要です"
            f"（このプランは「{plan.get_status_display()}」です）。"
        )
    start = _a_date(errors, "start_on", values.get("start_on"), "利用開始日")
    end = _a_date(errors, "end_on", values.get("end_on"), "利用終了予定日")
    provider_name = _text(
        errors, "provider_name", values.get("provider_name"), "実施事業者・施設", required=False, max_len=200
    )
    if not case.is_open:
        errors[NON_FIELD_ERRORS] = "終結・中断したケースには事業の利用を登録できません。"
    if plan is not None and program in EnrolmentProgram.values:
        needed = PLAN_PROGRAM_FOR[EnrolmentProgram(program)]
        if needed.value not in (plan.programs or []):
            errors["plan"] = (
                f"このプランでは「{needed.label}」の利用を申し込んでいません。プランを確認してください。"
            )
    if start and end and end < start:
        errors["end_on"] = "利用終了予定日は開始日以降にしてください。"
    provider = None
    decision = None
    if program == EnrolmentProgram.CERTIFIED_TRAINING:
        pv = values.get("certified_provider")
        provider = (
            pv
            if isinstance(pv, CertifiedTrainingProvider)
            else CertifiedTrainingProvider.objects.filter(pk=pv).first()
            if pv
            else None
        )
        if provider is None:
            errors["certified_provider"] = "認定就労訓練事業所を選んでください。"
        elif start and not provider.valid_on(start):
            errors["certified_provider"] = (
                f"この事業所の認定は利用開始日（{wareki(start)}）に有効ではありません"
                f"（有効期間 {wareki(provider.valid_from)}〜{wareki(provider.valid_to)}）。"
            )
        dv = values.get("training_decision")
        decision = (
            dv
            if isinstance(dv, TrainingTypeDecision)
            else TrainingTypeDecision.objects.filter(pk=dv).first()
            if dv
            else TrainingTypeDecision.objects.filter(case=case, provider=provider)
            .order_by("-decided_on", "-id")
            .first()
            if provider
            else None
        )
        if (
            decision is None
            or decision.case_id != case.pk
            or (provider and decision.provider_id != provider.pk)
        ):
            errors["training_decision"] = (
                "雇用型／非雇用型の決定がありません。自治体担当者の決定を記録してから登録してください。"
            )
        elif not decision.decided_by.has_role(Role.MUNICIPAL_OFFICER) or (
            decision.decided_by.municipality_id != case.municipality_id
        ):
            errors["training_decision"] = "雇用型／非雇用型はケースの自治体の担当者が決定したものが必要です。"
    elif values.get("certified_provider"):
        errors["certified_provider"] = "認定就労訓練事業所は認定就労訓練事業でのみ選べます。"
    elif program in EnrolmentProgram.values and not provider_name:
        errors["provider_name"] = "実施事業者・施設を入力してください。"
    if start and end and program in EnrolmentProgram.values and "end_on" not in errors:
        standard, maximum = enrolment_limits(program, start)
        if program == EnrolmentProgram.EMPLOYMENT_PREPARATION and end > standard:
            errors["end_on"] = (
                f"就労準備支援事業の利用は1年以内（{wareki(standard)}まで）です。"
                "それを超える期間は自治体の決定（期間延長）を記録してください。"
            )
        elif program == EnrolmentProgram.TEMPORARY_LIVING and end > standard:
            errors["end_on"] = (
                f"一時生活支援事業は原則3か月以内（{wareki(standard)}まで）です。"
                "延長は利用開始後に延長の記録をして行ってください（6か月まで）。"
            )
        elif end > standard:
            errors["end_on"] = f"利用終了予定日は{wareki(standard)}までにしてください。"
    _raise(errors)
    assert start is not None and end is not None and plan is not None and program is not None
    standard, maximum = enrolment_limits(str(program), start)
    try:
        with transaction.atomic():
            enrolment = ProgramEnrolment(
                agency_id=case.agency_id,
                municipality_id=case.municipality_id,
                person_id=case.person_id,
                case=case,
                plan=plan,
                program=program,
                start_on=start,
                end_on=end,
                standard_limit_on=standard,
                maximum_limit_on=maximum,
                provider_name=provider_name if provider is None else provider.name,
                certified_provider=provider,
                training_decision=decision,
                created_by=actor,
            )
            _save_checked(
                enrolment,
                exclude=_ENROLMENT_RELATIONS,
            )
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=enrolment,
                person_id=case.person_id,
                details={"case_id": case.pk, "program": program, "start_on": str(start), "end_on": str(end)},
            )
    except IntegrityError as exc:
        raise _db_refusal(exc) from exc
    return enrolment


def _require_enrolment_staff(actor: User, enrolment: ProgramEnrolment) -> None:
    guards.require_agency_of(actor, enrolment, Permission.CASE_EDIT, message="他機関の利用です。")


def _locked_enrolment(enrolment: ProgramEnrolment) -> ProgramEnrolment:
    return ProgramEnrolment.objects.select_for_update().select_related("case").get(pk=enrolment.pk)


def enrolment_extend(
    *, actor: User, enrolment: ProgramEnrolment, end_on: Any, reason: Any, recorded_on: Any = None
) -> ProgramEnrolment:
    """期間延長.

    - 就労準備支援事業 beyond 1 year: decided by a 自治体担当者 of the enrolment's municipality;
    - 一時生活支援事業 beyond 3 months: an extension record by the centre, never beyond 6 months;
    - other programmes: the centre moves the planned end (within the plan's limit).
    """
    program = enrolment.program
    if program == EnrolmentProgram.EMPLOYMENT_PREPARATION:
        _require_officer_of(actor, enrolment.municipality_id)
    else:
        _require_enrolment_staff(actor, enrolment)
    errors: dict[str, str] = {}
    new_end = _a_date(errors, "end_on", end_on, "延長後の利用終了予定日")
    reason_text = _text(errors, "reason", reason, "延長の理由", required=True, max_len=MAX_TEXT)
    day = recorded_on if isinstance(recorded_on, date) else _today()
    if enrolment.status != EnrolmentStatus.ACTIVE:
        errors[NON_FIELD_ERRORS] = "終了した利用は延長できません。"
    if new_end and new_end <= enrolment.end_on:
        errors["end_on"] = (
            f"延長後の終了予定日は現在の終了予定日（{wareki(enrolment.end_on)}）より後にしてください。"
        )
    elif new_end and enrolment.maximum_limit_on and new_end > enrolment.maximum_limit_on:
        errors["end_on"] = (
            f"一時生活支援事業は延長しても6か月（{wareki(enrolment.maximum_limit_on)}）までです。"
        )
    elif (
        new_end
        and program not in (EnrolmentProgram.EMPLOYMENT_PREPARATION, EnrolmentProgram.TEMPORARY_LIVING)
        and new_end > enrolment.standard_limit_on
    ):
        errors["end_on"] = f"利用終了予定日は{wareki(enrolment.standard_limit_on)}までにしてください。"
    _raise(errors)
    assert new_end is not None
    try:
        with transaction.atomic():
            e = _locked_enrolment(enrolment)
            before = e.end_on
            e.end_on = new_end
            e.extension_reason = reason_text
            e.extension_recorded_on = day
            if program == EnrolmentProgram.EMPLOYMENT_PREPARATION:
                e.municipality_extension_decided_by = actor
            e.version += 1
            _save_checked(
                e,
                exclude=_ENROLMENT_RELATIONS,
            )
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                obj=e,
                person_id=e.person_id,
                details={"extension": True, "end_on_before": str(before), "end_on": str(new_end)},
            )
    except IntegrityError as exc:
        raise _db_refusal(exc) from exc
    return e


def enrolment_end_with_handback(
    *,
    actor: User,
    enrolment: ProgramEnrolment,
    ended_on: Any,
    hand_back_kind: Any,
    hand_back_on: Any = None,
    note: Any = "",
) -> ProgramEnrolment:
    """利用終了 and the つなぎ先 (ハローワーク・一般就労・その他)."""
    _require_enrolment_staff(actor, enrolment)
    errors: dict[str, str] = {}
    end = _a_date(errors, "ended_on", ended_on, "利用終了日")
    if end and end < enrolment.start_on:
        errors["ended_on"] = f"利用終了日は利用開始日（{wareki(enrolment.start_on)}）以降にしてください。"
    elif end and end > _today():
        errors["ended_on"] = "利用終了日に未来の日付は入力できません。"
    if hand_back_kind not in HandBackKind.values:
        errors["hand_back_kind"] = "終了後のつなぎ先（ハローワーク・一般就労・その他）を選んでください。"
    hb_on = hand_back_on if hand_back_on is not None else end
    if hand_back_on is not None and not isinstance(hand_back_on, date):
        errors["hand_back_on"] = "引継ぎ日を入力してください。"
    note_text = _text(
        errors, "note", note, "引継ぎの内容", required=hand_back_kind == "other", max_len=MAX_TEXT
    )
    if enrolment.status == EnrolmentStatus.ENDED:
        errors[NON_FIELD_ERRORS] = "この利用は終了済みです。"
    _raise(errors)
    with transaction.atomic():
        e = _locked_enrolment(enrolment)
        e.status = EnrolmentStatus.ENDED
        e.ended_on = end
        e.hand_back_kind = hand_back_kind
        e.hand_back_on = hb_on
        e.hand_back_note = note_text
        e.version += 1
        e.save()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=e,
            person_id=e.person_id,
            details={"ended_on": str(end), "hand_back_kind": hand_back_kind},
        )
    return e


def progress_report_add(
    *, actor: User, enrolment: ProgramEnrolment, values: dict[str, Any], idempotency_key: str | None = None
) -> ProgressReport:
    """経過報告 by programme staff (own agency)."""
    record, _created = create_once(
        actor=actor,
        scope="progress_report",
        key=idempotency_key,
        model=ProgressReport,
        create=lambda: _progress_report_add(actor=actor, enrolment=enrolment, values=values),
    )
    return record


def _progress_report_add(
    *, actor: User, enrolment: ProgramEnrolment, values: dict[str, Any]
) -> ProgressReport:
    _require_enrolment_staff(actor, enrolment)
    errors: dict[str, str] = {}
    day = _a_date(errors, "reported_on", values.get("reported_on"), "報告日")
    if day and day < enrolment.start_on:
        errors["reported_on"] = f"報告日は利用開始日（{wareki(enrolment.start_on)}）以降にしてください。"
    elif day and day > _today():
        errors["reported_on"] = "報告日に未来の日付は入力できません。"
    content = _text(errors, "content", values.get("content"), "経過・様子", required=True, max_len=MAX_TEXT)
    counts: dict[str, int | None] = {}
    for name, label in (("planned_days", "予定日数"), ("attended_days", "出席日数")):
        v = values.get(name)
        if v is None or v == "":
            counts[name] = None
        elif not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 366:
            errors[name] = f"{label}は0〜366の整数で入力してください。"
        else:
            counts[name] = v
    p, a = counts.get("planned_days"), counts.get("attended_days")
    if p is not None and a is not None and a > p:
        errors["attended_days"] = "出席日数は予定日数以下にしてください。"
    _raise(errors)
    assert day is not None
    with transaction.atomic():
        report = ProgressReport(
            agency_id=enrolment.agency_id,
            municipality_id=enrolment.municipality_id,
            enrolment=enrolment,
            reported_on=day,
            author=actor,
            content=content,
            planned_days=p,
            attended_days=a,
        )
        _save_checked(report, exclude=["agency", "municipality", "enrolment", "author"])
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=report,
            person_id=enrolment.person_id,
            details={"enrolment_id": enrolment.pk},
        )
    return report
