"""API for persons, intakes, consents and the case list — the same services and scoping as the UI."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status

from tsunagu.network.models import PartnerAgency
from tsunagu.persons import selectors as person_selectors
from tsunagu.persons import services as person_services
from tsunagu.persons.models import RESTRICTED_FIELDS, Person
from tsunagu.persons.policies import masked_value, restricted_visible_person_ids
from tsunagu.privacy import services as privacy_services
from tsunagu.privacy.models import Consent
from tsunagu.privacy.selectors import consents_of_person

from . import selectors, services
from .models import (
    Assessment,
    Case,
    CaseState,
    Evaluation,
    PlanStatus,
    RecordMethod,
    SupportPlan,
    SupportRecord,
)
from .schemas import (
    AssessmentIn,
    AssessmentOut,
    AssessmentShareIn,
    CaseListOut,
    CaseOut,
    CaseTransitionsOut,
    ConsentIn,
    ConsentOut,
    ConsentWithdrawIn,
    DuplicateCandidateOut,
    DuplicateQueryIn,
    EmploymentOutcomeIn,
    EmploymentOutcomeOut,
    EvaluationIn,
    EvaluationOut,
    GoalIn,
    IntakeIn,
    PersonCreateIn,
    PersonOut,
    PersonPatchIn,
    PlanIn,
    PlanOut,
    PlanPatchIn,
    RecordIn,
    RecordOut,
    RecordPatchIn,
    TransitionIn,
)
from .validation import partners_for_agency, staff_for_agency
from .workflow import TRANSITIONS, available_transitions

router = Router()

_PERSON_OUT_FIELDS = (
    "name",
    "kana",
    "gender",
    "postal_code",
    "address",
    "phone",
    "phone_alt",
    "email",
    "workplace",
    "contact_method",
    "contact_times",
    "nationality",
    "housing_status",
)


def person_out(user: Any, person: Person) -> dict[str, Any]:
    visible = restricted_visible_person_ids(user, [person])
    hidden = person.is_restricted and person.pk not in visible
    return {
        "id": person.pk,
        "version": person.version,
        "birth_date": person.birth_date,
        "is_restricted": person.is_restricted,
        "restricted_fields_hidden": hidden,
        **{f: masked_value(person, f, visible) for f in _PERSON_OUT_FIELDS},
    }


def case_out(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "case_number": case.case_number,
        "person_id": case.person_id,
        "person_name": case.person.name,
        "person_kana": case.person.kana,
        "state": case.state,
        "state_ja": CaseState(case.state).label,
        "assigned_worker": str(case.assigned_worker),
        "opened_on": case.opened_on,
        "is_emergency": case.is_emergency,
        "version": case.version,
    }


def consent_out(consent: Consent) -> dict[str, Any]:
    return {
        "id": consent.pk,
        "person_id": consent.person_id,
        "notice_version": consent.notice.version,
        "purposes": consent.purposes,
        "recipient_types": consent.recipient_types,
        "named_recipient_ids": [p.pk for p in consent.named_recipients.all()],
        "data_categories": consent.data_categories,
        "given_on": consent.given_on,
        "method": consent.method,
        "expires_on": consent.expires_on,
        "withdrawn_on": consent.withdrawn_on,
        "in_force": consent.in_force_on(timezone.localdate()),
    }


@router.post("/persons", response={201: PersonOut}, tags=["相談者"], summary="相談者を登録")
def person_create(request: HttpRequest, payload: PersonCreateIn) -> tuple[int, dict[str, Any]]:
    person = person_services.person_create(actor=request.user, values=payload.dict())
    return 201, person_out(request.user, person)


@router.post(
    "/persons/duplicate-candidates",
    response=list[DuplicateCandidateOut],
    tags=["相談者"],
    summary="重複候補（名寄せ候補）を一致度順に返す",
)
def person_duplicates(request: HttpRequest, payload: DuplicateQueryIn) -> list[dict[str, Any]]:
    candidates = person_selectors.person_duplicate_candidates(
        user=request.user,
        name=payload.name,
        kana=payload.kana,
        birth_date=payload.birth_date,
        phone=payload.phone,
        address=payload.address,
        min_score=0.3,
        limit=20,
    )
    return [
        {
            "person_id": c.person.pk,
            "name": c.person.name,
            "kana": c.person.kana,
            "birth_date": c.person.birth_date,
            "score": c.score,
            "reasons": c.reasons,
        }
        for c in candidates
    ]


@router.get("/persons/{person_id}", response=PersonOut, tags=["相談者"], summary="相談者を取得")
def person_get(request: HttpRequest, person_id: int) -> dict[str, Any]:
    person = person_selectors.person_get_for_user(user=request.user, person_id=person_id)
    return person_out(request.user, person)


@router.patch(
    "/persons/{person_id}", response=PersonOut, tags=["相談者"], summary="相談者を更新（楽観的ロック）"
)
def person_patch(request: HttpRequest, person_id: int, payload: PersonPatchIn) -> dict[str, Any]:
    person = person_selectors.person_get_for_user(user=request.user, person_id=person_id, audit=False)
    values = {k: v for k, v in payload.dict(exclude_unset=True).items() if k != "version"}
    visible = restricted_visible_person_ids(request.user, [person])
    if (
        person.is_restricted
        and person.pk not in visible
        and set(values) & {"postal_code", "address", "phone", "phone_alt", "email", "workplace"}
    ):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("閲覧制限のある項目は、担当者またはセンター長のみ更新できます。")
    try:
        person = person_services.person_update(
            actor=request.user, person=person, values=values, expected_version=payload.version
        )
    except person_services.StaleVersionError as exc:
        raise ValidationError({"version": exc.messages[0]}) from exc
    person_selectors.persons_restricted_fields_shown(
        user=request.user,
        persons=[person],
        visible_ids=restricted_visible_person_ids(request.user, [person]),
        fields=list(RESTRICTED_FIELDS),
        via="api",
    )
    return person_out(request.user, person)


@router.get("/persons/{person_id}/consents", response=list[ConsentOut], tags=["同意"], summary="同意の一覧")
def consent_list(request: HttpRequest, person_id: int) -> list[dict[str, Any]]:
    person = person_selectors.person_get_for_user(user=request.user, person_id=person_id)
    return [consent_out(c) for c in consents_of_person(person)]


@router.post("/persons/{person_id}/consents", response={201: ConsentOut}, tags=["同意"], summary="同意を記録")
def consent_give(request: HttpRequest, person_id: int, payload: ConsentIn) -> tuple[int, dict[str, Any]]:
    person = person_selectors.person_get_for_user(user=request.user, person_id=person_id, audit=False)
    values = payload.dict()
    ids = values.pop("named_recipient_ids")
    partners = list(partners_for_agency(request.user.agency).filter(pk__in=ids))  # type: ignore[union-attr]
    if len(partners) != len(set(ids)):
        raise ValidationError({"named_recipient_ids": "担当地域の関係機関を指定してください。"})
    consent = privacy_services.consent_give(
        actor=request.user, person=person, values=values, named_recipients=partners
    )
    return 201, consent_out(consent)


@router.post(
    "/persons/{person_id}/consents/{consent_id}/withdraw",
    response=ConsentOut,
    tags=["同意"],
    summary="同意の撤回",
)
def consent_withdraw(
    request: HttpRequest, person_id: int, consent_id: int, payload: ConsentWithdrawIn
) -> dict[str, Any]:
    person = person_selectors.person_get_for_user(user=request.user, person_id=person_id, audit=False)
    consent = consents_of_person(person).filter(pk=consent_id).first()
    if consent is None:
        from django.http import Http404

        raise Http404
    consent = privacy_services.consent_withdraw(
        actor=request.user, consent=consent, withdrawn_on=payload.withdrawn_on, note=payload.note
    )
    return consent_out(consent)


@router.post("/intakes", response={201: CaseOut}, tags=["相談受付"], summary="相談受付（ケースを開く）")
def intake_create(request: HttpRequest, payload: IntakeIn) -> tuple[int, dict[str, Any]]:
    person = person_selectors.person_get_for_user(user=request.user, person_id=payload.person_id, audit=False)
    values = payload.dict()
    partner_id = values.pop("referring_partner_id")
    values["referring_partner"] = PartnerAgency.objects.filter(pk=partner_id).first() if partner_id else None
    if partner_id and values["referring_partner"] is None:
        raise ValidationError({"referring_partner_id": "担当地域の関係機関から選んでください。"})
    token = values.pop("submission_token")
    values.pop("person_id")
    case = services.intake_register(actor=request.user, person=person, values=values, submission_token=token)
    return 201, case_out(case)


@router.get("/cases", response=CaseListOut, tags=["ケース"], summary="ケース一覧（画面と同じ検索・絞り込み）")
def case_list(
    request: HttpRequest,
    q: str = "",
    scope: str = "mine",
    state: str = "",
    worker_id: int | None = None,
    topic: str = "",
    after: str = "",
) -> dict[str, Any]:
    page = selectors.case_list(
        user=request.user,
        query=selectors.CaseQuery(
            q=q, scope=scope, state=state, worker_id=worker_id, topic=topic, after=after
        ),
    )
    return {"items": [case_out(c) for c in page.cases], "next_cursor": page.next_cursor}


@router.get("/cases/{case_id}", response=CaseOut, tags=["ケース"], summary="ケースを取得")
def case_get(request: HttpRequest, case_id: int) -> dict[str, Any]:
    return case_out(selectors.case_get_for_user(user=request.user, case_id=case_id))


# --- The support process: transitions, assessments, plans, records, evaluations ---------------------
#
# The same services, guards and scoping as the screens. A stale save (楽観的ロック) answers 422
# with the message on ``version`` (``based_on_number`` for assessments).


def _stale(exc: person_services.StaleVersionError, field: str = "version") -> ValidationError:
    current = exc.current
    number = (
        getattr(current, "number", None) if field == "based_on_number" else getattr(current, "version", None)
    )
    suffix = f"（現在の版：{number}）" if number is not None else ""
    return ValidationError({field: exc.messages[0] + suffix})


def _case_for_api(request: HttpRequest, case_id: int, *, audit: bool = False) -> Case:
    return selectors.case_get_for_user(user=request.user, case_id=case_id, audit=audit)


def _staff(request: HttpRequest, case: Case, staff_id: int | None, field: str) -> Any:
    if staff_id is None:
        return None
    staff = staff_for_agency(case.agency_id).filter(pk=staff_id).first()
    if staff is None:
        raise ValidationError({field: "同じ機関の職員を指定してください。"})
    return staff


def _transitions_out(case: Case, user: Any) -> dict[str, Any]:
    return {
        "state": case.state,
        "state_ja": CaseState(case.state).label,
        "version": case.version,
        "history": [
            {
                "name": t.name,
                "from_state": t.from_state,
                "to_state": t.to_state,
                "reason": t.reason,
                "actor": str(t.actor),
                "occurred_at": t.occurred_at,
            }
            for t in case.transitions.select_related("actor")
        ],
        "available": [
            {
                "name": t.name,
                "label": t.label,
                "target": t.target.value,
                "allowed": blocked is None,
                "blocked_reason": blocked or "",
            }
            for t, blocked in available_transitions(case, user)
        ],
    }


@router.get(
    "/cases/{case_id}/transitions",
    response=CaseTransitionsOut,
    tags=["ケースの状態"],
    summary="状態の履歴と、今行える遷移（行えない理由つき）",
)
def transition_list(request: HttpRequest, case_id: int) -> dict[str, Any]:
    case = _case_for_api(request, case_id, audit=True)
    return _transitions_out(case, request.user)


@router.post(
    "/cases/{case_id}/transitions",
    response=CaseOut,
    tags=["ケースの状態"],
    summary="状態を遷移させる（終結・中断・フォローアップを含む。画面と同じ条件）",
)
def transition_run(request: HttpRequest, case_id: int, payload: TransitionIn) -> dict[str, Any]:
    t = TRANSITIONS.get(payload.name)
    if t is not None and t.via:
        where = (
            "/decisions（支援決定・確認の記録）"
            if t.via == "decision"
            else "/meetings（支援調整会議の結果の記録）"
        )
        raise ValidationError({"name": f"「{t.label}」は {where} で行います。"})
    case = _case_for_api(request, case_id)
    case = services.case_transition(
        actor=request.user,
        case=case,
        name=payload.name,
        reason=payload.reason,
        expected_version=payload.version,
    )
    return case_out(selectors.case_get_for_user(user=request.user, case_id=case.pk, audit=False))


# --- assessments ---


def assessment_out(a: Assessment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "case_id": a.case_id,
        "number": a.number,
        "assessed_on": a.assessed_on,
        "sections": a.sections or {},
        "issues": a.issues or [],
        "disability_certificate": a.disability_certificate,
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
    response=list[AssessmentOut],
    tags=["アセスメント"],
    summary="インテーク・アセスメントシートの版（新しい順）",
)
def assessment_list(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    case = _case_for_api(request, case_id, audit=True)
    return [assessment_out(a) for a in selectors.assessments_of_case(user=request.user, case=case)]


@router.post(
    "/cases/{case_id}/assessments",
    response={201: AssessmentOut},
    tags=["アセスメント"],
    summary="アセスメントシートの新しい版を作成（楽観的ロック：based_on_number）",
)
def assessment_create(
    request: HttpRequest, case_id: int, payload: AssessmentIn
) -> tuple[int, dict[str, Any]]:
    case = _case_for_api(request, case_id)
    values = payload.dict()
    based_on = values.pop("based_on_number")
    values["joint_with"] = _staff(request, case, values.pop("joint_with_id"), "joint_with_id")
    try:
        a = services.assessment_create(actor=request.user, case=case, values=values, based_on_number=based_on)
    except person_services.StaleVersionError as exc:
        raise _stale(exc, "based_on_number") from exc
    return 201, assessment_out(a)


@router.get(
    "/cases/{case_id}/assessments/{assessment_id}",
    response=AssessmentOut,
    tags=["アセスメント"],
    summary="アセスメントシートの1つの版",
)
def assessment_get(request: HttpRequest, case_id: int, assessment_id: int) -> dict[str, Any]:
    case = _case_for_api(request, case_id)
    return assessment_out(
        selectors.assessment_get_for_user(user=request.user, case=case, assessment_id=assessment_id)
    )


@router.post(
    "/cases/{case_id}/assessments/{assessment_id}/share",
    response=AssessmentOut,
    tags=["アセスメント"],
    summary="家計改善支援員と共有（同意が必要。監査ログに記録）",
)
def assessment_share(
    request: HttpRequest, case_id: int, assessment_id: int, payload: AssessmentShareIn
) -> dict[str, Any]:
    case = _case_for_api(request, case_id)
    a = selectors.assessment_get_for_user(user=request.user, case=case, assessment_id=assessment_id)
    from tsunagu.organizations.models import User

    recipient = User.objects.filter(pk=payload.recipient_id, agency_id=case.agency_id).first()
    a = services.assessment_share_with_budget_supporter(actor=request.user, assessment=a, recipient=recipient)
    return assessment_out(a)


# --- plans ---


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
    partners = partners_for_agency(case.agency)
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
    staff = staff_for_agency(case.agency_id).filter(pk=staff_id).first()
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
    "/cases/{case_id}/plans", response=list[PlanOut], tags=["プラン"], summary="プランの版（新しい順）"
)
def plan_list(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    case = _case_for_api(request, case_id, audit=True)
    return [plan_out(p) for p in selectors.plans_of_case(case)]


@router.post(
    "/cases/{case_id}/plans",
    response={201: PlanOut},
    tags=["プラン"],
    summary="プラン（案）を作成（再プランでは契機の評価に自動で結び付けます）",
)
def plan_create(request: HttpRequest, case_id: int, payload: PlanIn) -> tuple[int, dict[str, Any]]:
    case = _case_for_api(request, case_id)
    values = payload.dict()
    goals = _goals_in(case, payload.goals)
    values.pop("goals")
    try:
        plan = services.plan_create(actor=request.user, case=case, values=values, goals=goals)
    except ValidationError as exc:
        raise _goal_errors_to_api(exc) from exc
    return 201, plan_out(plan)


@router.get("/plans/{plan_id}", response=PlanOut, tags=["プラン"], summary="プランを取得")
def plan_get(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    return plan_out(selectors.plan_get_for_user(user=request.user, plan_id=plan_id))


@router.patch(
    "/plans/{plan_id}",
    response=PlanOut,
    tags=["プラン"],
    summary="プラン（案・修正中）を更新（楽観的ロック：version）",
)
def plan_patch(request: HttpRequest, plan_id: int, payload: PlanPatchIn) -> dict[str, Any]:
    plan = selectors.plan_get_for_user(user=request.user, plan_id=plan_id, audit=False)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    goals_in = changes.pop("goals", None)
    values = {f: getattr(plan, f) for f in services.PLAN_FIELDS} | changes
    goals = (
        _goals_in(plan.case, payload.goals) if goals_in is not None and payload.goals is not None else None
    )
    try:
        plan = services.plan_update(
            actor=request.user, plan=plan, values=values, goals=goals, expected_version=version
        )
    except person_services.StaleVersionError as exc:
        raise _stale(exc) from exc
    except ValidationError as exc:
        raise _goal_errors_to_api(exc) from exc
    return plan_out(plan)


# --- records ---


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
    response=list[RecordOut],
    tags=["支援経過記録"],
    summary="支援経過記録（新しい順、最大50件）",
)
def record_list(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    case = _case_for_api(request, case_id, audit=True)
    return [record_out(r) for r in selectors.records_of_case(case)]


@router.post(
    "/cases/{case_id}/records", response={201: RecordOut}, tags=["支援経過記録"], summary="支援経過記録を追加"
)
def record_create(request: HttpRequest, case_id: int, payload: RecordIn) -> tuple[int, dict[str, Any]]:
    case = _case_for_api(request, case_id)
    values = payload.dict()
    values["staff"] = _staff(request, case, values.pop("staff_id"), "staff_id") or request.user
    r = services.record_create(actor=request.user, case=case, values=values)
    return 201, record_out(r)


@router.get("/records/{record_id}", response=RecordOut, tags=["支援経過記録"], summary="支援経過記録を取得")
def record_get(request: HttpRequest, record_id: int) -> dict[str, Any]:
    return record_out(selectors.record_by_id_for_user(user=request.user, record_id=record_id))


@router.patch(
    "/records/{record_id}",
    response=RecordOut,
    tags=["支援経過記録"],
    summary="支援経過記録を修正（楽観的ロック：version）",
)
def record_patch(request: HttpRequest, record_id: int, payload: RecordPatchIn) -> dict[str, Any]:
    r = selectors.record_by_id_for_user(user=request.user, record_id=record_id)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    values = {f: getattr(r, f) for f in services.RECORD_FIELDS}
    if "staff_id" in changes:
        values["staff"] = _staff(request, r.case, changes.pop("staff_id"), "staff_id") or r.staff
    values |= changes
    try:
        r = services.record_update(actor=request.user, record=r, values=values, expected_version=version)
    except person_services.StaleVersionError as exc:
        raise _stale(exc) from exc
    return record_out(r)


# --- evaluations ---


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
    "/cases/{case_id}/evaluations", response=list[EvaluationOut], tags=["評価"], summary="評価シートの一覧"
)
def evaluation_list(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    case = _case_for_api(request, case_id, audit=True)
    return [evaluation_out(e) for e in selectors.evaluations_of_case(case)]


@router.post(
    "/cases/{case_id}/evaluations",
    response={201: EvaluationOut},
    tags=["評価"],
    summary="評価シートを記録（支援決定済みのプランについて）",
)
def evaluation_create(
    request: HttpRequest, case_id: int, payload: EvaluationIn
) -> tuple[int, dict[str, Any]]:
    case = _case_for_api(request, case_id)
    e = services.evaluation_create(actor=request.user, case=case, values=payload.dict())
    return 201, evaluation_out(e)


@router.get("/evaluations/{evaluation_id}", response=EvaluationOut, tags=["評価"], summary="評価シートを取得")
def evaluation_get(request: HttpRequest, evaluation_id: int) -> dict[str, Any]:
    return evaluation_out(selectors.evaluation_by_id_for_user(user=request.user, evaluation_id=evaluation_id))


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
    response=list[EmploymentOutcomeOut],
    tags=["就労・増収"],
    summary="就労・増収の実績の一覧",
)
def employment_outcome_list(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    case = _case_for_api(request, case_id, audit=True)
    return [employment_outcome_out(o) for o in selectors.employment_outcomes_of_case(case)]


@router.post(
    "/cases/{case_id}/employment-outcomes",
    response={201: EmploymentOutcomeOut},
    tags=["就労・増収"],
    summary="就労・増収の実績を記録（支援状況調査の就労者数・増収者数）",
)
def employment_outcome_create(request: HttpRequest, case_id: int, payload: EmploymentOutcomeIn) -> Status:
    case = _case_for_api(request, case_id)
    o = services.employment_outcome_record(actor=request.user, case=case, values=payload.dict())
    return Status(201, employment_outcome_out(o))
