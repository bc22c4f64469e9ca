"""Reads for the 事業計画: which plans a user may see, one plan (404 otherwise), its evaluation and PDF."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from tsunagu.core.audit import audit_record
from tsunagu.core.dates import fiscal_year, fiscal_year_label
from tsunagu.core.models import AuditAction
from tsunagu.organizations.models import Agency
from tsunagu.organizations.roles import Role
from tsunagu.organizations.scoping import NOT_FOUND_MESSAGE, get_for_user_or_404, scope_for_user

from . import charts, evaluation, policies
from .models import AnnualPlan
from .pdf import render_pdf, svg_data_url

if TYPE_CHECKING:
    from tsunagu.organizations.models import User


def plans_visible_to(user: User) -> models.QuerySet[AnnualPlan]:
    """The plans the user may see (policies.py): own agency, or every agency serving the municipality."""
    base = AnnualPlan.objects.select_related("agency", "municipality", "updated_by")
    if not policies.may_view_plans(user):
        return base.none()
    scoped = scope_for_user(base, user)
    if not user.agency_id and user.municipality_id and user.has_role(Role.MUNICIPAL_OFFICER):
        # 共同実施: an agency serving this municipality whose 主たる実施主体 is another one.
        served = base.filter(agency__in=Agency.objects.serving(user.municipality_id)).values("pk")
        scoped = base.filter(Q(pk__in=scoped.values("pk")) | Q(pk__in=served))
    return scoped.order_by("-fiscal_year", "agency__name", "id")


def plans_for_list(user: User) -> models.QuerySet[AnnualPlan]:
    """The visible plans with the number of targets (one query for the list)."""
    return plans_visible_to(user).annotate(target_count=Count("targets"))


def plan_get_for_user(*, user: User, plan_id: Any) -> AnnualPlan:
    """Fetch-and-check: the plan if the user may see it; 404 for absent and not-yours alike."""
    try:
        return (
            plans_visible_to(user)
            .prefetch_related("targets", "agency__served_municipalities")
            .get(pk=plan_id)
        )
    except (AnnualPlan.DoesNotExist, ValueError, TypeError):
        pass
    # Not visible: the shared helper answers 404 and audits an out-of-scope id as a refused access.
    get_for_user_or_404(AnnualPlan.objects.none(), user, plan_id)
    raise Http404(NOT_FOUND_MESSAGE)  # pragma: no cover - the helper always raises here


def agencies_for_user(user: User) -> models.QuerySet[Agency]:
    return policies.agencies_of_user(user).select_related("municipality").order_by("name", "id")


def agency_get_for_planning(*, user: User, agency_id: Any) -> Agency:
    """An agency the user may write a plan for; 404 otherwise."""
    if not policies.may_edit_plans(user):
        raise Http404(NOT_FOUND_MESSAGE)
    try:
        return agencies_for_user(user).get(pk=agency_id)
    except (Agency.DoesNotExist, ValueError, TypeError):
        raise Http404(NOT_FOUND_MESSAGE) from None


def fiscal_years_to_plan(today: date | None = None) -> list[tuple[int, str]]:
    """The 年度 a new plan may be made for: last, this and next 年度."""
    fy = fiscal_year(today or timezone.localdate())
    return [(y, fiscal_year_label(y)) for y in (fy + 1, fy, fy - 1)]


def missing_plans(user: User, today: date | None = None) -> list[tuple[Agency, int, str]]:
    """(agency, 年度, label) for this 年度 and the next where an editable agency has no plan yet."""
    if not policies.may_edit_plans(user):
        return []
    fy = fiscal_year(today or timezone.localdate())
    agencies = list(agencies_for_user(user))
    have = set(
        AnnualPlan.objects.filter(agency__in=agencies, fiscal_year__in=(fy, fy + 1)).values_list(
            "agency_id", "fiscal_year"
        )
    )
    return [(a, y, fiscal_year_label(y)) for a in agencies for y in (fy, fy + 1) if (a.pk, y) not in have]


def plan_evaluation(*, plan: AnnualPlan, today: date | None = None) -> evaluation.PlanEvaluation:
    """The plan-vs-actual of a plan fetched with ``plan_get_for_user``."""
    return evaluation.build(plan, today=today)


def targets_svg(*, plan: AnnualPlan, today: date | None = None) -> str:
    rows = evaluation.targets_chart_rows(plan, today=today)
    return charts.targets_chart(rows, title=targets_chart_title(plan))


def monthly_svg(*, plan: AnnualPlan, code: str, today: date | None = None) -> str:
    series = evaluation.monthly_chart_series(plan, code, today=today)
    if series is None:
        raise Http404(NOT_FOUND_MESSAGE)
    return charts.monthly_chart(series, title=monthly_chart_title(plan, series))


def targets_chart_title(plan: AnnualPlan) -> str:
    return f"{fiscal_year_label(plan.fiscal_year)} 目標と実績（{plan.agency.name}）"


def monthly_chart_title(plan: AnnualPlan, series: evaluation.MonthlySeries) -> str:
    return f"{fiscal_year_label(plan.fiscal_year)} {series.name_ja}の月別累計と目標の按分"


def plan_report_pdf(*, user: User, plan: AnnualPlan, today: date | None = None) -> bytes:
    """The plan-vs-actual as a PDF (charts and tables, Japanese font embedded); printing is audited."""
    ev = evaluation.build(plan, today=today)
    monthly = [
        (series, svg_data_url(charts.monthly_chart(series, title=monthly_chart_title(plan, series))))
        for series in ev.monthly
    ]
    pdf = render_pdf(
        "planning/pdf/plan_report.html",
        {
            "ev": ev,
            "plan": plan,
            "targets_svg": svg_data_url(charts.targets_chart(ev.targeted, title=targets_chart_title(plan)))
            if ev.targeted
            else "",
            "monthly": monthly,
            "issued_on": today or timezone.localdate(),
            "issued_by": user,
        },
    )
    audit_record(
        actor=user,
        action=AuditAction.PRINT,
        obj=plan,
        details={
            "document": "annual_plan_evaluation",
            "fiscal_year": plan.fiscal_year,
            "as_of": str(ev.as_of),
        },
    )
    return pdf
