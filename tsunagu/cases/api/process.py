"""API: the support process — assessments, plans, 支援経過記録, evaluations, 就労・増収."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Status

from tsunagu.core.locking import StaleVersionError
from tsunagu.network.models import PartnerAgency
from tsunagu.organizations.models import User

from .. import hub, selectors, services
from ..models import (
    Assessment,
    Case,
    Evaluation,
    PlanStatus,
    RecordMethod,
    SupportPlan,
    SupportRecord,
)
from ..schemas import (
    AssessmentIn,
    AssessmentOut,
    AssessmentShareIn,
    EmploymentOutcomeCreatedOut,
    EmploymentOutcomeIn,
    EmploymentOutcomeOut,
    EvaluationIn,
    EvaluationOut,
    GoalIn,
    PlanIn,
    PlanOut,
    PlanPatchIn,
    RecordIn,
    RecordOut,
    RecordPatchIn,
)
from .common import ERRORS, _case_for_api, _staff, _stale, actor, body_version, refuse_nulls

router = Router()


def assessment_out(a: Assessment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "case_id": a.case_id,
        "number": a.number,
        "assessed_on": a.assessed_on,
        "sections": a.sections or {},
        "issues": a.issues or [],
        "disability_certificate": a.disability_certificate,
        **{f: getattr(a, f) for f in services.ASSESSMENT_ITEM_FIELDS},
        **selectors.assessment_rows(a),
        "legacy": a.legacy or {},
        "strengths": a.strengths,
        "wishes": a.wishes,
        "urgency": a.urgency,
        "author_id": a.author_id,
        "joint_with_id": a.joint_with_id,
        "shared_with_budget_support": a.shared_with_budget_support,
        "shared_with_id": a.shared_with_id,
        "created_at": a.created_at,
    }


@router.get(
    "/cases/{case_id}/assessments",
    response={200: list[AssessmentOut], **ERRORS},
    tags=["アセスメント"],
    summary="インテーク・アセスメントシートの版（新しい順）",
)
def assessment_list(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    case = _case_for_api(request, case_id, audit=True)
    rows = list(
        selectors.assessments_of_case(user=actor(request), case=case).prefetch_related(
            *selectors.ASSESSMENT_ROW_PREFETCH
        )
    )
    selectors.rows_listed(user=actor(request), rows=rows, via="api")
    return [assessment_out(a) for a in rows]


@router.post(
    "/cases/{case_id}/assessments",
    response={201: AssessmentOut, **ERRORS},
    tags=["アセスメント"],
    summary="アセスメントシートの新しい版を作成（楽観的ロック：based_on_number）",
)
def assessment_create(request: HttpRequest, case_id: int, payload: AssessmentIn) -> Status:
    case = _case_for_api(request, case_id)
    values = payload.dict()
    based_on = body_version(values.pop("based_on_number"), "based_on_number")
    values["joint_with"] = _staff(request, case, values.pop("joint_with_id"), "joint_with_id")
    try:
        a = services.assessment_create(
            actor=actor(request), case=case, values=values, based_on_number=based_on
        )
    except StaleVersionError as exc:
        raise _stale(exc, "based_on_number") from exc
    return Status(201, assessment_out(a))


@router.get(
    "/cases/{case_id}/assessments/{assessment_id}",
    response={200: AssessmentOut, **ERRORS},
    tags=["アセスメント"],
    summary="アセスメントシートの1つの版",
)
def assessment_get(request: HttpRequest, case_id: int, assessment_id: int) -> dict[str, Any]:
    case = _case_for_api(request, case_id)
    return assessment_out(
        selectors.assessment_get_for_user(user=actor(request), case=case, assessment_id=assessment_id)
    )


@router.post(
    "/cases/{case_id}/assessments/{assessment_id}/share",
    response={200: AssessmentOut, **ERRORS},
    tags=["アセスメント"],
    summary="家計改善支援員と共有（同意が必要。監査ログに記録）",
)
def assessment_share(
    request: HttpRequest, case_id: int, assessment_id: int, payload: AssessmentShareIn
) -> dict[str, Any]:
    case = _case_for_api(request, case_id)
    a = selectors.assessment_get_for_user(user=actor(request), case=case, assessment_id=assessment_id)
    from tsunagu.organizations.models import User

    recipient = User.objects.filter(pk=payload.recipient_id, agency_id=case.agency_id).first()
    a = services.assessment_share_with_budget_supporter(
        actor=actor(request), assessment=a, recipient=recipient
    )
    return assessment_out(a)


def plan_out(plan: SupportPlan) -> dict[str, Any]:
    return {
        **{
            f: getattr(plan, f)
            for f in (
                "case_id",
                "number",
                "version",
                "status",
                "based_on_assessment_id",
                "replan_of_evaluation_id",
                "wishes",
                "issues",
                "long_term_goal",
                "short_term_goal",
                "notes",
                "programs",
                "employment_support_target",
                "start_date",
                "end_date",
                "agreed_on",
                "monitoring_interval_days",
                "next_monitoring_on",
                "long_period_reason",
            )
        },
        "id": plan.pk,
        "status_ja": PlanStatus(plan.status).label,
        "goals": [
            {
                **{
                    f: getattr(g, f)
                    for f in services.GOAL_FIELDS
                    if f not in ("provider_staff", "provider_partner")
                },
                "id": g.pk,
                "order": g.order,
                "provider_staff_id": g.provider_staff_id,
                "provider_partner_id": g.provider_partner_id,
            }
            for g in selectors.plan_goals(plan)
        ],
    }


def _goals_in(case: Case, goals: list[GoalIn]) -> list[dict[str, Any]]:
    rows = []
    partners = PartnerAgency.objects.in_area_of(case.agency)
    for i, g in enumerate(goals):
        row = g.dict()
        staff_id, partner_id = row.pop("provider_staff_id"), row.pop("provider_partner_id")
        row["provider_staff"] = _staff_or_none(case, staff_id, f"goals.{i}.provider_staff_id")
        row["provider_partner"] = None
        if partner_id is not None:
            row["provider_partner"] = partners.filter(pk=partner_id).first()
            if row["provider_partner"] is None:
                raise ValidationError(
                    {f"goals.{i}.provider_partner_id": "担当地域の関係機関を指定してください。"}
                )
        rows.append(row)
    return rows


def _staff_or_none(case: Case, staff_id: int | None, field: str) -> Any:
    if staff_id is None:
        return None
    staff = User.objects.case_staff_of(case.agency_id).filter(pk=staff_id).first()
    if staff is None:
        raise ValidationError({field: "同じ機関の職員を指定してください。"})
    return staff


def _goal_errors_to_api(exc: ValidationError) -> ValidationError:
    """``goals-0-goal`` (form style) → ``goals.0.goal`` (the JSON position)."""
    if not hasattr(exc, "error_dict"):
        return exc
    out: dict[str, list[str]] = {}
    for key, msgs in exc.message_dict.items():
        if key.startswith("goals-"):
            _, row, field = key.split("-", 2)
            key = f"goals.{row}.{field}"
        out[key] = msgs
    return ValidationError(out)


@router.get(
    "/cases/{case_id}/plans",
    response={200: list[PlanOut], **ERRORS},
    tags=["プラン"],
    summary="プランの版（新しい順）",
)
def plan_list(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    case = _case_for_api(request, case_id, audit=True)
    rows = list(selectors.plans_of_case(case))
    selectors.rows_listed(user=actor(request), rows=rows, via="api")
    return [plan_out(p) for p in rows]


@router.post(
    "/cases/{case_id}/plans",
    response={201: PlanOut, **ERRORS},
    tags=["プラン"],
    summary="プラン（案）を作成（再プランでは契機の評価に自動で結び付けます）",
)
def plan_create(request: HttpRequest, case_id: int, payload: PlanIn) -> Status:
    case = _case_for_api(request, case_id)
    values = payload.dict()
    goals = _goals_in(case, payload.goals)
    values.pop("goals")
    try:
        plan = services.plan_create(actor=actor(request), case=case, values=values, goals=goals)
    except ValidationError as exc:
        raise _goal_errors_to_api(exc) from exc
    return Status(201, plan_out(plan))


@router.get("/plans/{plan_id}", response={200: PlanOut, **ERRORS}, tags=["プラン"], summary="プランを取得")
def plan_get(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    return plan_out(selectors.plan_get_for_user(user=actor(request), plan_id=plan_id))


@router.patch(
    "/plans/{plan_id}",
    response={200: PlanOut, **ERRORS},
    tags=["プラン"],
    summary="プラン（案・修正中）を更新（楽観的ロック：version）",
)
def plan_patch(request: HttpRequest, plan_id: int, payload: PlanPatchIn) -> dict[str, Any]:
    plan = selectors.plan_get_for_user(user=actor(request), plan_id=plan_id, audit=False)
    changes = payload.dict(exclude_unset=True)
    version = body_version(changes.pop("version", None))
    goals_in = changes.pop("goals", None)
    refuse_nulls(changes, SupportPlan, changes)
    values = {f: getattr(plan, f) for f in services.PLAN_FIELDS} | changes
    goals = (
        _goals_in(plan.case, payload.goals) if goals_in is not None and payload.goals is not None else None
    )
    try:
        plan = services.plan_update(
            actor=actor(request), plan=plan, values=values, goals=goals, expected_version=version
        )
    except StaleVersionError as exc:
        raise _stale(exc) from exc
    except ValidationError as exc:
        raise _goal_errors_to_api(exc) from exc
    return plan_out(plan)


def record_out(r: SupportRecord) -> dict[str, Any]:
    return {
        "id": r.pk,
        "case_id": r.case_id,
        "version": r.version,
        "occurred_at": r.occurred_at,
        "duration_minutes": r.duration_minutes,
        "method": r.method,
        "method_ja": RecordMethod(r.method).label,
        "content": r.content,
        "staff_id": r.staff_id,
        "author_id": r.author_id,
        "is_monitoring": r.is_monitoring,
    }


@router.get(
    "/cases/{case_id}/records",
    response={200: list[RecordOut], **ERRORS},
    tags=["支援経過記録"],
    summary="支援経過記録（新しい順、最大50件）",
)
def record_list(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    case = _case_for_api(request, case_id, audit=True)
    rows = selectors.records_of_case(case)
    selectors.rows_listed(user=actor(request), rows=rows, via="api")
    return [record_out(r) for r in rows]


@router.post(
    "/cases/{case_id}/records",
    response={201: RecordOut, **ERRORS},
    tags=["支援経過記録"],
    summary="支援経過記録を追加",
)
def record_create(request: HttpRequest, case_id: int, payload: RecordIn) -> Status:
    case = _case_for_api(request, case_id)
    values = payload.dict()
    key = values.pop("idempotency_key")
    values["staff"] = _staff(request, case, values.pop("staff_id"), "staff_id") or actor(request)
    r = services.record_create(actor=actor(request), case=case, values=values, idempotency_key=key)
    return Status(201, record_out(r))


@router.get(
    "/records/{record_id}",
    response={200: RecordOut, **ERRORS},
    tags=["支援経過記録"],
    summary="支援経過記録を取得",
)
def record_get(request: HttpRequest, record_id: int) -> dict[str, Any]:
    return record_out(selectors.record_by_id_for_user(user=actor(request), record_id=record_id, audit=True))


@router.patch(
    "/records/{record_id}",
    response={200: RecordOut, **ERRORS},
    tags=["支援経過記録"],
    summary="支援経過記録を修正（楽観的ロック：version）",
)
def record_patch(request: HttpRequest, record_id: int, payload: RecordPatchIn) -> dict[str, Any]:
    r = selectors.record_by_id_for_user(user=actor(request), record_id=record_id)
    changes = payload.dict(exclude_unset=True)
    version = body_version(changes.pop("version", None))
    refuse_nulls({k: v for k, v in changes.items() if k != "staff_id"}, SupportRecord, changes)
    values = {f: getattr(r, f) for f in services.RECORD_FIELDS}
    if "staff_id" in changes:
        values["staff"] = _staff(request, r.case, changes.pop("staff_id"), "staff_id") or r.staff
    values |= changes
    try:
        r = services.record_update(actor=actor(request), record=r, values=values, expected_version=version)
    except StaleVersionError as exc:
        raise _stale(exc) from exc
    return record_out(r)


def evaluation_out(e: Evaluation) -> dict[str, Any]:
    return {
        "id": e.pk,
        "case_id": e.case_id,
        "plan_id": e.plan_id,
        "evaluated_on": e.evaluated_on,
        "goal_results": [
            {"goal_id": r.goal_id, "achievement": r.achievement, "comment": r.comment}
            for r in e.goal_results.all()
        ],
        "changes": e.changes or [],
        "summary": e.summary,
        "direction": e.direction,
        "closure_reason": e.closure_reason,
        "follow_up_on": e.follow_up_on,
        "author_id": e.author_id,
    }


@router.get(
    "/cases/{case_id}/evaluations",
    response={200: list[EvaluationOut], **ERRORS},
    tags=["評価"],
    summary="評価シートの一覧",
)
def evaluation_list(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    case = _case_for_api(request, case_id, audit=True)
    rows = list(selectors.evaluations_of_case(case))
    selectors.rows_listed(user=actor(request), rows=rows, via="api")
    return [evaluation_out(e) for e in rows]


@router.post(
    "/cases/{case_id}/evaluations",
    response={201: EvaluationOut, **ERRORS},
    tags=["評価"],
    summary="評価シートを記録（支援決定済みのプランについて）",
)
def evaluation_create(request: HttpRequest, case_id: int, payload: EvaluationIn) -> Status:
    case = _case_for_api(request, case_id)
    values = payload.dict()
    key = values.pop("idempotency_key")
    e = services.evaluation_create(actor=actor(request), case=case, values=values, idempotency_key=key)
    return Status(201, evaluation_out(e))


@router.get(
    "/evaluations/{evaluation_id}",
    response={200: EvaluationOut, **ERRORS},
    tags=["評価"],
    summary="評価シートを取得",
)
def evaluation_get(request: HttpRequest, evaluation_id: int) -> dict[str, Any]:
    return evaluation_out(
        selectors.evaluation_by_id_for_user(user=actor(request), evaluation_id=evaluation_id, audit=True)
    )


def employment_outcome_out(o: Any) -> dict[str, Any]:
    return {
        "id": o.pk,
        "case_id": o.case_id,
        "kind": o.kind,
        "kind_ja": o.get_kind_display(),
        "occurred_on": o.occurred_on,
        "employment_type": o.employment_type,
        "employer": o.employer,
        "monthly_income_increase": o.monthly_income_increase,
        "note": o.note,
    }


@router.get(
    "/cases/{case_id}/employment-outcomes",
    response={200: list[EmploymentOutcomeOut], **ERRORS},
    tags=["就労・増収"],
    summary="就労・増収の実績の一覧",
)
def employment_outcome_list(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    case = _case_for_api(request, case_id, audit=True)
    rows = list(selectors.employment_outcomes_of_case(case))
    selectors.rows_listed(user=actor(request), rows=rows, via="api")
    return [employment_outcome_out(o) for o in rows]


@router.post(
    "/cases/{case_id}/employment-outcomes",
    response={201: EmploymentOutcomeCreatedOut, **ERRORS},
    tags=["就労・増収"],
    summary="就労・増収の実績を記録（支援状況調査の就労者数・増収者数）",
)
def employment_outcome_create(request: HttpRequest, case_id: int, payload: EmploymentOutcomeIn) -> Status:
    case = _case_for_api(request, case_id)
    values = payload.dict()
    key = values.pop("idempotency_key")
    o = services.employment_outcome_record(
        actor=actor(request), case=case, values=values, idempotency_key=key
    )
    # 就労・増収 while a 住居確保給付金 is 支給中: the income must be re-checked (中止・継続).
    return Status(201, {**employment_outcome_out(o), "income_recheck_url": hub.income_recheck_url(case)})
