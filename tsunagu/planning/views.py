"""事業計画 screens: list, create, detail, edit, plan-vs-actual (評価), its charts (SVG) and PDF.

Thin views: scoped selector → bound form → service → template. Refusals go through
``organizations.guards`` (audited once). A stale save (someone else saved the plan first)
re-renders the form with what the user typed and the other version beside it (``core.locking``,
``includes/stale.html``); saving again from that page means "I have seen their version". A form
without its version field is refused.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.csp import CSP  # type: ignore[import-untyped,unused-ignore]
from django.views.decorators.csp import csp_override  # type: ignore[import-untyped,unused-ignore]

from tsunagu.core.drafts import form_data
from tsunagu.core.locking import DiffRow, StaleVersionError, diff_rows
from tsunagu.organizations import guards
from tsunagu.organizations.guards import permission_required
from tsunagu.organizations.roles import Permission

from . import policies, selectors, services
from .forms import AnnualPlanCreateForm, AnnualPlanForm
from .models import AnnualPlan
from .targets import indicator_name

if TYPE_CHECKING:
    from tsunagu.organizations.models import User


def _user(request: HttpRequest) -> User:
    """The signed-in staff account (StaffLoginRequiredMiddleware / the API's auth ran first)."""
    return cast("User", request.user)


# An SVG image may style itself (matplotlib writes a <style> element and style attributes); it can
# do nothing else: no scripts, no fetches. The pages themselves keep the strict policy.
SVG_CSP = {"default-src": [CSP.NONE], "style-src": [CSP.UNSAFE_INLINE]}


# Seeing plans: 統計を見る or 事業計画を編集する (policies.py); editing: 事業計画を編集する.
view_required = permission_required(Permission.STATISTICS_VIEW, Permission.PLAN_ANNUAL_EDIT)
edit_required = permission_required(Permission.PLAN_ANNUAL_EDIT)


@view_required
def plan_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "planning/plan_list.html",
        {
            "plans": selectors.plans_for_list(_user(request)),
            "missing": selectors.missing_plans(_user(request)),
            "can_edit": policies.may_edit_plans(_user(request)),
        },
    )


@edit_required
def plan_new(request: HttpRequest) -> HttpResponse:
    agencies = list(selectors.agencies_for_user(_user(request)))
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
        agency = selectors.agency_get_for_planning(user=_user(request), agency_id=form.cleaned_data["agency"])
        try:
            plan = services.annual_plan_create(
                actor=_user(request),
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


@view_required
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_get_for_user(user=_user(request), plan_id=plan_id)
    return render(
        request,
        "planning/plan_detail.html",
        {
            "plan": plan,
            "targets": [(t, indicator_name(t.indicator)) for t in plan.targets.all()],
            "can_edit": policies.may_edit_plan_of(_user(request), plan.agency_id),
        },
    )


@edit_required
def plan_edit(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_get_for_user(user=_user(request), plan_id=plan_id)
    if not policies.may_edit_plan_of(_user(request), plan.agency_id):
        guards.deny(
            _user(request),
            permission=Permission.PLAN_ANNUAL_EDIT,
            reason="other_agency",
            message=policies.OTHER_AGENCY_MESSAGE,
            obj=plan,
        )
    form = AnnualPlanForm(form_data(request), initial=AnnualPlanForm.initial_for(plan))
    stale: AnnualPlan | None = None
    stale_rows: list[DiffRow] = []
    if request.method == "POST" and form.is_valid():
        try:
            services.annual_plan_update(
                actor=_user(request),
                plan=plan,
                values=form.values(),
                targets=form.targets(),
                expected_version=form.cleaned_data.get("version"),
            )
        except StaleVersionError as exc:
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


@view_required
def plan_evaluation(request: HttpRequest, plan_id: int) -> HttpResponse:
    """計画と実績（図表Ⅷ-2: 構造・プロセス・成果）."""
    plan = selectors.plan_get_for_user(user=_user(request), plan_id=plan_id)
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
@view_required
def chart_targets(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_get_for_user(user=_user(request), plan_id=plan_id)
    return _svg(selectors.targets_svg(plan=plan))


@csp_override(SVG_CSP)
@view_required
def chart_monthly(request: HttpRequest, plan_id: int, code: str) -> HttpResponse:
    plan = selectors.plan_get_for_user(user=_user(request), plan_id=plan_id)
    return _svg(selectors.monthly_svg(plan=plan, code=code))


@view_required
def plan_report_pdf(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_get_for_user(user=_user(request), plan_id=plan_id)
    pdf = selectors.plan_report_pdf(user=_user(request), plan=plan)
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


def _stale_rows(current: AnnualPlan, form: AnnualPlanForm) -> list[DiffRow]:
    """(項目, 他の職員が保存した内容, あなたの入力) for every field where the two differ."""
    labels = {name: str(field.label) for name, field in form.fields.items() if name != "version"}
    return diff_rows(
        AnnualPlanForm.initial_for(current), form.cleaned_data, labels, lambda _name, value: _shown(value)
    )
