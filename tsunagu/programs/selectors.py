"""Reads for 住居確保給付金 screens and API: rule tables, applications (always scoped), reminders.

The rules in force on a date and the 簡易判定 live in ``lookups`` (shared with the services) and are
re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import Q

from tsunagu.cases.models import OPEN_STATES, Case, PlanStatus, SupportPlan
from tsunagu.cases.selectors import case_get_for_user
from tsunagu.core.audit import audit_record
from tsunagu.core.dates import wareki
from tsunagu.core.models import AuditAction
from tsunagu.organizations.models import Municipality
from tsunagu.organizations.roles import Permission
from tsunagu.organizations.scoping import get_for_user_or_404, not_found, scope_for_user

from . import housing_rules as hr
from . import workflow
from .lookups import (  # noqa: F401 — re-exported for the views and the API
    Assessment,
    assessment_for_application,
    decision_explain,
    housing_assess,
    job_search_requirement_in_force,
    payment_cap_for_month,
    report_months_status,
    rule_for_assessment,
    rule_in_force,
)
from .models import (
    ApplicationState,
    BudgetLineKind,
    BudgetPlan,
    CertifiedTrainingProvider,
    Debt,
    EnrolmentProgram,
    EnrolmentStatus,
    HouseholdBudgetSheet,
    HousingBenefitApplication,
    HousingBenefitRuleTable,
    HousingRuleDraft,
    HousingRuleDraftStatus,
    JobSearchRequirement,
    LoanLink,
    ProgramEnrolment,
)
from .policies import budget_visible_to

PAGE_SIZE = 25

# --- Rule tables (history and today's) ------------------------------------------------------------


def rule_rows_for(*, municipality: Municipality) -> models.QuerySet[HousingBenefitRuleTable]:
    """Every version of the municipality's table (the history is kept), newest first per size."""
    return HousingBenefitRuleTable.objects.filter(municipality=municipality).select_related("created_by")


def rules_current_for(*, municipality: Municipality, on: date) -> list[HousingBenefitRuleTable]:
    sizes = (
        HousingBenefitRuleTable.objects.filter(municipality=municipality)
        .values_list("household_size", flat=True)
        .distinct()
    )
    rows = [rule_in_force(municipality=municipality, household_size=s, on=on) for s in sorted(set(sizes))]
    return [r for r in rows if r is not None]


def rule_drafts_pending(*, municipality: Municipality) -> models.QuerySet[HousingRuleDraft]:
    """The prepared tables of the municipality not yet confirmed or withdrawn."""
    return HousingRuleDraft.objects.filter(
        municipality=municipality, status=HousingRuleDraftStatus.DRAFT
    ).select_related("created_by")


def rule_draft_get_for_user(*, user: Any, municipality: Municipality, draft_id: Any) -> HousingRuleDraft:
    """One prepared table of the officer's own municipality; 404 for an absent one and another's."""
    queryset = HousingRuleDraft.objects.filter(municipality=municipality).select_related(
        "municipality", "created_by"
    )
    return get_for_user_or_404(queryset, user, draft_id)


def rule_future_rows_for(*, municipality: Municipality, after: date) -> list[HousingBenefitRuleTable]:
    """Confirmed rows that start to apply after ``after`` (適用予定), by date then household size."""
    return list(
        HousingBenefitRuleTable.objects.filter(municipality=municipality, effective_from__gt=after).order_by(
            "effective_from", "household_size", "-revision"
        )
    )


def job_search_rows_for(*, municipality: Municipality) -> models.QuerySet[JobSearchRequirement]:
    return JobSearchRequirement.objects.filter(
        Q(municipality=municipality) | Q(municipality__isnull=True)
    ).select_related("municipality")


def municipalities_for_user(user: Any) -> models.QuerySet[Municipality]:
    """The municipalities whose tables a user works with: the officer's own, or the agency's area
    (its own municipality and those served by 共同実施, ``Agency.area``)."""
    if getattr(user, "municipality_id", None):
        return Municipality.objects.filter(pk=user.municipality_id)
    if getattr(user, "agency_id", None):
        return user.agency.area().order_by("code")
    return Municipality.objects.none()


# --- Applications (scoped) ---------------------------------------------------------------------------


def housing_applications_visible_to(user: Any) -> models.QuerySet[HousingBenefitApplication]:
    """Agency staff: their agency's applications; a 自治体担当者: their municipality's."""
    if not (user.can(Permission.PERSON_VIEW) or user.can(Permission.DECISION_RECORD)):
        return HousingBenefitApplication.objects.none()
    return scope_for_user(HousingBenefitApplication.objects.all(), user).select_related(
        "person", "case", "municipality", "agency"
    )


def housing_application_get_for_user(
    *, user: Any, application_id: Any, audit: bool = True
) -> HousingBenefitApplication:
    """Fetch-and-check (404 when absent or not yours); viewing is audited."""
    base = HousingBenefitApplication.objects.select_related(
        "person", "case", "municipality", "agency", "created_by"
    )
    if not (user.can(Permission.PERSON_VIEW) or user.can(Permission.DECISION_RECORD)):
        base = base.none()
    application = get_for_user_or_404(base, user, application_id)
    if audit:
        audit_record(actor=user, action=AuditAction.VIEW, obj=application, person_id=application.person_id)
    return application


def housing_application_page(
    *, user: Any, state: str = "", page: Any = 1, with_lifecycle: bool = False
) -> Page:
    """One page of the user's applications; ``with_lifecycle`` also loads decision, payments, reports and
    extensions (the API's shape) in a fixed number of queries."""
    qs = housing_applications_visible_to(user).order_by("-application_date", "-id")
    if with_lifecycle:
        qs = qs.select_related("decision__rule").prefetch_related(
            "payments", "job_search_reports", "extensions"
        )
    if state in ApplicationState.values:
        qs = qs.filter(state=state)
    return Paginator(qs, PAGE_SIZE).get_page(page)


def cases_for_application(user: Any) -> models.QuerySet[Case]:
    """Open cases of the user's agency that an application may be linked to."""
    if not user.can(Permission.CASE_EDIT):
        return Case.objects.none()
    return (
        scope_for_user(Case.objects.all(), user)
        .filter(state__in=list(OPEN_STATES))
        .select_related("person")
        .order_by("-opened_on", "-id")
    )


# --- Lifecycle reads -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    application: HousingBenefitApplication
    kind: str  # "period_end" | "report_missing"
    message_ja: str


def reminders_for(user: Any, *, today: date) -> list[Reminder]:
    """Warnings for the list page: a period ending within 14 days, reports not yet received."""
    out: list[Reminder] = []
    qs = (
        housing_applications_visible_to(user)
        .filter(state=ApplicationState.AWARDED, benefit_type="rent")
        .prefetch_related("job_search_reports", "extensions")
        .order_by("first_month", "id")
    )
    for app in qs:
        end = app.period_end
        if end is not None and hr.period_end_warning(end, today):
            more = (
                "延長の申請は期間の最終月の末日までに行います。"
                if app.months_awarded < hr.MAX_PERIOD_MONTHS
                else "通算9か月の上限に達するため、これ以上延長できません。"
            )
            out.append(
                Reminder(
                    app,
                    "period_end",
                    f"支給期間が{(end - today).days}日後（{wareki(end)}）に終わります。{more}",
                )
            )
        missing, _ = report_months_status(app, before=today)
        if missing:
            months = "、".join(hr.month_label(m) for m in missing)
            out.append(Reminder(app, "report_missing", f"求職活動状況報告が未提出です（{months}）。"))
    return out


def housing_actions_for(user: Any, application: HousingBenefitApplication) -> frozenset[str]:
    """Which lifecycle actions this user may offer on this application now, from the table
    (``workflow.ACTIONS``); the services check the table again under the row lock."""
    return frozenset(a.name for a in workflow.available_actions(user, application))


def housing_action_buttons(user: Any, application: HousingBenefitApplication) -> list[workflow.HousingAction]:
    """The same actions, in the table's order, for the buttons of the detail page."""
    return workflow.available_actions(user, application)


# =====================================================================================================
# Other programmes
# =====================================================================================================

SHELTER_WARNING_DAYS = 14  # 一時生活支援: 3か月・6か月の14日前から
EP_WARNING_DAYS = 30  # 就労準備支援: 1年の30日前から


def enrolments_visible_to(user: Any) -> models.QuerySet[ProgramEnrolment]:
    """Agency staff: their agency's enrolments; a 自治体担当者: their municipality's."""
    if not (user.can(Permission.PERSON_VIEW) or user.can(Permission.DECISION_RECORD)):
        return ProgramEnrolment.objects.none()
    return scope_for_user(ProgramEnrolment.objects.all(), user).select_related(
        "person", "case", "plan", "certified_provider", "training_decision"
    )


def enrolment_get_for_user(*, user: Any, enrolment_id: Any, audit: bool = True) -> ProgramEnrolment:
    base = ProgramEnrolment.objects.select_related(
        "person", "case", "plan", "certified_provider", "training_decision", "municipality", "agency"
    )
    if not (user.can(Permission.PERSON_VIEW) or user.can(Permission.DECISION_RECORD)):
        base = base.none()
    enrolment = get_for_user_or_404(base, user, enrolment_id)
    if audit:
        audit_record(actor=user, action=AuditAction.VIEW, obj=enrolment, person_id=enrolment.person_id)
    return enrolment


def enrolment_warnings(enrolment: ProgramEnrolment, *, today: date) -> list[str]:
    """Japanese warnings before a period limit (only while the enrolment is active)."""
    if enrolment.status != EnrolmentStatus.ACTIVE:
        return []
    out: list[str] = []
    if enrolment.program == EnrolmentProgram.TEMPORARY_LIVING:
        limits = (
            (
                enrolment.standard_limit_on,
                "原則の3か月",
                "延長の記録、または退所後の住まいを検討してください。",
            ),
            (
                enrolment.maximum_limit_on,
                "上限の6か月",
                "これ以上延長できません。退所後の住まいを確保してください。",
            ),
        )
        for limit, label, advice in limits:
            if limit is None:
                continue
            left = (limit - today).days
            if 0 <= left <= SHELTER_WARNING_DAYS:
                out.append(f"一時生活支援事業の{label}（{wareki(limit)}）まであと{left}日です。{advice}")
    elif enrolment.program == EnrolmentProgram.EMPLOYMENT_PREPARATION:
        limit = enrolment.standard_limit_on
        left = (limit - today).days
        if 0 <= left <= EP_WARNING_DAYS and enrolment.municipality_extension_decided_by_id is None:
            out.append(
                f"就労準備支援事業の1年（{wareki(limit)}）まであと{left}日です。"
                "終了後のつなぎ先、または自治体による期間延長を検討してください。"
            )
    if 0 <= (enrolment.end_on - today).days <= SHELTER_WARNING_DAYS and not out:
        out.append(f"利用終了予定日（{wareki(enrolment.end_on)}）が近づいています。")
    return out


def enrolments_near_limit(user: Any, *, today: date) -> list[tuple[ProgramEnrolment, list[str]]]:
    qs = enrolments_visible_to(user).filter(status=EnrolmentStatus.ACTIVE, start_on__lte=today)
    rows = [(e, enrolment_warnings(e, today=today)) for e in qs.order_by("end_on", "id")[:200]]
    return [(e, w) for e, w in rows if w]


def certified_providers_valid_on(on: date) -> models.QuerySet[CertifiedTrainingProvider]:
    return CertifiedTrainingProvider.objects.filter(valid_from__lte=on, valid_to__gte=on).order_by("name")


def plans_for_enrolment(case: Case) -> models.QuerySet[SupportPlan]:
    """The case's plans an enrolment may be linked to: those with a 支援決定 (自治体の決定) recorded."""
    return SupportPlan.objects.filter(case=case, status=PlanStatus.DECIDED).order_by("-number")


# =====================================================================================================
# 家計改善支援: who sees the household budget
# =====================================================================================================

BUDGET_HIDDEN_NOTICE = (
    "家計の情報は、本人が「本人の支援のため」の利用と「収入・資産・債務等の経済状況」の共有に"
    "同意している場合だけ、担当の相談支援員に表示されます。"
)


@dataclass(frozen=True)
class HouseholdBudget:
    case: Case
    sheets: list[HouseholdBudgetSheet]
    debts: list[Debt]
    plans: list[BudgetPlan]
    loans: list[LoanLink]

    @property
    def latest(self) -> HouseholdBudgetSheet | None:
        return self.sheets[0] if self.sheets else None


def sheet_totals(sheet: HouseholdBudgetSheet) -> dict[str, int]:
    lines = list(sheet.lines.all())
    income = sum(x.amount for x in lines if x.kind == BudgetLineKind.INCOME)
    expense = sum(x.amount for x in lines if x.kind == BudgetLineKind.EXPENSE)
    return {"income": income, "expense": expense, "balance": income - expense}


def household_budget_for_user(*, user: Any, case_id: Any) -> HouseholdBudget:
    """The case (scoped, 404 when not yours) and its budget — 404 when the user may not see the budget.

    A refusal for want of consent is audited as ``ACCESS_DENIED``; a view is audited as ``VIEW``.
    """
    case = case_get_for_user(user=user, case_id=case_id, audit=False)
    if not budget_visible_to(user, case):
        raise not_found(
            user,
            type(case),
            case.pk,
            reason="household_budget_not_visible",
            message=BUDGET_HIDDEN_NOTICE,
            person_id=case.person_id,
            app="programs",
        )
    audit_record(
        actor=user,
        action=AuditAction.VIEW,
        obj=case,
        person_id=case.person_id,
        details={"household_budget": True},
    )
    return HouseholdBudget(
        case=case,
        sheets=list(HouseholdBudgetSheet.objects.filter(case=case).prefetch_related("lines")),
        debts=list(Debt.objects.filter(case=case)),
        plans=list(BudgetPlan.objects.filter(case=case)),
        loans=list(LoanLink.objects.filter(case=case)),
    )
