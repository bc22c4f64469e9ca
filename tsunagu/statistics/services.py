"""Writes of the statistics app: starting and running a 年度 run in the background.

A prefecture's 年度 means every municipality of it × every indicator, so it is queued as a task
(``tasks.statistics_run_task``) and the screen polls its progress. The result holds figures only.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from tsunagu.core.audit import audit_record
from tsunagu.core.dates import fiscal_year
from tsunagu.core.models import AuditAction
from tsunagu.organizations.models import Agency, Municipality, Prefecture

from .exports import SurveyRow
from .indicators import INDICATORS_LIST, SURVEY_INDICATORS, Area, Period, compute
from .models import RunStatus, StatisticsRun
from .policies import may_view

EARLIEST_FISCAL_YEAR = 2015  # the 制度 began in April 2015


def statistics_run_start(*, actor: Any, area: Area, fiscal_year_: int) -> StatisticsRun:
    """Queue a 年度 run for an area the actor may see (the caller resolved it through selectors)."""
    if not may_view(actor):
        raise PermissionDenied("統計を見る権限がありません。")
    current = fiscal_year(timezone.localdate())
    if not EARLIEST_FISCAL_YEAR <= fiscal_year_ <= current:
        raise ValidationError(
            {
                "fiscal_year": f"年度は{EARLIEST_FISCAL_YEAR}年度から{current}年度（今年度）までで指定してください。"
            }
        )
    from .tasks import statistics_run_task

    with transaction.atomic():
        run = StatisticsRun.objects.create(
            requested_by=actor,
            area_kind=area.kind,
            area_id=area.id,
            area_name=area.name,
            area_agency_id=area.agency_id,
            fiscal_year=fiscal_year_,
            progress_total=len(_municipalities(area)) + 1,
        )
        audit_record(
            actor=actor,
            action=AuditAction.EXPORT,
            obj=run,
            details={"what": "statistics_run", "area": area.name, "fiscal_year": fiscal_year_},
        )
        transaction.on_commit(lambda: statistics_run_task.enqueue(run.pk))
    return run


def run_area(run: StatisticsRun) -> Area:
    """The area a run counts, rebuilt from what it stored (an agency's share stays its share)."""
    if run.area_kind == "prefecture":
        return Area.prefecture(Prefecture.objects.get(pk=run.area_id))
    if run.area_kind == "agency":
        return Area.agency(Agency.objects.prefetch_related("served_municipalities").get(pk=run.area_id))
    muni = Municipality.objects.select_related("prefecture").get(pk=run.area_id)
    return Area.municipality(muni, agency=run.area_agency)


def _municipalities(area: Area) -> list[Municipality]:
    qs = Municipality.objects.select_related("prefecture").order_by("code")
    if area.kind == "prefecture":
        return list(qs.filter(prefecture_id=area.id))
    if area.kind == "municipality":
        return list(qs.filter(pk=area.id))
    return list(Agency.objects.get(pk=area.id).served_municipalities.order_by("code"))


def _row(area: Area, period: Period) -> dict[str, Any]:
    return SurveyRow.from_figures(compute(area, period)).to_json()


def statistics_run_execute(run: StatisticsRun) -> StatisticsRun:
    """Compute the run, one municipality at a time, saving progress after each."""
    period = Period.fiscal_year(run.fiscal_year)
    StatisticsRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, started_at=timezone.now())
    try:
        area = run_area(run)
        munis = _municipalities(area)
        # An agency (or an agency's share of a municipality) counts only its own rows everywhere.
        share_of = area.id if area.kind == "agency" else area.agency_id
        agency = Agency.objects.get(pk=share_of) if share_of else None
        rows = []
        for i, muni in enumerate(munis, start=1):
            sub = Area.municipality(muni, agency=agency)
            rows.append(_row(sub, period))
            StatisticsRun.objects.filter(pk=run.pk).update(progress_done=i)
        total = _row(area, period)
        result = {
            "period": period.label,
            "columns": [{"code": i.code, "name_ja": i.name_ja} for i in INDICATORS_LIST],
            "survey_codes": [i.code for i in SURVEY_INDICATORS],
            "rows": rows,
            "total": total,
        }
        StatisticsRun.objects.filter(pk=run.pk).update(
            status=RunStatus.DONE,
            progress_done=len(munis) + 1,
            result=result,
            finished_at=timezone.now(),
        )
    except Exception as exc:  # the run records its failure; the screen says so
        StatisticsRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, error=f"{type(exc).__name__}: {exc}", finished_at=timezone.now()
        )
    run.refresh_from_db()
    return run
