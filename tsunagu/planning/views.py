"""事業計画 screens: list, create, detail, edit, plan-vs-actual (評価), its charts (SVG) and PDF.

Thin views: scoped selector → bound form → service → template. A stale save (someone else saved
the plan first) re-renders the form with what the user typed and the other version beside it;
saving again from that page means "I have seen their version".
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.csp import CSP  # type: ignore[import-untyped,unused-ignore]
from django.views.decorators.csp import csp_override  # type: ignore[import-untyped,unused-ignore]

from tsunagu.core.drafts import form_data

from . import policies, selectors, services
from .forms import AnnualPlanCreateForm, AnnualPlanForm
from .models import AnnualPlan
from .targets import indicator_name

# An SVG image may style itself (matplotlib writes a <style> element and style attributes); it can
# do nothing else: no scripts, no fetches. The pages themselves keep the strict policy.
SVG_CSP = {"default-src": [CSP.NONE], "style-src": [CSP.UNSAFE_INLINE]}


def _require_view(request: HttpRequest) -> None:
    if not policies.may_view_plans(request.user):
        raise PermissionDenied


def _require_edit(request: HttpRequest) -> None:
    if not policies.may_edit_plans(request.user):
        raise PermissionDenied


def plan_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    return render(
        request,
        "planning/plan_list.html",
        {
            "plans": selectors.plans_for_list(request.user),
            "missing": selectors.missing_plans(request.user),
            "can_edit": policies.may_edit_plans(request.user),
        },
    )


def plan_new(request: HttpRequest) -> HttpResponse:
    _require_edit(request)
    agencies = list(selectors.agencies_for_user(request.user))
    fiscal_years = selectors.fiscal_years_to_plan()
    initial: dict[str, Any] = {}
    if len(agencies) == 1:
        initial["agency"] = agencies[0].pk
    for key in ("agency", "fiscal_year"):
        if request.GET.get(key, "").isdigit():
            initial[key] = int(request.GET[key])
    form = AnnualPlanCreateForm(
        form_data(request),
        initial=initial,
        agencies=[(a.pk, a.name) for a in agencies],
        fiscal_years=fiscal_years,
    )
    if request.method == "POST" and form.is_valid():
        agency = selectors.agency_get_for_planning(user=request.user, agency_id=form.cleaned_data["agency"])
        try:
            plan = services.annual_plan_create(
                actor=request.user,
                agency=agency,
                fiscal_year=form.cleaned_data["fiscal_year"],
                values=form.values(),
                targets=form.targets(),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"{plan}を作成しました。")
            return redirect("planning:plan_detail", plan_id=plan.pk)
    return render(request, "planning/plan_form.html", {"form": form, "plan": None})


def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    _require_view(request)
    plan = selectors.plan_get_for_user(user=request.user, plan_id=plan_id)
    return render(
        request,
        "planning/plan_detail.html",
        {
            "plan": plan,
            "targets": [(t, indicator_name(t.indicator)) for t in plan.targets.all()],
            "can_edit": policies.may_edit_plan_of(request.user, plan.agency_id),
        },
    )


def plan_edit(request: HttpRequest, plan_id: int) -> HttpResponse:
    _require_edit(request)
    plan = selectors.plan_get_for_user(user=request.user, plan_id=plan_id)
    if not policies.may_edit_plan_of(request.user, plan.agency_id):
        raise PermissionDenied
    form = AnnualPlanForm(form_data(request), initial=AnnualPlanForm.initial_for(plan))
    stale: AnnualPlan | None = None
    stale_rows: list[tuple[str, str, str]] = []
    if request.method == "POST" and form.is_valid():
        try:
            services.annual_plan_update(
                actor=request.user,
                plan=plan,
                values=form.values(),
                targets=form.targets(),
                expected_version=form.cleaned_data.get("version") or plan.version,
            )
        except services.StaleVersionError as exc:
            stale = exc.current
            form.add_error(None, exc.messages[0])
            # Saving again from this page means "I have seen their version": it carries theirs.
            data = cast(QueryDict, form.data).copy()
            data["version"] = str(stale.version)
            form.data = data
            stale_rows = _stale_rows(stale, form)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"{plan}を更新しました。")
            return redirect("planning:plan_detail", plan_id=plan.pk)
    return render(
        request,
        "planning/plan_form.html",
        {"form": form, "plan": plan, "stale": stale, "stale_rows": stale_rows},
    )


def plan_evaluation(request: HttpRequest, plan_id: int) -> HttpResponse:
    """計画と実績（図表Ⅷ-2: 構造・プロセス・成果）."""
    _require_view(request)
    plan = selectors.plan_get_for_user(user=request.user, plan_id=plan_id)
    ev = selectors.plan_evaluation(plan=plan)
    return render(
        request,
        "planning/plan_evaluation.html",
        {
            "plan": plan,
            "ev": ev,
            "targets_chart_title": selectors.targets_chart_title(plan),
            "monthly_titles": {s.code: selectors.monthly_chart_title(plan, s) for s in ev.monthly},
        },
    )


@csp_override(SVG_CSP)
def chart_targets(request: HttpRequest, plan_id: int) -> HttpResponse:
    _require_view(request)
    plan = selectors.plan_get_for_user(user=request.user, plan_id=plan_id)
    return _svg(selectors.targets_svg(plan=plan))


@csp_override(SVG_CSP)
def chart_monthly(request: HttpRequest, plan_id: int, code: str) -> HttpResponse:
    _require_view(request)
    plan = selectors.plan_get_for_user(user=request.user, plan_id=plan_id)
    return _svg(selectors.monthly_svg(plan=plan, code=code))


def plan_report_pdf(request: HttpRequest, plan_id: int) -> HttpResponse:
    _require_view(request)
    plan = selectors.plan_get_for_user(user=request.user, plan_id=plan_id)
    pdf = selectors.plan_report_pdf(user=request.user, plan=plan)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="annual_plan_{plan.agency_id}_FY{plan.fiscal_year}.pdf"'
    )
    response["Cache-Control"] = "no-store"
    return response


# --- helpers -----------------------------------------------------------------------------------------


def _svg(svg: str) -> HttpResponse:
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


def _apply_errors(form: AnnualPlanForm, error: ValidationError) -> None:
    """A service's ValidationError beside the matching field (``target_<code>`` …) or at the top."""
    if hasattr(error, "error_dict"):
        for key, msgs in error.message_dict.items():
            target = key if key in form.fields else None
            for m in msgs:
                form.add_error(target, m)
    else:
        for m in error.messages:
            form.add_error(None, m)


def _shown(value: Any) -> str:
    if value in (None, ""):
        return "（空欄）"
    if isinstance(value, Decimal):
        return f"{value}%"
    return str(value)


def _stale_rows(current: AnnualPlan, form: AnnualPlanForm) -> list[tuple[str, str, str]]:
    """(項目, 他の職員が保存した内容, あなたの入力) for every field where the two differ."""
    theirs = AnnualPlanForm.initial_for(current)
    mine = form.cleaned_data
    rows = []
    for name, field in form.fields.items():
        if name == "version":
            continue
        a, b = theirs.get(name), mine.get(name)
        if isinstance(a, str) or isinstance(b, str):
            same = (a or "").strip() == (b or "").strip()
        else:
            same = a == b
        if not same:
            rows.append((str(field.label), _shown(a), _shown(b)))
    return rows
