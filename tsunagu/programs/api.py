"""API for 住居確保給付金: the 簡易判定 and the application lifecycle — the same services as the screens.

Mounted under /api/v1/ by ``tsunagu/api/api.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router, Status

from tsunagu.cases.selectors import case_get_for_user
from tsunagu.core.bounds import PageNo
from tsunagu.organizations import guards
from tsunagu.organizations.roles import Permission

from . import figures, selectors, services
from .models import HousingBenefitApplication, HousingBenefitDecision, ProgramEnrolment, ProgressReport
from .schemas import (
    AssessmentFiguresOut,
    BudgetPlanIn,
    BudgetSheetIn,
    DebtIn,
    DebtOut,
    EndIn,
    EnrolmentEndIn,
    EnrolmentExtendIn,
    EnrolmentIn,
    EnrolmentListOut,
    EnrolmentOut,
    ExtensionApplyIn,
    ExtensionDecideIn,
    ExtensionOut,
    HouseholdBudgetOut,
    HousingApplicationIn,
    HousingApplicationListOut,
    HousingApplicationOut,
    HousingAssessIn,
    HousingAssessOut,
    HousingBenefitDecisionIn,
    HousingBenefitDecisionOut,
    Id,
    JobSearchReportIn,
    JobSearchReportOut,
    LoanIn,
    PaymentIn,
    PaymentOut,
    ProgressReportIn,
    ProgressReportOut,
    StopIn,
)

if TYPE_CHECKING:
    from tsunagu.organizations.models import User


def _actor(request: HttpRequest) -> User:
    """The authenticated staff account (login and API authentication come first)."""
    return cast("User", request.user)


router = Router(tags=["住居確保給付金"])


def assess_out(assessment: selectors.Assessment) -> dict[str, Any]:
    return assessment.result.as_dict() | {"rule_effective_from": assessment.rule.effective_from}


def decision_out(decision: HousingBenefitDecision) -> dict[str, Any]:
    return {
        "id": decision.pk,
        "outcome": decision.outcome,
        "outcome_ja": decision.get_outcome_display(),
        "decided_on": decision.decided_on,
        "reason": decision.reason,
        "monthly_amount": decision.monthly_amount,
        "relocation_amount": decision.relocation_amount,
        "base_amount": decision.base_amount,
        "rent_cap": decision.rent_cap,
        "income_limit": decision.income_limit,
        "asset_limit": decision.asset_limit,
        "first_month": decision.first_month,
        "rule_id": decision.rule_id,
        "rule_effective_from": decision.rule.effective_from,
        "rule_revision": decision.rule.revision,
        "requirements": decision.requirements,
    }


def application_out(app: HousingBenefitApplication) -> dict[str, Any]:
    try:
        decision: HousingBenefitDecision | None = app.decision
    except HousingBenefitDecision.DoesNotExist:
        decision = None
    return {
        "id": app.pk,
        "case_id": app.case_id,
        "person_id": app.person_id,
        "municipality_code": app.municipality.code,
        "type": app.benefit_type,
        "type_ja": app.get_benefit_type_display(),
        "cause": app.cause,
        "application_date": app.application_date,
        "state": app.state,
        "state_ja": app.get_state_display(),
        "first_month": app.first_month,
        "months_awarded": app.months_awarded,
        "period_end": app.period_end,
        "version": app.version,
        "decision": decision_out(decision) if decision else None,
        "payments": [
            {
                "id": p.pk,
                "month": p.month,
                "month_number": p.month_number,
                "amount": p.amount,
                "payee_name": p.payee_name,
                "payee_account_holder": p.payee_account_holder,
                "paid_on": p.paid_on,
            }
            for p in app.payments.all()
        ],
        "job_search_reports": [
            {
                "id": r.pk,
                "month": r.month,
                "month_number": r.month_number,
                "centre_consultations": r.centre_consultations,
                "counselling": r.counselling,
                "applications": r.applications,
                "met": r.met,
                "shortfalls": r.shortfalls,
            }
            for r in app.job_search_reports.all()
        ],
        "extensions": [extension_out(e) for e in app.extensions.all()],
    }


def extension_out(e: Any) -> dict[str, Any]:
    return {
        "id": e.pk,
        "sequence": e.sequence,
        "applied_on": e.applied_on,
        "state": e.state,
        "state_ja": e.get_state_display(),
        "months_after": e.months_after,
        "monthly_amount": e.monthly_amount,
        "decided_on": e.decided_on,
    }


def _get(request: HttpRequest, application_id: Id, *, audit: bool = False) -> HousingBenefitApplication:
    return selectors.housing_application_get_for_user(
        user=request.user, application_id=application_id, audit=audit
    )


@router.post(
    "/housing-benefit/assess",
    response=HousingAssessOut,
    summary="住居確保給付金の簡易判定（要件ごとの判定・支給額・上限額）",
)
def housing_assess(request: HttpRequest, payload: HousingAssessIn) -> dict[str, Any]:
    """Stores nothing and reads no personal data; every requirement is explained in Japanese."""
    guards.require(request.user, Permission.API_USE, via="api")
    return assess_out(selectors.housing_assess(payload.dict()))


@router.get(
    "/housing-benefit/applications", response=HousingApplicationListOut, summary="住居確保給付金の申請一覧"
)
def application_list(request: HttpRequest, state: str = "", page: PageNo = 1) -> dict[str, Any]:
    result = selectors.housing_application_page(
        user=request.user, state=state, page=page, with_lifecycle=True
    )
    return {
        "items": [application_out(a) for a in result.object_list],
        "page": result.number,
        "pages": result.paginator.num_pages,
        "count": result.paginator.count,
    }


@router.post(
    "/housing-benefit/applications",
    response={201: HousingApplicationOut},
    summary="住居確保給付金の申請を受け付ける（ケースに紐づけ）",
)
def application_create(request: HttpRequest, payload: HousingApplicationIn) -> Status[dict[str, Any]]:
    values = payload.dict()
    case = case_get_for_user(user=request.user, case_id=values.pop("case_id"), audit=False)
    app = services.housing_application_create(
        actor=_actor(request),
        case=case,
        values=values,
        idempotency_key=values.pop("idempotency_key"),
        submission_token=values.pop("submission_token"),
    )
    return Status(201, application_out(app))


@router.get(
    "/housing-benefit/applications/{application_id}",
    response=HousingApplicationOut,
    summary="住居確保給付金の申請（決定・支給・報告・延長を含む）",
)
def application_get(request: HttpRequest, application_id: Id) -> dict[str, Any]:
    return application_out(_get(request, application_id, audit=True))


@router.post(
    "/housing-benefit/applications/{application_id}/decision",
    response={201: HousingBenefitDecisionOut},
    summary="支給決定・不支給（実施主体の自治体担当者）",
)
def decision_record(
    request: HttpRequest, application_id: Id, payload: HousingBenefitDecisionIn
) -> Status[dict[str, Any]]:
    decision = services.housing_decision_record(
        actor=_actor(request), application=_get(request, application_id), **payload.dict()
    )
    return Status(201, decision_out(decision))


@router.post(
    "/housing-benefit/applications/{application_id}/payments",
    response={201: PaymentOut},
    summary="支給（代理納付）を記録（自治体担当者）",
)
def payment_record(request: HttpRequest, application_id: Id, payload: PaymentIn) -> Status[dict[str, Any]]:
    p = services.housing_payment_record(
        actor=_actor(request), application=_get(request, application_id), **payload.dict()
    )
    return Status(
        201,
        {
            "id": p.pk,
            "month": p.month,
            "month_number": p.month_number,
            "amount": p.amount,
            "payee_name": p.payee_name,
            "payee_account_holder": p.payee_account_holder,
            "paid_on": p.paid_on,
        },
    )


@router.post(
    "/housing-benefit/applications/{application_id}/job-search-reports",
    response={201: JobSearchReportOut},
    summary="求職活動状況報告を記録（機関）",
)
def report_record(
    request: HttpRequest, application_id: Id, payload: JobSearchReportIn
) -> Status[dict[str, Any]]:
    r = services.job_search_report_record(
        actor=_actor(request), application=_get(request, application_id), **payload.dict()
    )
    return Status(
        201,
        {
            "id": r.pk,
            "month": r.month,
            "month_number": r.month_number,
            "centre_consultations": r.centre_consultations,
            "counselling": r.counselling,
            "applications": r.applications,
            "met": r.met,
            "shortfalls": r.shortfalls,
        },
    )


@router.post(
    "/housing-benefit/applications/{application_id}/extensions",
    response={201: ExtensionOut},
    summary="延長を申請（機関）",
)
def extension_apply(
    request: HttpRequest, application_id: Id, payload: ExtensionApplyIn
) -> Status[dict[str, Any]]:
    ext = services.housing_extension_apply(
        actor=_actor(request), application=_get(request, application_id), **payload.dict()
    )
    return Status(201, extension_out(ext))


@router.post(
    "/housing-benefit/applications/{application_id}/extensions/{extension_id}/decision",
    response=ExtensionOut,
    summary="延長の決定（自治体担当者）",
)
def extension_decide(
    request: HttpRequest, application_id: Id, extension_id: Id, payload: ExtensionDecideIn
) -> dict[str, Any]:
    app = _get(request, application_id)
    ext = app.extensions.filter(pk=extension_id).first()
    if ext is None:
        raise Http404
    return extension_out(
        services.housing_extension_decide(actor=_actor(request), extension=ext, **payload.dict())
    )


@router.post(
    "/housing-benefit/applications/{application_id}/stop",
    response=HousingApplicationOut,
    summary="支給の中止（自治体担当者）",
)
def stop(request: HttpRequest, application_id: Id, payload: StopIn) -> dict[str, Any]:
    app = _get(request, application_id)
    services.housing_benefit_stop(actor=_actor(request), application=app, **payload.dict())
    return application_out(_get(request, application_id))


@router.post(
    "/housing-benefit/applications/{application_id}/end",
    response=HousingApplicationOut,
    summary="支給の終了（自治体担当者）",
)
def end(request: HttpRequest, application_id: Id, payload: EndIn) -> dict[str, Any]:
    app = services.housing_benefit_end(
        actor=_actor(request), application=_get(request, application_id), **payload.dict()
    )
    return application_out(app)


# =====================================================================================================
# Other programmes and 家計改善支援 (point 7)
# =====================================================================================================

other_router = Router(tags=["事業の利用・家計改善支援"])


def enrolment_out(e: ProgramEnrolment) -> dict[str, Any]:
    return {
        "id": e.pk,
        "case_id": e.case_id,
        "plan_id": e.plan_id,
        "program": e.program,
        "program_ja": e.get_program_display(),
        "start_on": e.start_on,
        "end_on": e.end_on,
        "standard_limit_on": e.standard_limit_on,
        "maximum_limit_on": e.maximum_limit_on,
        "provider": e.provider_label,
        "certified_provider_id": e.certified_provider_id,
        "training_type": e.training_decision.training_type if e.training_decision else None,
        "status": e.status,
        "status_ja": e.get_status_display(),
        "ended_on": e.ended_on,
        "hand_back_kind": e.hand_back_kind,
        "hand_back_on": e.hand_back_on,
        "extension_recorded_on": e.extension_recorded_on,
        "warnings": selectors.enrolment_warnings(e, today=timezone.localdate()),
        "progress_reports": [progress_out(r) for r in e.progress_reports.all()],
        "version": e.version,
    }


def progress_out(r: ProgressReport) -> dict[str, Any]:
    return {
        "id": r.pk,
        "reported_on": r.reported_on,
        "content": r.content,
        "planned_days": r.planned_days,
        "attended_days": r.attended_days,
        "author": r.author.get_full_name() or r.author.username,
    }


def _enrolment(request: HttpRequest, enrolment_id: Id, *, audit: bool = False) -> ProgramEnrolment:
    guards.require(request.user, Permission.API_USE, via="api")
    return selectors.enrolment_get_for_user(user=request.user, enrolment_id=enrolment_id, audit=audit)


@other_router.get("/enrolments", response=EnrolmentListOut, summary="事業の利用の一覧（自機関・自自治体）")
def enrolment_list(request: HttpRequest, status: str = "") -> dict[str, Any]:
    guards.require(request.user, Permission.API_USE, via="api")
    qs = selectors.enrolments_visible_to(request.user).prefetch_related("progress_reports__author")
    if status:
        qs = qs.filter(status=status)
    items = list(qs.order_by("-start_on", "-id")[:200])
    return {"items": [enrolment_out(e) for e in items], "count": len(items)}


@other_router.post(
    "/enrolments", response={201: EnrolmentOut}, summary="事業の利用を登録する（プランに紐づけ）"
)
def enrolment_create(request: HttpRequest, payload: EnrolmentIn) -> Status[dict[str, Any]]:
    guards.require(request.user, Permission.API_USE, via="api")
    values = payload.dict()
    case = case_get_for_user(user=request.user, case_id=values.pop("case_id"), audit=False)
    values["plan"] = values.pop("plan_id")
    values["certified_provider"] = values.pop("certified_provider_id")
    values["training_decision"] = values.pop("training_decision_id")
    key = values.pop("idempotency_key")
    e = services.enrolment_create(actor=_actor(request), case=case, values=values, idempotency_key=key)
    return Status(201, enrolment_out(e))


@other_router.get("/enrolments/{enrolment_id}", response=EnrolmentOut, summary="事業の利用（経過報告を含む）")
def enrolment_get(request: HttpRequest, enrolment_id: Id) -> dict[str, Any]:
    return enrolment_out(_enrolment(request, enrolment_id, audit=True))


@other_router.post(
    "/enrolments/{enrolment_id}/progress-reports",
    response={201: ProgressReportOut},
    summary="経過報告を記録する",
)
def progress_report_add(
    request: HttpRequest, enrolment_id: Id, payload: ProgressReportIn
) -> Status[dict[str, Any]]:
    e = _enrolment(request, enrolment_id)
    return Status(
        201,
        progress_out(
            services.progress_report_add(
                actor=_actor(request),
                enrolment=e,
                values=payload.dict(),
                idempotency_key=payload.idempotency_key,
            )
        ),
    )


@other_router.post("/enrolments/{enrolment_id}/extend", response=EnrolmentOut, summary="利用期間を延長する")
def enrolment_extend(request: HttpRequest, enrolment_id: Id, payload: EnrolmentExtendIn) -> dict[str, Any]:
    e = _enrolment(request, enrolment_id)
    return enrolment_out(
        services.enrolment_extend(
            actor=_actor(request), enrolment=e, end_on=payload.end_on, reason=payload.reason
        )
    )


@other_router.post(
    "/enrolments/{enrolment_id}/end",
    response=EnrolmentOut,
    summary="利用を終了し、つなぎ先（ハローワーク等）を記録する",
)
def enrolment_end(request: HttpRequest, enrolment_id: Id, payload: EnrolmentEndIn) -> dict[str, Any]:
    e = _enrolment(request, enrolment_id)
    e = services.enrolment_end_with_handback(
        actor=_actor(request),
        enrolment=e,
        ended_on=payload.ended_on,
        hand_back_kind=payload.hand_back_kind,
        hand_back_on=payload.hand_back_on,
        note=payload.note,
    )
    return enrolment_out(e)


def budget_out(budget: selectors.HouseholdBudget) -> dict[str, Any]:
    sheets = []
    for s in budget.sheets:
        totals = selectors.sheet_totals(s)
        sheets.append(
            {
                "id": s.pk,
                "as_of": s.as_of,
                "note": s.note,
                "lines": [
                    {
                        "kind": x.kind,
                        "category": x.category,
                        "category_ja": x.category_label,
                        "amount": x.amount,
                    }
                    for x in s.lines.all()
                ],
                "income_total": totals["income"],
                "expense_total": totals["expense"],
                "balance": totals["balance"],
            }
        )
    return {
        "case_id": budget.case.pk,
        "sheets": sheets,
        "debts": [
            {
                "id": d.pk,
                "kind": d.kind,
                "kind_ja": d.get_kind_display(),
                "creditor": d.creditor,
                "amount": d.amount,
                "monthly_repayment": d.monthly_repayment,
                "status": d.status,
                "status_ja": d.get_status_display(),
            }
            for d in budget.debts
        ],
        "plans": [
            {
                "id": p.pk,
                "made_on": p.made_on,
                "goals": p.goals,
                "monthly_plan": p.monthly_plan,
                "monthly_saving_target": p.monthly_saving_target,
                "review_on": p.review_on,
            }
            for p in budget.plans
        ],
        "loans": [
            {
                "id": loan.pk,
                "kind": loan.kind,
                "kind_ja": loan.get_kind_display(),
                "applied_on": loan.applied_on,
                "status": loan.status,
                "status_ja": loan.get_status_display(),
                "amount": loan.amount,
            }
            for loan in budget.loans
        ],
    }


@other_router.get(
    "/cases/{case_id}/assessment-figures",
    response=AssessmentFiguresOut,
    summary="アセスメントの値（世帯人数・月収・金融資産・家賃・収入の種類ごと・債務）とその出典",
)
def assessment_figures_get(request: HttpRequest, case_id: Id) -> dict[str, Any]:
    """The figures a 住居確保給付金 application or a 家計表 starts from (``programs.figures``)."""
    guards.require(request.user, Permission.API_USE, via="api")
    case = case_get_for_user(user=request.user, case_id=case_id)
    return figures.figures_for(user=request.user, case=case).as_dict()


@other_router.get(
    "/cases/{case_id}/household-budget",
    response=HouseholdBudgetOut,
    summary="家計改善支援（家計表・債務・家計計画・貸付）。担当の相談支援員は本人の同意がある場合のみ",
)
def household_budget_get(request: HttpRequest, case_id: Id) -> dict[str, Any]:
    guards.require(request.user, Permission.API_USE, via="api")
    return budget_out(selectors.household_budget_for_user(user=request.user, case_id=case_id))


@other_router.post(
    "/cases/{case_id}/household-budget/sheets", response={201: HouseholdBudgetOut}, summary="家計表を保存する"
)
def household_budget_sheet_save(
    request: HttpRequest, case_id: Id, payload: BudgetSheetIn
) -> Status[dict[str, Any]]:
    guards.require(request.user, Permission.API_USE, via="api")
    budget = selectors.household_budget_for_user(user=request.user, case_id=case_id)
    services.budget_sheet_save(actor=_actor(request), case=budget.case, **payload.dict())
    return Status(201, budget_out(selectors.household_budget_for_user(user=request.user, case_id=case_id)))


@other_router.post(
    "/cases/{case_id}/household-budget/debts", response={201: DebtOut}, summary="債務・滞納を記録する"
)
def household_budget_debt_add(request: HttpRequest, case_id: Id, payload: DebtIn) -> Status[dict[str, Any]]:
    guards.require(request.user, Permission.API_USE, via="api")
    budget = selectors.household_budget_for_user(user=request.user, case_id=case_id)
    d = services.debt_add(
        actor=_actor(request),
        case=budget.case,
        values=payload.dict(),
        idempotency_key=payload.idempotency_key,
    )
    return Status(
        201,
        {
            "id": d.pk,
            "kind": d.kind,
            "kind_ja": d.get_kind_display(),
            "creditor": d.creditor,
            "amount": d.amount,
            "monthly_repayment": d.monthly_repayment,
            "status": d.status,
            "status_ja": d.get_status_display(),
        },
    )


@other_router.post(
    "/cases/{case_id}/household-budget/plans",
    response={201: HouseholdBudgetOut},
    summary="家計計画を記録する",
)
def household_budget_plan_add(
    request: HttpRequest, case_id: Id, payload: BudgetPlanIn
) -> Status[dict[str, Any]]:
    guards.require(request.user, Permission.API_USE, via="api")
    budget = selectors.household_budget_for_user(user=request.user, case_id=case_id)
    services.budget_plan_add(
        actor=_actor(request),
        case=budget.case,
        values=payload.dict(),
        idempotency_key=payload.idempotency_key,
    )
    return Status(201, budget_out(selectors.household_budget_for_user(user=request.user, case_id=case_id)))


@other_router.post(
    "/cases/{case_id}/household-budget/loans",
    response={201: HouseholdBudgetOut},
    summary="生活福祉資金の利用を記録する",
)
def household_budget_loan_add(request: HttpRequest, case_id: Id, payload: LoanIn) -> Status[dict[str, Any]]:
    guards.require(request.user, Permission.API_USE, via="api")
    budget = selectors.household_budget_for_user(user=request.user, case_id=case_id)
    services.loan_link_add(
        actor=_actor(request),
        case=budget.case,
        values=payload.dict(),
        idempotency_key=payload.idempotency_key,
    )
    return Status(201, budget_out(selectors.household_budget_for_user(user=request.user, case_id=case_id)))


router.add_router("", other_router)
