"""What the programmes hold for one case (``cases.hub``): 住居確保給付金, the enrolments in the other
statutory programmes and 家計改善支援.

Registered in ``ProgramsConfig.ready()``. Every answer costs a fixed number of queries whatever the
number of applications, payments or enrolments of the case (the case page asserts its budget).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Prefetch
from django.urls import reverse
from django.utils import timezone

from tsunagu.cases.hub import OpenItem, Section, TimelineEntry

from . import figures
from . import housing_rules as hr
from .lookups import report_months_status
from .models import (
    ApplicationState,
    BudgetPlan,
    EnrolmentStatus,
    HouseholdBudgetSheet,
    HousingBenefitApplication,
    HousingBenefitDecision,
    HousingBenefitPayment,
    HousingBenefitStop,
    JobSearchReport,
    ProgramEnrolment,
)
from .policies import budget_visible_to

if TYPE_CHECKING:
    from tsunagu.cases.models import Case
    from tsunagu.organizations.models import User


def _applications(case: Case) -> list[HousingBenefitApplication]:
    """The case's applications with their payment count and reports: two queries."""
    return list(
        HousingBenefitApplication.objects.filter(case=case)
        .annotate(months_paid=Count("payments", distinct=True))
        .prefetch_related(Prefetch("job_search_reports", queryset=JobSearchReport.objects.order_by("month")))
        .order_by("-application_date", "-id")
    )


def next_report_month(app: HousingBenefitApplication, *, today: date) -> date | None:
    """The first month of the period (up to this month) without a 求職活動状況報告, or None."""
    if app.state != ApplicationState.AWARDED or not app.is_rent:
        return None
    missing, _ = report_months_status(app, before=hr.last_of_month(today) + timedelta(days=1))
    return missing[0] if missing else None


def _enrolments(case: Case) -> list[ProgramEnrolment]:
    return list(
        ProgramEnrolment.objects.filter(case=case)
        .select_related("certified_provider")
        .order_by("-start_on", "-id")
    )


def _budget_differs(case: Case, user: User, sheet: HouseholdBudgetSheet | None) -> bool:
    """The latest 家計表's income lines or rent differ from the latest assessment (fixed queries:
    the sheet's lines, the assessment and its incomes and debts, the 世帯構成 count)."""
    if sheet is None:
        return False
    found = figures.figures_for(user=user, case=case, audit=False)
    if found.assessment is None:
        return False
    return bool(figures.sheet_differences(user=user, figures=found, sheet=sheet))


class ProgramsContributor:
    name = "programs"

    def sections(self, case: Case, user: User) -> list[Section]:
        today = timezone.localdate()
        apps = _applications(case)
        housing = [
            {
                "app": a,
                "months_paid": a.months_paid,  # type: ignore[attr-defined]
                "next_report": next_report_month(a, today=today),
                "period_end": a.period_end,
            }
            for a in apps
        ]
        budget: dict[str, Any] | None = None
        if budget_visible_to(user, case):
            sheet = HouseholdBudgetSheet.objects.filter(case=case).order_by("-as_of", "-id").first()
            plan = BudgetPlan.objects.filter(case=case).order_by("-made_on", "-id").first()
            budget = {"sheet": sheet, "plan": plan, "differs": _budget_differs(case, user, sheet)}
        return [
            Section(
                key="programs",
                title="利用している制度・事業",
                template="programs/hub/case_programs.html",
                context={
                    "housing": housing,
                    "enrolments": _enrolments(case),
                    "budget": budget,
                    "budget_hidden": budget is None,
                    "case": case,
                },
                order=20,
            )
        ]

    def timeline(self, case: Case, user: User) -> list[TimelineEntry]:
        out: list[TimelineEntry] = []
        for a in HousingBenefitApplication.objects.filter(case=case):
            out.append(
                TimelineEntry(
                    at=a.application_date,
                    kind="payment",
                    kind_label="住居確保給付金",
                    title=f"住居確保給付金（{a.get_benefit_type_display()}）の申請",
                    url=reverse("programs:housing_application_detail", args=[a.pk]),
                )
            )
        for d in HousingBenefitDecision.objects.filter(application__case=case):
            out.append(
                TimelineEntry(
                    at=d.decided_on,
                    kind="decision",
                    kind_label="決定",
                    title=f"住居確保給付金の{d.get_outcome_display()}"
                    + (f"（月額{d.monthly_amount:,}円）" if d.monthly_amount else ""),
                    text=d.reason,
                    url=reverse("programs:housing_application_detail", args=[d.application_id]),
                )
            )
        for p in HousingBenefitPayment.objects.filter(application__case=case).order_by("month"):
            out.append(
                TimelineEntry(
                    at=p.paid_on,
                    kind="payment",
                    kind_label="住居確保給付金",
                    title=f"住居確保給付金の支給（{p.month_number}か月目・{hr.month_label(p.month)}分 {p.amount:,}円）",
                    url=reverse("programs:housing_application_detail", args=[p.application_id]),
                )
            )
        for s in HousingBenefitStop.objects.filter(application__case=case):
            out.append(
                TimelineEntry(
                    at=s.decided_on,
                    kind="decision",
                    kind_label="決定",
                    title=f"住居確保給付金の支給中止（{s.get_reason_display()}）",
                    text=s.note,
                    url=reverse("programs:housing_application_detail", args=[s.application_id]),
                )
            )
        for e in ProgramEnrolment.objects.filter(case=case):
            url = reverse("programs:enrolment_detail", args=[e.pk])
            out.append(
                TimelineEntry(
                    at=e.start_on,
                    kind="program",
                    kind_label="事業の利用",
                    title=f"{e.get_program_display()}の利用開始（{e.provider_label}）",
                    url=url,
                )
            )
            if e.ended_on is not None:
                out.append(
                    TimelineEntry(
                        at=e.ended_on,
                        kind="program",
                        kind_label="事業の利用",
                        title=f"{e.get_program_display()}の利用終了",
                        text=e.hand_back_note,
                        url=url,
                    )
                )
        return out

    def open_items(self, case: Case) -> list[OpenItem]:
        items = [
            OpenItem(
                key=f"housing_benefit:{a.pk}",
                label=f"住居確保給付金（{a.get_benefit_type_display()}）が支給中",
                url=reverse("programs:housing_application_detail", args=[a.pk]),
            )
            for a in HousingBenefitApplication.objects.filter(case=case, state=ApplicationState.AWARDED)
        ]
        items += [
            OpenItem(
                key=f"enrolment:{e.pk}",
                label=f"{e.get_program_display()}を利用中",
                url=reverse("programs:enrolment_detail", args=[e.pk]),
            )
            for e in ProgramEnrolment.objects.filter(case=case, status=EnrolmentStatus.ACTIVE)
        ]
        return items

    def recorded_items(self, case: Case) -> list[str]:
        out: list[str] = []
        paid = HousingBenefitPayment.objects.filter(application__case=case).count()
        if paid:
            out.append(f"住居確保給付金の支給（{paid}件）")
        decided = HousingBenefitDecision.objects.filter(application__case=case).count()
        if decided:
            out.append(f"住居確保給付金の支給決定・不支給決定（{decided}件）")
        enrolled = ProgramEnrolment.objects.filter(case=case).count()
        if enrolled:
            out.append(f"法定事業の利用登録（{enrolled}件）")
        return out

    def income_recheck_url(self, case: Case) -> str:
        """The 収入の再確認 page of the case's benefit 支給中 (家賃補助), or "" when there is none."""
        app = (
            HousingBenefitApplication.objects.filter(case=case, state=ApplicationState.AWARDED)
            .order_by("-application_date", "-id")
            .first()
        )
        return reverse("programs:housing_income_recheck", args=[app.pk]) if app is not None else ""


contributor = ProgramsContributor()
