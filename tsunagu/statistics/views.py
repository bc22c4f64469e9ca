"""Screens of the statistics: 支援状況調査 by month or 年度, its files, the drill-down, 年度 runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from tsunagu.core.audit import audit_record, audit_record_many
from tsunagu.core.dates import fiscal_year, fiscal_year_label
from tsunagu.core.models import AuditAction
from tsunagu.organizations.guards import permission_required
from tsunagu.organizations.roles import Permission
from tsunagu.organizations.scoping import NOT_FOUND_MESSAGE

from . import policies, selectors, services
from .creaming import complexity_table, headline_rates
from .exports import SurveyRow, profile_file, profile_tables, survey_columns, survey_file
from .indicators import (
    DISTRIBUTIONS,
    DISTRIBUTIONS_LIST,
    INDICATORS,
    PROFILE_CODES,
    Area,
    Figures,
    Period,
    code_lists_read_once,
    compute,
    fiscal_year_months,
    period_problem,
)
from .models import RunStatus

if TYPE_CHECKING:
    from tsunagu.organizations.models import User


def _user(request: HttpRequest) -> User:
    """The signed-in staff account (StaffLoginRequiredMiddleware / the API's auth ran first)."""
    return cast("User", request.user)


PAGE_SIZE = 50


# Every screen of the statistics needs 統計を見る (refusal audited, 403); the drill-down also needs
# 統計の内訳を開く (selectors.drilldown_cases: 404, like a case the user may not open).
view_required = permission_required(Permission.STATISTICS_VIEW)


def default_period(today: date) -> Period:
    """Last month: the month the 支援状況調査 is reported for."""
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return Period.month(year, month)


@dataclass
class Selection:
    area: Area
    period: Period
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    computable: bool = True


def _selection(request: HttpRequest) -> Selection:
    """Area and period from the query string; an area the user may not see is 404."""
    user = _user(request)
    today = timezone.localdate()
    choices = selectors.areas_for_user(user)
    if not choices:
        raise Http404(NOT_FOUND_MESSAGE)
    key = request.GET.get("area") or choices[0][0]
    area = selectors.area_for_key(user, key)
    errors: list[str] = []
    raw = request.GET.get("period", "")
    period = default_period(today)
    if raw:
        try:
            period = Period.parse(raw)
        except ValueError:
            errors.append(
                f"期間「{raw}」は読み取れません。月は 2026-10、年度は FY2026 のように指定してください。"
            )
    sel = Selection(area, period, errors=errors)
    problem = period_problem(period, today)
    if problem:
        sel.notes.append(problem)
        sel.computable = False
    elif period.start <= today <= period.end:
        sel.notes.append(f"この期間は途中です（{today.month}月{today.day}日までの集計）。")
    return sel


def _period_choices(today: date) -> dict[str, list[tuple[str, str]]]:
    months = []
    y, m = today.year, today.month
    for _ in range(24):
        p = Period.month(y, m)
        months.append((p.key, p.label))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    fy_now = fiscal_year(today)
    years = [(f"FY{fy}", fiscal_year_label(fy)) for fy in range(fy_now, 2014, -1)]
    return {"months": months, "years": years}


@view_required
def monthly(request: HttpRequest) -> HttpResponse:
    """支援状況調査 for one area and one month (or 年度), with the creaming guard beside the rates."""
    sel = _selection(request)
    ctx: dict[str, Any] = {
        "sel": sel,
        "area_key": selectors.area_key(sel.area),
        "area_choices": selectors.areas_for_user(_user(request)),
        "period_choices": _period_choices(timezone.localdate()),
        "may_drill_down": policies.may_drill_down(_user(request)),
    }
    if sel.computable:
        figures = compute(sel.area, sel.period)
        by_code = figures.by_code()
        ctx.update(
            figures=figures,
            survey=[(c, by_code[c.code]) for c in survey_columns()],
            sections=_sections(figures),
            distributions=[(d, d.counts(sel.area, sel.period)) for d in DISTRIBUTIONS_LIST],
            complexity=complexity_table(sel.area, sel.period),
            headlines=headline_rates(figures),
            empty=not any(f.value for f in figures.figures),
        )
    return render(request, "statistics/monthly.html", ctx)


def _sections(figures: Figures) -> list[tuple[str, list[Any]]]:
    out: dict[str, list[Any]] = {}
    for f in figures.figures:
        if INDICATORS[f.code].survey_column:
            continue
        out.setdefault(f.section, []).append(f)
    return list(out.items())


@view_required
def survey_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The 自治体別集計表 row of the area and period as xlsx or CSV (UTF-8 with BOM); audited."""
    sel = _selection(request)
    if sel.errors or not sel.computable:
        return render(
            request,
            "statistics/export_refused.html",
            {"messages_": sel.errors + sel.notes, "back": reverse("statistics:monthly")},
            status=400,
        )
    figures = compute(sel.area, sel.period)
    title = f"生活困窮者自立支援制度 支援状況調査（自治体別集計表） {sel.area.name} {sel.period.label}"
    rows = [SurveyRow.from_figures(figures)]
    audit_record(
        actor=_user(request),
        action=AuditAction.EXPORT,
        object_type="statistics_survey",
        object_id=selectors.area_key(sel.area),
        details={"format": fmt, "period": sel.period.key, "area": sel.area.name},
    )
    notes = [f"人口10万人あたりの値は1か月あたり（{sel.period.months}か月で割った値）。", *sel.notes]
    filename = f"shien_jokyo_{sel.area.code or sel.area.id}_{sel.period.key}.{fmt}"
    return _file_response(fmt, title, rows, notes, filename)


def _file_response(
    fmt: str, title: str, rows: list[SurveyRow], notes: list[str], filename: str
) -> HttpResponse:
    content, content_type = survey_file(fmt, title, rows, notes)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@view_required
def profile(request: HttpRequest) -> HttpResponse:
    """新規相談者の状況: the cases received in the period by 仕事・住居・年齢・世帯 at intake and
    抱える課題; for a 年度, a table with the twelve months as columns. The numbers are shown as
    they are (staff with the area in scope); the files suppress 1–4 (``exports.profile_file``)."""
    sel = _selection(request)
    ctx: dict[str, Any] = {
        "sel": sel,
        "area_key": selectors.area_key(sel.area),
        "area_choices": selectors.areas_for_user(_user(request)),
        "period_choices": _period_choices(timezone.localdate()),
        "may_drill_down": policies.may_drill_down(_user(request)),
    }
    if sel.computable:
        with code_lists_read_once():
            yearly = sel.period.months == 12
            distributions = [DISTRIBUTIONS[c] for c in PROFILE_CODES]
            ctx.update(
                yearly=yearly,
                new_consultations=INDICATORS["new_consultations"].count(sel.area, sel.period),
            )
            if yearly:
                fy = fiscal_year(sel.period.start)
                months = fiscal_year_months(fy)
                keys = [m.key for m in months]
                ctx.update(
                    months=months,
                    monthly_tables=[
                        (
                            d,
                            [
                                (r, list(zip(keys, r.months, strict=True)))
                                for r in d.monthly_counts(sel.area, fy)
                            ],
                        )
                        for d in distributions
                    ],
                )
            else:
                ctx["tables"] = [(d, d.counts(sel.area, sel.period)) for d in distributions]
    return render(request, "statistics/profile.html", ctx)


@view_required
def profile_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The profile as xlsx or CSV (UTF-8 with BOM), every count of 1–4 written as 「*」; audited."""
    sel = _selection(request)
    if sel.errors or not sel.computable:
        return render(
            request,
            "statistics/export_refused.html",
            {"messages_": sel.errors + sel.notes, "back": reverse("statistics:profile")},
            status=400,
        )
    with code_lists_read_once():
        tables = profile_tables(sel.area, sel.period)
    audit_record(
        actor=_user(request),
        action=AuditAction.EXPORT,
        object_type="statistics_profile",
        object_id=selectors.area_key(sel.area),
        details={"format": fmt, "period": sel.period.key, "area": sel.area.name},
    )
    title = f"新規相談者の状況 {sel.area.name} {sel.period.label}"
    content, content_type = profile_file(fmt, title, tables, sel.notes)
    response = HttpResponse(content, content_type=content_type)
    filename = f"shinki_soudansha_{sel.area.code or sel.area.id}_{sel.period.key}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@view_required
def drilldown(request: HttpRequest) -> HttpResponse:
    """The cases behind one figure. Each case shown is audited as viewed (統計の内訳)."""
    sel = _selection(request)
    code = request.GET.get("code", "")
    group = request.GET.get("group", "")
    if sel.errors or not sel.computable:
        raise Http404(NOT_FOUND_MESSAGE)
    cases = selectors.drilldown_cases(
        _user(request), code=code, area=sel.area, period=sel.period, group=group
    )
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page", 1))
    shown = list(page.object_list)
    audit_record_many(
        actor=_user(request),
        action=AuditAction.VIEW,
        objects=shown,
        details={
            "via": "statistics_drilldown",
            "indicator": code,
            "group": group,
            "period": sel.period.key,
            "area": selectors.area_key(sel.area),
        },
    )
    if code in INDICATORS:
        title = INDICATORS[code].name_ja
    elif code in DISTRIBUTIONS:
        labels = DISTRIBUTIONS[code].labels()
        title = f"{DISTRIBUTIONS[code].name_ja}：{labels.get(group, group or '（未記入）')}"
    else:
        title = f"受付時の相談したいことの数：{group}"
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "statistics/drilldown.html",
        {
            "sel": sel,
            "title": title,
            "code": code,
            "page": page,
            "cases": shown,
            "base_query": params.urlencode(),
            "back_query": f"area={selectors.area_key(sel.area)}&period={sel.period.key}",
        },
    )


# --- 年度 runs (background) ----------------------------------------------------------------------


@view_required
def runs(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = timezone.localdate()
    choices = selectors.areas_for_user(user)
    error = ""
    if request.method == "POST":
        try:
            area = selectors.area_for_key(user, request.POST.get("area", ""))
            fy_raw = request.POST.get("fiscal_year", "")
            if not fy_raw.isdigit():
                raise ValidationError({"fiscal_year": "年度を選んでください。"})
            run = services.statistics_run_start(actor=user, area=area, fiscal_year_=int(fy_raw))
            return redirect("statistics:run_detail", run_id=run.pk)
        except ValidationError as exc:
            error = " ".join(m for msgs in exc.message_dict.values() for m in msgs)
    fy_now = fiscal_year(today)
    return render(
        request,
        "statistics/runs.html",
        {
            "runs": selectors.runs_for_user(user)[:20],
            "area_choices": choices,
            "years": [(fy, fiscal_year_label(fy)) for fy in range(fy_now, 2014, -1)],
            "error": error,
            "selected_area": request.POST.get("area", ""),
            "selected_year": request.POST.get("fiscal_year", str(fy_now)),
        },
    )


@view_required
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = selectors.run_for_user(_user(request), run_id)
    result = run.result or {}
    columns = survey_columns()
    rows = [SurveyRow.from_json(r) for r in result.get("rows", [])]
    total = SurveyRow.from_json(result["total"]) if result.get("total") else None
    ctx = {
        "run": run,
        "finished": run.status in (RunStatus.DONE, RunStatus.FAILED),
        "columns": columns,
        "rows": [(r, r.cells()) for r in rows],
        "total": (total, total.cells()) if total else None,
    }
    template = "statistics/run_detail.html"
    if request.headers.get("HX-Request") == "true":
        template = "statistics/run_detail.html#progress"
    return render(request, template, ctx)


@view_required
def run_export(request: HttpRequest, run_id: int, fmt: str) -> HttpResponse:
    run = selectors.run_for_user(_user(request), run_id)
    if run.status != RunStatus.DONE:
        raise Http404(NOT_FOUND_MESSAGE)
    result = run.result
    rows = [SurveyRow.from_json(r) for r in result.get("rows", [])]
    if result.get("total"):
        total = SurveyRow.from_json(result["total"])
        total.name = f"{total.name}（合計）"
        rows.append(total)
    title = (
        f"生活困窮者自立支援制度 支援状況調査（自治体別集計表） {run.area_name} {result.get('period', '')}"
    )
    audit_record(
        actor=_user(request),
        action=AuditAction.EXPORT,
        obj=run,
        details={"format": fmt, "what": "statistics_run"},
    )
    notes = ["人口10万人あたりの値は1か月あたり（年間件数÷12）。"]
    return _file_response(fmt, title, rows, notes, f"shien_jokyo_FY{run.fiscal_year}_{run.pk}.{fmt}")


@view_required
@require_POST
def run_retry(request: HttpRequest, run_id: int) -> HttpResponse:
    run = selectors.run_for_user(_user(request), run_id)
    # Resolved again through the user's areas: a run can only be repeated on an area still theirs.
    area = selectors.area_for_key(_user(request), selectors.area_key(services.run_area(run)))
    new = services.statistics_run_start(actor=_user(request), area=area, fiscal_year_=run.fiscal_year)
    return redirect("statistics:run_detail", run_id=new.pk)
