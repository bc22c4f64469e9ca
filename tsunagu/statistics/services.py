"""Writes of the statistics app: starting and running a 年度 run in the background.

A prefecture's 年度 means every municipality of it × every indicator, so it is queued as a task
(``tasks.statistics_run_task``, which also computes it) and the screen polls its progress. The
result holds figures only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tsunagu.core.audit import audit_record
from tsunagu.core.dates import fiscal_year
from tsunagu.core.models import AuditAction
from tsunagu.organizations import guards
from tsunagu.organizations.roles import Permission

from .indicators import Area
from .models import StatisticsRun
from .tasks import run_area, run_municipalities, statistics_run_task

if TYPE_CHECKING:
    from tsunagu.organizations.models import User

__all__ = ["EARLIEST_FISCAL_YEAR", "run_area", "statistics_run_start"]

EARLIEST_FISCAL_YEAR = 2015  # the 制度 began in April 2015


def statistics_run_start(*, actor: User, area: Area, fiscal_year_: int) -> StatisticsRun:
    """Queue a 年度 run for an area the actor may see (the caller resolved it through selectors)."""
    guards.require(actor, Permission.STATISTICS_VIEW)
    current = fiscal_year(timezone.localdate())
    if not EARLIEST_FISCAL_YEAR <= fiscal_year_ <= current:
        raise ValidationError(
            {
                "fiscal_year": f"年度は{EARLIEST_FISCAL_YEAR}年度から{current}年度（今年度）までで指定してください。"
            }
        )
    with transaction.atomic():
        run = StatisticsRun.objects.create(
            requested_by=actor,
            area_kind=area.kind,
            area_id=area.id,
            area_name=area.name,
            area_agency_id=area.agency_id,
            fiscal_year=fiscal_year_,
            progress_total=len(run_municipalities(area)) + 1,
        )
        audit_record(
            actor=actor,
            action=AuditAction.EXPORT,
            obj=run,
            details={"what": "statistics_run", "area": area.name, "fiscal_year": fiscal_year_},
        )
        transaction.on_commit(lambda: statistics_run_task.enqueue(run.pk))
    return run
