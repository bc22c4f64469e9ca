"""The printed forms of 住居確保給付金: 申請時確認書, 支給決定通知書 / 不支給決定通知書 / 中止通知書,
求職活動状況報告書 (``printing.register``).

Each takes ``?application=<id>`` (default: the case's latest application). The application is
read through the programs' own selector (``housing_application_get_for_user``: the user's scope,
404 otherwise) and must belong to the printed case (404 otherwise). The rules and the wording
follow docs/programs-housing-benefit.md (生活困窮者自立支援法施行規則第10条〜第17条).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.http import Http404
from django.utils import timezone

from tsunagu.cases.models import Case
from tsunagu.core.dates import add_months, wareki
from tsunagu.programs import housing_rules as hr
from tsunagu.programs.models import (
    BenefitType,
    DecisionOutcome,
    HousingBenefitApplication,
    HousingBenefitDecision,
    HousingBenefitStop,
    JobSearchReport,
    JobSearchRequirement,
)
from tsunagu.programs.selectors import housing_application_get_for_user, job_search_requirement_in_force

from .printing import FormDocument, PrintedForm, contact_shown, register

# The explanations recorded at the application (施行規則: 支給の中止, 延長, 延長の要件), in the words of
# the 申請時確認書 (厚生労働省「住居確保給付金 申請時確認書」様式例).
EXPLANATIONS = (
    (
        "explained_stop_conditions",
        "中止事項",
        "誠実かつ熱心に求職活動を行わない場合、常用就職・収入増により収入基準額を超えた場合、住宅から"
        "退去した場合、申請に虚偽があった場合、生活保護が開始された場合などには、支給が中止されること。",
    ),
    (
        "explained_extension",
        "延長できること",
        "支給期間は原則3か月で、一定の要件を満たす場合は3か月ごとに2回まで（通算9か月まで）延長できること。",
    ),
    (
        "explained_extension_requirements",
        "延長の要件",
        "延長には、支給期間中に申請し、収入・資産の要件を引き続き満たし、求職活動等を誠実かつ熱心に"
        "行っていることが必要であること。",
    ),
)


def _application(user: Any, case: Case, params: Mapping[str, str]) -> HousingBenefitApplication:
    """The application of ``params['application']`` (or the case's latest), readable by ``user``
    the programs' way and of this case; 404 otherwise."""
    wanted = (params.get("application") or "").strip()
    if not wanted:
        latest = (
            HousingBenefitApplication.objects.filter(case=case)
            .order_by("-application_date", "-id")
            .values_list("pk", flat=True)
            .first()
        )
        if latest is None:
            raise Http404
        wanted = str(latest)
    if not wanted.isdigit():
        raise Http404
    application = housing_application_get_for_user(user=user, application_id=int(wanted), audit=False)
    if application.case_id != case.pk:
        raise Http404
    return application


def _decision(application: HousingBenefitApplication) -> HousingBenefitDecision | None:
    return (
        HousingBenefitDecision.objects.filter(application=application)
        .select_related("rule", "job_search_rule")
        .first()
    )


def _common(user: Any, case: Case, application: HousingBenefitApplication, form: str) -> dict[str, Any]:
    return {
        "app": application,
        "municipality": application.municipality,
        "agency": case.agency,
        # 首長名: no title is recorded for a municipality, so the line is left to write on.
        "mayor": "",
        "contact_shown": contact_shown(user, case.person, form=form),
    }


def _rule_context(decision: HousingBenefitDecision) -> dict[str, Any]:
    rule = decision.rule
    return {
        "rule": rule,
        "rule_size": f"{rule.household_size}人{'以上' if rule.applies_to_larger else ''}",
        "rule_source": rule.source_shown,
    }


def _period(first_month: date | None, months: int) -> dict[str, Any]:
    if first_month is None or not months:
        return {"first_month_label": "", "last_month_label": "", "months": months or None}
    return {
        "first_month_label": hr.month_label(first_month),
        "last_month_label": hr.month_label(add_months(first_month, months - 1)),
        "months": months,
    }


# --- 申請時確認書 ---------------------------------------------------------------------------------------


def build_confirmation(user: Any, case: Case, params: Mapping[str, str]) -> FormDocument:
    application = _application(user, case, params)
    explanations = [
        {"label": label, "text": text, "done": bool(getattr(application, field))}
        for field, label, text in EXPLANATIONS
    ]
    return FormDocument(
        template="reports/pdf/housing_confirmation.html",
        context={**_common(user, case, application, "housing_confirmation"), "explanations": explanations},
        record=application,
        file_part=f"申請{application.pk}",
        details={"application_id": application.pk},
    )


# --- 支給決定通知書 / 不支給決定通知書 ------------------------------------------------------------------


def build_decision(user: Any, case: Case, params: Mapping[str, str]) -> FormDocument:
    application = _application(user, case, params)
    decision = _decision(application)
    if decision is None:  # not decided yet: there is no notice to print
        raise Http404
    awarded = decision.outcome == DecisionOutcome.AWARD
    return FormDocument(
        template="reports/pdf/housing_decision.html",
        context={
            **_common(user, case, application, "housing_decision"),
            "decision": decision,
            "awarded": awarded,
            "notice_title": "住居確保給付金支給決定通知書" if awarded else "住居確保給付金不支給決定通知書",
            **_rule_context(decision),
            **_period(
                decision.first_month if awarded else None, application.months_awarded if awarded else 0
            ),
        },
        record=decision,
        file_part=f"申請{application.pk}",
        details={"application_id": application.pk, "outcome": decision.outcome},
    )


# --- 中止通知書 -------------------------------------------------------------------------------------------


def build_stop(user: Any, case: Case, params: Mapping[str, str]) -> FormDocument:
    application = _application(user, case, params)
    stop = HousingBenefitStop.objects.filter(application=application).select_related("decided_by").first()
    if stop is None:
        raise Http404
    decision = _decision(application)
    return FormDocument(
        template="reports/pdf/housing_stop.html",
        context={
            **_common(user, case, application, "housing_stop"),
            "stop": stop,
            "decision": decision,
            "effective_month_label": hr.month_label(stop.effective_month),
            **(_rule_context(decision) if decision else {}),
            **_period(application.first_month, application.months_awarded),
        },
        record=stop,
        file_part=f"申請{application.pk}",
        details={"application_id": application.pk},
    )


# --- 求職活動状況報告書 ------------------------------------------------------------------------------------


def _month_param(value: str) -> date:
    try:
        year, month = (int(part) for part in value.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise Http404 from None


def build_job_search(user: Any, case: Case, params: Mapping[str, str]) -> FormDocument:
    application = _application(user, case, params)
    reports = JobSearchReport.objects.filter(application=application).select_related("requirement")
    wanted = (params.get("month") or "").strip()
    if wanted:
        month = _month_param(wanted)
        report = reports.filter(month=month).first()
    else:
        report = reports.order_by("-month").first()
        month = (
            report.month if report else (application.first_month or hr.first_of_month(timezone.localdate()))
        )
    month_number = report.month_number if report else None
    if month_number is None and application.first_month is not None:
        n = hr.month_number(application.first_month, month)
        month_number = n if 1 <= n <= application.months_awarded else None
    requirement: JobSearchRequirement | None
    if report is not None:
        requirement = report.requirement
    else:
        # The thresholds the report of that month would be checked against (the service's rule).
        cause = hr.job_search_cause_for_month(application.cause, month_number)
        requirement = job_search_requirement_in_force(
            municipality=application.municipality, cause=cause, on=month
        )
    rows: list[dict[str, Any]] = []
    if requirement is not None:
        per = "週" if requirement.applications_per == "week" else "月"
        rows = [
            {
                "label": "自立相談支援機関での面談",
                "required": f"月{requirement.centre_consultations_min}回以上",
                "actual": report.centre_consultations if report else None,
            },
            {
                "label": "ハローワークの職業相談／経営相談",
                "required": f"月{requirement.counselling_min}回以上",
                "actual": report.counselling if report else None,
            },
            {
                "label": "応募／収入増加の取組",
                "required": f"{per}{requirement.applications_min}回以上",
                "actual": report.applications if report else None,
            },
        ]
    return FormDocument(
        template="reports/pdf/housing_job_search.html",
        context={
            **_common(user, case, application, "housing_job_search"),
            "report": report,
            "requirement": requirement,
            "rows": rows,
            "month_label": hr.month_label(month),
            "month_number": month_number,
            "reported_on_label": wareki(report.reported_on) if report else "",
        },
        record=report or application,
        file_part=f"{month:%Y-%m}",
        details={"application_id": application.pk, "month": f"{month:%Y-%m}"},
    )


def _has(model: Any) -> Any:
    return lambda case: model.objects.filter(application__case=case).exists()


register(
    PrintedForm(
        "housing_confirmation",
        "住居確保給付金 申請時確認書",
        build_confirmation,
        lambda case: HousingBenefitApplication.objects.filter(case=case).exists(),
        order=60,
    )
)
register(
    PrintedForm(
        "housing_decision",
        "住居確保給付金 決定通知書",
        build_decision,
        _has(HousingBenefitDecision),
        order=61,
    )
)
register(
    PrintedForm("housing_stop", "住居確保給付金 中止通知書", build_stop, _has(HousingBenefitStop), order=62)
)
register(
    PrintedForm(
        "housing_job_search",
        "求職活動状況報告書",
        build_job_search,
        lambda case: HousingBenefitApplication.objects.filter(
            case=case, benefit_type=BenefitType.RENT, first_month__isnull=False
        ).exists(),
        order=63,
    )
)
