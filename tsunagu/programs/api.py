"""API for 住居確保給付金: the 簡易判定 and the application lifecycle — the same services as the screens.

Mounted under /api/v1/ by ``tsunagu/api/api.py``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Router, Status

from tsunagu.cases.selectors import case_get_for_user
from tsunagu.core.audit import audit_record
from tsunagu.core.models import AuditAction
from tsunagu.organizations.roles import Permission

from . import selectors, services
from .models import HousingBenefitApplication, HousingBenefitDecision
from .schemas import (
    DecisionIn,
    DecisionOut,
    EndIn,
    ExtensionApplyIn,
    ExtensionDecideIn,
    ExtensionOut,
    HousingApplicationIn,
    HousingApplicationListOut,
    HousingApplicationOut,
    HousingAssessIn,
    HousingAssessOut,
    JobSearchReportIn,
    JobSearchReportOut,
    PaymentIn,
    PaymentOut,
    StopIn,
)

router = Router(tags=["住居確保給付金"])


def _require(request: HttpRequest, permission: Permission) -> None:
    """Deny by default, as the UI does; refusals are audited (as ``tsunagu.api.api.require``)."""
    if not request.user.can(permission):  # type: ignore[union-attr]
        audit_record(
            actor=request.user,
            action=AuditAction.ACCESS_DENIED,
            details={"permission": permission.value, "via": "api"},
        )
        raise PermissionDenied("この操作を行う権限がありません。")


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


def _get(request: HttpRequest, application_id: int, *, audit: bool = False) -> HousingBenefitApplication:
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
    _require(request, Permission.API_USE)
    return assess_out(selectors.housing_assess(payload.dict()))


@router.get(
    "/housing-benefit/applications", response=HousingApplicationListOut, summary="住居確保給付金の申請一覧"
)
def application_list(request: HttpRequest, state: str = "", page: int = 1) -> dict[str, Any]:
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
    token = values.pop("submission_token")
    app = services.housing_application_create(
        actor=request.user, case=case, values=values, submission_token=token
    )
    return Status(201, application_out(app))


@router.get(
    "/housing-benefit/applications/{application_id}",
    response=HousingApplicationOut,
    summary="住居確保給付金の申請（決定・支給・報告・延長を含む）",
)
def application_get(request: HttpRequest, application_id: int) -> dict[str, Any]:
    return application_out(_get(request, application_id, audit=True))


@router.post(
    "/housing-benefit/applications/{application_id}/decision",
    response={201: DecisionOut},
    summary="支給決定・不支給（実施主体の自治体担当者）",
)
def decision_record(request: HttpRequest, application_id: int, payload: DecisionIn) -> Status[dict[str, Any]]:
    decision = services.housing_decision_record(
        actor=request.user, application=_get(request, application_id), **payload.dict()
    )
    return Status(201, decision_out(decision))


@router.post(
    "/housing-benefit/applications/{application_id}/payments",
    response={201: PaymentOut},
    summary="支給（代理納付）を記録（自治体担当者）",
)
def payment_record(request: HttpRequest, application_id: int, payload: PaymentIn) -> Status[dict[str, Any]]:
    p = services.housing_payment_record(
        actor=request.user, application=_get(request, application_id), **payload.dict()
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
    request: HttpRequest, application_id: int, payload: JobSearchReportIn
) -> Status[dict[str, Any]]:
    r = services.job_search_report_record(
        actor=request.user, application=_get(request, application_id), **payload.dict()
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
    request: HttpRequest, application_id: int, payload: ExtensionApplyIn
) -> Status[dict[str, Any]]:
    ext = services.housing_extension_apply(
        actor=request.user, application=_get(request, application_id), **payload.dict()
    )
    return Status(201, extension_out(ext))


@router.post(
    "/housing-benefit/applications/{application_id}/extensions/{extension_id}/decision",
    response=ExtensionOut,
    summary="延長の決定（自治体担当者）",
)
def extension_decide(
    request: HttpRequest, application_id: int, extension_id: int, payload: ExtensionDecideIn
) -> dict[str, Any]:
    app = _get(request, application_id)
    ext = app.extensions.filter(pk=extension_id).first()
    if ext is None:
        raise Http404
    return extension_out(
        services.housing_extension_decide(actor=request.user, extension=ext, **payload.dict())
    )


@router.post(
    "/housing-benefit/applications/{application_id}/stop",
    response=HousingApplicationOut,
    summary="支給の中止（自治体担当者）",
)
def stop(request: HttpRequest, application_id: int, payload: StopIn) -> dict[str, Any]:
    app = _get(request, application_id)
    services.housing_benefit_stop(actor=request.user, application=app, **payload.dict())
    return application_out(_get(request, application_id))


@router.post(
    "/housing-benefit/applications/{application_id}/end",
    response=HousingApplicationOut,
    summary="支給の終了（自治体担当者）",
)
def end(request: HttpRequest, application_id: int, payload: EndIn) -> dict[str, Any]:
    app = services.housing_benefit_end(
        actor=request.user, application=_get(request, application_id), **payload.dict()
    )
    return application_out(app)
