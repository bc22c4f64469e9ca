"""The background work of the statistics app: computing a 年度 run (django.tasks; ``manage.py
db_worker`` runs ``statistics_run_task``).

``services.statistics_run_start`` queues a run; this module computes it, one municipality at a
time, saving progress after each. It imports nothing from ``services`` (no import circle).
"""

from __future__ import annotations

from typing import Any

from django.tasks import task
from django.utils import timezone

from tsunagu.organizations.models import Agency, Municipality, Prefecture

from .exports import SurveyRow
from .indicators import INDICATORS_LIST, SURVEY_INDICATORS, Area, Period, compute
from .models import RunStatus, StatisticsRun


def run_area(run: StatisticsRun) -> Area:
    """The area a run counts, rebuilt from what it stored (an agency's share stays its share)."""
    if run.area_kind == "prefecture":
        return Area.prefecture(Prefecture.objects.get(pk=run.area_id))
    if run.area_kind == "agency":
        return Area.agency(Agency.objects.get(pk=run.area_id))
    muni = Municipality.objects.select_related("prefecture").get(pk=run.area_id)
    return Area.municipality(muni, agency=run.area_agency)


def run_municipalities(area: Area) -> list[Municipality]:
    """The municipalities of a run's rows: a prefecture's, the one municipality, or an agency's area
    (``Agency.area``: its own municipality and every 共同実施 one)."""
    qs = Municipality.objects.select_related("prefecture").order_by("code")
    if area.kind == "prefecture":
        return list(qs.filter(prefecture_id=area.id))
    if area.kind == "municipality":
        return list(qs.filter(pk=area.id))
    return list(qs.filter(pk__in=Municipality.objects.area_of(area.id).values("pk")))


def _row(area: Area, period: Period) -> dict[str, Any]:
    return SurveyRow.from_figures(compute(area, period)).to_json()


def statistics_run_execute(run: StatisticsRun) -> StatisticsRun:
    """Compute the run, one municipality at a time, saving progress after each."""
    period = Period.fiscal_year(run.fiscal_year)
    StatisticsRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, started_at=timezone.now())
    try:
        area = run_area(run)
        munis = run_municipalities(area)
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


@task()
def statistics_run_task(run_id: int) -> None:
    statistics_run_execute(StatisticsRun.objects.get(pk=run_id))
